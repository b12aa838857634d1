"""Prompt weighters on the model types beyond sd/sdxl/sd3/flux (pix2pix, sdxl-pix2pix,
upscaler-x4, s-cascade prior and decoder, flux-fill, flux-kontext). They need the
``tiny_types`` fixture of the model-types work; where it is absent they skip."""

import os

import numpy as np
import pytest
from PIL import Image

from dgenerate_core.cli import main

FAST = ["--inference-steps", "2", "--seeds", "7", "--device", "cpu"]


@pytest.fixture(scope="module")
def types(request):
    try:
        return request.getfixturevalue("tiny_types")
    except pytest.FixtureLookupError:
        pytest.skip("the tiny_types fixture (other model types) is not in this tree")


@pytest.fixture(scope="module")
def square(tmp_path_factory):
    root = tmp_path_factory.mktemp("inputs")
    Image.effect_noise((64, 64), 64).convert("RGB").save(root / "square.png")
    mask = Image.new("L", (64, 64), 0)
    mask.paste(255, (16, 16, 48, 40))
    mask.save(root / "mask.png")
    return str(root / "square.png"), str(root / "mask.png")


def _first(path):
    files = sorted(os.listdir(path))
    return np.asarray(Image.open(os.path.join(path, files[0]))).astype(int)


@pytest.mark.parametrize("model_type, weighter, negative", [
    ("pix2pix", "sd-embed", True), ("sdxl-pix2pix", "compel", True),
    ("upscaler-x4", "sd-embed", True), ("flux-fill", "compel", False),
    ("flux-kontext", "sd-embed", False)])
def test_weighters_on_other_model_types(types, square, tmp_path, model_type, weighter,
                                        negative):
    seed = f"{square[0]};{square[1]}" if model_type == "flux-fill" else square[0]
    prompt = "a (cat:1.3) thing" if weighter == "sd-embed" else "a (cat)1.3 thing"
    rc = main([types.path(model_type), "--model-type", model_type, "--image-seeds", seed, *FAST,
               "--prompt-weighter", weighter, "--prompts", prompt + ("; ugly" if negative else ""),
               "-o", str(tmp_path)])
    assert rc == 0 and len(os.listdir(tmp_path)) == 1


def test_stable_cascade_prior_and_decoder(types, tmp_path):
    base = [types.path("s-cascade"), "--model-type", "s-cascade", "--s-cascade-decoder",
            types.path("s-cascade-decoder"), "--output-size", "128", *FAST]
    runs = {"plain": [], "neutral": ["--prompt-weighter", "sd-embed"],
            "weighted": ["--prompt-weighter", "sd-embed"], "compel": ["--prompt-weighter",
                                                                       "compel"]}
    prompts = {"plain": "a cat; ugly", "neutral": "a (cat:1.0); ugly",
               "weighted": "a (cat:3); ugly", "compel": "a (cat)3; ugly"}
    for name, extra in runs.items():
        assert main(base + extra + ["--prompts", prompts[name], "-o",
                                    str(tmp_path / name)]) == 0
    assert np.array_equal(_first(tmp_path / "plain"), _first(tmp_path / "neutral"))
    assert not np.array_equal(_first(tmp_path / "plain"), _first(tmp_path / "weighted"))
    assert not np.array_equal(_first(tmp_path / "plain"), _first(tmp_path / "compel"))
