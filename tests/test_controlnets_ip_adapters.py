"""--ip-adapters and --image-encoder: tiny IP adapters in the layout diffusers' load_ip_adapter
reads, a tiny CLIP vision encoder, loading / unloading on the cached pipelines, and end to end."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
import torch
from PIL import Image

from dgenerate_core.errors import ModelError, UsageError
from dgenerate_core.invoke import invoke_dgenerate
from dgenerate_core.pipelines import list_object_caches, load_pipelines
from dgenerate_core.render.calls import CallBuilder
from dgenerate_core.render.control import add_ip_adapter_images

try:
    from tests.tiny_control import build_controls, build_ip_adapter, control_image, tiny_image_encoder
    from tests.tiny_models import init_image, opts
except ImportError:  # plain `pytest`
    from tiny_control import build_controls, build_ip_adapter, control_image, tiny_image_encoder
    from tiny_models import init_image, opts

FAST = ["--inference-steps", "2", "--seeds", "7", "-ox", "--output-size", "64"]


@pytest.fixture(scope="module")
def ip(tiny_models, tmp_path_factory):
    root = tmp_path_factory.mktemp("ip_adapters")
    paths = {"sd": build_ip_adapter(tiny_models.sd, str(root / "sd")),
             "sd_b": build_ip_adapter(tiny_models.sd, str(root / "sd_b"), seed=20),
             "bare": build_ip_adapter(tiny_models.sd, str(root / "bare"), with_encoder=False),
             "sdxl": build_ip_adapter(tiny_models.sdxl, str(root / "sdxl")),
             "kolors": build_ip_adapter(tiny_models.kolors, str(root / "kolors"))}
    paths["encoder"] = str(root / "encoder")
    tiny_image_encoder().save_pretrained(paths["encoder"])
    for name in ("a", "b", "img"):
        (control_image(flip=name == "b") if name != "img" else init_image()).save(root / f"{name}.png")
        paths[name] = str(root / f"{name}.png")
    return paths


def _run(pset, groups, mode="txt2img"):
    pipe = pset.get(mode)
    pipe.set_progress_bar_config(disable=True)
    call = CallBuilder(pipe, pset.accepts, pset.model_type, mode)
    call.kwargs.update(prompt="a cat", num_inference_steps=2, output_type="np", width=64,
                       height=64, generator=torch.Generator().manual_seed(0))
    if mode == "img2img":
        call.kwargs.update(image=init_image(), strength=0.8)
    if groups is not None:
        add_ip_adapter_images(call, None, {}, pset, groups)
    out = pipe(**call.kwargs).images[0]
    assert out.shape == (64, 64, 3) and np.isfinite(out).all()
    return out, call.kwargs


def _differs(a, b) -> bool:
    return bool(((a * 255).round() != (b * 255).round()).any())


def test_adapter_images_steer_and_unload_restores(tiny_models, ip):
    plain = load_pipelines(opts(tiny_models.sd, "sd"))
    ref, _ = _run(plain, None)
    pset = load_pipelines(opts(tiny_models.sd, "sd", ip_adapters=[ip["sd"]]))
    assert pset is plain and pset.base.image_encoder is not None
    a, kwargs = _run(pset, [[control_image()]])
    b, _ = _run(pset, [[control_image(flip=True)]])
    assert _differs(a, b) and _differs(ref, a)
    assert len(kwargs["ip_adapter_image"]) == 1 and list_object_caches()["image_encoder"] >= 1
    img2img, _ = _run(pset, [[control_image(), control_image(48)]], mode="img2img")
    again = load_pipelines(opts(tiny_models.sd, "sd"))
    assert again.base.image_encoder is None and again.base.unet.encoder_hid_proj is None
    back, _ = _run(again, None)
    assert np.allclose(ref, back, atol=1e-6)


def test_scale_zero_equals_no_adapter(tiny_models, ip):
    ref, _ = _run(load_pipelines(opts(tiny_models.sd, "sd")), None)
    zero, _ = _run(load_pipelines(opts(tiny_models.sd, "sd", ip_adapters=[ip["sd"] + ";scale=0"])),
                   [[control_image()]])
    assert np.allclose(ref, zero, atol=1e-5)


def test_two_adapters_and_sdxl_and_kolors(tiny_models, ip):
    pset = load_pipelines(opts(tiny_models.sd, "sd", ip_adapters=[ip["sd"], ip["sd_b"] + ";scale=0.5"]))
    _, kwargs = _run(pset, [[control_image()], [control_image(flip=True), control_image(32)]])
    assert [len(g) for g in kwargs["ip_adapter_image"]] == [1, 2]
    with pytest.raises(UsageError, match=r"1 IP adapter image group\(s\) given for 2 --ip-adapters"):
        _run(pset, [[control_image()]])
    for model_type in ("sdxl", "kolors"):
        pset = load_pipelines(opts(getattr(tiny_models, model_type), model_type,
                                   ip_adapters=[ip[model_type]]))
        a, _ = _run(pset, [[control_image()]])
        b, _ = _run(pset, [[control_image(flip=True)]])
        assert _differs(a, b)


def test_image_encoder_option_and_single_file(tiny_models, ip):
    single = os.path.join(ip["bare"], "ip-adapter.safetensors")
    with pytest.raises(UsageError, match="none of the IP adapters includes an image encoder, "
                                         "give one with --image-encoder"):
        load_pipelines(opts(tiny_models.sd, "sd", ip_adapters=[single]))
    pset = load_pipelines(opts(tiny_models.sd, "sd", ip_adapters=[single + ";scale=0.7"],
                               image_encoder=ip["encoder"] + ";dtype=float32"))
    _, kwargs = _run(pset, [[control_image()]])
    assert "ip_adapter_image" in kwargs
    with pytest.raises(UsageError, match='argument "subfolder" cannot be used with a single file'):
        load_pipelines(opts(tiny_models.sd, "sd", ip_adapters=[single + ";subfolder=x"]))
    with pytest.raises(UsageError, match="--image-encoder .*cannot be loaded from a single file"):
        load_pipelines(opts(tiny_models.sd, "sd", ip_adapters=[single],
                            image_encoder=os.path.join(ip["encoder"], "model.safetensors")))
    with pytest.raises(ModelError, match='--image-encoder ".*missing": no such file or folder'):
        load_pipelines(opts(tiny_models.sd, "sd", ip_adapters=[single],
                            image_encoder=ip["encoder"] + "-missing"))


def test_ip_adapter_uri_errors(tiny_models, ip, tmp_path):
    two = tmp_path / "two"
    shutil.copytree(ip["sd"], two)
    shutil.copy(two / "ip-adapter.safetensors", two / "other.safetensors")
    with pytest.raises(UsageError, match="give the weights file with weight-name="):
        load_pipelines(opts(tiny_models.sd, "sd", ip_adapters=[str(two)]))
    pset = load_pipelines(opts(tiny_models.sd, "sd",
                               ip_adapters=[f"{two};weight-name=other.safetensors"]))
    assert pset.ip_adapters.uris[0].weight_name == "other.safetensors"
    with pytest.raises(UsageError, match="give the weights file of the repository"):
        load_pipelines(opts(tiny_models.sd, "sd", ip_adapters=["h94/IP-Adapter"]))
    with pytest.raises(UsageError, match='unknown argument "dtype", valid arguments: scale'):
        load_pipelines(opts(tiny_models.sd, "sd", ip_adapters=[ip["sd"] + ";dtype=float32"]))
    with pytest.raises(ModelError, match=r'--ip-adapters ".*": cannot load it'):
        load_pipelines(opts(tiny_models.flux, "flux", ip_adapters=[ip["sd"]]))  # an SD adapter
    plain = load_pipelines(opts(tiny_models.sd, "sd"))
    call = CallBuilder(plain.get("txt2img"), plain.accepts, "sd", "txt2img")
    with pytest.raises(UsageError, match="no --ip-adapters"):
        add_ip_adapter_images(call, None, {}, plain, [[control_image()]])


def _invoke(model, args, out):
    result = invoke_dgenerate([model, *args, *FAST, "-o", str(out)])
    return [np.asarray(Image.open(p)) for p in result.images]


def test_ip_adapters_end_to_end(tiny_models, ip, tmp_path):
    (a,) = _invoke(tiny_models.sd, ["--ip-adapters", ip["sd"], "--image-seeds",
                                    f"adapter: {ip['a']} + {ip['b']}"], tmp_path / "a")
    (b,) = _invoke(tiny_models.sd, ["--ip-adapters", ip["sd"], "--image-seeds",
                                    f"adapter: {ip['b']}"], tmp_path / "b")
    assert a.shape == (64, 64, 3) and (a != b).any()
    (c,) = _invoke(tiny_models.sd, ["--ip-adapters", ip["sd"] + ";scale=0.5", "--image-seeds",
                                    f"{ip['img']};adapter={ip['a']}"], tmp_path / "c")
    assert c.shape == (64, 64, 3)


def test_ip_adapters_with_controlnets_and_t2i(tiny_models, ip, tmp_path, tmp_path_factory):
    controls = build_controls(tiny_models, str(tmp_path_factory.mktemp("ip_controls")))
    (a,) = _invoke(tiny_models.sd, ["--ip-adapters", ip["sd"], "--control-nets", controls.sd,
                                    "--image-seeds", f"adapter: {ip['a']};control={ip['b']}"],
                   tmp_path / "a")
    assert a.shape == (64, 64, 3)
    with pytest.raises(UsageError, match="--ip-adapters cannot be used with --model-type"):
        _invoke(tiny_models.sd, ["--ip-adapters", ip["sd"], "--t2i-adapters", controls.t2i_sd,
                                 "--image-seeds", f"adapter: {ip['a']};control={ip['b']}"],
                tmp_path / "b")
