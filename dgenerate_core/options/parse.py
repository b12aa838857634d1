"""``parse_args``: the argparse parser built from the option table, and ``RenderOptions``."""

from __future__ import annotations

import argparse
import copy
import re
from typing import Any, Sequence

from dgenerate_core.errors import UsageError
from dgenerate_core.options.spec import FLAG, LIST, OPTLIST, OptionSpec
from dgenerate_core.options.table import BY_DEST, EXCLUSIVE_GROUPS, OPTIONS


class RenderOptions:
    """One parsed invocation: an attribute per option dest (unset: None, flags: False).

    ``explicit`` is the set of dests the user gave; ``variable_assignments`` lists the
    ``--set`` / ``--setp`` pairs in command line order as ``(kind, name, value)``.
    """

    def __init__(self, **values: Any) -> None:
        for spec in OPTIONS:
            setattr(self, spec.dest, False if spec.shape == FLAG else None)
        self.explicit: set[str] = set()
        self.variable_assignments: list[tuple[str, str, str]] = []
        explicit = values.pop("explicit", None)
        self.variable_assignments = list(values.pop("variable_assignments", []))
        for dest, value in values.items():
            if dest not in BY_DEST:
                raise AttributeError(f"unknown option dest {dest!r}")
            setattr(self, dest, value)
            if value is not None and value is not False:
                self.explicit.add(dest)
        if explicit is not None:
            self.explicit = set(explicit)

    def get(self, dest: str) -> Any:
        """The given value of ``dest``, else the table default (model-type defaults stay None)."""
        value = getattr(self, dest)
        if dest in self.explicit or (value is not None and value is not False):
            return value
        return copy.deepcopy(BY_DEST[dest].default) if BY_DEST[dest].default is not None else value

    def is_set(self, dest: str) -> bool:
        """True when the user gave ``dest``."""
        return dest in self.explicit

    def values(self) -> dict[str, Any]:
        """``{dest: value}`` for every option (unset ones included)."""
        return {spec.dest: getattr(self, spec.dest) for spec in OPTIONS}

    def copy(self) -> "RenderOptions":
        return copy.deepcopy(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RenderOptions):
            return NotImplemented
        return (self.values() == other.values() and self.explicit == other.explicit
                and self.variable_assignments == other.variable_assignments)

    def __repr__(self) -> str:
        given = ", ".join(f"{d}={getattr(self, d)!r}" for d in sorted(self.explicit))
        return f"RenderOptions({given})"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(_rewrite_error(message))


_ARG_RE = re.compile(r"^argument ([^:]+): (.*)$", re.S)


def _rewrite_error(message: str) -> str:
    """Turn an argparse message into one line that names the option."""
    message = " ".join(message.split())
    if message.startswith("unrecognized arguments:"):
        tokens = message.split(":", 1)[1].split()
        unknown = [t for t in tokens if t.startswith("-")]
        if unknown:
            return _unknown_option(unknown[0].split("=")[0])
        extra = tokens[0] if tokens else ""
        return f"unexpected argument {extra!r} (only one model path may be given)"
    match = _ARG_RE.match(message)
    if not match:
        return message
    names, detail = match.groups()
    detail = detail.replace("not allowed with argument", "cannot be used together with")
    detail = detail.replace("expected at least one argument", "expected at least one value")
    detail = detail.replace("expected one argument", "expected a value")
    detail = detail.replace("ignored explicit argument", "takes no value, got")
    return f"{names}: {detail}"


def _unknown_option(name: str) -> str:
    """``unknown option --x`` with the closest real spelling as a hint."""
    import difflib

    spellings = [n for spec in OPTIONS for n in spec.names if n.startswith("-")]
    close = difflib.get_close_matches(name, spellings, n=1, cutoff=0.75)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"unknown option {name}{hint}"


def _typed(spec: OptionSpec):
    parse = spec.parse

    def convert(text: str) -> Any:
        try:
            return parse(text)  # type: ignore[misc]
        except ValueError as ex:
            raise argparse.ArgumentTypeError(str(ex)) from None
    convert.__name__ = spec.kind.lower()
    return convert


class _AssignAction(argparse.Action):
    """``--set`` / ``--setp``: extend the dest and record the order across both options."""

    def __call__(self, parser, namespace, values, option_string=None):
        current = list(getattr(namespace, self.dest) or [])
        current.extend(values)
        setattr(namespace, self.dest, current)
        order = getattr(namespace, "variable_assignments", None) or []
        order.extend((self.dest, name, value) for name, value in values)
        namespace.variable_assignments = order


def _add(container, spec: OptionSpec) -> None:
    if spec.positional:
        container.add_argument(spec.dest, nargs="?", default=None, type=_typed(spec),
                               metavar=spec.metavar)
        return
    kw: dict[str, Any] = {"dest": spec.dest}
    if spec.shape == FLAG:
        kw.update(action="store_true", default=False)
    else:
        kw.update(default=None, type=_typed(spec), metavar=spec.metavar)
        if spec.shape == LIST:
            kw["nargs"] = "+"
        elif spec.shape == OPTLIST:
            kw["nargs"] = "*"
        if spec.extend:
            kw["action"] = _AssignAction
    container.add_argument(*spec.names, **kw)


_PARSER: _Parser | None = None


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser for every option of the table (cached)."""
    global _PARSER
    if _PARSER is None:
        parser = _Parser(prog="dgenerate", add_help=False, allow_abbrev=False)
        groups = {}
        for members in EXCLUSIVE_GROUPS:
            group = parser.add_mutually_exclusive_group()
            groups.update({dest: group for dest in members})
        for spec in OPTIONS:
            _add(groups.get(spec.dest, parser), spec)
        _PARSER = parser
    return _PARSER


def parse_args(argv: Sequence[str]) -> RenderOptions:
    """Parse a dgenerate command line into ``RenderOptions``; raises ``UsageError``."""
    namespace = build_parser().parse_args(list(argv))
    opts = RenderOptions()
    for spec in OPTIONS:
        value = getattr(namespace, spec.dest)
        setattr(opts, spec.dest, value)
        if value is not None and value is not False:
            opts.explicit.add(spec.dest)
    opts.variable_assignments = list(getattr(namespace, "variable_assignments", None) or [])
    return opts



def find_sub_command(argv: Sequence[str]) -> tuple[str, list[str]] | None:
    """``(name, other arguments)`` when ``argv`` holds ``--sub-command NAME``, else None.

    A sub-command replaces the whole argument set, so its arguments are never parsed here.
    """
    args = list(argv)
    for i, arg in enumerate(args):
        if arg == "--sub-command":
            if i + 1 >= len(args):
                raise UsageError("--sub-command: expected a sub-command name")
            return args[i + 1], args[:i] + args[i + 2:]
        if arg.startswith("--sub-command="):
            return arg.split("=", 1)[1], args[:i] + args[i + 1:]
    return None
