"""--control-nets / --t2i-adapters end to end: real control image files through invoke_dgenerate."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from dgenerate_core.errors import UsageError
from dgenerate_core.invoke import invoke_dgenerate

try:
    from tests.tiny_control import build_controls, control_image
    from tests.tiny_models import init_image, mask_image
except ImportError:  # plain `pytest`
    from tiny_control import build_controls, control_image
    from tiny_models import init_image, mask_image

FAST = ["--inference-steps", "2", "--seeds", "7", "-ox"]


@pytest.fixture(scope="session")
def tiny_controls(tiny_models, tmp_path_factory):
    return build_controls(tiny_models, str(tmp_path_factory.mktemp("tiny_controls_invoke")))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("control_inputs")
    paths = {"c1": root / "c1.png", "c2": root / "c2.png", "wide": root / "wide.png",
             "img": root / "img.png", "mask": root / "mask.png"}
    control_image().save(paths["c1"])
    control_image(flip=True).save(paths["c2"])
    control_image(size=96).resize((96, 64)).save(paths["wide"])
    init_image().save(paths["img"])
    mask_image().save(paths["mask"])
    return {k: str(v) for k, v in paths.items()}


def _invoke(model, args, out):
    result = invoke_dgenerate([model, *args, *FAST, "-o", str(out)])
    return [np.asarray(Image.open(p)) for p in result.images], result.images


def test_control_only_seed_is_txt2img_and_the_control_image_matters(tiny_models, tiny_controls,
                                                                    files, tmp_path):
    (a,), paths = _invoke(tiny_models.sd, ["--control-nets", tiny_controls.sd,
                                           "--image-seeds", files["c1"]], tmp_path / "a")
    (b,), _ = _invoke(tiny_models.sd, ["--control-nets", tiny_controls.sd,
                                       "--image-seeds", files["c2"]], tmp_path / "b")
    assert a.shape == (64, 64, 3) and (a != b).any()
    (wide,), _ = _invoke(tiny_models.sd, ["--control-nets", tiny_controls.sd,
                                          "--image-seeds", files["wide"]], tmp_path / "c")
    assert wide.shape == (64, 96, 3)  # the output takes the control image's size


def test_img2img_and_inpaint_with_control(tiny_models, tiny_controls, files, tmp_path):
    nets = ["--control-nets", tiny_controls.sd + ";scale=0.8;end=0.5"]
    (a,), _ = _invoke(tiny_models.sd, [*nets, "--image-seeds",
                                       f"{files['img']};control={files['c1']}"], tmp_path / "a")
    (b,), _ = _invoke(tiny_models.sd, [*nets, "--image-seeds",
                                       f"{files['img']};control={files['c2']}"], tmp_path / "b")
    assert a.shape == (64, 64, 3) and (a != b).any()
    (c,), _ = _invoke(tiny_models.sd, [*nets, "--image-seeds",
                                       f"{files['img']};mask={files['mask']};control={files['c1']}"],
                      tmp_path / "c")
    assert c.shape == (64, 64, 3)


def test_two_controlnets_and_sdxl_union(tiny_models, tiny_controls, files, tmp_path):
    (a,), _ = _invoke(tiny_models.sd, ["--control-nets", tiny_controls.sd, tiny_controls.sd_b,
                                       "--image-seeds", f"{files['c1']}, {files['c2']}"],
                      tmp_path / "a")
    assert a.shape == (64, 64, 3)
    (u,), _ = _invoke(tiny_models.sdxl, [
        "--model-type", "sdxl", "--control-nets", tiny_controls.sdxl_union + ";mode=canny",
        tiny_controls.sdxl_union + ";mode=depth", "--image-seeds", f"{files['c1']}, {files['c2']}"],
        tmp_path / "u")
    assert u.shape == (64, 64, 3)


def test_sd3_and_flux_controlnets(tiny_models, tiny_controls, files, tmp_path):
    (s,), _ = _invoke(tiny_controls.sd3_base, ["--model-type", "sd3", "--control-nets",
                                               tiny_controls.sd3, "--image-seeds", files["c1"]],
                      tmp_path / "s")
    assert s.shape == (64, 64, 3)
    (f,), _ = _invoke(tiny_models.flux, ["--model-type", "flux", "--control-nets",
                                         tiny_controls.flux_union + ";mode=canny",
                                         "--image-seeds", f"{files['img']};control={files['c1']}"],
                      tmp_path / "f")
    assert f.shape == (64, 64, 3)
    with pytest.raises(UsageError, match="--control-nets cannot be used for img2img with "
                                         "--model-type sd3"):
        _invoke(tiny_controls.sd3_base, ["--model-type", "sd3", "--control-nets",
                                         tiny_controls.sd3, "--image-seeds",
                                         f"{files['img']};control={files['c1']}"], tmp_path / "e")


def test_t2i_adapter_factors_multiply_steps(tiny_models, tiny_controls, files, tmp_path):
    images, paths = _invoke(tiny_models.sdxl, [
        "--model-type", "sdxl", "--t2i-adapters", tiny_controls.t2i_sdxl + ";scale=0.9",
        "--sdxl-t2i-adapter-factors", "0.0", "1.0", "--image-seeds", files["c1"]], tmp_path / "x")
    assert len(images) == 2 and all(i.shape == (64, 64, 3) for i in images)
    assert (images[0] != images[1]).any()


def test_t2i_adapters_reject_img2img_seeds(tiny_controls, files, tmp_path):
    with pytest.raises(UsageError, match="--t2i-adapters .*txt2img only|--t2i-adapters can only "
                                         "be used for txt2img"):
        _invoke(tiny_controls.sd_t2i_base, ["--t2i-adapters", tiny_controls.t2i_sd,
                                            "--image-seeds", f"{files['img']};control={files['c1']}"],
                tmp_path / "x")
    (a,), _ = _invoke(tiny_controls.sd_t2i_base, ["--t2i-adapters", tiny_controls.t2i_sd,
                                                  "--image-seeds", files["c1"]], tmp_path / "ok")
    assert a.shape == (64, 64, 3)


def test_animated_control_image_renders_frame_by_frame(tiny_models, tiny_controls, tmp_path):
    frames = [control_image(), control_image(flip=True), control_image()]
    gif = tmp_path / "control.gif"
    frames[0].save(gif, save_all=True, append_images=frames[1:], duration=100, loop=0)
    result = invoke_dgenerate([tiny_models.sd, "--control-nets", tiny_controls.sd,
                               "--image-seeds", str(gif), *FAST, "-o", str(tmp_path / "out")])
    assert len(result.images) == 3 and len(result.animations) == 1
    first, second, third = (np.asarray(Image.open(p)) for p in result.images)
    assert (first == third).all() and (first != second).any()  # the frame's control decides


def test_batch_size_with_two_controlnets(tiny_models, tiny_controls, files, tmp_path):
    images, _ = _invoke(tiny_models.sd, [
        "--control-nets", tiny_controls.sd, tiny_controls.sd_b, "--batch-size", "2",
        "--image-seeds", f"{files['img']};control={files['c1']}, {files['c2']}"], tmp_path / "x")
    assert len(images) == 2 and all(i.shape == (64, 64, 3) for i in images)


def test_control_image_count_must_match(tiny_models, tiny_controls, files, tmp_path):
    with pytest.raises(UsageError, match="2 control images for 1"):
        _invoke(tiny_models.sd, ["--control-nets", tiny_controls.sd, "--image-seeds",
                                 f"{files['c1']}, {files['c2']}"], tmp_path / "x")


def test_sdxl_controlnet_with_refiner_runs_the_refiner_in_edit_mode(tiny_models, tiny_controls,
                                                                    files, tmp_path):
    """The manual: with ControlNets the SDXL refiner edits the finished image (no cooperative
    denoising). Edit mode is what refuses 2 steps x strength 0.2; cooperative mode would run."""
    args = ["--model-type", "sdxl", "--control-nets", tiny_controls.sdxl,
            "--sdxl-refiner", tiny_models.sdxl_refiner, "--image-seeds", files["c1"]]
    with pytest.raises(UsageError, match="refiner edit mode"):
        _invoke(tiny_models.sdxl, args, tmp_path / "e")
    (a,), _ = _invoke(tiny_models.sdxl, [*args, "--sdxl-high-noise-fractions", "0.4"], tmp_path / "r")
    assert a.shape == (64, 64, 3)


def test_pag_with_a_controlnet_keeps_the_control_image(tiny_models, tiny_controls, files, tmp_path):
    nets = ["--control-nets", tiny_controls.sd, "--pag", "--pag-scales", "3"]
    (a,), _ = _invoke(tiny_models.sd, [*nets, "--image-seeds", files["c1"]], tmp_path / "a")
    (b,), _ = _invoke(tiny_models.sd, [*nets, "--image-seeds", files["c2"]], tmp_path / "b")
    assert a.shape == (64, 64, 3) and (a != b).any()
