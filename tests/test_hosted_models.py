"""Single-file models named by URL (VAE, LoRA, textual inversion) load through the web cache from
a loopback server and give the same pixels as the local files; offline mode uses the cache or
says in one line that it cannot."""

import os
import shutil

import numpy as np
from PIL import Image

from dgenerate_core.cli import main

try:
    from tests.httpserver import serve_directory
    from tests.tiny_models import vae_to_single_file
except ImportError:  # plain `pytest`: tests/ itself is on sys.path
    from httpserver import serve_directory
    from tiny_models import vae_to_single_file

FAST = ["--inference-steps", "1", "--seeds", "4", "--output-size", "64", "--device", "cpu",
        "--prompts", "a <tiny-ti> cat"]


def _pixels(folder):
    [name] = os.listdir(folder)
    with Image.open(os.path.join(folder, name)) as im:
        return np.asarray(im.convert("RGB")).copy()


def _args(tiny_models, vae, ti, lora):
    return [tiny_models.sd, *FAST, "--vae", f"AutoencoderKL;model={vae}",
            "--textual-inversions", ti, "--loras", f"{lora};scale=0.7"]


def test_vae_lora_and_ti_by_url_same_pixels_and_offline(tiny_models, tmp_path, capsys):
    served = tmp_path / "served"
    served.mkdir()
    vae_to_single_file(tiny_models.vae, str(served / "vae.safetensors"))
    shutil.copy(tiny_models.textual_inversion, served / "ti.safetensors")
    shutil.copy(tiny_models.lora, served / "lora.safetensors")
    local = _args(tiny_models, served / "vae.safetensors", str(served / "ti.safetensors"),
                  served / "lora.safetensors")
    assert main([*local, "-o", str(tmp_path / "local")]) == 0
    with serve_directory(str(served)) as base:
        hosted = _args(tiny_models, f"{base}/vae.safetensors", f"{base}/ti.safetensors",
                       f"{base}/lora.safetensors")
        assert main([*hosted, "-o", str(tmp_path / "url")]) == 0
        missing = [tiny_models.sd, *FAST, "--loras", f"{base}/other.safetensors", "-ofm",
                   "-o", str(tmp_path / "never")]
        assert main(missing) != 0
        err = capsys.readouterr().err
        assert "other.safetensors" in err and "Offline mode" in err and "Traceback" not in err
    assert np.array_equal(_pixels(tmp_path / "local"), _pixels(tmp_path / "url"))
    # the server is gone: offline mode finds every file in the web cache
    assert main([*hosted, "-ofm", "-o", str(tmp_path / "offline")]) == 0
    assert np.array_equal(_pixels(tmp_path / "local"), _pixels(tmp_path / "offline"))


def test_text_encoder_file_by_url(tiny_models, tmp_path):
    import torch
    from safetensors.torch import save_file

    from dgenerate_core.pipelines import load_pipelines

    try:
        from tests.tiny_models import opts
    except ImportError:
        from tiny_models import opts
    plain = load_pipelines(opts(tiny_models.flux, "flux")).base.text_encoder.state_dict()
    served = tmp_path / "served"
    served.mkdir()
    changed = {k: (v * 0.5 if v.is_floating_point() else v).contiguous() for k, v in plain.items()}
    save_file({("" if k.startswith("text_model.") else "text_model.") + k: v
               for k, v in changed.items()}, served / "clip_l.safetensors")
    with serve_directory(str(served)) as base:
        pset = load_pipelines(opts(tiny_models.flux, "flux", text_encoders=[
            f"CLIPTextModel;model={base}/clip_l.safetensors;mode=clip-l", "+"]))
    mine = pset.base.text_encoder.state_dict()
    assert mine.keys() == changed.keys() and all(torch.equal(mine[k], changed[k]) for k in mine)
