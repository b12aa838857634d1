"""Device and dtype resolution (no GPU here: cuda strings are only parsed, never checked)."""

from __future__ import annotations

import pytest
import torch

from dgenerate_core.errors import UsageError
from dgenerate_core.pipelines import load_pipelines, resolve_device, resolve_dtype
from dgenerate_core.pipelines.device import default_device, parse_device

try:
    from tests.tiny_models import opts, run
except ImportError:  # plain `pytest`
    from tiny_models import opts, run


def test_parse_device_keeps_indices():
    assert parse_device("cuda:1") == ("cuda", 1)
    assert parse_device("CUDA") == ("cuda", None)
    assert parse_device("xpu:0") == ("xpu", 0)
    assert resolve_device("cuda:3", check=False) == "cuda:3"
    assert resolve_device("Cuda:0", check=False) == "cuda:0"
    for bad in ("mps:1", "cpu:0", "gpu", "cuda:x", ""):
        with pytest.raises(UsageError):
            parse_device(bad)


def test_default_device_is_cpu_without_accelerators():
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    assert default_device() == "cpu" and resolve_device(None) == "cpu"


def test_auto_dtype():
    assert resolve_dtype("auto", "cpu") is torch.float32
    assert resolve_dtype(None, "cuda:1") is torch.float16
    assert resolve_dtype("auto", "mps") is torch.float16
    assert resolve_dtype("bfloat16", "cuda") is torch.bfloat16
    assert resolve_dtype("float16", "cpu") is torch.float16
    assert resolve_dtype("float32", "cuda") is torch.float32


def test_dtype_is_honoured_on_load(tiny_models):
    pset = load_pipelines(opts(tiny_models.sd, dtype="bfloat16"))
    assert pset.dtype is torch.bfloat16
    assert pset.base.unet.dtype is torch.bfloat16 and pset.base.text_encoder.dtype is torch.bfloat16
    run(pset.get("txt2img"), "txt2img")
