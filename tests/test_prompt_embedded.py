"""Embedded prompt arguments ``<name: value>`` (usage.md §12.3): extraction, typed values, the
three error messages, and their effect on a generation step."""

import os

import pytest
from PIL import Image

from dgenerate_core.cli import main
from dgenerate_core.errors import UsageError
from dgenerate_core.prompts.embedded import extract, overrides

FAST = ["--inference-steps", "1", "--seeds", "7", "--output-size", "64", "--device", "cpu"]


def test_extraction_before_the_split():
    found = extract("<upscaler: a;x=1> a cat <weighter: sd-embed> <seed: 3>; ugly "
                    "<upscaler: b> <seed: 4>")
    assert found.text.split() == ["a", "cat", ";", "ugly"]
    assert found.weighter == "sd-embed"
    assert found.upscalers == ["a;x=1", "b"]
    assert found.args == {"seed": "4"}  # the last repeat wins
    assert extract("no arguments").text == "no arguments"
    assert extract("a <b> c").text == "a <b> c"  # a one letter name is not an argument


def test_values_are_typed_by_their_option():
    step, opts, size = overrides({
        "inference-steps": "5", "guidance-scale": "3.5", "sdxl-original-size": "32x64",
        "sdxl-refiner-edit": "true", "adetailer-mask-padding": "1x2x3x4",
        "ras-error-reset-steps": "[1, 2]", "width": "48", "latents-processors": "noise",
        "batch-size": "2", "scheduler-uri": "EulerDiscreteScheduler", "seed": "None",
        "denoising-end": "0.5", "clip-skip": "None"})
    assert step["inference_steps"] == 5 and step["guidance_scales"] == 3.5
    assert step["sdxl_original_sizes"] == (32, 64)
    assert step["adetailer_mask_paddings"] == (1, 2, 3, 4)
    assert step["ras_error_reset_steps"] == [1, 2]
    assert step["schedulers"] == "EulerDiscreteScheduler"
    assert step["seeds"] is None and step["clip_skips"] is None
    assert opts["sdxl_refiner_edit"] is True and opts["batch_size"] == 2
    assert opts["latents_processors"] == ["noise"] and opts["denoising_end"] == 0.5
    assert size == {"width": 48}


@pytest.mark.parametrize("text, message", [
    ("<prompt: hi> x", 'Setting diffusion argument "prompt" from the prompt is forbidden.'),
    ("<control-images: a.png> x",
     'Setting diffusion argument "control-images" from the prompt is forbidden.'),
    ("<no-such-arg: 1> x", "Unknown embedded prompt argument: no-such-arg"),
    ("<inference-steps: many> x", "Could not parse embedded prompt argument: "),
    ("<adetailer-mask-padding: 1x2x3> x", "Could not parse embedded prompt argument: "),
    ("<sdxl-refiner-edit: maybe> x", "Could not parse embedded prompt argument: "),
])
def test_the_three_errors(text, message):
    with pytest.raises(UsageError) as err:
        overrides(extract(text).args)
    assert str(err.value).startswith(message)


def test_errors_before_any_model_loads(tmp_path, capsys):
    rc = main([str(tmp_path), "--prompts", "<images: x.png> a cat"])  # an empty folder
    err = capsys.readouterr().err
    assert rc != 0 and 'Setting diffusion argument "images"' in err and "Traceback" not in err


def test_arguments_change_the_step(tiny_models, tmp_path):
    rc = main([tiny_models.sd, *FAST, "--prompts",
               "<inference-steps: 2> <width: 32> <height: 48> <seed: 11> a cat; ugly",
               "<batch-size: 2> <guidance-scale: 1.5> a dog", "-o", str(tmp_path)])
    assert rc == 0
    files = sorted(os.listdir(tmp_path))
    assert files[0] == "s_11_g_5-0_i_2_step_1.png"
    assert Image.open(tmp_path / files[0]).size == (32, 48)
    assert [f for f in files if "step_2" in f] == [
        "s_7_g_1-5_i_1_step_2_image_1.png", "s_7_g_1-5_i_1_step_2_image_2.png"]
