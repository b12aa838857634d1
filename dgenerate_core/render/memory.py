"""Refuse, before any model loads, an output size or batch whose memory cannot fit the machine.

The estimate is a lower bound, so nothing that could run is refused:

- host memory: every decoded image of a batch exists at once as a float32 RGB array (12 bytes a
  pixel) and as an 8-bit image (3 bytes a pixel), plus a ``--batch-grid-size`` grid;
- device memory, unless ``--vae-tiling``: the VAE decoder's last block holds at least one
  128-channel activation at the full output size (2 bytes a value on an accelerator, 4 on cpu).

Animation frames are streamed one at a time, so a frame count adds nothing to the estimate.
"""

from __future__ import annotations

import os
from typing import Any

from dgenerate_core.errors import UsageError
from dgenerate_core.pipelines.device import resolve_device
from dgenerate_core.pipelines.modeltypes import default_output_size

HOST_BYTES_PER_PIXEL = 12 + 3
DECODER_CHANNELS = 128


def human(size: float) -> str:
    """``6.0 TiB`` style sizes."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.1f} {unit}" if unit != "B" else f"{int(size)} B"
        size /= 1024
    return f"{size:.1f} TiB"


def host_memory() -> int | None:
    """Physical memory of this machine in bytes (None where the system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def device_memory(device: str) -> int | None:
    """Total memory of ``device`` in bytes; host memory for cpu and mps."""
    if device.startswith(("cpu", "mps")):
        return host_memory()
    import torch  # the render imports it next anyway; only for an accelerator's size

    kind, _, index = device.partition(":")
    backend = getattr(torch, kind, None)
    if backend is None or not backend.is_available():
        return None
    return backend.get_device_properties(int(index or 0)).total_memory


def _what(opts: Any, size: tuple[int, int], batch: int) -> str:
    width, height = size
    if getattr(opts, "output_size", None):
        text = f"--output-size {width}x{height}"
        return text + (f" with --batch-size {batch}" if batch > 1 else "")
    return f"--batch-size {batch} (at the default size {width}x{height})"


def check_memory(opts: Any) -> None:
    """Raise a one-line UsageError when the output cannot fit host or device memory."""
    batch = max(1, int(getattr(opts, "batch_size", None) or 1))
    if not getattr(opts, "output_size", None) and batch == 1:
        return
    size = tuple(opts.output_size or default_output_size(opts.model_type or "sd"))
    pixels = size[0] * size[1] * batch
    grid = getattr(opts, "batch_grid_size", None)
    host_need = pixels * HOST_BYTES_PER_PIXEL + (
        size[0] * size[1] * grid[0] * grid[1] * 3 if grid else 0)
    host = host_memory()
    if host is not None and host_need > host:
        raise UsageError(f"{_what(opts, size, batch)} needs at least an estimated "
                         f"{human(host_need)} of memory, more than this machine's {human(host)}")
    if getattr(opts, "vae_tiling", False) or pixels * DECODER_CHANNELS * 2 <= 1 << 30:
        return  # fits any device: no need to ask torch which one
    device = resolve_device(getattr(opts, "device", None), check=False)
    device_need = pixels * DECODER_CHANNELS * (4 if device.startswith("cpu") else 2)
    total = device_memory(device)
    if total is not None and device_need > total:
        raise UsageError(f"{_what(opts, size, batch)} needs at least an estimated "
                         f"{human(device_need)} of {device} memory to decode, more than its "
                         f"{human(total)} (--vae-tiling decodes in tiles)")
