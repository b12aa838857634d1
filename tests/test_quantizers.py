"""--quantizer, --quantizer-map, quantizer= in component URIs, --quantizer-help: bitsandbytes and
sdnq through diffusers' / transformers' own configs, on tiny random-weight models."""

from __future__ import annotations

import importlib.util
import os

import numpy as np
import pytest
import torch

from dgenerate_core.cli import main
from dgenerate_core.errors import DgenerateError, UsageError
from dgenerate_core.pipelines import clear_object_cache, load_pipelines
from dgenerate_core.quantizers import (
    QuantizerUnavailable, format_quantizer_help, make_plan, parse_quantizer,
    transformers_quantization,
)
from dgenerate_core.script.functions import have_feature

from tiny_models import opts, run

HAVE_SDNQ = importlib.util.find_spec("sdnq") is not None
HAVE_BNB = importlib.util.find_spec("bitsandbytes") is not None
NO_GPU = not torch.cuda.is_available()


def _classes(module) -> set[str]:
    return {type(m).__name__ for m in module.modules()}


def _sdnq_layers(module) -> list:
    return [m for m in module.modules() if type(m).__name__.startswith("SDNQ")]


# ----------------------------------------------------------------------------- URIs, help, map
@pytest.mark.parametrize("text, expect", [
    ("bnb", {"bits": 8, "bits4-quant-type": "fp4", "bits4-use-double-quant": False}),
    ("bitsandbytes;bits=4;bits4-quant-type=nf4;bits4-use-double-quant=True",
     {"bits": 4, "bits4-quant-type": "nf4", "bits4-use-double-quant": True}),
    ("bnb;bits=4;bits4-compute-dtype=bfloat16;bits4-quant-storage=uint8",
     {"bits4-compute-dtype": "bfloat16", "bits4-quant-storage": "uint8"}),
    ("sdnq;type=int4;group-size=8;quant-conv=true",
     {"type": "int4", "group-size": 8, "quant-conv": True, "quantized-matmul": False}),
])
def test_parse_quantizer(text, expect):
    q = parse_quantizer(text)
    assert q.backend == ("sdnq" if text.startswith("sdnq") else "bnb")
    assert {k: q.get(k) for k in expect} == expect


@pytest.mark.parametrize("text, message", [
    ("bnb;bits=5", 'argument "bits" must be 4 or 8, not 5'),
    ("bnb;bits=four", 'argument "bits" must be an integer'),
    ("bnb;bits4-quant-type=nf5", 'argument "bits4-quant-type" must be one of: fp4, nf4'),
    ("sdnq;type=int9", 'argument "type" must be one of: int8'),
    ("sdnq;group-size=-1", 'argument "group-size" must be >= 0'),
    ("sdnq;quant-conv=maybe", 'argument "quant-conv" must be true or false'),
    ("sdnq;bits=8", 'unknown argument "bits", valid arguments: type, group-size'),
    ("gguf;bits=8", 'unknown quantization backend "gguf", use one of: bnb, bitsandbytes, sdnq'),
])
def test_bad_quantizer_uris(text, message):
    with pytest.raises(UsageError, match="^--quantizer \"" + text.replace("+", r"\+") + '": '
                       + message.replace("(", r"\(")):
        parse_quantizer(text)


def test_quantizer_map_default_and_choice():
    assert make_plan("sdnq", None).names() == ("unet", "transformer", "text_encoder",
                                              "text_encoder_2", "text_encoder_3")
    assert make_plan("sdnq", ["text_encoder", "controlnet"]).names() == ("text_encoder", "controlnet")
    assert not make_plan(None, None)


def test_quantizer_help(capsys):
    assert main(["--quantizer-help"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Available quantizers:", "", '    "bnb"', '    "sdnq"']
    text = format_quantizer_help(["bitsandbytes", "sdnq"])
    assert text.startswith("bnb | bitsandbytes:\n    arguments:\n        bits: int = 8\n")
    assert '        bits4-quant-type: str = "fp4"' in text
    assert "sdnq:\n    arguments:\n        type: str = \"int8\"\n        group-size: int = 0" in text
    assert main(["--quantizer-help", "gguf"]) == 1
    assert 'No quantizers named: "gguf"' in capsys.readouterr().err


def test_have_feature_tells_the_truth():
    for name, module in (("bitsandbytes", "bitsandbytes"), ("sdnq", "sdnq"),
                         ("xformers", "xformers"), ("flash-attn", "flash_attn")):
        assert have_feature(name) is (importlib.util.find_spec(module) is not None)


# ----------------------------------------------------------------------------- sdnq
@pytest.fixture(scope="module")
def plain_image(tiny_models):
    clear_object_cache()
    return run(load_pipelines(opts(tiny_models.sd)).base, "txt2img")


@pytest.mark.skipif(not HAVE_SDNQ, reason="sdnq is not installed")
def test_sdnq_quantizes_unet_and_text_encoder(tiny_models, plain_image):
    pset = load_pipelines(opts(tiny_models.sd, quantizer="sdnq;type=int8"))
    for module in (pset.base.unet, pset.base.text_encoder):
        layers = _sdnq_layers(module)
        assert layers, f"{type(module).__name__} has no SDNQ layers"
        assert all(m.weight.dtype == torch.int8 for m in layers)
        assert {m.sdnq_dequantizer.weights_dtype for m in layers} == {"int8"}
    assert not _sdnq_layers(pset.base.vae)
    image = run(pset.base, "txt2img")
    assert np.abs(image - plain_image).mean() < 0.02
    assert not np.array_equal(image, plain_image)  # really computed with quantized weights
    img2img = run(pset.get("img2img"), "img2img")  # from_pipe shares the quantized modules
    assert _sdnq_layers(pset.get("img2img").unet) and np.isfinite(img2img).all()


@pytest.mark.skipif(not HAVE_SDNQ, reason="sdnq is not installed")
def test_quantizer_map_is_respected(tiny_models):
    pset = load_pipelines(opts(tiny_models.sd, quantizer="sdnq;type=int4",
                               quantizer_map=["text_encoder"]))
    assert not _sdnq_layers(pset.base.unet)
    layers = _sdnq_layers(pset.base.text_encoder)
    assert layers and {m.sdnq_dequantizer.weights_dtype for m in layers} == {"int4"}
    assert all(m.weight.dtype == torch.uint8 for m in layers)  # two int4 values per byte


@pytest.mark.skipif(not HAVE_SDNQ, reason="sdnq is not installed")
def test_unet_uri_quantizer_wins_over_the_global_one(tiny_models):
    unet = f"{tiny_models.sd};subfolder=unet;quantizer='sdnq;type=uint4'"
    pset = load_pipelines(opts(tiny_models.sd, unet=unet, quantizer="sdnq;type=int8"))
    assert {m.sdnq_dequantizer.weights_dtype for m in _sdnq_layers(pset.base.unet)} == {"uint4"}
    assert {m.sdnq_dequantizer.weights_dtype
            for m in _sdnq_layers(pset.base.text_encoder)} == {"int8"}
    only_unet = load_pipelines(opts(tiny_models.sd, unet=unet))
    assert _sdnq_layers(only_unet.base.unet) and not _sdnq_layers(only_unet.base.text_encoder)
    assert np.isfinite(run(only_unet.base, "txt2img")).all()


# ----------------------------------------------------------------------------- bitsandbytes
@pytest.mark.skipif(not HAVE_BNB, reason="bitsandbytes is not installed")
def test_bnb_8bit_text_encoder_on_cpu(tiny_models, plain_image):
    te = f"CLIPTextModel;model={tiny_models.sd};subfolder=text_encoder;quantizer='bnb;bits=8'"
    pset = load_pipelines(opts(tiny_models.sd, text_encoders=[te]))
    layers = [m for m in pset.base.text_encoder.modules() if type(m).__name__ == "Linear8bitLt"]
    assert layers and all(m.weight.dtype == torch.int8 for m in layers)
    assert "Linear8bitLt" not in _classes(pset.base.unet)
    image = run(pset.base, "txt2img")
    assert np.abs(image - plain_image).mean() < 0.02
    assert np.isfinite(run(pset.get("img2img"), "img2img")).all()  # from_pipe keeps 8-bit


@pytest.mark.skipif(not HAVE_BNB, reason="bitsandbytes is not installed")
def test_bnb_4bit_transformers_model_on_cpu(tmp_path):
    from transformers import CLIPTextConfig, CLIPTextModel

    torch.manual_seed(0)
    config = CLIPTextConfig(hidden_size=64, intermediate_size=128, num_attention_heads=4,
                            num_hidden_layers=1, vocab_size=100, max_position_embeddings=16)
    CLIPTextModel(config).save_pretrained(tmp_path)
    kwargs = transformers_quantization("bnb;bits=4;bits4-quant-type=nf4", "--prompt-upscalers")
    model = CLIPTextModel.from_pretrained(tmp_path, **kwargs)
    layers = [m for m in model.modules() if type(m).__name__ == "Linear4bit"]
    assert layers and all(m.weight.dtype == torch.uint8 for m in layers)
    assert {m.weight.quant_type for m in layers} == {"nf4"}
    assert torch.isfinite(model(torch.tensor([[1, 2, 3]])).last_hidden_state).all()


@pytest.mark.skipif(not (HAVE_BNB and NO_GPU), reason="needs bitsandbytes and no GPU")
def test_bnb_on_a_diffusers_model_without_gpu_is_one_clear_line(tiny_models, capsys, tmp_path):
    with pytest.raises(QuantizerUnavailable, match="bitsandbytes cannot quantize the unet without "
                                                   "a GPU"):
        load_pipelines(opts(tiny_models.sd, quantizer="bnb;bits=4"))
    status = main([tiny_models.sd, "--quantizer", "bnb;bits=8", "--device", "cpu",
                   "--output-path", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert status != 0 and "Traceback" not in "\n".join(err)
    assert err[-1] == ('dgenerate: error: --quantizer "bnb;bits=8": bitsandbytes cannot quantize '
                       "the unet without a GPU (diffusers needs CUDA for it); use sdnq on this "
                       'machine, e.g. --quantizer "sdnq;type=int8"')


def test_bad_text_encoder_quantizer_names_the_option(tiny_models):
    te = f"CLIPTextModel;model={tiny_models.sd};subfolder=text_encoder;quantizer='sdnq;type=x'"
    with pytest.raises(DgenerateError, match='^--text-encoders quantizer= "sdnq;type=x": '):
        load_pipelines(opts(tiny_models.sd, text_encoders=[te]))


@pytest.mark.skipif(not HAVE_SDNQ, reason="sdnq is not installed")
def test_second_model_quantizer_reaches_only_the_refiner(tiny_models):
    pset = load_pipelines(opts(tiny_models.sdxl, "sdxl", sdxl_refiner=tiny_models.sdxl_refiner,
                               second_model_quantizer="sdnq;type=int8",
                               second_model_quantizer_map=["unet"]))
    refiner = pset.refiner("img2img")
    assert _sdnq_layers(refiner.unet) and not _sdnq_layers(refiner.text_encoder_2)
    assert not _sdnq_layers(pset.base.unet)


@pytest.mark.skipif(not HAVE_SDNQ, reason="sdnq is not installed")
def test_controlnets_are_quantized_only_when_the_map_or_uri_says(tiny_models, tmp_path):
    from tiny_control import build_sd_controlnet

    net = str(tmp_path / "controlnet")
    build_sd_controlnet(tiny_models.sd).save_pretrained(net)
    plain = load_pipelines(opts(tiny_models.sd, quantizer="sdnq", control_nets=[net]))
    assert _sdnq_layers(plain.base.unet) and not _sdnq_layers(plain.controls.model)
    mapped = load_pipelines(opts(tiny_models.sd, quantizer="sdnq",
                                 quantizer_map=["controlnet"], control_nets=[net]))
    assert _sdnq_layers(mapped.controls.model) and not _sdnq_layers(mapped.base.unet)
    own = load_pipelines(opts(tiny_models.sd, control_nets=[net + ";quantizer='sdnq;type=uint4'"]))
    assert {m.sdnq_dequantizer.weights_dtype for m in _sdnq_layers(own.controls.model)} == {"uint4"}


def test_single_file_parts_cannot_be_quantized_yet(tiny_models):
    from dgenerate_core.errors import NotSupportedYet

    with pytest.raises(NotSupportedYet, match="--quantizer for the unet inside a single file"):
        load_pipelines(opts(tiny_models.sd_single_file, original_config=tiny_models.sd,
                            quantizer="sdnq"))


@pytest.mark.skipif(not HAVE_BNB, reason="bitsandbytes is not installed")
def test_bitsandbytes_import_makes_no_network_connection():
    """bitsandbytes asks the hub for a CPU kernel when imported; dgenerate imports it offline."""
    import subprocess
    import sys

    code = (
        "import socket, sys\n"
        "def refuse(*a, **k): raise SystemExit('network: ' + str(a[0]))\n"
        "socket.getaddrinfo = refuse\n"
        "socket.socket.connect = lambda self, addr: refuse(addr)\n"
        "from dgenerate_core.quantizers import import_bitsandbytes_offline\n"
        "import_bitsandbytes_offline()\n"
        "import huggingface_hub.constants as c\n"
        "assert 'bitsandbytes' in sys.modules and not c.HF_HUB_OFFLINE\n"
        "print('quiet')\n")
    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_OFFLINE"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.stdout.strip() == "quiet", done.stderr[-2000:]
