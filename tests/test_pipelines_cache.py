"""The process-wide object cache: pipelines and components built once per creation parameters."""

from __future__ import annotations

import logging

import pytest

from dgenerate_core.errors import UsageError
from dgenerate_core.pipelines import cache_stats, clear_object_cache, list_object_caches, load_pipelines

try:
    from tests.tiny_models import opts
except ImportError:  # plain `pytest`
    from tiny_models import opts


def test_same_options_hit_the_cache(tiny_models, caplog):
    clear_object_cache()
    before = cache_stats().get("pipeline", {"hits": 0, "misses": 0})
    caplog.set_level(logging.DEBUG, logger="dgenerate")
    first = load_pipelines(opts(tiny_models.sd))
    second = load_pipelines(opts(tiny_models.sd, device="cpu", dtype=None))
    assert first is second
    stats = cache_stats()["pipeline"]
    assert stats["misses"] == before["misses"] + 1 and stats["hits"] == before["hits"] + 1
    assert any(r.message == f"cache hit: pipeline {tiny_models.sd}" for r in caplog.records)
    assert load_pipelines(opts(tiny_models.sd, dtype="bfloat16")) is not first


def test_components_are_shared(tiny_models):
    clear_object_cache()
    before = cache_stats().get("vae", {"hits": 0, "misses": 0})
    vae = f"AutoencoderKL;model={tiny_models.vae}"
    a = load_pipelines(opts(tiny_models.sd, vae=vae))
    b = load_pipelines(opts(tiny_models.sd_inpaint, vae=vae))
    assert a is not b and a.base.vae is b.base.vae
    after = cache_stats()["vae"]
    assert after["hits"] == before["hits"] + 1 and after["misses"] == before["misses"] + 1
    assert after["size"] == 1


def test_list_and_clear(tiny_models):
    clear_object_cache()
    assert list_object_caches()["pipeline"] == 0
    pset = load_pipelines(opts(tiny_models.sd))
    listed = list_object_caches()
    assert listed["pipeline"] == 1 and set(listed) >= {"pipeline", "vae", "unet", "text_encoder"}
    clear_object_cache("pipeline")
    assert list_object_caches()["pipeline"] == 0
    assert load_pipelines(opts(tiny_models.sd)) is not pset
    with pytest.raises(UsageError, match='unknown object cache "nope"'):
        clear_object_cache("nope")


def test_eviction_keeps_the_cache_small(tiny_models):
    clear_object_cache()
    for path in (tiny_models.sd, tiny_models.sd_inpaint, tiny_models.sdxl):
        load_pipelines(opts(path, "sdxl" if path == tiny_models.sdxl else "sd"))
    assert list_object_caches()["pipeline"] == 2


def test_relative_paths_follow_the_working_directory(tiny_models, tmp_path, monkeypatch):
    import os

    os.symlink(tiny_models.sd_inpaint, tmp_path / "sd")
    monkeypatch.chdir(tiny_models.root)
    first = load_pipelines(opts("sd", vae="AutoencoderKL;model=vae"))
    assert first.base.unet.config.in_channels == 4
    monkeypatch.chdir(tmp_path)
    os.symlink(os.path.join(tiny_models.root, "sdxl", "vae"), tmp_path / "vae")
    second = load_pipelines(opts("sd", vae="AutoencoderKL;model=vae"))
    assert second.base.unet.config.in_channels == 9
    assert second.base.vae is not first.base.vae
