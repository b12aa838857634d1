"""The shared ``PATH;key=value;key="quoted value"`` URI syntax of dgenerate option values.

Used by every URI-valued option (``--vae``, ``--loras``, ``--schedulers`` ...), image/latents
processors, prompt weighters and upscalers, and plugins. The first part is the path (or class
name); the others are ``key=value`` pairs in any order. Single or double quotes protect ``;``
inside a value, which is how nested URIs are written: ``quantizer="bnb;bits=8"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from dgenerate_core.errors import UsageError

_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off")


def _where(option: str, key: str) -> str:
    where = f"{option} URI" if option else "URI"
    return f"{where} argument '{key}'" if key else where


def as_bool(text: str, key: str = "", option: str = "") -> bool:
    """``true/false`` (also 1/0, yes/no, on/off, any case) → bool; else ``UsageError``."""
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise UsageError(f"{_where(option, key)}: expected true or false, got {text!r}")


def as_float(text: str, key: str = "", option: str = "") -> float:
    """A float value; else ``UsageError`` naming the option and key."""
    try:
        return float(text.strip()) if text.isascii() else float("not ascii")  # no "８"
    except ValueError:
        raise UsageError(f"{_where(option, key)}: expected a number, got {text!r}") from None


def as_int(text: str, key: str = "", option: str = "") -> int:
    """An integer value; else ``UsageError`` naming the option and key."""
    try:
        return int(text.strip()) if text.isascii() else int("not ascii")  # no "８"
    except ValueError:
        raise UsageError(f"{_where(option, key)}: expected an integer, got {text!r}") from None


def unquote(text: str) -> str:
    """Strip one pair of matching outer quotes (and their ``\\"`` escapes) from ``text``."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        quote = text[0]
        return text[1:-1].replace("\\" + quote, quote)
    return text


def _opens_quote(current: list[str]) -> bool:
    """A quote opens only at the start of a part or right after ``key=``."""
    before = "".join(current).strip()
    return not before or before.endswith("=")


def split_parts(text: str, option: str = "", sep: str = ";") -> list[str]:
    """Split ``text`` on ``sep`` outside quoted values (quotes open a part or follow ``=``)."""
    parts: list[str] = []
    current: list[str] = []
    quote: str | None = None
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\" and i + 1 < len(text) and text[i + 1] == quote:
                current.append(text[i:i + 2])
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "\"'" and _opens_quote(current):
            quote = ch
        elif ch == sep:
            parts.append("".join(current))
            current = []
            i += 1
            continue
        current.append(ch)
        i += 1
    if quote:
        raise UsageError(f"{_where(option, '')}: unterminated {quote} quote in {text!r}")
    parts.append("".join(current))
    return parts


@dataclass
class ParsedURI:
    """A parsed URI: the ``path`` (first part), ``args`` by key, and any extra bare parts."""

    path: str
    args: dict[str, str] = field(default_factory=dict)
    bare: list[str] = field(default_factory=list)
    option: str = ""

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.args.get(key, default)

    def get_bool(self, key: str, default: bool | None = None) -> bool | None:
        return as_bool(self.args[key], key, self.option) if key in self.args else default

    def get_float(self, key: str, default: float | None = None) -> float | None:
        return as_float(self.args[key], key, self.option) if key in self.args else default

    def get_int(self, key: str, default: int | None = None) -> int | None:
        return as_int(self.args[key], key, self.option) if key in self.args else default


def parse_uri(text: str, known_keys: Iterable[str] | None = None, option: str = "--vae",
              allow_bare: bool = False) -> ParsedURI:
    """Parse ``PATH;key=value;...``; unknown or repeated keys raise ``UsageError``.

    ``known_keys`` None accepts any key. With ``allow_bare`` the parts after the first that have
    no ``=`` are collected in ``bare`` (e.g. ``AutoencoderKL;my_vae.safetensors``).
    """
    parts = split_parts(text, option)
    path = unquote(parts[0])
    if not path:
        raise UsageError(f"{_where(option, '')}: missing path in {text!r}")
    known = None if known_keys is None else set(known_keys)
    result = ParsedURI(path=path, option=option)
    for part in parts[1:]:
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or (key[:1] in "\"'" and key):
            if not allow_bare:
                raise UsageError(f"{_where(option, '')}: expected key=value, got {part.strip()!r}")
            result.bare.append(unquote(part))
            continue
        if not key:
            raise UsageError(f"{_where(option, '')}: missing key before '=' in {part.strip()!r}")
        if known is not None and key not in known:
            allowed = ", ".join(sorted(known)) or "none"
            raise UsageError(f"{option} URI: unknown argument '{key}' (accepted: {allowed})")
        if key in result.args:
            raise UsageError(f"{_where(option, key)} given more than once")
        result.args[key] = unquote(value)
    return result


def quote_value(value: str) -> str:
    """Quote a value when needed so that ``parse_uri`` gives it back unchanged."""
    plain = value and value == value.strip() and not any(c in value for c in ";=\"'")
    if plain:
        return value
    if '"' not in value:
        return f'"{value}"'
    if "'" not in value:
        return f"'{value}'"
    return '"' + value.replace('"', '\\"') + '"'


def format_uri(path: str, args: dict[str, str] | None = None) -> str:
    """Build ``path;key=value`` text that ``parse_uri`` reads back to ``path`` and ``args``."""
    pieces = [quote_value(path)]
    pieces += [f"{k}={quote_value(str(v))}" for k, v in (args or {}).items()]
    return ";".join(pieces)
