"""Latent tensors on disk: ``.pt`` / ``.pth`` (``torch.save``) and ``.safetensors`` (key
``latents``). One file holds the latents of one image, shape ``(C, H, W)`` (packed
transformers: ``(N, C)``); readers also accept a leading batch dimension."""

from __future__ import annotations

import os
from typing import Any

from dgenerate_core.errors import DgenerateError

TENSOR_EXTENSIONS = (".pt", ".pth", ".safetensors")
SAFETENSORS_KEY = "latents"


class TensorReadError(DgenerateError):
    """A tensor file that cannot be read."""


def is_tensor_file(path: str) -> bool:
    return os.path.splitext(path)[1].lower() in TENSOR_EXTENSIONS


def save_latents(tensor: Any, path: str) -> None:
    """Write one latents tensor (no batch dimension) to ``path``."""
    tensor = tensor.detach().to("cpu").contiguous()
    if path.lower().endswith(".safetensors"):
        from safetensors.torch import save_file

        save_file({SAFETENSORS_KEY: tensor}, path)
    else:
        import torch

        torch.save(tensor, path)


def load_latents(path: str) -> Any:
    """Read a latents tensor, returned with a batch dimension ``(B, ...)``."""
    import torch

    try:
        if path.lower().endswith(".safetensors"):
            from safetensors.torch import load_file

            values = load_file(path)
            tensor = values.get(SAFETENSORS_KEY, next(iter(values.values()), None))
        else:
            tensor = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as ex:  # noqa: BLE001 - any unreadable file is one line
        raise TensorReadError(f'cannot read latents "{path}": {str(ex).splitlines()[0]}') from ex
    if not isinstance(tensor, torch.Tensor):
        raise TensorReadError(f'"{path}" does not hold a latents tensor')
    return tensor.unsqueeze(0) if tensor.dim() in (2, 3) else tensor
