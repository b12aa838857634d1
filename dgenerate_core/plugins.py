"""Plugin loading for ``--plugin-modules`` and ``\\import_plugins`` (see docs/plugins.md).

A plugin is a folder with ``__init__.py``, a ``.py`` file, or an importable module name. All seven
kinds are found the same way, in the module's attributes: functions decorated with
:func:`directive` or :func:`template_function`, and subclasses of ``ImageProcessor``,
``LatentsProcessor``, ``SubCommand``, ``PromptWeighter`` and ``PromptUpscaler``. Every plugin
gets a status (:func:`plugin_status`); one that fails is reported in one line and the others still
load. A name that a built-in or another plugin already has is an error naming both. Loading the
same plugin again is harmless.

The base classes live on higher floors, which register them in ``registries.plugin_kinds``
(a plugin that subclasses a base has imported it), so this floor imports nothing above it.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import logging
import os
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterable, TypeVar

from dgenerate_core import prompt_registry
from dgenerate_core.errors import DgenerateError
from dgenerate_core.registries import plugin_kinds
from dgenerate_core.registries import script as script_registry

F = TypeVar("F", bound=Callable[..., Any])
MARK = "__dgenerate_plugin__"

_LOG = logging.getLogger("dgenerate")
_loaded: dict[str, ModuleType] = {}
#: (kind label, name) -> the plugin (as the user named it) that provides it
_claimed: dict[tuple[str, str], str] = {}
#: one record per plugin named so far: spec -> (status, error line or "")
_status: dict[str, tuple[str, str]] = {}

#: kind label -> (module, base class, module, function returning the name -> class table);
#: the function is called with the extra argument when one is given
#: the plugin class kinds (their bases and taken names: registries.plugin_kinds)
CLASS_KINDS = ("image processor", "latents processor", "sub-command", "prompt weighter",
               "prompt upscaler")
#: the prompt kinds live in a registry table (the others are found by scanning loaded modules)
PROMPT_KINDS = {"prompt weighter": "prompt-weighter", "prompt upscaler": "prompt-upscaler"}


class PluginError(DgenerateError):
    """A plugin that cannot be found, imported or registered."""


def directive(name: str | None = None, help: str | None = None) -> Callable[[F], F]:
    """Mark ``fn(args: list[str]) -> int | None`` as the config directive ``\\name``."""
    return _marker("directive", name, help)


def template_function(name: str | None = None, help: str | None = None) -> Callable[[F], F]:
    """Mark ``fn(...)`` as a template function callable from templates and ``\\setp``."""
    return _marker("function", name, help)


def _marker(kind: str, name: str | None, help_text: str | None) -> Callable[[F], F]:
    if callable(name):  # used bare: @directive
        fn = name
        setattr(fn, MARK, (kind, fn.__name__, None))
        return fn  # type: ignore[return-value]

    def mark(fn: F) -> F:
        setattr(fn, MARK, (kind, name or fn.__name__, help_text))
        return fn

    return mark


def loaded_modules() -> list[ModuleType]:
    """Every plugin module loaded so far, in load order (other subsystems scan these for classes)."""
    return list(_loaded.values())


def _unique_name(path: Path) -> str:
    stem = re.sub(r"\W", "_", path.stem if path.suffix == ".py" else path.name) or "plugin"
    digest = hashlib.sha1(str(path).encode("utf-8")).hexdigest()[:10]
    return f"dgenerate_plugin_{stem}_{digest}"


def _import_path(path: Path, shown: str) -> ModuleType:
    if path.is_dir():
        init = path / "__init__.py"
        if not init.is_file():
            raise PluginError(f'Plugin folder "{shown}" has no __init__.py')
        spec = importlib.util.spec_from_file_location(
            _unique_name(path), init, submodule_search_locations=[str(path)])
    else:
        spec = importlib.util.spec_from_file_location(_unique_name(path), path)
    if spec is None or spec.loader is None:
        raise PluginError(f'Cannot load plugin module "{shown}"')
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(spec.name, None)
        raise
    return module


def _looks_like_path(text: str) -> bool:
    return text.endswith(".py") or os.sep in text or "/" in text or text.startswith((".", "~"))


def _load_one(spec: str) -> tuple[str, ModuleType, bool]:
    """Load one plugin; return (key, module, newly_loaded)."""
    expanded = os.path.expanduser(spec)
    path = Path(expanded)
    if path.exists():
        key = str(path.resolve())
        if key in _loaded:
            return key, _loaded[key], False
        return key, _import_path(path.resolve(), spec), True
    if _looks_like_path(spec):
        raise PluginError(f'Plugin module "{spec}" not found: no such file or folder')
    key = "module:" + spec
    if key in _loaded:
        return key, _loaded[key], False
    try:
        return key, importlib.import_module(spec), True
    except ModuleNotFoundError as ex:
        if ex.name and spec.startswith(ex.name):
            raise PluginError(
                f'Plugin module "{spec}" not found: not a folder with __init__.py, a .py file, '
                f"or an importable module name") from None
        raise


def plugin_status() -> dict[str, tuple[str, str]]:
    """Plugin as named -> ``(status, error)``: "loaded", "already loaded" or "failed"."""
    return dict(_status)


def load_plugin_modules(paths: Iterable[str]) -> list[ModuleType]:
    """Load each plugin (folder, ``.py`` file or module name) and register what it provides.

    A plugin that fails does not stop the others; afterwards one :class:`PluginError` lists one
    line per failed plugin.
    """
    modules, errors = [], []
    for spec in paths:
        try:
            module, new = _load_and_register(spec)
        except PluginError as ex:
            _status[spec] = ("failed", str(ex))
            errors.append(str(ex))
            continue
        _status[spec] = ("loaded" if new else "already loaded", "")
        _LOG.debug('Plugin "%s": %s', spec, _status[spec][0])
        modules.append(module)
    if errors:
        raise PluginError("\n".join(errors))
    return modules


def _load_and_register(spec: str) -> tuple[ModuleType, bool]:
    try:
        key, module, new = _load_one(spec)
    except DgenerateError as ex:
        raise PluginError(str(ex)) from None
    except SyntaxError as ex:
        raise PluginError(f'Error loading plugin module "{spec}": SyntaxError: {ex.msg} '
                          f"(line {ex.lineno})") from ex
    except Exception as ex:
        raise PluginError(f'Error loading plugin module "{spec}": {type(ex).__name__}: {ex}') from ex
    if new:
        register_module(module, spec)
        _loaded[key] = module
    return module, new


def plugin_members(module: ModuleType) -> list[tuple[str, str, Callable[..., Any], str | None]]:
    """The ``(kind, name, fn, help)`` of every marked function defined in ``module``."""
    found = []
    for value in list(vars(module).values()):
        mark = getattr(value, MARK, None) if callable(value) else None
        if isinstance(mark, tuple) and len(mark) == 3:
            kind, name, help_text = mark
            found.append((kind, name, value, help_text or (value.__doc__ or "").strip() or None))
    return found


def _base(kind: str) -> type | None:
    """The base class of ``kind``; None while no module has defined it (so no plugin subclasses
    it: a plugin imports the base it subclasses, which registers it)."""
    return plugin_kinds.BASES.get(kind)


def plugin_classes(module: ModuleType) -> list[tuple[str, str, type]]:
    """The ``(kind label, name, class)`` of every plugin class in ``module``.

    Classes of dgenerate itself imported into the plugin (a base to subclass) are not plugins.
    """
    found = []
    for value in list(vars(module).values()):
        if not isinstance(value, type) or value.__module__.startswith("dgenerate_core."):
            continue
        for kind in CLASS_KINDS:
            base = _base(kind)
            if base is not None and issubclass(value, base):
                names = value.names() if hasattr(value, "names") else ()
                found += [(kind, str(name), value) for name in names]
    return found


def _existing(kind: str) -> dict[str, Any]:
    """Name -> what already has it (class, or function of a directive / template function)."""
    if kind in ("directive", "template function"):  # the tables hold what is registered now
        table = script_registry.DIRECTIVES if kind == "directive" else script_registry.FUNCTIONS
        return {name: entry.fn for name, entry in table.items()}
    taken = plugin_kinds.TAKEN.get(kind)
    return dict(taken()) if taken is not None else {}


def _shown(kind: str, name: str) -> str:
    return f'{kind} "\\{name}"' if kind == "directive" else f'{kind} "{name}"'


def _check_collisions(members: list[tuple[str, str, Any]], shown: str) -> None:
    tables: dict[str, dict[str, Any]] = {}
    seen: dict[tuple[str, str], Any] = {}
    for kind, name, value in members:
        table = tables.setdefault(kind, _existing(kind))
        where = ""
        if table.get(name, value) is not value:
            owner = _claimed.get((kind, name))
            where = f'plugin "{owner}"' if owner else "dgenerate (built in)"
        elif seen.setdefault((kind, name), value) is not value:
            where = f"another {kind} of the same plugin"
        if where:
            raise PluginError(f'Plugin "{shown}": {_shown(kind, name)} is already provided by '
                              f"{where}")


def register_module(module: ModuleType, shown: str = "") -> None:
    """Register every plugin of ``module`` (after checking that no name is taken)."""
    shown = shown or module.__name__
    functions = [("directive" if kind == "directive" else "template function",
                  name.lstrip("\\"), fn, help_text)
                 for kind, name, fn, help_text in plugin_members(module)]
    classes = plugin_classes(module)
    _check_collisions([(k, n, v) for k, n, v, _ in functions] + classes, shown)
    for kind, name, fn, help_text in functions:
        try:
            if kind == "directive":
                script_registry.register_directive(name, fn, help_text)
            else:
                script_registry.register_function(name, fn, help_text)
        except DgenerateError as ex:
            raise PluginError(f'Plugin "{shown}": {ex}') from None
        _claimed[(kind, name)] = shown
    for kind, name, cls in classes:
        if kind in PROMPT_KINDS:
            prompt_registry.register(PROMPT_KINDS[kind], cls, (name,))
        _claimed[(kind, name)] = shown
