"""A LoRA given as a hub repository without weight-name, offline: the one weights file of the
cached snapshot is used, as the online path would pick it (issue 14)."""

import os
import shutil

import pytest

from dgenerate_core.errors import ModelError
from dgenerate_core.pipelines import clear_object_cache, load_pipelines
from tests.tiny_models import opts

REPO = "tiny-org/tiny-lora"


def _cache(root, lora_file, names):
    """A Hugging Face hub cache holding REPO at one commit with ``names`` (copies of the LoRA)."""
    repo = root / ("models--" + REPO.replace("/", "--"))
    commit = "0123456789abcdef0123456789abcdef01234567"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    snapshot = repo / "snapshots" / commit
    snapshot.mkdir(parents=True)
    for name in names:
        shutil.copy(lora_file, snapshot / name)
    (snapshot / "README.md").write_text("tiny")
    return str(root)


def _unet_weights(pset):
    return pset.base.unet.down_blocks[1].attentions[0].transformer_blocks[0].attn1.to_q.weight


def test_single_cached_weight_file_is_picked(tiny_models, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", _cache(tmp_path, tiny_models.lora,
                                               ["yarn_art_lora.safetensors", "optimizer.bin"]))
    clear_object_cache()
    plain = _unet_weights(load_pipelines(opts(tiny_models.sd))).detach().clone()
    fused = _unet_weights(load_pipelines(opts(tiny_models.sd, loras=[REPO], offline_mode=True)))
    assert (fused - plain).abs().max() > 0  # the LoRA was fused


def test_several_cached_weight_files_need_a_weight_name(tiny_models, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", _cache(tmp_path, tiny_models.lora,
                                               ["a.safetensors", "b.safetensors"]))
    clear_object_cache()
    with pytest.raises(ModelError) as err:
        load_pipelines(opts(tiny_models.sd, loras=[REPO], offline_mode=True))
    assert str(err.value) == (f'--loras "{REPO}": the cached repository holds several weight '
                              f"files (a.safetensors, b.safetensors), choose one with weight-name=")
    pset = load_pipelines(opts(tiny_models.sd, loras=[f"{REPO};weight-name=b.safetensors"],
                               offline_mode=True))
    assert pset.base is not None
