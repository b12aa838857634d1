"""The IP-adapter image sub-syntax of ``--image-seeds`` (usage.md §3.6).

``group ("," group)*``, one group per ``--ip-adapters`` model; ``image ("+" image)*`` in a
group; ``path ("|" key "=" value)*`` per image with ``resize``, ``align`` (default 1) and
``aspect`` (default true). Quotes protect ``,``, ``+`` and ``|`` inside URLs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from dgenerate_core.errors import UsageError
from dgenerate_core.uri import split_parts, unquote

ADAPTER_KEYS = ("resize", "align", "aspect")
_SIZE_RE = re.compile(r"^\s*(\d+)\s*(?:[xX]\s*(\d+))?\s*$")


@dataclass(frozen=True)
class AdapterImage:
    """One IP-adapter image and how to resize it (never by ``--output-size``)."""

    path: str
    resize: tuple[int, int] | None = None
    align: int = 1
    aspect: bool = True


def _size(value: str, error: Callable[[str], UsageError]) -> tuple[int, int]:
    match = _SIZE_RE.match(value)
    if not match:
        raise error(f'adapter image resize: "{value}" is not a size, use W or WxH')
    width = int(match.group(1))
    height = int(match.group(2)) if match.group(2) else width
    if width <= 0 or height <= 0:
        raise error(f'adapter image resize: "{value}" must be greater than 0')
    return (width, height)


def _image(text: str, error: Callable[[str], UsageError],
           exists: Callable[[str], bool]) -> AdapterImage:
    pieces = split_parts(text, "--image-seeds", "|")
    path = unquote(pieces[0]).strip()
    if not path:
        raise error("Missing IP adapter image definition, stray comma or plus?")
    args: dict[str, str] = {}
    for piece in pieces[1:]:
        key, sep, value = piece.partition("=")
        key = key.strip().lower()
        if not sep or key not in ADAPTER_KEYS:
            raise error(f'unknown IP adapter image argument "{piece.strip()}", valid arguments '
                        f'are: ' + ", ".join(ADAPTER_KEYS))
        if key in args:
            raise error(f'Duplicate IP adapter image argument "{key}"')
        args[key] = unquote(value).strip()
    if path.lower().endswith((".pt", ".pth", ".safetensors")):
        raise error(f'"{path}": latents tensors cannot be used as IP adapter images')
    if not exists(path):
        raise error(f'Adapter image file "{path}" does not exist.')
    image = AdapterImage(path)
    if "resize" in args:
        image = AdapterImage(path, _size(args["resize"], error))
    align, aspect = 1, True
    if "align" in args:
        try:
            align = int(args["align"])
        except ValueError:
            raise error(f'adapter image align: "{args["align"]}" is not an integer') from None
        if align < 1:
            raise error(f"adapter image align: {align} must be 1 or more")
    if "aspect" in args:
        if args["aspect"].lower() not in ("true", "false"):
            raise error(f'adapter image aspect: "{args["aspect"]}" must be true or false')
        aspect = args["aspect"].lower() == "true"
    return AdapterImage(path, image.resize, align, aspect)


def parse_adapter_spec(text: str, error: Callable[[str], UsageError],
                       exists: Callable[[str], bool]) -> tuple[tuple[AdapterImage, ...], ...]:
    """The image groups of an ``adapter:`` prefix or ``adapter=`` value."""
    groups = []
    for group in split_parts(text, "--image-seeds", ","):
        if not group.strip():
            raise error("Missing IP adapter image definition, stray comma?")
        images = tuple(_image(item, error, exists)
                       for item in split_parts(group.strip(), "--image-seeds", "+"))
        groups.append(images)
    return tuple(groups)
