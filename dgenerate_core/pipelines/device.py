"""Device and dtype resolution: cuda, then xpu, mps on macOS, else cpu; ``auto`` precision."""

from __future__ import annotations

import re
import sys
from typing import Any

from dgenerate_core.errors import DgenerateError, UsageError

_DEVICE_RE = re.compile(r"^(cpu|mps|cuda|xpu)(?::(\d+))?$")
DTYPES = ("auto", "bfloat16", "float16", "float32")


def parse_device(device: str) -> tuple[str, int | None]:
    """Split ``cuda:1`` into ``('cuda', 1)``; raise UsageError for an unknown device string."""
    m = _DEVICE_RE.match(device.strip().lower())
    if not m or (m.group(1) in ("cpu", "mps") and m.group(2) is not None):
        raise UsageError(f'--device: invalid device "{device}", use cpu, cuda, cuda:N, xpu, '
                         "xpu:N or mps")
    return m.group(1), None if m.group(2) is None else int(m.group(2))


def default_device() -> str:
    """The best available device: cuda, then xpu, then mps (macOS), else cpu."""
    import torch

    if torch.cuda.is_available():
        return "cuda"
    xpu = getattr(torch, "xpu", None)
    if xpu is not None and xpu.is_available():
        return "xpu"
    if sys.platform == "darwin" and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def resolve_device(device: str | None, check: bool = True) -> str:
    """Normalise a ``--device`` value (None = default device); ``check`` verifies it exists."""
    if device is None:
        return default_device()
    kind, index = parse_device(device)
    name = kind if index is None else f"{kind}:{index}"
    if check and kind != "cpu":
        _check_available(kind, index, device)
    return name


def _check_available(kind: str, index: int | None, given: str) -> None:
    import torch

    backend = {"cuda": torch.cuda, "xpu": getattr(torch, "xpu", None),
               "mps": torch.backends.mps}[kind]
    if backend is None or not backend.is_available():
        raise DgenerateError(f'--device "{given}": {kind} is not available on this machine')
    if index is not None and index >= backend.device_count():
        raise DgenerateError(f'--device "{given}": there is no {kind} device {index} '
                             f"({backend.device_count()} available)")


def is_accelerator(device: str) -> bool:
    """True for anything but the cpu."""
    return parse_device(device)[0] != "cpu"


def resolve_dtype(dtype: str | None, device: str) -> Any:
    """The torch dtype for a ``--dtype`` value: ``auto`` = float16 on accelerators, float32 on cpu."""
    import torch

    name = (dtype or "auto").lower()
    if name not in DTYPES:
        raise UsageError(f'--dtype: invalid dtype "{dtype}", use one of: ' + ", ".join(DTYPES))
    if name == "auto":
        return torch.float16 if is_accelerator(device) else torch.float32
    return getattr(torch, name)


def dtype_kwargs(dtype: Any) -> dict[str, Any]:
    """The from_pretrained keyword for a dtype: ``dtype`` on newer diffusers, else ``torch_dtype``."""
    try:
        from diffusers.utils.deprecation_utils import _resolve_dtype  # noqa: F401
    except ImportError:
        return {"torch_dtype": dtype}
    return {"dtype": dtype}


def hf_dtype_kwargs(dtype: Any) -> dict[str, Any]:
    """The same for transformers models (``dtype`` since transformers 4.56)."""
    import transformers

    major, minor = (int(x) for x in transformers.__version__.split(".")[:2])
    return {"dtype": dtype} if (major, minor) >= (4, 56) else {"torch_dtype": dtype}
