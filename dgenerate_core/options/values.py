"""Parsers for single option values: each takes the text and returns the value or raises ValueError.

The message of the ValueError is one line without the option name; the argparse layer prefixes
the option. Parsers carry a ``kind`` attribute (INT, FLOAT, SIZE ...) for help and the console.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable
from dgenerate_core.errors import UsageError
from dgenerate_core.uri import split_parts

Parser = Callable[[str], Any]

MODEL_TYPES: tuple[str, ...] = (
    "sd", "pix2pix", "sdxl", "sdxl-pix2pix", "kolors", "upscaler-x2", "upscaler-x4", "if", "ifs",
    "ifs-img2img", "s-cascade", "sd3", "sd3-pix2pix", "flux", "flux-fill", "flux-kontext",
)
DTYPES: tuple[str, ...] = ("auto", "bfloat16", "float16", "float32")
TENSOR_FORMATS: tuple[str, ...] = ("pt", "pth", "safetensors")
IMAGE_FORMATS: tuple[str, ...] = tuple(
    "png apng avif avifs blp bmp dib bufr pcx dds ps eps gif grib h5 hdf jp2 j2k jpc jpf jpx j2c "
    "icns ico im jfif jpe jpg jpeg tif tiff mpo msp palm pdf pbm pgm ppm pnm pfm qoi bw rgb rgba "
    "sgi tga icb vda vst webp wmf emf xbm".split()
) + TENSOR_FORMATS
ANIMATION_FORMATS: tuple[str, ...] = ("mp4", "png", "apng", "gif", "webp", "frames")
QUANTIZER_SUBMODULES: tuple[str, ...] = (
    "unet", "transformer", "text_encoder", "text_encoder_2", "text_encoder_3", "controlnet",
)
MASK_SHAPES: tuple[str, ...] = ("r", "rect", "rectangle", "c", "circle", "ellipse")
RAS_METRICS: tuple[str, ...] = ("std", "l2norm")


def _kind(kind: str, fn: Parser) -> Parser:
    fn.kind = kind  # type: ignore[attr-defined]
    return fn


def _ascii(text: str, expected: str) -> str:
    """``text`` if it is ASCII: ``int()`` and ``float()`` accept any Unicode digit (``８``)."""
    if not text.isascii():
        raise ValueError(f"expected {expected}, got {text!r}")
    return text


def _to_int(text: str) -> int:
    try:
        return int(_ascii(text, "an integer").strip())
    except ValueError:
        raise ValueError(f"expected an integer, got {text!r}") from None


def _to_float(text: str) -> float:
    try:
        value = float(_ascii(text, "a number").strip())
    except ValueError:
        raise ValueError(f"expected a number, got {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"expected a finite number, got {text!r}")
    return value


def _check_range(value: float, text: str, lo: float | None, hi: float | None,
                 lo_open: bool, hi_open: bool) -> None:
    bad_lo = lo is not None and (value <= lo if lo_open else value < lo)
    bad_hi = hi is not None and (value >= hi if hi_open else value > hi)
    if bad_lo or bad_hi:
        raise ValueError(f"value {text.strip()!r} {_range_text(lo, hi, lo_open, hi_open)}")


def _range_text(lo, hi, lo_open, hi_open) -> str:
    if lo is not None and hi is not None:
        left, right = ("(" if lo_open else "["), (")" if hi_open else "]")
        return f"must be in {left}{lo}, {hi}{right}"
    if lo is not None:
        return f"must be {'>' if lo_open else '>='} {lo}"
    return f"must be {'<' if hi_open else '<='} {hi}"


def int_range(lo: int | None = None, hi: int | None = None) -> Parser:
    """An integer parser checking ``lo <= value <= hi``."""
    def parse(text: str) -> int:
        value = _to_int(text)
        _check_range(value, text, lo, hi, False, False)
        return value
    return _kind("INT", parse)


def float_range(lo: float | None = None, hi: float | None = None,
                lo_open: bool = False, hi_open: bool = False) -> Parser:
    """A float parser checking the given (open or closed) bounds."""
    def parse(text: str) -> float:
        value = _to_float(text)
        _check_range(value, text, lo, hi, lo_open, hi_open)
        return value
    return _kind("FLOAT", parse)


INT = int_range()
FLOAT = float_range()
INT_POS = int_range(1)
INT_NONNEG = int_range(0)
FLOAT_NONNEG = float_range(0.0)
FLOAT_UNIT = float_range(0.0, 1.0)


def _text(text: str) -> str:
    return text


def _uri(text: str) -> str:
    if not text.strip():
        raise ValueError("empty URI")
    try:
        split_parts(text)
    except UsageError as ex:
        raise ValueError(str(ex).replace("URI: ", "", 1)) from None
    return text


STR = _kind("STR", _text)
URI = _kind("URI", _uri)
PATH = _kind("PATH", _text)


def enum(choices: Iterable[str], case_insensitive: bool = True, what: str = "value") -> Parser:
    """A parser accepting one of ``choices`` (lower-cased when case-insensitive)."""
    options = tuple(choices)

    def parse(text: str) -> str:
        value = text.strip().lower() if case_insensitive else text.strip()
        if value not in options:
            raise ValueError(f"unknown {what} {text!r}, expected one of: {', '.join(options)}")
        return value
    fn = _kind("ENUM", parse)
    fn.choices = options  # type: ignore[attr-defined]
    return fn


def _size(text: str, align: int) -> tuple[int, int]:
    parts = text.strip().lower().split("x")
    if len(parts) not in (1, 2) or not all(p.strip().isdigit() and p.isascii() for p in parts):
        raise ValueError(f"expected WIDTHxHEIGHT or one integer, got {text!r}")
    width = int(parts[0])
    height = int(parts[-1])
    if width < 1 or height < 1:
        raise ValueError(f"dimensions must be at least 1, got {text!r}")
    if align > 1 and (width % align or height % align):
        raise ValueError(f"dimensions must be divisible by {align}, got {text!r}")
    return width, height


SIZE = _kind("SIZE", lambda text: _size(text, 1))
SIZE8 = _kind("SIZE", lambda text: _size(text, 8))


def _coord(text: str) -> tuple[int, int]:
    parts = text.strip().split(",")
    try:
        x, y = (int(_ascii(p, "X,Y integers")) for p in parts)
    except ValueError:
        raise ValueError(f"expected X,Y integers, got {text!r}") from None
    return x, y


COORD = _kind("COORD", _coord)


def _pad(text: str) -> tuple[int, int, int, int]:
    parts = text.strip().lower().split("x")
    try:
        nums = [int(_ascii(p, "integers")) for p in parts]
    except ValueError:
        raise ValueError(f"expected N, HxV or LxTxRxB integers, got {text!r}") from None
    if len(nums) == 1:
        return nums[0], nums[0], nums[0], nums[0]
    if len(nums) == 2:
        return nums[0], nums[1], nums[0], nums[1]
    if len(nums) == 4:
        return nums[0], nums[1], nums[2], nums[3]
    raise ValueError(f"expected N, HxV or LxTxRxB integers, got {text!r}")


PAD = _kind("PAD", _pad)


def format_pad(value: tuple[int, int, int, int]) -> str:
    """The shortest ``N`` / ``HxV`` / ``LxTxRxB`` text for a normalised padding."""
    left, top, right, bottom = value
    if left == top == right == bottom:
        return str(left)
    if left == right and top == bottom:
        return f"{left}x{top}"
    return f"{left}x{top}x{right}x{bottom}"


def _freeu(text: str) -> tuple[float, float, float, float]:
    parts = text.split(",")
    if len(parts) != 4:
        raise ValueError(f"expected four comma separated numbers s1,s2,b1,b2, got {text!r}")
    return tuple(_to_float(p) for p in parts)  # type: ignore[return-value]


CSV_FLOAT4 = _kind("CSV_FLOAT", _freeu)


def _csv_ints_nonneg(text: str) -> tuple[int, ...]:
    parts = [p for p in text.split(",")]
    values = tuple(_to_int(p) for p in parts)
    if any(v < 0 for v in values):
        raise ValueError(f"values must be >= 0, got {text!r}")
    return values


CSV_INT = _kind("CSV_INT", _csv_ints_nonneg)


def _sada_range(text: str) -> tuple[int, int]:
    values = tuple(_to_int(p) for p in text.split(","))
    if len(values) != 2:
        raise ValueError(f"expected START,END, got {text!r}")
    start, end = values
    if start < 3 or end < 3:
        raise ValueError(f"steps must be at least 3, got {text!r}")
    if start > end:
        raise ValueError(f"start must not exceed end, got {text!r}")
    return start, end


SADA_RANGE = _kind("CSV_INT", _sada_range)


def _sigmas(text: str) -> str:
    stripped = text.strip()
    if stripped.lower().startswith("expr:"):
        if not stripped[5:].strip():
            raise ValueError("empty sigmas expression")
        return stripped
    for part in stripped.split(","):
        _to_float(part)
    return stripped


SIGMAS = _kind("CSV_FLOAT_OR_EXPRESSION", _sigmas)

_DEVICE_RE = re.compile(r"^(cpu|mps|(cuda|xpu)(:\d+)?)$", re.ASCII)


def _device(text: str) -> str:
    value = text.strip()
    if not _DEVICE_RE.match(value):
        raise ValueError(f"unknown device {text!r}, expected cpu, cuda, cuda:N, xpu, xpu:N or mps")
    return value


DEVICE = _kind("DEVICE", _device)


def _class_filter(text: str) -> int | str:
    value = text.strip()
    if value.isdigit() and value.isascii():
        return int(value)
    if not value:
        raise ValueError("empty class filter")
    return value


CLASS_FILTER = _kind("CLASS_FILTER", _class_filter)

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _assignment(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not _NAME_RE.match(name):
        raise ValueError(f"expected VARIABLE=VALUE with a valid variable name, got {text!r}")
    return name, value


ASSIGNMENT = _kind("ASSIGNMENT", _assignment)


_FORMATTERS: dict[str, Callable[[Any], str]] = {
    "SIZE": lambda v: f"{v[0]}x{v[1]}",
    "COORD": lambda v: f"{v[0]},{v[1]}",
    "PAD": format_pad,
    "CSV_FLOAT": lambda v: ",".join(str(x) for x in v),
    "CSV_INT": lambda v: ",".join(str(x) for x in v),
    "ASSIGNMENT": lambda v: f"{v[0]}={v[1]}",
}


def format_value(parser: Parser | None, value: Any) -> str:
    """Render one parsed value back to text that ``parser`` turns into the same value."""
    kind = getattr(parser, "kind", "STR")
    fmt = _FORMATTERS.get(kind)
    return fmt(value) if fmt else str(value)
