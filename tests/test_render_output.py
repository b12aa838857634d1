"""Reproducing configs, embedded metadata, grids and the step log, without models."""

import shlex

from PIL import Image

from dgenerate_core.media.images import make_grid, read_config_metadata, save_image
from dgenerate_core.options import parse_args
from dgenerate_core.render.log import step_lines, title
from dgenerate_core.render.output import config_text, step_options
from dgenerate_core.render.plan import build_plan


def _steps(*args, seeds=(1, 2)):
    opts = parse_args(["my model", *args])
    return opts, build_plan(opts, list(seeds))


def test_config_reproduces_exactly_one_step():
    opts, steps = _steps("--prompts", 'a "b" #c; neg', "x", "-gs", "3", "4", "--gen-seeds", "2",
                         "-oc", "-om", "--image-seeds", "a.png;64", "-iss", "0.4")
    text = config_text(opts, steps[5])
    lines = text.splitlines()
    assert lines[0] == "#! dgenerate 5.0.0" and lines[1] == ""
    assert lines[2] == '"my model" \\' and all(line.endswith(" \\") for line in lines[2:-1])
    assert all(line.startswith("--") for line in lines[3:])
    argv = shlex.split(" ".join(line.rstrip("\\") for line in lines[2:]))
    again = parse_args(argv)
    step = steps[5]
    assert again.prompts == [step["prompts"]] == ["x"]
    assert again.seeds == [step["seeds"]] == [1] and again.guidance_scales == [4.0]
    assert again.image_seeds == ["a.png;64"] and again.image_seed_strengths == [0.4]
    assert again.inference_steps == [30]
    assert not again.output_configs and not again.output_metadata and again.gen_seeds is None
    first = parse_args(shlex.split(" ".join(
        line.rstrip("\\") for line in config_text(opts, steps[0]).splitlines()[2:])))
    assert first.prompts == ['a "b" #c; neg']


def test_step_options_leaves_the_original_alone():
    opts, steps = _steps("--seeds", "5", "6", "-oc", seeds=(5, 6))
    single = step_options(opts, steps[1])
    assert single.seeds == [6] and opts.seeds == [5, 6] and opts.output_configs


def test_png_and_jpeg_metadata_round_trip(tmp_path):
    image = Image.new("RGB", (8, 8), "blue")
    text = "#! dgenerate 5.0.0\n\nmodel \\\n--prompts \"ü ñ\""
    for ext in ("png", "jpg"):
        path = str(tmp_path / f"x.{ext}")
        save_image(image, path, text)
        assert read_config_metadata(path) == text
    save_image(image, str(tmp_path / "plain.png"))
    assert read_config_metadata(str(tmp_path / "plain.png")) is None


def test_grid_layout():
    cells = [Image.new("RGB", (4, 2), c) for c in ("red", "green", "blue")]
    grid = make_grid(cells, 2, 2)
    assert grid.size == (8, 4)
    assert grid.getpixel((5, 0)) == (0, 128, 0) and grid.getpixel((0, 3)) == (0, 0, 255)
    assert grid.getpixel((7, 3)) == (0, 0, 0)


def test_step_log_lines():
    opts, steps = _steps("--prompts", "cat; dog", "--sdxl-refiner", "r", "--model-type", "sdxl",
                         "--clip-skips", "1", seeds=(9,))
    lines = step_lines(steps[0], "txt2img", (64, 48), 2)
    assert lines[0] == "Generation step 1 / 1" and "    Mode: txt2img" in lines
    for expected in ('    Prompt: "cat"', '    Negative Prompt: "dog"', "    Seed: 9",
                     "    Clip Skip: 1", "    Guidance Scale: 5.0", "    Inference Steps: 30",
                     "    Output Size: 64x48", "    Batch Size: 2"):
        assert expected in lines
    assert title("sdxl_refiner_aesthetic_scores") == "SDXL Refiner Aesthetic Score"
