"""--scheduler URIs: pick a compatible scheduler class by name, with config overrides; help text."""

from __future__ import annotations

import inspect
from typing import Any

from dgenerate_core.errors import UsageError
from dgenerate_core.pipelines.uris import parse_uri, parse_value, split_uri, unquote

_ORIGINAL = "_dgenerate_original_scheduler"


def compatible_schedulers(pipe: Any) -> dict[str, type]:
    """Class name -> class of every scheduler the pipeline's own scheduler is compatible with."""
    own = _original(pipe)
    found = {c.__name__: c for c in getattr(own, "compatibles", []) if isinstance(c, type)}
    found[type(own).__name__] = type(own)
    if "DDIMScheduler" in found:  # LCM works with every epsilon / v-prediction UNet model
        import diffusers

        found["LCMScheduler"] = diffusers.LCMScheduler
    return dict(sorted(found.items()))


def remember_original(pipe: Any, scheduler: Any = None) -> None:
    """Record the model's own scheduler (``scheduler`` or the current one) on ``pipe``."""
    object.__setattr__(pipe, _ORIGINAL, scheduler if scheduler is not None else pipe.scheduler)


def original_scheduler(pipe: Any) -> Any:
    """The scheduler the model was loaded with."""
    return _original(pipe)


def _original(pipe: Any) -> Any:
    """The scheduler the model was loaded with (remembered on the first swap)."""
    orig = getattr(pipe, _ORIGINAL, None)
    if orig is None:
        orig = pipe.scheduler
        object.__setattr__(pipe, _ORIGINAL, orig)
    return orig


def _init_params(cls: type) -> dict[str, inspect.Parameter]:
    params = inspect.signature(cls.__init__).parameters
    return {n: p for n, p in params.items() if n != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}


def _find_class(name: str, compat: dict[str, type], option: str) -> type:
    if name in compat:
        return compat[name]
    matches = [c for n, c in compat.items() if n.lower().startswith(name.lower())]
    if name and matches:
        return matches[0]
    raise UsageError(f'{option}: scheduler named "{name}" is not a valid compatible scheduler, '
                     "options are: " + ", ".join(f'"{n}"' for n in compat))


def make_scheduler(pipe: Any, uri: str, option: str = "--scheduler") -> Any:
    """Build the scheduler an URI names, from the model's own scheduler config plus overrides."""
    if uri.strip().lower() in ("help", "helpargs"):
        raise UsageError(f'{option}: "{uri}" cannot be used here, it prints scheduler help')
    compat = compatible_schedulers(pipe)
    name = unquote(split_uri(uri)[0]) if uri.strip() else ""
    cls = _find_class(name, compat, option)
    params = _init_params(cls)
    allowed = ["clone-config"] + [n.replace("_", "-") for n in params]
    parsed = parse_uri(uri, option, allowed)
    clone = parsed.get_bool("clone-config", True)
    overrides = {k.replace("-", "_"): parse_value(v) for k, v in parsed.args.items()
                 if k != "clone-config"}
    _check_choices(cls, params, overrides, option)
    try:
        if clone:
            return cls.from_config(_original(pipe).config, **overrides)
        return cls(**overrides)
    except (TypeError, ValueError, ImportError) as e:
        raise UsageError(f'{option} "{uri}": {str(e).splitlines()[0]}') from e


def set_scheduler(pipe: Any, uri: str | None, option: str = "--scheduler") -> None:
    """Give ``pipe`` the scheduler named by ``uri``; None restores the model's own scheduler."""
    if uri is None:
        pipe.scheduler = _original(pipe)
        return
    pipe.scheduler = make_scheduler(pipe, uri, option)


def _members(ann: Any) -> list[Any]:
    """The members of a Union / Optional annotation (itself otherwise)."""
    import types
    import typing

    if typing.get_origin(ann) in (typing.Union, types.UnionType):
        return [m for a in typing.get_args(ann) for m in _members(a)]
    return [ann]


def _literal_choices(ann: Any) -> list[Any] | None:
    """The allowed values of a Literal (or Optional[Literal]) annotation, else None."""
    import typing

    choices = [c for m in _members(ann) if typing.get_origin(m) is typing.Literal
               for c in typing.get_args(m)]
    return choices or None


def _member_name(ann: Any) -> str:
    import typing

    if ann is type(None):
        return "None"
    origin = typing.get_origin(ann)
    if origin is typing.Literal:
        return type(typing.get_args(ann)[0]).__name__
    if origin is not None:
        ann = origin
    name = getattr(ann, "__name__", str(ann).replace("typing.", ""))
    return "list" if name in ("ndarray", "List", "Sequence", "tuple") else name


def _type_name(param: inspect.Parameter) -> str:
    """A short type: ``int``, ``str`` (for Literal), ``list | None`` (ndarray / list[float])."""
    ann = param.annotation
    if ann is inspect.Parameter.empty:
        return type(param.default).__name__ if param.default is not None else "Any"
    names: list[str] = []
    for member in _members(ann):
        name = _member_name(member)
        if name not in names:
            names.append(name)
    if "None" in names:  # None last, as written in the manual
        names.remove("None")
        names.append("None")
    return " | ".join(names)


def _check_choices(cls: type, params: dict[str, inspect.Parameter], overrides: dict[str, Any],
                   option: str) -> None:
    """Enum-like (Literal) scheduler arguments only take their listed values."""
    for name, value in overrides.items():
        param = params.get(name)
        choices = _literal_choices(param.annotation) if param is not None else None
        if choices is None or value in choices:
            continue
        if value is None and type(None) in _members(param.annotation):
            continue
        raise UsageError(f'{option}: invalid value "{value}" for argument "{name.replace("_", "-")}" '
                         f'of scheduler "{cls.__name__}", valid options are: '
                         + ", ".join(str(c) for c in choices))


def scheduler_args(cls: type) -> list[str]:
    """``name: type = default`` lines of a scheduler's URI arguments."""
    lines = ["clone-config: bool = True"]
    for name, p in _init_params(cls).items():
        default = "" if p.default is inspect.Parameter.empty else f" = {p.default}"
        lines.append(f"{name.replace('_', '-')}: {_type_name(p)}{default}")
    return lines


def scheduler_help(pipe: Any, with_args: bool = False, model_name: str | None = None) -> str:
    """The ``--scheduler help`` / ``helpargs`` text: compatible scheduler names (and arguments)."""
    name = model_name or getattr(pipe, "_dgenerate_model_path", None) or type(pipe).__name__
    lines = [f'Compatible schedulers for "{name}" are:', ""]
    for cname, cls in compatible_schedulers(pipe).items():
        if not with_args:
            lines.append(f'    "{cname}"')
            continue
        lines.append(f"    {cname}:")
        lines.extend("        " + a for a in scheduler_args(cls))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
