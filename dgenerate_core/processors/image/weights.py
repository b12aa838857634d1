"""Where image processor models come from (hub files, URLs through the web cache, local files),
the object cache that keeps them loaded, and moving them to and from the processing device.

Nothing here imports torch at import time.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any, Callable, Hashable, Iterator

from dgenerate_core import webcache
from dgenerate_core.errors import ModelError
from dgenerate_core.processors.base import ProcessorError
from dgenerate_core.pipelines.cache import _free_memory, get_cache
from dgenerate_core.pipelines.device import resolve_device
from dgenerate_core.pipelines.source import first_line, hf_cache_dir, load_errors, localize

ANNOTATORS = "lllyasviel/Annotators"
CACHE_NAME = "image_processor"


def offline(local_files_only: bool) -> bool:
    """True when downloads are forbidden (``-ofm``, ``DGENERATE_OFFLINE_MODE``); the hub client
    also honours ``HF_HUB_OFFLINE`` by itself."""
    return bool(local_files_only) or webcache.offline_from_env()


def hub_file(repo: str, filename: str, label: str, local_files_only: bool = False,
             subfolder: str | None = None) -> str:
    """The local path of ``filename`` in the hub repository ``repo`` (downloaded once into the
    Hugging Face cache; offline mode only looks in the cache)."""

    no_net = offline(local_files_only)
    shown = f"{repo}/{subfolder + '/' if subfolder else ''}{filename}"
    hub_offline = os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes")
    with load_errors(label, shown, no_net or hub_offline):
        from huggingface_hub import hf_hub_download

        return hf_hub_download(repo, filename, subfolder=subfolder, cache_dir=hf_cache_dir(),
                               local_files_only=no_net)


def model_file(path: str, label: str, local_files_only: bool = False) -> str:
    """A local file for a ``model=`` argument: a file path, an HTTP(S) URL (the web cache) or a
    Hugging Face blob link (the hub cache)."""

    local = os.path.expanduser(localize(path, label, offline(local_files_only)))
    if not os.path.isfile(local):
        raise ModelError(f'{label}: model "{path}": no such file')
    return os.path.abspath(local)


def cached(key: Hashable, factory: Callable[[], Any], label: str = "") -> Any:
    """The object cache entry for ``key`` (built by ``factory`` on a miss)."""

    return get_cache(CACHE_NAME).get_or_create(key, factory, label)


def file_key(path: str) -> tuple[str, int, int]:
    """A cache key part for a file: path, size and modification time (a changed file reloads)."""
    st = os.stat(path)
    return path, st.st_size, st.st_mtime_ns


def torch_device(device: str | None) -> str:
    """The processing device: ``device`` or the default device (cuda, xpu, mps, cpu)."""

    return resolve_device(device)


@contextlib.contextmanager
def on_device(modules: list[Any], device: str, offload: bool, label: str = "") -> Iterator[None]:
    """Move ``modules`` to ``device`` for the body; with ``offload`` move them back to the CPU.
    A torch failure in the body (shape, out of memory) becomes one line naming ``label``."""
    import torch

    for module in modules:
        if module is not None:
            module.to(device)
    try:
        with torch.inference_mode():
            try:
                yield
            except (RuntimeError, ValueError) as ex:
                raise ProcessorError(f"{label or 'image processor'}: {first_line(ex)}") from ex
    finally:
        if offload and device != "cpu":
            for module in modules:
                if module is not None:
                    module.to("cpu")

            _free_memory()


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence the warnings and prints of the model libraries on import and load (normal-bae's
    encoder prints "Loading base model" to stdout)."""
    import io
    import warnings

    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        yield


def load_torch_file(path: str) -> Any:
    """A state dict (or checkpoint dict) from ``.safetensors`` or a torch pickle (weights only)."""
    if path.lower().endswith(".safetensors"):
        from safetensors.torch import load_file

        return load_file(path)
    import torch

    return torch.load(path, map_location="cpu", weights_only=True)
