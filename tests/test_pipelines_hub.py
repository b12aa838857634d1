"""Hugging Face repo ids and single-file checkpoints, offline, through a fabricated hub cache."""

from __future__ import annotations

import os
import shutil

import pytest
import torch

from dgenerate_core.errors import ModelError
from dgenerate_core.pipelines import clear_object_cache, load_pipelines

try:
    from tests.tiny_models import opts, run
except ImportError:  # plain `pytest`
    from tiny_models import opts, run

#: the repo diffusers takes SD 1.x configs from when a single file comes without one
SD15_CONFIG_REPO = "stable-diffusion-v1-5/stable-diffusion-v1-5"


def _fabricate(hub: str, repo: str, folder: str, revision: str = "main", commit: str = "a" * 40) -> None:
    """Lay a diffusers folder out the way the hub cache stores a downloaded repo snapshot."""
    base = os.path.join(hub, "models--" + repo.replace("/", "--"))
    os.makedirs(os.path.join(base, "refs"), exist_ok=True)
    with open(os.path.join(base, "refs", revision), "w") as f:
        f.write(commit)
    shutil.copytree(folder, os.path.join(base, "snapshots", commit))


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """A private, empty hub cache (HF_HUB_CACHE is read at load time)."""
    path = str(tmp_path / "hub")
    os.makedirs(path)
    monkeypatch.setenv("HF_HUB_CACHE", path)
    return path


def _same_unet(pipe, folder) -> bool:
    from diffusers import UNet2DConditionModel

    ref = UNet2DConditionModel.from_pretrained(folder, subfolder="unet").state_dict()
    got = pipe.unet.state_dict()
    return ref.keys() == got.keys() and all(torch.equal(ref[k], got[k]) for k in ref)


def test_repo_id_from_cache_in_offline_mode(tiny_models, hub):
    _fabricate(hub, "tiny/sd", tiny_models.sd)
    pset = load_pipelines(opts("tiny/sd", offline_mode=True))
    assert pset.model_path == "tiny/sd" and _same_unet(pset.base, tiny_models.sd)
    run(pset.get("txt2img"), "txt2img")


def test_repo_revision_and_subfolder(tiny_models, hub):
    _fabricate(hub, "tiny/sd", tiny_models.sd)
    _fabricate(hub, "tiny/sd", tiny_models.sd_inpaint, revision="inpaint", commit="c" * 40)
    pset = load_pipelines(opts("tiny/sd", offline_mode=True, revision="inpaint"))
    assert pset.base.unet.config.in_channels == 9
    with pytest.raises(ModelError, match='model_path "tiny/sd": not found in the Hugging Face cache, '
                                         "and --offline-mode forbids downloading it"):
        load_pipelines(opts("tiny/sd", offline_mode=True, revision="nope"))
    vae = load_pipelines(opts(tiny_models.sd, vae="AutoencoderKL;model=tiny/sd;subfolder=vae;revision=inpaint",
                              offline_mode=True))
    assert vae.base.vae is not None


def test_subfolder_of_a_repo_and_of_a_folder(tiny_models, hub):
    _fabricate(hub, "tiny/all", tiny_models.root)
    pset = load_pipelines(opts("tiny/all", "sdxl", subfolder="sdxl", offline_mode=True))
    assert type(pset.base).__name__ == "StableDiffusionXLPipeline"
    local = load_pipelines(opts(tiny_models.root, subfolder="sd_inpaint"))
    assert local.base.unet.config.in_channels == 9
    with pytest.raises(ModelError, match='--subfolder "nope": there is no such folder'):
        load_pipelines(opts(tiny_models.root, subfolder="nope"))


def test_single_file_checkpoint_with_cached_config(tiny_models, hub):
    _fabricate(hub, SD15_CONFIG_REPO, tiny_models.sd)
    pset = load_pipelines(opts(tiny_models.sd_single_file, offline_mode=True))
    assert type(pset.base).__name__ == "StableDiffusionPipeline"
    assert _same_unet(pset.base, tiny_models.sd)
    run(pset.get("txt2img"), "txt2img")
    assert type(pset.get("img2img")).__name__ == "StableDiffusionImg2ImgPipeline"


def test_single_file_without_config_is_one_line_error(tiny_models, hub):
    clear_object_cache()  # a pipeline from the test above would be a cache hit
    with pytest.raises(ModelError) as err:
        load_pipelines(opts(tiny_models.sd_single_file, offline_mode=True))
    text = str(err.value)
    assert "\n" not in text and text.startswith(f'model_path "{tiny_models.sd_single_file}": ')
    assert "--offline-mode" in text


@pytest.fixture
def http_server(tiny_models):
    """A real HTTP server on 127.0.0.1 serving the tiny models folder."""
    from tests.httpserver import serve_directory

    with serve_directory(tiny_models.root) as url:
        yield url


def test_single_file_from_url_via_web_cache(tiny_models, hub, http_server):
    _fabricate(hub, SD15_CONFIG_REPO, tiny_models.sd)
    url = f"{http_server}/sd_single.safetensors"
    pset = load_pipelines(opts(url, offline_mode=False))
    assert _same_unet(pset.base, tiny_models.sd)
    lora = load_pipelines(opts(tiny_models.sd, loras=[f"{http_server}/lora/pytorch_lora_weights.safetensors"]))
    assert lora.base is not None
    clear_object_cache()
    again = load_pipelines(opts(url, offline_mode=True))  # now served from the web cache
    assert _same_unet(again.base, tiny_models.sd)


def test_single_file_with_a_diffusers_folder_as_original_config(tiny_models, hub):
    clear_object_cache()
    pset = load_pipelines(opts(tiny_models.sd_single_file, offline_mode=True, original_config=tiny_models.sd))
    assert _same_unet(pset.base, tiny_models.sd)
    with pytest.raises(ModelError, match='--original-config "nope.yaml": no such file or folder'):
        load_pipelines(opts(tiny_models.sd_single_file, original_config="nope.yaml"))
