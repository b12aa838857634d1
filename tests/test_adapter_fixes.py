"""Bugs found running the corpus' LoRA / textual inversion / IP adapter scripts on stand-ins:

- offline, a repository that is not in the hub cache is reported as a cache miss naming the
  option, whatever file the URI names (``weight-name=`` gave diffusers' "does not appear to have
  a file named", an uncached IP adapter repository "none of the IP adapters includes an image
  encoder");
- a LoRA on an sdnq-quantized model failed to fuse ("result type Float can't be cast to ...
  Char"): it now stays an active, unfused adapter; IP adapters failed to load into an
  sdnq-quantized UNet ("Casting a quantized model to a new `dtype` is unsupported");
- an image encoder from a full CLIP checkpoint printed transformers' unexpected-keys table."""

from __future__ import annotations

import os

import pytest

from dgenerate_core.errors import ModelError
from dgenerate_core.pipelines import clear_object_cache, load_pipelines

try:
    from tests.tiny_models import opts
except ImportError:  # plain `pytest`
    from tiny_models import opts

MISS = "not found in the Hugging Face cache, and --offline-mode forbids downloading it"


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """A private, empty hub cache."""
    path = str(tmp_path / "hub")
    os.makedirs(path)
    monkeypatch.setenv("HF_HUB_CACHE", path)
    yield path
    clear_object_cache()


@pytest.mark.parametrize("option, dest, uri", [
    ("--loras", "loras", "goofyai/SDXL-Lora-Collection;weight-name=leonardo_illustration.safetensors"),
    ("--textual-inversions", "textual_inversions",
     "Duskfallcrew/IsometricDreams_TextualInversions;weight-name=Isometric_Dreams-1000.pt"),
])
def test_uncached_repository_with_weight_name_is_a_cache_miss(tiny_models, hub, option, dest, uri):
    with pytest.raises(ModelError) as info:
        load_pipelines(opts(tiny_models.sd, "sd", offline_mode=True, **{dest: (uri,)}))
    assert str(info.value) == f'{option} "{uri}": {MISS}'


def test_uncached_ip_adapter_repository_is_a_cache_miss(tiny_models, hub):
    uri = "h94/IP-Adapter;subfolder=models;weight-name=ip-adapter_sd15.bin"
    with pytest.raises(ModelError) as info:
        load_pipelines(opts(tiny_models.sd, "sd", offline_mode=True, ip_adapters=[uri]))
    assert str(info.value) == f'--ip-adapters "{uri}": {MISS}'


def test_lora_on_an_sdnq_quantized_model_is_added_unfused(tiny_models):
    """sdnq keeps integer weights, which peft cannot merge a LoRA into ("result type Float
    can't be cast to ... Char"): the LoRA stays an active adapter at scale x fuse scale."""
    from peft.tuners.lora import LoraLayer

    try:
        from tests.tiny_models import run
    except ImportError:  # plain `pytest`
        from tiny_models import run

    quant = dict(dtype="float32", quantizer="sdnq;type=int8")
    plain = run(load_pipelines(opts(tiny_models.sd, "sd", **quant)).base, "txt2img")
    pset = load_pipelines(opts(tiny_models.sd, "sd", loras=(tiny_models.lora,), **quant))
    layers = [m for m in pset.base.unet.modules() if isinstance(m, LoraLayer)]
    assert layers and pset.base.unet.is_quantized
    lora = run(pset.base, "txt2img")
    half = run(load_pipelines(opts(tiny_models.sd, "sd", loras=(tiny_models.lora,),
                                   lora_fuse_scale=0.5, **quant)).base, "txt2img")
    assert abs(lora - plain).max() > 1e-3 and abs(half - lora).max() > 1e-4
    clear_object_cache()


def test_image_encoder_from_a_full_clip_model_loads_quietly(tmp_path, capfd):
    """``--image-encoder openai/clip-vit-large-patch14`` is a full CLIP model: its vision half
    loads without transformers' table of the text tower's "unexpected" keys (a missing key would
    still be reported)."""
    import transformers

    try:
        from tests.tiny_adapters import full_clip
    except ImportError:  # plain `pytest`
        from tiny_adapters import full_clip

    from dgenerate_core.pipelines.ipadapters import load_image_encoder

    folder = full_clip(str(tmp_path / "clip"), 3)
    capfd.readouterr()
    encoder = load_image_encoder(folder + ";dtype=float32", "cpu", "auto")
    assert type(encoder) is transformers.CLIPVisionModelWithProjection
    assert encoder.config.projection_dim == 32
    err = capfd.readouterr().err
    assert "UNEXPECTED" not in err and "LOAD REPORT" not in err
    clear_object_cache()


def test_ip_adapter_on_an_sdnq_quantized_unet(tiny_models, tmp_path):
    """diffusers casts the UNet to its own dtype after adding the IP adapter layers, which it
    refuses for a quantized model ("Casting a quantized model to a new `dtype` is unsupported")."""
    try:
        from tests.tiny_control import build_ip_adapter, control_image
        from tests.tiny_models import run
    except ImportError:  # plain `pytest`
        from tiny_control import build_ip_adapter, control_image
        from tiny_models import run

    adapter = build_ip_adapter(tiny_models.sd, str(tmp_path / "ip"))
    pset = load_pipelines(opts(tiny_models.sd, "sd", dtype="float32", quantizer="sdnq;type=int8",
                               ip_adapters=[adapter]))
    unet = pset.base.unet
    assert unet.is_quantized and unet.encoder_hid_proj is not None
    a = run(pset.base, "txt2img", ip_adapter_image=control_image())
    b = run(pset.base, "txt2img", ip_adapter_image=control_image(flip=True))
    assert abs(a - b).max() > 1e-4
    clear_object_cache()
