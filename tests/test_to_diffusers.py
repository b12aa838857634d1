"""to-diffusers / \\to_diffusers: a tiny single-file checkpoint saved as a diffusers folder
(float32 and the fp16 variant) generates the same pixels as the checkpoint itself."""

import os

import numpy as np
from PIL import Image

from dgenerate_core.cli import main
from dgenerate_core.script import ConfigRunner

FAST = ["--inference-steps", "2", "--seeds", "9", "--output-size", "64", "--device", "cpu",
        "--prompts", "a cat; ugly"]


def _pixels(folder):
    [name] = os.listdir(folder)
    with Image.open(os.path.join(folder, name)) as im:
        return np.asarray(im.convert("RGB")).copy()


def test_single_file_to_diffusers_same_pixels_and_fp16_variant(tiny_models, tmp_path, capsys):
    out = tmp_path / "converted"
    assert main(["--sub-command", "to-diffusers", tiny_models.sd_single_file, "-mt", "sd",
                 "-olc", tiny_models.sd, "-t", "float16", "float32", "-o", str(out)]) == 0
    assert "saved" in capsys.readouterr().out
    unet = os.listdir(out / "unet")
    assert "diffusion_pytorch_model.safetensors" in unet
    assert "diffusion_pytorch_model.fp16.safetensors" in unet
    assert (out / "model_index.json").is_file()
    assert main([tiny_models.sd_single_file, "--original-config", tiny_models.sd, *FAST,
                 "-o", str(tmp_path / "a")]) == 0
    assert main([str(out), *FAST, "-o", str(tmp_path / "b")]) == 0
    assert np.array_equal(_pixels(tmp_path / "a"), _pixels(tmp_path / "b"))


def test_directive_errors_and_help(tiny_models, tmp_path, capsys):
    ConfigRunner().run_string(f'\\to_diffusers "{tiny_models.sd_single_file}" -olc '
                              f'"{tiny_models.sd}" -t float16 -o "{tmp_path / "h"}"\n')
    assert "diffusion_pytorch_model.fp16.safetensors" in os.listdir(tmp_path / "h" / "unet")
    assert "diffusion_pytorch_model.safetensors" not in os.listdir(tmp_path / "h" / "unet")
    assert main(["--sub-command", "to-diffusers", "x.safetensors", "-t", "bfloat8",
                 "-o", str(tmp_path / "x")]) != 0
    assert 'unknown dtype "bfloat8"' in capsys.readouterr().err
    assert main(["--sub-command", "to-diffusers", "x.safetensors"]) != 0
    assert "-o/--output" in capsys.readouterr().err
    assert main(["--sub-command", "to-diffusers", "--help"]) == 0
    out = capsys.readouterr().out
    for flag in ("--model-type", "--revision", "--subfolder", "--dtypes", "--original-config",
                 "--auth-token", "--output", "--offline-mode"):
        assert flag in out


def test_url_checkpoint_and_folder_sources(tiny_models, tmp_path):
    try:
        from tests.httpserver import serve_directory
    except ImportError:  # plain `pytest`: tests/ itself is on sys.path
        from httpserver import serve_directory

    with serve_directory(os.path.dirname(tiny_models.sd_single_file)) as base:
        url = f"{base}/{os.path.basename(tiny_models.sd_single_file)}"
        assert main(["--sub-command", "to-diffusers", url, "-olc", tiny_models.sd,
                     "-o", str(tmp_path / "from_url")]) == 0
    assert main(["--sub-command", "to-diffusers", tiny_models.sd, "-o",
                 str(tmp_path / "from_folder")]) == 0
    for name in ("from_url", "from_folder"):
        assert main([str(tmp_path / name), *FAST, "-o", str(tmp_path / f"img_{name}")]) == 0
    assert np.array_equal(_pixels(tmp_path / "img_from_url"), _pixels(tmp_path / "img_from_folder"))
