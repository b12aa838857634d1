"""Quantization backends as plain data, and the parsing of quantizer URIs (``bnb;bits=4``).

This module is the ground floor of the quantizers package: it imports no torch, diffusers or
transformers, so option checking, ``--quantizer-help`` and the console can use it freely.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from dgenerate_core.errors import UsageError
from dgenerate_core.options.values import QUANTIZER_SUBMODULES as SUBMODULES
from dgenerate_core.uri import split_parts, unquote

DEFAULT_MAP = ("unet", "transformer", "text_encoder", "text_encoder_2", "text_encoder_3")
TORCH_DTYPES = ("float16", "bfloat16", "float32", "uint8", "int8", "float8_e4m3fn",
                "float8_e5m2")
SDNQ_TYPES = ("int8", "int7", "int6", "int5", "int4", "int3", "int2",
              "uint8", "uint7", "uint6", "uint5", "uint4", "uint3", "uint2", "uint1", "bool",
              "float8_e4m3fn", "float8_e4m3fnuz", "float8_e5m2", "float8_e5m2fnuz")


@dataclass(frozen=True)
class Arg:
    """One URI argument of a backend: its name, type name, default and allowed values."""

    name: str
    type_name: str
    default: Any
    choices: tuple[str, ...] = ()
    check: Callable[[Any], str | None] | None = None  # returns an error text or None

    def default_text(self) -> str:
        if isinstance(self.default, str):
            return f'"{self.default}"'
        return str(self.default)


@dataclass(frozen=True)
class Backend:
    """A quantization backend: the names it answers to, its arguments, its help text and the
    Python module it needs (``have_feature`` / error lines name it)."""

    names: tuple[str, ...]
    args: tuple[Arg, ...]
    help: str
    module: str
    extra: str = "quantization"

    @property
    def name(self) -> str:
        return self.names[0]


@dataclass(frozen=True)
class Quantizer:
    """A parsed quantizer URI: backend name, typed argument values, and the text it came from."""

    backend: str
    values: tuple[tuple[str, Any], ...]
    text: str = field(compare=False, default="")

    def get(self, name: str) -> Any:
        return dict(self.values)[name]


def _bits(value: int) -> str | None:
    return None if value in (4, 8) else "must be 4 or 8"


def _not_negative(value: int) -> str | None:
    return None if value >= 0 else "must be >= 0"


_BNB_HELP = """
Quantization with bitsandbytes, through the BitsAndBytesConfig of diffusers (UNet, transformer,
ControlNet) and of transformers (text encoders, language models). Written "bnb" or
"bitsandbytes".

URI: bnb;argument=value;... for example bnb;bits=4;bits4-quant-type=nf4

"bits" chooses the method: 8 is LLM.int8(), 4 is the QLoRA 4-bit format.

The other arguments only matter with bits=4:

"bits4-compute-dtype": the dtype the 4-bit layers compute in (float16, bfloat16, float32, ...);
unset, the library picks one. Usually the --dtype the model is loaded with.

"bits4-quant-type": "fp4" (4-bit float, the default) or "nf4" (normal float 4, suited to weights
that are normally distributed).

"bits4-use-double-quant": quantize the quantization constants too, about 0.4 bits per parameter
less memory.

"bits4-quant-storage": the dtype the packed 4-bit weights are stored in; unset, uint8.

diffusers quantizes its models with bitsandbytes only on a CUDA GPU; transformers models (text
encoders) also quantize on the CPU (4-bit needs layers at least 64 wide).
"""

_SDNQ_HELP = """
SD.Next quantization (the sdnq package), through diffusers' SDNQConfig; it runs on any device,
the CPU included.

URI: sdnq;argument=value;... for example sdnq;type=int4;group-size=8;quant-conv=true

"type": the data type the weights are stored in after quantization: signed integers int8
(default) down to int2, unsigned integers uint8 down to uint1 and bool, or the 8-bit floats
float8_e4m3fn, float8_e4m3fnuz, float8_e5m2, float8_e5m2fnuz.

"group-size": how many weights share one quantization scale. 0 (default) lets sdnq choose the
grouping for the type; a larger number gives finer groups (more precision, more memory).

"quant-conv": quantize the convolution layers of UNets as well as the linear layers.

"quantized-matmul": multiply in INT8 / FP8 instead of dequantizing to the compute dtype first.

"quantized-matmul-conv": the same for the convolution layers of UNets (e.g. SDXL).

Every linear layer is quantized, small ones included (sdnq's minimum layer size is turned off).
"""

BACKENDS: tuple[Backend, ...] = (
    Backend(("bnb", "bitsandbytes"), (
        Arg("bits", "int", 8, check=_bits),
        Arg("bits4-compute-dtype", "str | None", None, TORCH_DTYPES),
        Arg("bits4-quant-type", "str", "fp4", ("fp4", "nf4")),
        Arg("bits4-use-double-quant", "bool", False),
        Arg("bits4-quant-storage", "str | None", None, TORCH_DTYPES),
    ), _BNB_HELP, "bitsandbytes"),
    Backend(("sdnq",), (
        Arg("type", "str", "int8", SDNQ_TYPES),
        Arg("group-size", "int", 0, check=_not_negative),
        Arg("quant-conv", "bool", False),
        Arg("quantized-matmul", "bool", False),
        Arg("quantized-matmul-conv", "bool", False),
    ), _SDNQ_HELP, "sdnq"),
)


def backend_names() -> list[str]:
    """The primary name of every backend, in listing order."""
    return [b.name for b in BACKENDS]


def find_backend(name: str) -> Backend | None:
    """The backend answering to ``name`` (any case), or None."""
    low = name.strip().lower()
    return next((b for b in BACKENDS if low in b.names), None)


def _convert(arg: Arg, text: str, fail: Callable[[str], UsageError]) -> Any:
    low = text.strip().lower()
    if arg.type_name == "bool":
        if low not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
            raise fail(f'argument "{arg.name}" must be true or false, not "{text}"')
        return low in ("true", "1", "yes", "on")
    if arg.type_name == "int":
        try:
            return int(low)
        except ValueError:
            raise fail(f'argument "{arg.name}" must be an integer, not "{text}"') from None
    if arg.default is None and low in ("none", "null"):
        return None
    if arg.choices and low not in arg.choices:
        raise fail(f'argument "{arg.name}" must be one of: ' + ", ".join(arg.choices)
                   + f', not "{text}"')
    return low


def parse_quantizer(text: str, option: str = "--quantizer") -> Quantizer:
    """Parse and check a quantizer URI; UsageError naming ``option`` when it is wrong."""

    def fail(message: str) -> UsageError:
        return UsageError(f'{option} "{text}": {message}')

    try:
        parts = split_parts(text, option)
    except UsageError as e:
        raise fail(str(e).split(": ", 1)[-1]) from None
    name = unquote(parts[0]).strip()
    found = find_backend(name)
    if found is None:
        raise fail(f'unknown quantization backend "{name}", use one of: '
                   + ", ".join(n for b in BACKENDS for n in b.names))
    args = {a.name: a for a in found.args}
    values = {a.name: a.default for a in found.args}
    for part in parts[1:]:
        if not part.strip():
            continue
        key, sep, value = (s.strip() for s in part.partition("="))
        if not sep or not value:
            raise fail(f'argument "{key}" needs a value (name=value)')
        if key not in args:
            raise fail(f'unknown argument "{key}", valid arguments: ' + ", ".join(args))
        values[key] = _convert(args[key], unquote(value), fail)
        problem = args[key].check(values[key]) if args[key].check else None
        if problem:
            raise fail(f'argument "{key}" {problem}, not {values[key]}')
    return Quantizer(found.name, tuple(values.items()), text)


def parse_map(values: list[str] | tuple[str, ...] | None, option: str = "--quantizer-map"
              ) -> tuple[str, ...]:
    """The submodules a global quantizer applies to (the default map when none are given)."""
    if not values:
        return DEFAULT_MAP
    bad = [v for v in values if v not in SUBMODULES]
    if bad:
        raise UsageError(f'{option}: unknown submodule "{bad[0]}", use: ' + ", ".join(SUBMODULES))
    return tuple(values)
