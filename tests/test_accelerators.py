"""DeepCache and TeaCache work, not just run: denoiser work is counted (full calls vs calls served
from the cache, and the deep modules that really ran) and the image stays close to the plain one."""

import os

import numpy as np
import pytest
from PIL import Image

from dgenerate_core.accelerators import LAST
from dgenerate_core.cli import main

STEPS = 8


def _run(tmp_path, name, args):
    out = tmp_path / name
    LAST.clear()
    rc = main([args[0], "--seeds", "3", *args[1:], "-o", str(out)])
    assert rc == 0, name
    (png,) = [f for f in os.listdir(out) if f.endswith(".png")]
    with Image.open(out / png) as im:
        return np.asarray(im, dtype=np.float32), list(LAST)


class _Counter:
    """Counts real forward runs of a module (a torch hook on a module inside it fires only
    when the module's own forward really computes)."""

    def __init__(self, module):
        self.count = 0
        self.handle = module.register_forward_hook(self._hook)

    def _hook(self, *args):
        self.count += 1


@pytest.fixture(scope="module")
def sd_runs(tiny_models, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dc")
    base = [tiny_models.sd, "--output-size", "64", "--inference-steps", str(STEPS),
            "--scheduler", "EulerDiscreteScheduler"]
    runs = {"plain": _run(tmp, "plain", base)}
    runs["other_seed"] = _run(tmp, "other", [*base, "--seeds", "4"])
    for name, extra in {"dc3": ["-dci", "3"], "dc2b0": ["-dc", "-dci", "2", "-dcb", "0"]}.items():
        runs[name] = _run(tmp, name, [*base, *extra])
    runs["plain_after"] = _run(tmp, "plain_after", base)
    return runs


def test_deep_cache_serves_the_deep_blocks_from_its_cache(sd_runs):
    (stats,) = sd_runs["dc3"][1]
    assert stats.name == "DeepCache" and stats.calls == STEPS
    assert stats.computed == 3 and stats.cached == 5          # calls 0, 3, 6 run in full
    assert stats.extra["deep_blocks_skipped"] == 5            # branch 1 of 2: the mid block
    (stats,) = sd_runs["dc2b0"][1]
    assert stats.computed == 4 and stats.cached == 4
    assert stats.extra["deep_blocks_skipped"] == 4 * 3        # down 1, mid, up 0


def test_deep_cache_image_stays_close_and_hooks_come_off(sd_runs):
    plain = sd_runs["plain"][0]
    seed_change = np.abs(plain - sd_runs["other_seed"][0]).mean()
    for name in ("dc3", "dc2b0"):
        diff = np.abs(plain - sd_runs[name][0]).mean()
        assert 0 < diff < 0.2 * seed_change, name
    assert sd_runs["plain_after"][1] == []
    assert np.array_equal(plain, sd_runs["plain_after"][0])


def test_deep_cache_really_skips_the_mid_block(sd_pipe):
    from dgenerate_core.accelerators.deepcache import deep_cache

    counter = _Counter(sd_pipe.unet.mid_block.resnets[0])
    try:
        with deep_cache(sd_pipe, 2, 1) as stats:
            _call(sd_pipe, steps=6)
        assert counter.count == stats.computed == 3
        counter.count = 0
        _call(sd_pipe, steps=6)
        assert counter.count == 6
    finally:
        counter.handle.remove()


def test_deep_cache_bad_branch_id_names_the_option(tiny_models, tmp_path, capsys):
    rc = main([tiny_models.sd, "--output-size", "64", "--inference-steps", "2", "-dcb", "5",
               "-o", str(tmp_path)])
    assert rc == 1
    assert "--deep-cache-branch-ids 5: this UNet has 2 blocks" in capsys.readouterr().err


def test_refiner_deep_cache(tiny_models, tmp_path):
    _, stats = _run(tmp_path, "refiner", [
        tiny_models.sdxl, "--model-type", "sdxl", "--sdxl-refiner", tiny_models.sdxl_refiner,
        "--output-size", "64", "--inference-steps", "4", "-ifs2", "6", "--sdxl-refiner-edit",
        "-hnf", "0.5", "-rdci", "2"])
    (refiner,) = stats
    assert refiner.name == "DeepCache" and refiner.calls == 3   # 6 steps x strength 0.5
    assert refiner.computed == 2 and refiner.cached == 1


@pytest.fixture(scope="module")
def flux_runs(tiny_models, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tc")
    base = [tiny_models.flux, "--model-type", "flux", "--output-size", "64",
            "--inference-steps", str(STEPS)]
    runs = {"plain": _run(tmp, "plain", base),
            "other_seed": _run(tmp, "other", [*base, "--seeds", "4"])}
    for value in ("0", "0.3", "0.6"):
        runs[value] = _run(tmp, value, [*base, "-tcr", value])
    return runs


def test_tea_cache_skips_more_with_a_higher_threshold(flux_runs):
    cached = {}
    for value in ("0", "0.3", "0.6"):
        (stats,) = flux_runs[value][1]
        assert stats.name == "TeaCache" and stats.calls == STEPS
        assert stats.computed + stats.cached == STEPS
        cached[value] = stats.cached
    assert cached["0"] == 0
    assert 0 < cached["0.3"] <= cached["0.6"] <= STEPS - 2   # first and last always computed
    assert np.array_equal(flux_runs["0"][0], flux_runs["plain"][0])


def test_tea_cache_image_stays_close(flux_runs):
    plain = flux_runs["plain"][0]
    seed_change = np.abs(plain - flux_runs["other_seed"][0]).mean()
    for value in ("0.3", "0.6"):
        diff = np.abs(plain - flux_runs[value][0]).mean()
        assert 0 < diff < 0.2 * seed_change, value


def test_tea_cache_refuses_a_unet_model(tiny_models, tmp_path, capsys):
    rc = main([tiny_models.sd, "--output-size", "64", "--inference-steps", "2", "-tc",
               "-o", str(tmp_path)])
    assert rc == 1
    assert "--tea-cache" in capsys.readouterr().err


# ----------------------------------------------------------------------------- SADA, HiDiffusion
def _sd_pipe(path):
    from diffusers import EulerDiscreteScheduler, StableDiffusionPipeline

    pipe = StableDiffusionPipeline.from_pretrained(path)
    pipe.scheduler = EulerDiscreteScheduler.from_config(pipe.scheduler.config)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def _call(pipe, size=64, steps=STEPS, seed=0):
    import torch

    return pipe(prompt="a cat", num_inference_steps=steps, height=size, width=size,
                output_type="np", generator=torch.Generator().manual_seed(seed)).images[0]


@pytest.fixture(scope="module")
def sd_pipe(tiny_models):
    return _sd_pipe(tiny_models.sd)


def test_sada_skips_denoiser_calls_and_stays_close(sd_pipe):
    from dgenerate_core.accelerators.sada import SadaParams, sada

    counter = _Counter(sd_pipe.unet.conv_in)
    plain = _call(sd_pipe, steps=16)
    other = _call(sd_pipe, steps=16, seed=1)
    counter.count = 0
    params = SadaParams(acc_start=3, acc_end=16, lagrange_terms=3, lagrange_int=2,
                        lagrange_step=10, max_interval=4)
    with sada(sd_pipe, params) as stats:
        fast = _call(sd_pipe, steps=16)
    counter.handle.remove()
    assert stats.calls == 16 and counter.count == stats.computed
    assert stats.cached >= 2                       # calls 11 and 13 at least (Lagrange phase)
    assert np.abs(plain - fast).mean() < 0.2 * np.abs(plain - other).mean()


def test_sada_options_reach_the_pipeline(tiny_models, tmp_path, capsys):
    _, stats = _run(tmp_path, "sada", [tiny_models.sd, "--output-size", "64",
                                       "--inference-steps", "12", "--scheduler",
                                       "EulerDiscreteScheduler", "--sada-acc-ranges", "3,12",
                                       "--sada-lagrange-steps", "8", "--sada-lagrange-ints", "2"])
    (stats,) = stats
    assert stats.name == "SADA" and stats.calls == 12 and stats.cached >= 1
    rc = main([tiny_models.sd, "--output-size", "64", "--inference-steps", "2",
               "--sada-lagrange-steps", "7", "-o", str(tmp_path)])
    assert rc == 1
    assert "--sada-lagrange-steps" in capsys.readouterr().err


def test_hi_diffusion_runs_the_deep_levels_at_half_resolution(sd_pipe):
    from dgenerate_core.accelerators.hidiffusion import hi_diffusion

    sizes = []
    handle = sd_pipe.unet.mid_block.resnets[0].register_forward_hook(
        lambda m, args, out: sizes.append(tuple(out.shape[-2:])))
    try:
        plain = _call(sd_pipe, size=128, steps=10)
        with hi_diffusion(sd_pipe, "sd") as stats:
            hd = _call(sd_pipe, size=128, steps=10)
        with hi_diffusion(sd_pipe, "sd", raunet=False, window_attention=False):
            neither = _call(sd_pipe, size=128, steps=10)
    finally:
        handle.remove()
    assert sizes[:10] == [(8, 8)] * 10
    assert sizes[10:20] == [(4, 4)] * 4 + [(8, 8)] * 6      # RAU-Net for 40% of the steps
    assert stats.extra["raunet_calls"] == 4 and stats.extra["window_attention_calls"] > 0
    assert hd.shape == plain.shape and np.abs(hd - plain).mean() > 0
    assert np.array_equal(neither, plain)
    assert _call(sd_pipe, size=128, steps=10).tolist() == plain.tolist()   # hooks came off


def test_hi_diffusion_option(tiny_models, tmp_path):
    _, stats = _run(tmp_path, "hd", [tiny_models.sdxl, "--model-type", "sdxl", "--output-size",
                                     "128", "--inference-steps", "7", "-hd",
                                     "--hi-diffusion-no-win-attn"])
    (stats,) = stats
    assert stats.name == "HiDiffusion" and stats.extra == {"raunet_calls": 1}


# ----------------------------------------------------------------------------- RAS
def test_ras_runs_only_the_chosen_tokens_and_stays_close(tiny_models):
    import torch
    from diffusers import StableDiffusion3Pipeline

    from dgenerate_core.accelerators.ras import RasParams, ras

    pipe = StableDiffusion3Pipeline.from_pretrained(tiny_models.sd3)
    pipe.set_progress_bar_config(disable=True)
    tokens = []
    handle = pipe.transformer.transformer_blocks[0].register_forward_hook(
        lambda m, args, kwargs, out: tokens.append(kwargs["hidden_states"].shape[1]),
        with_kwargs=True)

    def call(seed=0):
        return pipe(prompt="a cat", num_inference_steps=10, height=64, width=64,
                    output_type="np", generator=torch.Generator().manual_seed(seed)).images[0]

    try:
        plain, other = call(), call(1)
        tokens.clear()
        with ras(pipe, RasParams(start_step=2, error_reset_steps=(6,))) as stats:
            fast = call()
    finally:
        handle.remove()
    # 64x64 image: 8x8 latents in 2x2 patches = 16 tokens; dense at 0, 1 and 6, half otherwise
    assert tokens == [16, 16, 8, 8, 8, 8, 16, 8, 8, 8]
    assert stats.computed == 3 and stats.cached == 7 and stats.extra["tokens_skipped"] == 56
    assert np.abs(plain - fast).mean() < 0.2 * np.abs(plain - other).mean()
    assert np.array_equal(call(), plain)                 # hooks came off


def test_ras_options(tiny_models, tmp_path):
    _, stats = _run(tmp_path, "ras", [tiny_models.sd3, "--model-type", "sd3", "--output-size",
                                      "64", "--inference-steps", "8", "--ras-sample-ratios",
                                      "0.25", "--ras-skip-num-step-lengths", "2",
                                      "--ras-skip-num-steps", "-2", "--ras-metrics", "l2norm"])
    (stats,) = stats
    # dense 0-3 (start 4); RAS steps leave out 12, 12, 10, 10 of 16 tokens
    assert stats.name == "RAS" and stats.computed == 4 and stats.cached == 4
    assert stats.extra["tokens_skipped"] == 44


def test_hi_diffusion_raunet_refuses_control_residuals(sd_pipe):
    from types import SimpleNamespace

    from dgenerate_core.accelerators.hidiffusion import hi_diffusion
    from dgenerate_core.errors import UsageError

    pipe = SimpleNamespace(unet=sd_pipe.unet, controlnet=object(), scheduler=sd_pipe.scheduler)
    with pytest.raises(UsageError, match="--hi-diffusion-no-raunet"):
        with hi_diffusion(pipe, "sd"):
            pass
    with hi_diffusion(pipe, "sd", raunet=False) as stats:
        assert stats.name == "HiDiffusion"
