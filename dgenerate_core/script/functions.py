"""The template functions: 26 of dgenerate's own plus 46 Python builtins (also used by ``\\setp``)."""

from __future__ import annotations

import builtins
import contextvars
import importlib
import importlib.util
import os
import platform as _platform
import random
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from dgenerate_core.errors import DgenerateError
from dgenerate_core.script import tokens
from dgenerate_core.script.functionhelp import HELP
from dgenerate_core.registries.script import builtin_function
from dgenerate_core import webcache

if TYPE_CHECKING:
    from dgenerate_core.script.variables import Prompt

PYTHON_BUILTINS = (
    "abs all any ascii bin bool bytearray bytes callable chr complex dict divmod enumerate filter "
    "float format frozenset getattr hasattr hash hex int iter len list map max min next object oct "
    "ord pow range repr reversed round set slice sorted str sum tuple type zip").split()

FEATURES = {"ncnn": "ncnn", "gpt4all": "gpt4all", "bitsandbytes": "bitsandbytes",
            "flash-attn": "flash_attn", "xformers": "xformers", "triton": "triton",
            "sdnq": "sdnq"}
UNITS = {"b": 1, "kb": 1000, "mb": 1000 ** 2, "gb": 1000 ** 3,
         "kib": 1024, "mib": 1024 ** 2, "gib": 1024 ** 3}
MAX_SEED = 99999999999999

# the offline mode of the runner executing the current statement (for download())
OFFLINE: contextvars.ContextVar[bool] = contextvars.ContextVar("dgenerate_offline", default=False)


class FunctionError(DgenerateError):
    """A template function called with bad arguments."""


def import_module(module_name: str) -> Any:
    """Import the Python module ``module_name`` and return it."""
    try:
        return importlib.import_module(module_name)
    except ImportError as ex:
        raise FunctionError(f'import_module: cannot import "{module_name}": {ex}') from None


def format_prompt(prompts: Prompt | Iterable[Prompt]) -> str:
    """Quote a prompt (``"positive; negative"``) or a list of prompts, space separated."""
    if isinstance(prompts, (str,)) or hasattr(prompts, "positive"):
        prompts = [prompts]
    out = []
    for prompt in prompts:
        positive = getattr(prompt, "positive", str(prompt))
        negative = getattr(prompt, "negative", None)
        if positive is None:
            raise FunctionError("format_prompt: a prompt has no positive part")
        text = f"{positive}; {negative}" if negative else positive
        out.append('"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return " ".join(out)


def _parse_size(size: Any, what: str) -> tuple[int, ...]:
    if isinstance(size, str):
        try:
            values = tuple(int(p) for p in size.lower().split("x"))
        except ValueError:
            raise FunctionError(f'{what}: bad size "{size}", expected WIDTHxHEIGHT or WIDTH') from None
    else:
        try:
            values = tuple(int(v) for v in size)
        except (TypeError, ValueError):
            raise FunctionError(f"{what}: bad size {size!r}") from None
    if not 1 <= len(values) <= 2:
        raise FunctionError(f"{what}: bad size {size!r}")
    return values


def format_size(size: Iterable[int]) -> str:
    """``(512, 512)`` → ``"512x512"``."""
    return "x".join(str(int(v)) for v in size)


def align_size(size: str | tuple, align: int, format_size: bool = True) -> str | tuple:
    """Round ``"WxH"``, ``"W"`` or a tuple down to a multiple of ``align``."""
    if int(align) < 1:
        raise FunctionError("align_size: align must be at least 1")
    values = tuple(v - v % int(align) for v in _parse_size(size, "align_size"))
    return "x".join(map(str, values)) if format_size else values


def _nearest_pow2(value: int) -> int:
    if value <= 1:
        return 1
    low = 1 << (value.bit_length() - 1)
    high = low << 1
    return low if value - low < high - value else high


def pow2_size(size: str | tuple, format_size: bool = True) -> str | tuple:
    """Round each dimension to the nearest power of two."""
    values = tuple(_nearest_pow2(v) for v in _parse_size(size, "pow2_size"))
    return "x".join(map(str, values)) if format_size else values


def image_size(file: str, format_size: bool = True) -> str | tuple[int, int]:
    """The ``WxH`` (or ``(w, h)``) of an image file."""
    from PIL import Image

    try:
        with Image.open(file) as img:
            width, height = img.size
    except OSError as ex:
        raise FunctionError(f'image_size: cannot read image "{file}": {ex}') from None
    return f"{width}x{height}" if format_size else (width, height)


def size_is_aligned(size: str | tuple, align: int) -> bool:
    """True when every dimension is a multiple of ``align``."""
    return all(v % int(align) == 0 for v in _parse_size(size, "size_is_aligned"))


def size_is_pow2(size: str | tuple) -> bool:
    """True when every dimension is a power of two."""
    return all(v > 0 and v & (v - 1) == 0 for v in _parse_size(size, "size_is_pow2"))


def format_model_type(model_type: str) -> str:
    """The ``--model-type`` text of a model type value (``last_model_type``)."""
    return str(getattr(model_type, "value", None) or getattr(model_type, "name", model_type)
               ).lower().replace("_", "-") if model_type is not None else ""


def format_dtype(dtype: str) -> str:
    """The ``--dtype`` text of a dtype value (``last_dtype``)."""
    if dtype is None:
        return "auto"
    return str(getattr(dtype, "name", dtype)).lower().replace("torch.", "")


def last(iterable: Iterable[Any]) -> Any:
    """The last element of an iterable."""
    items = list(iterable)
    if not items:
        raise FunctionError("last: the iterable is empty")
    return items[-1]


def first(iterable: Iterable[Any]) -> Any:
    """The first element of an iterable."""
    for item in iterable:
        return item
    raise FunctionError("first: the iterable is empty")


MAX_GEN_SEEDS = 1_000_000


def gen_seeds(n: int) -> list[str]:
    """``n`` random seeds, as strings (at most a million, so a typo cannot hang the shell)."""
    count = int(n)
    if count > MAX_GEN_SEEDS:
        raise ValueError(f"gen_seeds: at most {MAX_GEN_SEEDS} seeds at once, asked for {count}")
    return [str(random.randint(0, MAX_SEED)) for _ in range(count)]


def cwd() -> str:
    """The current working directory, with ``/`` separators."""
    return os.getcwd().replace(os.sep, "/")


def download(url: str, output: str | None = None, overwrite: bool = False,
             text: bool = False) -> str:
    """Download ``url`` (web cache, a file, or a ``dir/``) and return the path."""
    return webcache.download(url, output=output, overwrite=overwrite, text=text,
                             offline=OFFLINE.get())


def have_feature(feature_name: str) -> bool:
    """Whether an optional feature (ncnn, bitsandbytes, xformers ...) is installed."""
    if feature_name not in FEATURES:
        raise FunctionError(f'have_feature: unknown feature "{feature_name}", known: '
                            + ", ".join(FEATURES))
    try:
        return importlib.util.find_spec(FEATURES[feature_name]) is not None
    except (ImportError, ValueError):
        return False


def platform() -> str:
    """The operating system name: Linux, Darwin, Windows (or '')."""
    return _platform.system()


def frange(start: float, stop: float | None = None, step: float = 0.1) -> Iterator[float]:
    """A range of floats (a single argument is the stop), values rounded to 10 places."""
    if stop is None:
        start, stop = 0.0, start
    if step == 0:
        raise FunctionError("frange: step must not be zero")
    value = float(start)
    while (step > 0 and value < stop) or (step < 0 and value > stop):
        yield round(value, 10)
        value += step


def _torch():
    import torch

    return torch


def have_cuda() -> bool:
    """Whether a CUDA device is available."""
    return bool(_torch().cuda.is_available())


def have_xpu() -> bool:
    """Whether an Intel XPU device is available."""
    torch = _torch()
    return bool(hasattr(torch, "xpu") and torch.xpu.is_available())


def have_mps() -> bool:
    """Whether Apple MPS is available."""
    backend = getattr(_torch().backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def default_device() -> str:
    """``cuda`` if available, else ``xpu``, else ``mps``, else ``cpu``."""
    if have_cuda():
        return "cuda"
    if have_xpu():
        return "xpu"
    if have_mps():
        return "mps"
    return "cpu"


def _system_memory() -> int:
    try:
        import psutil

        return int(psutil.virtual_memory().total)
    except ImportError:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def total_memory(device: str | None = None, unit: str = "b") -> int | float:
    """Total memory of a device (``cpu``: system RAM; ``mps``: 0) in b, kb, mb, gb, kib, mib, gib."""
    if str(unit).lower() not in UNITS:
        raise FunctionError(f'total_memory: unknown unit "{unit}", use one of: ' + ", ".join(UNITS))
    device = device or default_device()
    kind = device.split(":")[0]
    if kind == "cpu":
        total = _system_memory()
    elif kind == "mps":
        total = 0
    elif kind in ("cuda", "xpu"):
        torch = _torch()
        backend = getattr(torch, kind)
        if not backend.is_available():
            raise FunctionError(f'total_memory: device "{device}" is not available')
        index = int(device.split(":")[1]) if ":" in device else 0
        total = backend.get_device_properties(index).total_memory
    else:
        raise FunctionError(f'total_memory: unknown device "{device}"')
    return total / UNITS[str(unit).lower()] if str(unit).lower() != "b" else total


def csv(iterable: Iterable) -> str:
    """The items joined by commas (for ``--sigmas`` and similar)."""
    return ",".join(str(x) for x in iterable)


OWN = {
    "import_module": import_module, "unquote": tokens.unquote, "quote": tokens.quote,
    "format_prompt": format_prompt, "format_size": format_size, "align_size": align_size,
    "pow2_size": pow2_size, "image_size": image_size, "size_is_aligned": size_is_aligned,
    "size_is_pow2": size_is_pow2, "format_model_type": format_model_type,
    "format_dtype": format_dtype, "last": last, "first": first, "gen_seeds": gen_seeds,
    "cwd": cwd, "download": download, "have_feature": have_feature, "platform": platform,
    "frange": frange, "have_cuda": have_cuda, "have_xpu": have_xpu, "have_mps": have_mps,
    "total_memory": total_memory, "default_device": default_device, "csv": csv,
}

for _name, _fn in OWN.items():
    builtin_function(_name, _fn, HELP.get(_name) or _fn.__doc__ or "")
for _name in PYTHON_BUILTINS:
    _value = getattr(builtins, _name)
    builtin_function(_name, _value, _value.__doc__ or "", python=True)
