"""Output behaviour through the real command line on the tiny SD model: names, duplicates,
overwrite, prefix, configs, metadata, batches, grids, resizing, events, errors, determinism."""

import os
import shlex

import numpy as np
import pytest
from PIL import Image

from dgenerate_core import events
from dgenerate_core.cli import main
from dgenerate_core.invoke import invoke_dgenerate
from dgenerate_core.media.images import read_config_metadata

FAST = ["--inference-steps", "1", "--output-size", "64"]


@pytest.fixture(scope="module")
def image_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("seed") / "img.png"
    Image.effect_noise((96, 72), 64).convert("RGB").save(path)
    return str(path)


def _sd(tiny_models, out, *args):
    return main([tiny_models.sd, *FAST, "-o", str(out), *args])


def _pixels(path):
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB")).copy()


def test_value_lists_multiply_into_exact_names(tiny_models, tmp_path, capsys):
    rc = _sd(tiny_models, tmp_path, "--prompts", "a", "b", "--seeds", "1", "2", "-gs", "4", "6.5")
    assert rc == 0
    expected = [f"s_{s}_g_{g}_i_1_step_{n}.png" for n, (s, g) in enumerate(
        [(s, g) for _ in "ab" for s in (1, 2) for g in ("4-0", "6-5")], start=1)]
    assert sorted(os.listdir(tmp_path)) == sorted(expected)
    out = capsys.readouterr().out
    assert "Generation step 1 / 8" in out and "Generation step 8 / 8" in out
    assert 'Prompt: "b"' in out and "Guidance Scale: 6.5" in out


def test_returned_paths_and_events(tiny_models, tmp_path):
    seen = []
    sink = lambda event, fields: seen.append((event, fields))  # noqa: E731
    events.add_sink(sink)
    try:
        result = invoke_dgenerate([tiny_models.sd, "--inference-steps", "2", "--output-size",
                                   "64", "--seeds", "5", "-o", str(tmp_path)])
    finally:
        events.remove_sink(sink)
    path = str(tmp_path / "s_5_g_5-0_i_2_step_1.png")
    assert result.images == [path] and result.animations == []
    assert ("image", {"path": path}) in seen
    progress = [f for e, f in seen if e == "progress"]
    total = progress[0]["total"]  # the scheduler's timestep count (PNDM adds one)
    assert total >= 2
    assert progress == [{"step": i, "total": total} for i in range(1, total + 1)]
    assert result.options.seeds == [5]


def test_same_seed_same_pixels_other_seed_other_pixels(tiny_models, tmp_path):
    for sub, seed in (("a", "3"), ("b", "3"), ("c", "4")):
        assert _sd(tiny_models, tmp_path / sub, "--seeds", seed) == 0
    a = _pixels(tmp_path / "a" / "s_3_g_5-0_i_1_step_1.png")
    b = _pixels(tmp_path / "b" / "s_3_g_5-0_i_1_step_1.png")
    c = _pixels(tmp_path / "c" / "s_4_g_5-0_i_1_step_1.png")
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_duplicates_overwrite_and_prefix(tiny_models, tmp_path):
    for _ in range(3):
        assert _sd(tiny_models, tmp_path, "--seeds", "1") == 0
    assert sorted(os.listdir(tmp_path)) == [
        "s_1_g_5-0_i_1_step_1.png", "s_1_g_5-0_i_1_step_1_duplicate_1.png",
        "s_1_g_5-0_i_1_step_1_duplicate_2.png"]
    target = tmp_path / "s_1_g_5-0_i_1_step_1.png"
    target.write_bytes(b"stale")
    assert _sd(tiny_models, tmp_path, "--seeds", "1", "-ox") == 0
    assert len(os.listdir(tmp_path)) == 3 and target.read_bytes()[:4] == b"\x89PNG"
    assert _sd(tiny_models, tmp_path, "--seeds", "1", "-op", "run.1") == 0
    assert (tmp_path / "run.1_s_1_g_5-0_i_1_step_1.png").exists()


def _config_argv(text):
    lines = text.splitlines()
    assert lines[0] == "#! dgenerate 5.0.0"
    return shlex.split(" ".join(line.rstrip("\\") for line in lines[1:]))


def test_output_configs_reproduce_the_image(tiny_models, tmp_path):
    out = tmp_path / "a"
    assert _sd(tiny_models, out, "--seeds", "9", "10", "--prompts", "a cat; ugly", "-oc",
               "-gs", "3", "-ox") == 0
    config = (out / "s_10_g_3-0_i_1_step_2.dgen").read_text()
    argv = _config_argv(config)
    assert argv[0] == tiny_models.sd
    assert "--seeds 10 " in " ".join(argv) + " " and "--output-configs" not in argv
    assert "a cat; ugly" in argv
    result = invoke_dgenerate([*argv, "-o", str(tmp_path / "b")])
    assert [os.path.basename(p) for p in result.images] == ["s_10_g_3-0_i_1_step_1.png"]
    assert np.array_equal(_pixels(result.images[0]), _pixels(out / "s_10_g_3-0_i_1_step_2.png"))
    assert sorted(os.listdir(out)) == sorted(
        [f"s_{s}_g_3-0_i_1_step_{n}.{e}" for s, n in ((9, 1), (10, 2)) for e in ("png", "dgen")])


def test_output_metadata_png_and_jpeg(tiny_models, tmp_path):
    assert _sd(tiny_models, tmp_path, "--seeds", "2", "-om", "-oc") == 0
    png = tmp_path / "s_2_g_5-0_i_1_step_1.png"
    assert read_config_metadata(str(png)) == (tmp_path / "s_2_g_5-0_i_1_step_1.dgen").read_text()
    with Image.open(png) as im:
        assert im.text["DgenerateConfig"].startswith("#! dgenerate 5.0.0")
    assert _sd(tiny_models, tmp_path, "--seeds", "2", "-om", "--image-format", "jpg") == 0
    text = read_config_metadata(str(tmp_path / "s_2_g_5-0_i_1_step_1.jpg"))
    assert text.startswith("#! dgenerate 5.0.0") and "--seeds 2" in text


@pytest.mark.parametrize("fmt", ["jpg", "webp", "bmp"])
def test_image_formats(tiny_models, tmp_path, fmt):
    assert _sd(tiny_models, tmp_path, "--seeds", "2", "--image-format", fmt) == 0
    with Image.open(tmp_path / f"s_2_g_5-0_i_1_step_1.{fmt}") as im:
        assert im.size == (64, 64)


def test_batch_images_and_grid(tiny_models, tmp_path):
    assert _sd(tiny_models, tmp_path / "b", "--seeds", "1", "--batch-size", "3") == 0
    assert sorted(os.listdir(tmp_path / "b")) == [
        f"s_1_g_5-0_i_1_step_1_image_{i}.png" for i in (1, 2, 3)]
    assert _sd(tiny_models, tmp_path / "g", "--seeds", "1", "--batch-size", "3",
               "--batch-grid-size", "2x2") == 0
    assert os.listdir(tmp_path / "g") == ["s_1_g_5-0_i_1_step_1.png"]
    cells = _pixels(tmp_path / "b" / "s_1_g_5-0_i_1_step_1_image_2.png")
    grid = _pixels(tmp_path / "g" / "s_1_g_5-0_i_1_step_1.png")
    assert grid.shape == (128, 128, 3)
    assert np.array_equal(grid[:64, 64:], cells) and not grid[64:, 64:].any()


def test_batch_grid_too_small(tiny_models, tmp_path, capsys):
    assert _sd(tiny_models, tmp_path, "--batch-size", "3", "--batch-grid-size", "1x2") == 1
    assert "--batch-grid-size 1x2" in capsys.readouterr().err


def test_image_seed_resizing(tiny_models, tmp_path, image_file):
    def size(*args):
        out = tmp_path / str(len(os.listdir(tmp_path)))
        assert main([tiny_models.sd, "--inference-steps", "2", "--seeds", "1", "-o", str(out),
                     *args]) == 0
        (name,) = os.listdir(out)
        with Image.open(out / name) as im:
            return im.size
    assert size("--image-seeds", image_file) == (96, 72)
    assert size("--image-seeds", image_file, "--output-size", "64") == (64, 48)
    assert size("--image-seeds", image_file, "--output-size", "64", "--no-aspect") == (64, 64)
    assert size("--image-seeds", f"{image_file};32", "--output-size", "64") == (32, 24)


def test_image_seeds_outer_loop_and_seeds_to_images(tiny_models, tmp_path, image_file):
    rc = main([tiny_models.sd, "--inference-steps", "2", "-o", str(tmp_path), "--image-seeds",
               image_file, f"{image_file};64", "--seeds", "1", "2", "--seeds-to-images",
               "-iss", "0.5", "1.0"])
    assert rc == 0
    assert sorted(os.listdir(tmp_path)) == sorted([
        "s_1_st_0-5_g_5-0_i_2_step_1.png", "s_1_st_1-0_g_5-0_i_2_step_2.png",
        "s_2_st_0-5_g_5-0_i_2_step_3.png", "s_2_st_1-0_g_5-0_i_2_step_4.png"])


def test_scheduler_names_in_file_names(tiny_models, tmp_path):
    assert _sd(tiny_models, tmp_path / "one", "--seeds", "1", "--schedulers",
               "EulerDiscreteScheduler") == 0
    assert os.listdir(tmp_path / "one") == ["s_1_g_5-0_i_1_step_1.png"]
    assert _sd(tiny_models, tmp_path / "two", "--seeds", "1", "--schedulers",
               "EulerDiscreteScheduler", "DDIMScheduler;timestep-spacing=trailing") == 0
    assert sorted(os.listdir(tmp_path / "two")) == [
        "DDIMScheduler_s_1_g_5-0_i_1_step_2.png", "EulerDiscreteScheduler_s_1_g_5-0_i_1_step_1.png"]


def test_scheduler_help_lists_schedulers(tiny_models, tmp_path, capsys):
    assert _sd(tiny_models, tmp_path / "out", "--schedulers", "help") == 0
    out = capsys.readouterr().out
    assert "Compatible schedulers" in out and "EulerDiscreteScheduler" in out
    assert not os.path.exists(tmp_path / "out")


@pytest.mark.parametrize("seed_text, message", [
    ("MISSING", 'Image seed file "MISSING" does not exist.'),
    ("IMG;;64", "stray semicolon"),
    ("IMG;65", "is not divisible by 8"),
    ("BAD", "cannot read image"),
])
def test_image_seed_errors_are_one_line(tiny_models, tmp_path, capsys, image_file, seed_text,
                                        message):
    bad = tmp_path / "bad.png"
    bad.write_text("garbage")
    text = seed_text.replace("IMG", image_file).replace("BAD", str(bad)).replace(
        "MISSING", str(tmp_path / "none.png"))
    message = message.replace("MISSING", str(tmp_path / "none.png"))
    rc = main([tiny_models.sd, "-o", str(tmp_path / "out"), "--image-seeds", text])
    err = capsys.readouterr().err
    assert rc == 1 and message in err and f'"{text}"' in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not os.path.exists(tmp_path / "out")


def test_images_batching(tiny_models, tmp_path, capsys, image_file):
    other = tmp_path / "other.png"
    Image.effect_noise((48, 36), 30).convert("RGB").save(other)
    seed = f"images: {image_file}, {other};64"
    rc = main([tiny_models.sd, "--inference-steps", "2", "--seeds", "1", "-o",
               str(tmp_path / "a"), "--image-seeds", seed])
    assert rc == 0
    assert sorted(os.listdir(tmp_path / "a")) == [
        f"s_1_st_0-8_g_5-0_i_2_step_1_image_{i}.png" for i in (1, 2)]
    rc = main([tiny_models.sd, "--inference-steps", "2", "--seeds", "1", "-o",
               str(tmp_path / "b"), "--image-seeds", seed, "--batch-size", "4"])
    assert rc == 0 and len(os.listdir(tmp_path / "b")) == 4
    rc = main([tiny_models.sd, "--inference-steps", "2", "-o", str(tmp_path / "c"),
               "--image-seeds", seed, "--batch-size", "3"])
    assert rc == 1 and "--batch-size 3 must be divisible by the number of images (2)" in \
        capsys.readouterr().err


def test_output_path_that_is_a_file(tiny_models, tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    assert _sd(tiny_models, tmp_path / "file") == 1
    assert "exists and is not a folder" in capsys.readouterr().err
    assert _sd(tiny_models, tmp_path / "file" / "sub") == 1
    assert "--output-path: cannot create the folder" in capsys.readouterr().err


def test_second_model_scheduler_goes_to_the_refiner(tiny_models, tmp_path):
    from dgenerate_core.options import parse_args
    from dgenerate_core.pipelines import load_pipelines

    args = [tiny_models.sdxl, "--model-type", "sdxl", "--sdxl-refiner", tiny_models.sdxl_refiner]
    assert main([*args, *FAST, "-ifs", "4", "--seeds", "1", "-o", str(tmp_path),
                 "--second-model-schedulers", "DDIMScheduler",
                 "--schedulers", "EulerAncestralDiscreteScheduler"]) == 0
    pset = load_pipelines(parse_args(args))
    assert type(pset.refiner("txt2img").scheduler).__name__ == "DDIMScheduler"
    assert type(pset.get("txt2img").scheduler).__name__ == "EulerAncestralDiscreteScheduler"
    assert os.listdir(tmp_path) == ["s_1_g_5-0_i_4_hnf_0-8_step_1.png"]


def test_clip_skip_on_sd_txt2img_and_inpaint(tiny_models, tmp_path, image_file):
    assert _sd(tiny_models, tmp_path, "--seeds", "1", "--clip-skips", "0", "1") == 0
    a = _pixels(tmp_path / "s_1_g_5-0_i_1_cs_0_step_1.png")
    b = _pixels(tmp_path / "s_1_g_5-0_i_1_cs_1_step_2.png")
    assert not np.array_equal(a, b)
    assert main([tiny_models.sd, "-ifs", "2", "--seeds", "1", "-o", str(tmp_path), "-cs", "1",
                 "--image-seeds", f"{image_file};{image_file}"]) == 0
    assert (tmp_path / "s_1_st_0-8_g_5-0_i_2_cs_1_step_1.png").exists()


def test_auto1111_metadata(tiny_models, tmp_path, image_file):
    assert _sd(tiny_models, tmp_path, "--seeds", "3", "-oam", "-p", "a cat; ugly", "-cs", "1",
               "--schedulers", "EulerAncestralDiscreteScheduler") == 0
    with Image.open(tmp_path / "s_3_g_5-0_i_1_cs_1_step_1.png") as im:
        text = im.text["parameters"]
    assert text == ("a cat\nNegative prompt: ugly\nSteps: 1, Sampler: Euler a, CFG scale: 5.0, "
                    "Seed: 3, Size: 64x64, Model: sd, Clip skip: 2, Version: dgenerate 5.0.0")
    assert main([tiny_models.sd, "-ifs", "2", "--seeds", "3", "-o", str(tmp_path), "-oam",
                 "--image-seeds", image_file, "-if", "jpg"]) == 0
    text = read_config_metadata(str(tmp_path / "s_3_st_0-8_g_5-0_i_2_step_1.jpg"))
    assert text.startswith("\nSteps: 2, Sampler: ") and "Size: 96x72" in text
    assert "Denoising strength: 0.8" in text


def test_auto1111_model_hash(tmp_path):
    import hashlib

    from dgenerate_core.render.a1111 import model_hash

    path = tmp_path / "model.safetensors"
    path.write_bytes(b"weights" * 1000)
    assert model_hash(str(path)) == hashlib.sha256(b"weights" * 1000).hexdigest()[:10]
    assert model_hash(str(tmp_path)) is None
