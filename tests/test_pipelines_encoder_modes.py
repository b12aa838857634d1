"""``--text-encoders "Class;model=FILE;mode=..."``: monolithic text encoder checkpoints (ComfyUI
layout) load with the architecture their weights describe (issue 14, usage.md §10.9)."""

import os

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import save_file

from dgenerate_core.cli import main
from dgenerate_core.errors import UsageError
from dgenerate_core.pipelines import load_pipelines
from tests.tiny_models import opts


@pytest.fixture(scope="module")
def checkpoints(tiny_models, tmp_path_factory):
    """The tiny Flux CLIP-L and T5 encoders as single files, CLIP with ``text_model.`` keys."""
    root = tmp_path_factory.mktemp("encoder_files")
    base = load_pipelines(opts(tiny_models.flux, "flux")).base
    clip = {("" if k.startswith("text_model.") else "text_model.") + k: v.contiguous()
            for k, v in base.text_encoder.state_dict().items()}
    t5 = {k: v.contiguous() for k, v in base.text_encoder_2.state_dict().items()
          if k != "encoder.embed_tokens.weight"}  # tied to shared.weight, as in real files
    save_file(clip, root / "clip_l.safetensors")
    save_file(t5, root / "t5xxl.safetensors")
    return str(root / "clip_l.safetensors"), str(root / "t5xxl.safetensors")


def test_modes_load_the_weights(tiny_models, checkpoints):
    clip, t5 = checkpoints
    plain = load_pipelines(opts(tiny_models.flux, "flux")).base
    pset = load_pipelines(opts(tiny_models.flux, "flux", text_encoders=[
        f"CLIPTextModel;model={clip};mode=clip-l", f"T5EncoderModel;model={t5};mode=t5-xxl"]))
    for name in ("text_encoder", "text_encoder_2"):
        mine, theirs = getattr(pset.base, name).state_dict(), getattr(plain, name).state_dict()
        assert mine.keys() == theirs.keys()
        assert all(torch.equal(mine[k], theirs[k]) for k in mine)
    assert pset.base.text_encoder.config.hidden_act == "quick_gelu"  # CLIP-L's activation


def test_t5_mode_gives_the_same_image(tiny_models, checkpoints, tmp_path):
    common = [tiny_models.flux, "--model-type", "flux", "--output-size", "32",
              "--inference-steps", "1", "--seeds", "3", "--prompts", "a cat"]
    assert main([*common, "-o", str(tmp_path / "plain")]) == 0
    assert main([*common, "--text-encoders", "+", f"T5EncoderModel;model={checkpoints[1]};"
                 "mode=t5-xxl", "-o", str(tmp_path / "mode")]) == 0
    name = "s_3_g_5-0_i_1_step_1.png"
    assert np.array_equal(np.asarray(Image.open(tmp_path / "plain" / name)),
                          np.asarray(Image.open(tmp_path / "mode" / name)))


def test_mode_errors(tiny_models, checkpoints):
    clip, t5 = checkpoints
    cases = [(f"T5EncoderModel;model={t5};mode=clip-g", 'unknown mode "clip-g"'),
             (f"CLIPTextModel;model={clip};mode=t5-xxl", 'mode "t5-xxl" loads T5EncoderModel'),
             (f"T5EncoderModel;model={clip};mode=t5-xxl", "the file is no t5-xxl checkpoint"),
             (f"CLIPTextModel;model={clip};mode=clip-l;subfolder=x", "mode and subfolder"),
             (f"CLIPTextModel;model={tiny_models.flux};mode=clip-l", "single file checkpoint")]
    for uri, message in cases:
        with pytest.raises(UsageError, match=message):
            load_pipelines(opts(tiny_models.flux, "flux", text_encoders=[uri]))
