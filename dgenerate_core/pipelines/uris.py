"""Component URIs ``CONCEPT;name=value;...``: the shared splitting of ``dgenerate_core.uri`` with
messages that quote the whole URI, plus typed values for scheduler arguments."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any, Iterable

from dgenerate_core.errors import UsageError
from dgenerate_core.uri import split_parts, unquote as shared_unquote

DTYPE_NAMES = ("auto", "bfloat16", "float16", "float32")


def split_uri(text: str) -> list[str]:
    """Split on ``;`` outside quoted values (the shared rules of ``dgenerate_core.uri``)."""
    try:
        return split_parts(text)
    except UsageError as e:
        raise ValueError(str(e).split(": ", 1)[-1]) from None


def unquote(value: str) -> str:
    """Strip one pair of matching outer quotes (shared rules of ``dgenerate_core.uri``)."""
    return shared_unquote(value)


@dataclass
class Uri:
    """A parsed URI: its concept (path or class name) and its named arguments."""

    option: str
    raw: str
    concept: str
    args: dict[str, str] = field(default_factory=dict)

    def fail(self, message: str) -> UsageError:
        """A UsageError naming the option and the URI."""
        return UsageError(f'{self.option} "{self.raw}": {message}')

    def get(self, name: str, default: Any = None) -> Any:
        return self.args.get(name, default)

    def get_float(self, name: str, default: float | None = None) -> float | None:
        if name not in self.args:
            return default
        try:
            return float(self.args[name])
        except ValueError:
            raise self.fail(f'argument "{name}" must be a number, not "{self.args[name]}"') from None

    def get_bool(self, name: str, default: bool = False) -> bool:
        if name not in self.args:
            return default
        value = self.args[name].lower()
        if value not in ("true", "false"):
            raise self.fail(f'argument "{name}" must be true or false, not "{self.args[name]}"')
        return value == "true"

    def get_dtype(self, default: str | None) -> str | None:
        value = self.args.get("dtype", default)
        if value is not None and value.lower() not in DTYPE_NAMES:
            raise self.fail(f'invalid dtype "{value}", use one of: ' + ", ".join(DTYPE_NAMES))
        return None if value is None else value.lower()

    def reject(self, names: Iterable[str], why: str) -> None:
        """Raise when one of ``names`` was given (e.g. arguments invalid for single files)."""
        bad = [n for n in names if n in self.args]
        if bad:
            raise self.fail(f'argument "{bad[0]}" {why}')


def parse_uri(text: str, option: str, allowed: Iterable[str]) -> Uri:
    """Parse ``CONCEPT;name=value;...``; UsageError naming ``option`` for a malformed URI."""
    allowed = tuple(allowed)
    raw = text
    try:
        parts = split_uri(text)
    except ValueError as e:
        raise UsageError(f'{option} "{raw}": {e}') from None
    uri = Uri(option, raw, unquote(parts[0]))
    if not uri.concept:
        raise uri.fail("missing model path or name before the first \";\"")
    for part in parts[1:]:
        if not part.strip():
            raise uri.fail('empty argument, stray ";" delimiter?')
        if "=" not in part:
            raise uri.fail(f'argument "{part.strip()}" is missing a value assignment (name=value)')
        name, value = (s.strip() for s in part.split("=", 1))
        if name not in allowed:
            raise uri.fail(f'unknown argument "{name}", valid arguments: ' + ", ".join(allowed))
        if name in uri.args:
            raise uri.fail(f'argument "{name}" given twice')
        if not value:
            raise uri.fail(f'argument "{name}" is missing its value')
        uri.args[name] = unquote(value)
    return uri


def parse_value(text: str) -> Any:
    """A URI value as bool, None, int, float, list (python literal or CSV) or str."""
    low = text.strip().lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("none", "null"):
        return None
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    try:
        value = ast.literal_eval(text)
        if isinstance(value, (list, tuple, dict)):
            return list(value) if isinstance(value, tuple) else value
    except (ValueError, SyntaxError):
        pass
    if "," in text:
        return [parse_value(p) for p in text.split(",")]
    return text
