"""Plugin loading for ``--plugin-modules`` and ``\\import_plugins`` (see docs/plugins.md).

A plugin is a folder with ``__init__.py``, a ``.py`` file, or an importable module name. Its
module-level functions decorated with :func:`directive` or :func:`template_function` are
registered in ``dgenerate_core.registries.script``. Loading the same plugin again is harmless.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterable, TypeVar

from dgenerate_core.errors import DgenerateError
from dgenerate_core.registries import script as script_registry

F = TypeVar("F", bound=Callable[..., Any])
MARK = "__dgenerate_plugin__"

_loaded: dict[str, ModuleType] = {}


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


def load_plugin_modules(paths: Iterable[str]) -> list[ModuleType]:
    """Load each plugin (folder, ``.py`` file or module name) and register what it provides."""
    modules = []
    for spec in paths:
        try:
            key, module, new = _load_one(spec)
        except DgenerateError:
            raise
        except SyntaxError as ex:
            raise PluginError(
                f'Error loading plugin module "{spec}": SyntaxError: {ex.msg} '
                f"(line {ex.lineno})") from ex
        except Exception as ex:
            raise PluginError(f'Error loading plugin module "{spec}": {type(ex).__name__}: {ex}') from ex
        if new:
            register_module(module, spec)
            _loaded[key] = module
        modules.append(module)
    return modules


def plugin_members(module: ModuleType) -> list[tuple[str, str, Callable[..., Any], str | None]]:
    """The ``(kind, name, fn, help)`` of every marked function defined in ``module``."""
    found = []
    for value in list(vars(module).values()):
        mark = getattr(value, MARK, None) if callable(value) else None
        if isinstance(mark, tuple) and len(mark) == 3:
            kind, name, help_text = mark
            found.append((kind, name, value, help_text or (value.__doc__ or "").strip() or None))
    return found


def register_module(module: ModuleType, shown: str = "") -> None:
    """Register the directives and template functions marked in ``module``."""
    members = plugin_members(module)
    if not members:
        return
    for kind, name, fn, help_text in members:
        try:
            if kind == "directive":
                script_registry.register_directive(name.lstrip("\\"), fn, help_text)
            else:
                script_registry.register_function(name, fn, help_text)
        except DgenerateError as ex:
            raise PluginError(f'Plugin module "{shown or module.__name__}": {ex}') from None
