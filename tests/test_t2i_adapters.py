"""--t2i-adapters and --sdxl-t2i-adapter-factors: tiny T2I adapters for sd and sdxl, txt2img only."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dgenerate_core.errors import UsageError
from dgenerate_core.pipelines import list_object_caches, load_pipelines
from dgenerate_core.render.calls import CallBuilder
from dgenerate_core.render.control import add_control

try:
    from tests.tiny_control import build_controls, control_image
    from tests.tiny_models import opts
except ImportError:  # plain `pytest`
    from tiny_control import build_controls, control_image
    from tiny_models import opts


@pytest.fixture(scope="session")
def tiny_controls(tiny_models, tmp_path_factory):
    return build_controls(tiny_models, str(tmp_path_factory.mktemp("tiny_t2i")))


def _run(pset, images, factor=None, seed=0):
    pipe = pset.get("txt2img")
    pipe.set_progress_bar_config(disable=True)
    call = CallBuilder(pipe, pset.accepts, pset.model_type, "txt2img")
    call.kwargs.update(prompt="a cat", num_inference_steps=2, output_type="np",
                       generator=torch.Generator().manual_seed(seed))
    add_control(call, None, {"sdxl_t2i_adapter_factors": factor}, pset, images, None)
    out = pipe(**call.kwargs).images[0]
    assert out.shape == (64, 64, 3) and np.isfinite(out).all()
    return out, call.kwargs


def _differs(a, b) -> bool:
    return bool(((a * 255).round() != (b * 255).round()).any())


def _load(model, model_type, adapters):
    return load_pipelines(opts(model, model_type, t2i_adapters=adapters))


def test_sd_t2i_adapter(tiny_controls):
    pset = _load(tiny_controls.sd_t2i_base, "sd", [tiny_controls.t2i_sd])
    assert type(pset.get("txt2img")).__name__ == "StableDiffusionAdapterPipeline"
    a, kwargs = _run(pset, [control_image()])
    b, _ = _run(pset, [control_image(flip=True)])
    assert _differs(a, b)
    assert kwargs["image"].size == (64, 64) and kwargs["adapter_conditioning_scale"] == 1.0
    assert (kwargs["width"], kwargs["height"]) == (64, 64)
    assert list_object_caches()["adapter"] >= 1


def test_sd_t2i_scale_zero_equals_no_adapter(tiny_controls):
    zero, _ = _run(_load(tiny_controls.sd_t2i_base, "sd", [tiny_controls.t2i_sd + ";scale=0"]),
                   [control_image()])
    zero_b, _ = _run(_load(tiny_controls.sd_t2i_base, "sd", [tiny_controls.t2i_sd + ";scale=0"]),
                     [control_image(flip=True)])
    assert np.allclose(zero, zero_b, atol=1e-6)  # no guidance left: the control image is ignored
    plain = load_pipelines(opts(tiny_controls.sd_t2i_base, "sd")).get("txt2img")
    plain.set_progress_bar_config(disable=True)
    ref = plain(prompt="a cat", num_inference_steps=2, output_type="np", width=64, height=64,
                generator=torch.Generator().manual_seed(0)).images[0]
    assert np.allclose(ref, zero, atol=1e-5)


def test_two_sd_adapters(tiny_controls):
    pset = _load(tiny_controls.sd_t2i_base, "sd",
                 [tiny_controls.t2i_sd, tiny_controls.t2i_sd_b + ";scale=0.5"])
    assert type(pset.get("txt2img").adapter).__name__ == "MultiAdapter"
    _, kwargs = _run(pset, [control_image(), control_image(flip=True)])
    assert kwargs["adapter_conditioning_scale"] == [1.0, 0.5] and len(kwargs["image"]) == 2
    with pytest.raises(UsageError, match=r"1 control image\(s\) given for 2 T2I adapter model\(s\)"):
        _run(pset, [control_image()])


def test_sdxl_t2i_adapter_and_factor(tiny_models, tiny_controls):
    pset = _load(tiny_models.sdxl, "sdxl", [tiny_controls.t2i_sdxl])
    assert type(pset.get("txt2img")).__name__ == "StableDiffusionXLAdapterPipeline"
    full, kwargs = _run(pset, [control_image()], factor=1.0)
    assert kwargs["adapter_conditioning_factor"] == 1.0
    none, _ = _run(pset, [control_image()], factor=0.0)
    other, _ = _run(pset, [control_image(flip=True)], factor=0.0)
    assert np.allclose(none, other, atol=1e-6)  # factor 0: the adapter never applies
    assert _differs(full, none)


def test_t2i_adapters_are_txt2img_only(tiny_controls):
    pset = _load(tiny_controls.sd_t2i_base, "sd", [tiny_controls.t2i_sd])
    for mode in ("img2img", "inpaint"):
        with pytest.raises(UsageError, match="--t2i-adapters can only be used for txt2img"):
            pset.get(mode)


def test_factor_needs_sdxl_adapter_pipeline(tiny_controls):
    pset = _load(tiny_controls.sd_t2i_base, "sd", [tiny_controls.t2i_sd])
    with pytest.raises(UsageError, match='--sdxl-t2i-adapter-factors cannot be used with '
                                         '--model-type "sd"'):
        _run(pset, [control_image()], factor=0.5)


def test_t2i_option_rules(tiny_models, tiny_controls):
    from dgenerate_core.options import parse_args, validate

    with pytest.raises(UsageError, match="--t2i-adapters is not supported for --model-type sd3"):
        validate(parse_args([tiny_models.sd3, "--model-type", "sd3", "--t2i-adapters",
                             tiny_controls.t2i_sd, "--image-seeds", "c.png"]))
    with pytest.raises(UsageError, match="--sdxl-t2i-adapter-factors requires --t2i-adapters"):
        validate(parse_args([tiny_models.sdxl, "--model-type", "sdxl",
                             "--sdxl-t2i-adapter-factors", "0.5"]))
    with pytest.raises(UsageError, match="--sdxl-t2i-adapter-factors"):
        parse_args([tiny_models.sdxl, "--model-type", "sdxl", "--t2i-adapters", "x",
                    "--sdxl-t2i-adapter-factors", "1.5"])


def test_t2i_uri_errors(tiny_controls):
    with pytest.raises(UsageError, match='unknown argument "start", valid arguments: scale, '
                                         'revision, variant, subfolder, dtype'):
        _load(tiny_controls.sd_t2i_base, "sd", [tiny_controls.t2i_sd + ";start=0.5"])
    with pytest.raises(UsageError, match='unknown argument "mode"'):
        _load(tiny_controls.sd_t2i_base, "sd", [tiny_controls.t2i_sd + ";mode=canny"])
