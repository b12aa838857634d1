"""Every model type loads from its tiny folder and runs txt2img / img2img / inpaint one step."""

from __future__ import annotations

import pytest

from dgenerate_core.errors import NotSupportedYet, UsageError
from dgenerate_core.pipelines import default_output_size, load_pipelines
from dgenerate_core.pipelines.modeltypes import canonical_model_type, model_type_info

try:
    from tests.tiny_models import opts, run
except ImportError:  # plain `pytest`
    from tiny_models import opts, run

CASES = [
    ("sd", "txt2img", "StableDiffusionPipeline"),
    ("sd", "img2img", "StableDiffusionImg2ImgPipeline"),
    ("sd", "inpaint", "StableDiffusionInpaintPipeline"),
    ("sdxl", "txt2img", "StableDiffusionXLPipeline"),
    ("sdxl", "img2img", "StableDiffusionXLImg2ImgPipeline"),
    ("sdxl", "inpaint", "StableDiffusionXLInpaintPipeline"),
    ("sd3", "txt2img", "StableDiffusion3Pipeline"),
    ("sd3", "img2img", "StableDiffusion3Img2ImgPipeline"),
    ("sd3", "inpaint", "StableDiffusion3InpaintPipeline"),
    ("flux", "txt2img", "FluxPipeline"),
    ("flux", "img2img", "FluxImg2ImgPipeline"),
    ("flux", "inpaint", "FluxInpaintPipeline"),
    ("kolors", "txt2img", "KolorsPipeline"),
    ("kolors", "img2img", "KolorsImg2ImgPipeline"),
]


@pytest.mark.parametrize("model_type,mode,cls", CASES)
def test_model_type_modes_generate(tiny_models, model_type, mode, cls):
    pset = load_pipelines(opts(getattr(tiny_models, model_type), model_type))
    assert pset.model_type == model_type and pset.device == "cpu"
    pipe = pset.get(mode)
    assert type(pipe).__name__ == cls
    assert pset.get(mode) is pipe
    out = run(pipe, mode)
    assert out.std() > 0  # not a constant (e.g. NaN turned black) image


def test_from_pipe_shares_weights(tiny_models):
    pset = load_pipelines(opts(tiny_models.sdxl, "sdxl"))
    assert pset.get("img2img").unet is pset.get("txt2img").unet
    assert pset.get("inpaint").vae is pset.base.vae


def test_kolors_inpaint_shares_the_weights(tiny_models):
    """diffusers has no Kolors inpainting pipeline: ours is derived from the loaded model."""
    pset = load_pipelines(opts(tiny_models.kolors, "kolors"))
    pipe = pset.get("inpaint")
    assert type(pipe).__name__ == "KolorsInpaintPipeline"
    assert pipe.unet is pset.base.unet and pipe.text_encoder is pset.base.text_encoder
    assert run(pipe, "inpaint").std() > 0


def test_model_type_is_case_insensitive(tiny_models):
    assert load_pipelines(opts(tiny_models.sd, "SD")).model_type == "sd"


def test_unbuilt_and_unknown_model_types():
    with pytest.raises(NotSupportedYet, match="--model-type sd3-pix2pix"):
        model_type_info("sd3-pix2pix")
    with pytest.raises(UsageError, match='unknown model type "nope"'):
        canonical_model_type("nope")


def test_default_output_sizes():
    assert default_output_size("sd") == (512, 512)
    assert default_output_size("sdxl") == (1024, 1024)
    assert default_output_size("kolors") == (1024, 1024)
    assert default_output_size("flux") == (1024, 1024)
    assert default_output_size("if") == (64, 64)


def test_inpainting_model(tiny_models):
    pset = load_pipelines(opts(tiny_models.sd_inpaint, "sd"))
    run(pset.get("inpaint"), "inpaint")
    with pytest.raises(Exception, match="inpainting model"):
        pset.get("txt2img")


def test_sdxl_refiner(tiny_models):
    pset = load_pipelines(opts(tiny_models.sdxl, "sdxl", sdxl_refiner=tiny_models.sdxl_refiner))
    assert pset.has_refiner
    ref = pset.refiner("txt2img")
    assert type(ref).__name__ == "StableDiffusionXLImg2ImgPipeline"
    assert pset.refiner("img2img") is ref
    assert type(pset.refiner("inpaint")).__name__ == "StableDiffusionXLInpaintPipeline"
    run(ref, "img2img", strength=0.5, num_inference_steps=4)
    assert load_pipelines(opts(tiny_models.sdxl, "sdxl")).refiner("txt2img") is None


def test_accepts(tiny_models):
    pset = load_pipelines(opts(tiny_models.sd3, "sd3"))
    assert pset.accepts(pset.get("txt2img"), "max_sequence_length")
    assert not pset.accepts(pset.get("txt2img"), "aesthetic_score")
    sd = load_pipelines(opts(tiny_models.sd, "sd"))
    assert sd.accepts(sd.get("txt2img"), "clip_skip")
