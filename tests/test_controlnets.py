"""--control-nets: loading tiny ControlNets (sd, sdxl, union, sd3, flux), the control pipeline
classes, and the call arguments ``render.control.add_control`` adds, run for real."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
import torch

from dgenerate_core.errors import ModelError, NotSupportedYet, UsageError
from dgenerate_core.pipelines import clear_object_cache, list_object_caches, load_pipelines
from dgenerate_core.render.calls import CallBuilder
from dgenerate_core.render.control import add_control

try:
    from tests.tiny_control import build_controls, control_image
    from tests.tiny_models import init_image, mask_image, opts
except ImportError:  # plain `pytest`
    from tiny_control import build_controls, control_image
    from tiny_models import init_image, mask_image, opts


@pytest.fixture(scope="session")
def tiny_controls(tiny_models, tmp_path_factory):
    return build_controls(tiny_models, str(tmp_path_factory.mktemp("tiny_controls")))


def _step(factor=None):
    return {"sdxl_t2i_adapter_factors": factor}


def _call(pset, mode, images, seed=0, size=(64, 64), **extra):
    """Run the mode's pipeline once with these control images; returns the float image."""
    pipe = pset.get(mode)
    pipe.set_progress_bar_config(disable=True)
    call = CallBuilder(pipe, pset.accepts, pset.model_type, mode)
    call.kwargs.update(prompt="a cat", num_inference_steps=2, output_type="np",
                       generator=torch.Generator().manual_seed(seed))
    if mode != "txt2img":
        call.kwargs.update(image=init_image(), strength=0.8, width=64, height=64)
    if mode == "inpaint":
        call.kwargs.update(mask_image=mask_image())
    add_control(call, None, _step(), pset, images, size)
    call.kwargs.update(extra)
    out = pipe(**call.kwargs).images[0]
    assert out.shape == (64, 64, 3) and np.isfinite(out).all()
    return out, call.kwargs


def _differs(a, b) -> bool:
    """Different once written as 8 bit pixels."""
    return bool(((a * 255).round() != (b * 255).round()).any())


def _load(model, model_type, nets, **kw):
    return load_pipelines(opts(model, model_type, control_nets=nets, **kw))


@pytest.mark.parametrize("mode,cls", [
    ("txt2img", "StableDiffusionControlNetPipeline"),
    ("img2img", "StableDiffusionControlNetImg2ImgPipeline"),
    ("inpaint", "StableDiffusionControlNetInpaintPipeline"),
])
def test_sd_controlnet_modes(tiny_models, tiny_controls, mode, cls):
    pset = _load(tiny_models.sd, "sd", [tiny_controls.sd])
    assert type(pset.get(mode)).__name__ == cls
    a, kwargs = _call(pset, mode, [control_image()])
    b, _ = _call(pset, mode, [control_image(flip=True)])
    assert _differs(a, b)
    key = "image" if mode == "txt2img" else "control_image"
    assert kwargs[key].size == (64, 64)
    assert kwargs["controlnet_conditioning_scale"] == 1.0
    assert (kwargs["control_guidance_start"], kwargs["control_guidance_end"]) == (0.0, 1.0)


def test_scale_zero_equals_no_controlnet(tiny_models, tiny_controls):
    plain = load_pipelines(opts(tiny_models.sd, "sd"))
    pipe = plain.get("txt2img")
    pipe.set_progress_bar_config(disable=True)
    ref = pipe(prompt="a cat", num_inference_steps=2, output_type="np", width=64, height=64,
               generator=torch.Generator().manual_seed(0)).images[0]
    pset = _load(tiny_models.sd, "sd", [tiny_controls.sd + ";scale=0"])
    zero, kwargs = _call(pset, "txt2img", [control_image()])
    assert kwargs["controlnet_conditioning_scale"] == 0.0
    assert np.allclose(ref, zero, atol=1e-5)
    full, _ = _call(_load(tiny_models.sd, "sd", [tiny_controls.sd]), "txt2img",
                    [control_image()])
    assert _differs(ref, full)


def test_two_controlnets_take_lists(tiny_models, tiny_controls):
    pset = _load(tiny_models.sd, "sd",
                 [tiny_controls.sd, tiny_controls.sd_b + ";scale=0.5;start=0.1;end=0.9"])
    assert type(pset.get("txt2img").controlnet).__name__ == "MultiControlNetModel"
    again = _load(tiny_models.sd, "sd",
                  [tiny_controls.sd, tiny_controls.sd_b + ";scale=0.5;start=0.1;end=0.9"])
    assert again.get("txt2img") is pset.get("txt2img")  # the Multi wrapper is cached too
    _, kwargs = _call(pset, "txt2img", [control_image(), control_image(flip=True)])
    assert kwargs["controlnet_conditioning_scale"] == [1.0, 0.5]
    assert kwargs["control_guidance_start"] == [0.0, 0.1]
    assert kwargs["control_guidance_end"] == [1.0, 0.9]
    assert len(kwargs["image"]) == 2


def test_controlnets_are_cached_and_switch_back(tiny_models, tiny_controls):
    clear_object_cache()
    first = _load(tiny_models.sd, "sd", [tiny_controls.sd])
    model = first.get("txt2img").controlnet
    again = _load(tiny_models.sd, "sd", [tiny_controls.sd])
    assert again is first and again.get("txt2img").controlnet is model
    assert list_object_caches()["controlnet"] == 1
    plain = load_pipelines(opts(tiny_models.sd, "sd"))
    assert plain is first and type(plain.get("txt2img")).__name__ == "StableDiffusionPipeline"
    clear_object_cache("controlnet")
    assert list_object_caches()["controlnet"] == 0


@pytest.mark.parametrize("mode", ["txt2img", "img2img", "inpaint"])
def test_sdxl_controlnet_and_union(tiny_models, tiny_controls, mode):
    pset = _load(tiny_models.sdxl, "sdxl", [tiny_controls.sdxl])
    assert "XLControlNet" in type(pset.get(mode)).__name__
    _call(pset, mode, [control_image()])
    union = _load(tiny_models.sdxl, "sdxl", [tiny_controls.sdxl_union + ";mode=canny"])
    assert "ControlNetUnion" in type(union.get(mode)).__name__
    a, kwargs = _call(union, mode, [control_image()])
    assert kwargs["control_mode"] == [3]
    assert kwargs["control_image"][0].size == (64, 64)


def test_sdxl_union_several_modes(tiny_models, tiny_controls):
    union = _load(tiny_models.sdxl, "sdxl", [
        tiny_controls.sdxl_union + ";mode=openpose;start=0.2",
        tiny_controls.sdxl_union + ";mode=4;scale=0.5;start=0.5"])
    _, kwargs = _call(union, "txt2img", [control_image(), control_image(flip=True)])
    assert kwargs["control_mode"] == [0, 4]
    assert kwargs["controlnet_conditioning_scale"] == [1.0, 0.5]
    assert kwargs["control_guidance_start"] == 0.2  # the first URI's, it is one model


def test_sdxl_union_errors(tiny_models, tiny_controls):
    with pytest.raises(UsageError, match='"mode" argument is required'):
        _load(tiny_models.sdxl, "sdxl", [tiny_controls.sdxl_union])
    with pytest.raises(UsageError, match="only for ControlNet union models"):
        _load(tiny_models.sdxl, "sdxl", [tiny_controls.sdxl + ";mode=canny"])
    with pytest.raises(UsageError, match="can only be combined with the same union model"):
        _load(tiny_models.sdxl, "sdxl", [tiny_controls.sdxl_union + ";mode=canny",
                                         tiny_controls.sdxl_union + ";mode=depth;dtype=float32"])
    with pytest.raises(UsageError, match="can only be combined with the same union model"):
        _load(tiny_models.sdxl, "sdxl", [tiny_controls.sdxl_union + ";mode=canny", tiny_controls.sdxl])
    with pytest.raises(UsageError, match='unknown mode "tile"'):
        _load(tiny_models.sdxl, "sdxl", [tiny_controls.sdxl_union + ";mode=tile"])
    with pytest.raises(UsageError, match="out of range 0..5"):
        _load(tiny_models.sdxl, "sdxl", [tiny_controls.sdxl_union + ";mode=6"])
    with pytest.raises(UsageError, match="only for ControlNet union models with --model-type "
                                         "sdxl or flux"):
        _load(tiny_models.sd, "sd", [tiny_controls.sd + ";mode=canny"])


def test_sd3_controlnet_txt2img_only(tiny_controls):
    pset = _load(tiny_controls.sd3_base, "sd3", [tiny_controls.sd3])
    assert type(pset.get("txt2img")).__name__ == "StableDiffusion3ControlNetPipeline"
    a, kwargs = _call(pset, "txt2img", [control_image()])
    b, _ = _call(pset, "txt2img", [control_image(flip=True)])
    assert _differs(a, b) and kwargs["control_image"].size == (64, 64)
    two = _load(tiny_controls.sd3_base, "sd3", [tiny_controls.sd3, tiny_controls.sd3 + ";scale=0.5"])
    assert type(two.get("txt2img").controlnet).__name__ == "SD3MultiControlNetModel"
    for mode in ("img2img", "inpaint"):
        with pytest.raises(UsageError, match="cannot be used for .* with --model-type sd3"):
            two.get(mode)


@pytest.mark.parametrize("mode", ["txt2img", "img2img", "inpaint"])
def test_flux_controlnet(tiny_models, tiny_controls, mode):
    pset = _load(tiny_models.flux, "flux", [tiny_controls.flux])
    assert type(pset.get(mode)).__name__.startswith("FluxControlNet")
    a, kwargs = _call(pset, mode, [control_image()], width=64, height=64)
    b, _ = _call(pset, mode, [control_image(flip=True)], width=64, height=64)
    assert _differs(a, b) and "control_mode" not in kwargs


def test_flux_union_modes(tiny_models, tiny_controls):
    one = _load(tiny_models.flux, "flux", [tiny_controls.flux_union + ";mode=tile"])
    _, kwargs = _call(one, "txt2img", [control_image()])
    assert kwargs["control_mode"] == 1
    two = _load(tiny_models.flux, "flux", [tiny_controls.flux_union + ";mode=canny",
                                           tiny_controls.flux_union + ";mode=lq"])
    _, kwargs = _call(two, "txt2img", [control_image(), control_image(flip=True)])
    assert kwargs["control_mode"] == [0, 6]
    with pytest.raises(UsageError, match='"mode" argument is required'):
        _load(tiny_models.flux, "flux", [tiny_controls.flux_union])
    with pytest.raises(UsageError, match='unknown mode "openpose"'):
        _load(tiny_models.flux, "flux", [tiny_controls.flux_union + ";mode=openpose"])


@pytest.fixture(scope="module")
def kolors_controlnet(tiny_models, tmp_path_factory):
    """A ControlNet made from the tiny Kolors UNet (diffusers ships no Kolors ControlNet
    pipelines: ours are in pipelines.kolors_pipelines)."""
    from diffusers import ControlNetModel

    try:
        from tests.tiny_control import _loud, _perturb, _unet
    except ImportError:  # plain `pytest`
        from tiny_control import _loud, _perturb, _unet
    folder = str(tmp_path_factory.mktemp("kolors_cn"))
    net = _loud(_perturb(ControlNetModel.from_unet(_unet(tiny_models.kolors)), 3))
    net.save_pretrained(folder)
    return folder


@pytest.mark.parametrize("mode,cls", [
    ("txt2img", "KolorsControlNetPipeline"),
    ("img2img", "KolorsControlNetImg2ImgPipeline"),
    ("inpaint", "KolorsControlNetInpaintPipeline"),
])
def test_kolors_controlnet_modes(tiny_models, kolors_controlnet, mode, cls):
    pset = _load(tiny_models.kolors, "kolors", [kolors_controlnet])
    assert type(pset.get(mode)).__name__ == cls
    assert pset.get(mode).unet is pset.base.unet
    a, _ = _call(pset, mode, [control_image()])
    b, _ = _call(pset, mode, [control_image(flip=True)])
    assert _differs(a, b)


@pytest.mark.parametrize("uri,message", [
    (";bogus=1", 'unknown argument "bogus", valid arguments: scale, start, end, mode'),
    (";start=0.8;end=0.2", 'argument "start" \\(0.8\\) must not be greater than "end" \\(0.2\\)'),
    (";end=1.5", 'argument "end" must be between 0.0 and 1.0'),
    (";scale=big", 'argument "scale" must be a number, not "big"'),
    (";dtype=int8", 'invalid dtype "int8"'),
    (";scale=1;scale=2", 'argument "scale" given twice'),
])
def test_uri_errors(tiny_models, tiny_controls, uri, message):
    with pytest.raises(UsageError, match=message):
        _load(tiny_models.sd, "sd", [tiny_controls.sd + uri])


def test_missing_path_and_quantizer(tiny_models, tiny_controls, tmp_path):
    with pytest.raises(ModelError, match='--control-nets ".*nothing-here": no such file or folder'):
        _load(tiny_models.sd, "sd", [str(tmp_path / "nothing-here")])
    with pytest.raises(UsageError, match='--control-nets quantizer=.*unknown quantization backend'):
        _load(tiny_models.sd, "sd", [tiny_controls.sd + ";quantizer='bnb4;bits=4'"])


def test_model_types_without_controlnets(tiny_models, tiny_controls):
    from dgenerate_core.options import parse_args, validate

    from dgenerate_core.options.validate import rule_model_types

    args = parse_args([tiny_models.sd, "--model-type", "pix2pix", "--control-nets",
                       tiny_controls.sd, "--image-seeds", "x.png"])
    with pytest.raises(UsageError, match="--control-nets"):
        rule_model_types(args, None)
    with pytest.raises(UsageError, match="cannot be used together with -cn/--control-nets"):
        parse_args([tiny_models.sd, "--control-nets", tiny_controls.sd, "--t2i-adapters",
                    tiny_controls.t2i_sd, "--image-seeds", "x.png"])
    args = parse_args([tiny_models.sd, "--control-nets", tiny_controls.sd])
    with pytest.raises(UsageError, match="--control-nets requires --image-seeds"):
        validate(args)


def _fabricate(hub, repo, folder, commit="b" * 40):
    base = os.path.join(hub, "models--" + repo.replace("/", "--"))
    os.makedirs(os.path.join(base, "refs"), exist_ok=True)
    with open(os.path.join(base, "refs", "main"), "w") as f:
        f.write(commit)
    shutil.copytree(folder, os.path.join(base, "snapshots", commit))


def test_repo_id_and_single_file_through_the_hub_cache(tiny_models, tiny_controls, tmp_path,
                                                       monkeypatch):
    import huggingface_hub.constants

    hub = str(tmp_path / "hub")
    monkeypatch.setenv("HF_HUB_CACHE", hub)
    # diffusers reads a single file model's config from the default hub cache (no cache_dir)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", hub)
    _fabricate(hub, "tiny/controlnet", tiny_controls.sd)
    # the config diffusers takes for an SD 1.5 ControlNet checkpoint without one
    _fabricate(hub, "lllyasviel/control_v11p_sd15_canny", tiny_controls.sd)
    clear_object_cache()
    repo = _load(tiny_models.sd, "sd", ["tiny/controlnet"], offline_mode=True)
    a, _ = _call(repo, "txt2img", [control_image()])
    single = _load(tiny_models.sd, "sd", [tiny_controls.sd_single + ";scale=1.0;dtype=float32"],
                   offline_mode=True)
    b, _ = _call(single, "txt2img", [control_image()])
    assert np.allclose(a, b, atol=1e-6)
    with pytest.raises(UsageError, match='argument "subfolder" cannot be used with a single file'):
        _load(tiny_models.sd, "sd", [tiny_controls.sd_single + ";subfolder=x"])
    try:
        from tests.httpserver import serve_directory
    except ImportError:  # plain `pytest`
        from httpserver import serve_directory
    with serve_directory(os.path.dirname(tiny_controls.sd_single)) as url:
        web = _load(tiny_models.sd, "sd", [f"{url}/sd_single.safetensors;scale=1.0"])
        c, _ = _call(web, "txt2img", [control_image()])
    assert np.allclose(a, c, atol=1e-6)  # downloaded through the web cache
    with pytest.raises(ModelError, match="--control-nets \"tiny/other-controlnet\": "):
        _load(tiny_models.sd, "sd", ["tiny/other-controlnet"], offline_mode=True)


def test_add_control_errors(tiny_models, tiny_controls):
    pset = _load(tiny_models.sd, "sd", [tiny_controls.sd, tiny_controls.sd_b])
    call = CallBuilder(pset.get("txt2img"), pset.accepts, "sd", "txt2img")
    with pytest.raises(UsageError, match=r"1 control image\(s\) given for 2 ControlNet model\(s\)"):
        add_control(call, None, _step(), pset, [control_image()], None)
    with pytest.raises(UsageError, match="--control-nets requires control images"):
        add_control(call, None, _step(), pset, [], None)
    with pytest.raises(UsageError, match="all control images must have the same size"):
        add_control(call, None, _step(), pset, [control_image(), control_image(32)], None)
    call = CallBuilder(pset.get("img2img"), pset.accepts, "sd", "img2img")
    call.kwargs["image"] = init_image(32)
    with pytest.raises(UsageError, match="the img2img image is 32x32, the control images 64x64"):
        add_control(call, None, _step(), pset, [control_image(), control_image()], None)
    plain = load_pipelines(opts(tiny_models.sd, "sd"))
    call = CallBuilder(plain.get("txt2img"), plain.accepts, "sd", "txt2img")
    with pytest.raises(UsageError, match="neither --control-nets nor --t2i-adapters"):
        add_control(call, None, _step(), plain, [control_image()], None)
    add_control(call, None, _step(), plain, None, None)
    assert call.kwargs == {}


def test_pag_keeps_the_controlnet_and_a_replaced_pipeline_is_not_supported_yet(tiny_models,
                                                                              tiny_controls):
    import diffusers

    from dgenerate_core.render.pag import pag_pipeline

    pset = _load(tiny_models.sd, "sd", [tiny_controls.sd])
    base = pset.get("txt2img")
    pag = pag_pipeline(base, "sd", "txt2img")
    assert type(pag).__name__ == "StableDiffusionControlNetPAGPipeline"
    assert pag.controlnet is base.controlnet
    call = CallBuilder(pag, pset.accepts, "sd", "txt2img")
    add_control(call, None, _step(), pset, [control_image()], None)
    assert "image" in call.kwargs
    plain_pag = diffusers.StableDiffusionPAGPipeline.from_pipe(base)
    call = CallBuilder(plain_pag, pset.accepts, "sd", "txt2img")
    with pytest.raises(NotSupportedYet, match="--control-nets with StableDiffusionPAGPipeline"):
        add_control(call, None, _step(), pset, [control_image()], None)


def test_controlnet_pag_sibling_is_accepted(tiny_models, tiny_controls):
    """The PAG classes of CONTROLNET_PAG_CLASSES built with from_pipe keep the ControlNet."""
    import diffusers

    from dgenerate_core.pipelines.controlnets import CONTROLNET_PAG_CLASSES

    pset = _load(tiny_models.sd, "sd", [tiny_controls.sd])
    base = pset.get("txt2img")
    pag = getattr(diffusers, CONTROLNET_PAG_CLASSES[type(base).__name__]).from_pipe(base)
    pag.set_progress_bar_config(disable=True)
    outs = []
    for flip in (False, True):
        call = CallBuilder(pag, pset.accepts, "sd", "txt2img")
        call.kwargs.update(prompt="a cat", num_inference_steps=2, output_type="np",
                           pag_scale=3.0, generator=torch.Generator().manual_seed(0))
        add_control(call, None, _step(), pset, [control_image(flip=flip)], None)
        outs.append(pag(**call.kwargs).images[0])
    assert pag.controlnet is base.controlnet and _differs(*outs)


def test_txt2img_size_comes_from_the_control_image(tiny_models, tiny_controls):
    pset = _load(tiny_models.sd, "sd", [tiny_controls.sd])
    call = CallBuilder(pset.get("txt2img"), pset.accepts, "sd", "txt2img")
    add_control(call, None, _step(), pset, [control_image(size=96)], None)
    assert (call.kwargs["width"], call.kwargs["height"]) == (96, 96)
