"""Quantizer URIs to the quantization configs of diffusers and transformers (lazy heavy imports).

Nothing here quantizes by hand: diffusers' and transformers' ``BitsAndBytesConfig`` and diffusers'
``SDNQConfig`` (the sdnq package's own config, which also registers itself with transformers) do
the layer substitution while the weights load.
"""

from __future__ import annotations

import importlib.util
import inspect
import logging
import sys
from typing import Any

from dgenerate_core.errors import DgenerateError
from dgenerate_core.logs import LOGGER_NAME, QUIET_LIBRARIES
from dgenerate_core.quantizers.registry import Quantizer, find_backend, parse_quantizer

DIFFUSERS, TRANSFORMERS = "diffusers", "transformers"


class QuantizerUnavailable(DgenerateError):
    """A quantization backend that cannot run here (package missing, or no GPU for it)."""


def import_bitsandbytes_offline() -> None:
    """Import bitsandbytes (when installed) before diffusers does, with the hub switched offline.

    On import, bitsandbytes asks the Hugging Face hub for an optional CPU kernel (on processors with
    AVX512-BF16): a network connection on every model load, --offline-mode or not. Offline, it
    falls back to its built-in kernels, which is what dgenerate always uses.
    """
    if "bitsandbytes" in sys.modules or importlib.util.find_spec("bitsandbytes") is None:
        return
    from huggingface_hub import constants

    _quiet()
    before = constants.HF_HUB_OFFLINE
    constants.HF_HUB_OFFLINE = True
    try:
        import bitsandbytes  # noqa: F401
    except Exception:  # noqa: BLE001 - a broken install is reported where bnb is used
        pass
    finally:
        constants.HF_HUB_OFFLINE = before


def _quiet() -> None:
    """Only errors from the quantization libraries, unless dgenerate runs with -v."""
    verbose = logging.getLogger(LOGGER_NAME).level == logging.DEBUG
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.ERROR)


def _require(q: Quantizer, option: str) -> None:
    backend = find_backend(q.backend)
    if importlib.util.find_spec(backend.module) is None:
        raise QuantizerUnavailable(
            f'{option} "{q.text}": the {backend.module} package is not installed '
            f"(pip install dgenerate[{backend.extra}])")


def _gpu_for_bnb(bits: int) -> bool:
    """Whether diffusers will accept bitsandbytes here (the checks of its quantizer)."""
    import torch

    found = torch.cuda.is_available() or (hasattr(torch, "xpu") and torch.xpu.is_available())
    if bits == 4:
        found = found or (hasattr(torch, "mps") and torch.mps.is_available())
    return bool(found)


def _torch_dtype(name: str | None) -> Any:
    if name is None:
        return None
    import torch

    return getattr(torch, name)


def _bnb(q: Quantizer, library: str, option: str, component: str) -> Any:
    bits = q.get("bits")
    if library == DIFFUSERS and not _gpu_for_bnb(bits):
        raise QuantizerUnavailable(
            f'{option} "{q.text}": bitsandbytes cannot quantize the {component} without a GPU '
            "(diffusers needs CUDA for it); use sdnq on this machine, e.g. "
            '--quantizer "sdnq;type=int8"')
    if library == DIFFUSERS:
        from diffusers import BitsAndBytesConfig
    else:
        from transformers import BitsAndBytesConfig
    if bits == 8:
        return BitsAndBytesConfig(load_in_8bit=True)
    return BitsAndBytesConfig(
        load_in_4bit=True, bnb_4bit_compute_dtype=_torch_dtype(q.get("bits4-compute-dtype")),
        bnb_4bit_quant_type=q.get("bits4-quant-type"),
        bnb_4bit_use_double_quant=q.get("bits4-use-double-quant"),
        bnb_4bit_quant_storage=_torch_dtype(q.get("bits4-quant-storage")))


def _sdnq(q: Quantizer) -> Any:
    from diffusers import SDNQConfig

    # every linear layer is quantized: sdnq's size floor would skip small layers entirely
    return SDNQConfig(weights_dtype=q.get("type"), group_size=q.get("group-size"),
                      quant_conv=q.get("quant-conv"),
                      use_quantized_matmul=q.get("quantized-matmul"),
                      use_quantized_matmul_conv=q.get("quantized-matmul-conv"),
                      minimum_allowed_numel=0, minimum_allowed_channel_size=0)


def to_config(q: Quantizer, library: str, option: str = "--quantizer",
              component: str = "model") -> Any:
    """The ``quantization_config`` for a ``library`` ("diffusers" / "transformers") model."""
    _require(q, option)
    _quiet()
    if q.backend == "bnb":
        return _bnb(q, library, option, component)
    return _sdnq(q)


def library_of(model_cls: Any) -> str:
    """Which library's config a model class takes: diffusers models, or transformers ones."""
    for base in getattr(model_cls, "__mro__", (model_cls,)):
        if (getattr(base, "__module__", "") or "").startswith("transformers."):
            return TRANSFORMERS
    return DIFFUSERS


def transformers_quantization(text: str | None, option: str) -> dict[str, Any]:
    """``from_pretrained`` keyword arguments for a transformers model quantized by the URI ``text``
    (``{}`` for None): for LLM URIs of prompt upscalers and weighters (``quantizer=``)."""
    if not text:
        return {}
    return {"quantization_config": to_config(parse_quantizer(text, option), TRANSFORMERS,
                                             option, "language model")}


def library_of_name(name: str) -> str:
    """The library of a pipeline submodule by name: text encoders are transformers models."""
    return TRANSFORMERS if name.startswith("text_encoder") else DIFFUSERS


def pipeline_config(entries: dict[str, Quantizer], option: str) -> Any:
    """A ``PipelineQuantizationConfig`` for ``from_pretrained`` / ``from_single_file`` of a
    pipeline (None when nothing is quantized)."""
    if not entries:
        return None
    from diffusers import PipelineQuantizationConfig

    mapping = {name: to_config(q, library_of_name(name), option, name)
               for name, q in entries.items()}
    return PipelineQuantizationConfig(quant_mapping=mapping)


def pipeline_quantization(cls: Any, plan: Any, overrides: dict[str, Any]) -> dict[str, Any]:
    """``quantization_config=`` for the pipeline's own submodules that the plan (a ``QuantPlan``)
    names; components given by URI (in ``overrides``) were loaded, and quantized, on their own."""
    params = inspect.signature(cls.__init__).parameters
    entries = {name: q for name, q in plan.entries if name in params and name not in overrides}
    config = pipeline_config(entries, plan.option)
    return {} if config is None else {"quantization_config": config}
