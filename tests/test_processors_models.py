"""Model-based image processors (ControlNet annotators, upscaler, inpaint, patchmatch) and the
interposer latents processor, end to end with random weights of the real architectures saved in
the hub's file formats (a fabricated hub cache, local files, a loopback HTTP server)."""

from __future__ import annotations

import os

import numpy
import pytest
from PIL import Image

from dgenerate_core.cli import main
from dgenerate_core.errors import DgenerateError, ModelError, UsageError
from dgenerate_core.pipelines.cache import cache_stats
from dgenerate_core.processors.chains import build_chain, run_chain
from dgenerate_core.processors.registry import build_processor
from dgenerate_core.script import ConfigRunner
from dgenerate_core.subcommands.image_process import image_process

try:
    from tests import tiny_processors as tiny
    from tests.httpserver import serve_directory
except ImportError:  # plain `pytest`
    import tiny_processors as tiny
    from httpserver import serve_directory

ANNOTATORS = ["hed;scribble=true", "pidi;apply-filter=true;safe=true", "teed", "anyline",
              "lineart;course=true", "lineart-anime", "lineart-standard", "mlsd",
              "openpose;include-hand=true;include-face=true", "midas;normals=true",
              "normal-bae"]


@pytest.fixture(scope="session")
def hub(tmp_path_factory):
    return tiny.build(str(tmp_path_factory.mktemp("hub")))


@pytest.fixture(autouse=True)
def _hub_env(hub, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", hub)


@pytest.fixture(scope="session")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("processor_models")
    x = numpy.linspace(0, 255, 64, dtype=numpy.uint8)[None, :].repeat(48, 0)
    stripes = ((numpy.arange(64) // 4) % 2 * 200).astype(numpy.uint8)[None, :].repeat(48, 0)
    Image.fromarray(numpy.stack([x, stripes, x[::-1]], -1), "RGB").save(root / "in.png")
    mask = Image.new("L", (64, 48))
    mask.paste(255, (20, 12, 44, 36))
    mask.save(root / "mask.png")
    return {"in": str(root / "in.png"), "mask": str(root / "mask.png"), "root": str(root),
            "up": tiny.compact_upscaler(str(root / "x4.pth")),
            "lama": tiny.lama_inpainter(str(root / "lama.pth"))}


def hits() -> int:
    return cache_stats().get("image_processor", {}).get("hits", 0)


def process(files, tmp_path, *processors, extra=()):
    out = str(tmp_path / "out.png")
    assert image_process([files["in"], "-o", out, "-ox", "-p", *processors, *extra]) is not None
    with Image.open(out) as image:
        image.load()
        return image


@pytest.mark.parametrize("uri", ANNOTATORS, ids=lambda u: u.split(";")[0])
def test_annotator_output_size_mode_and_object_cache(uri, files, tmp_path):
    first = process(files, tmp_path, uri)
    assert first.size == (64, 48) and first.mode == "RGB"
    before = hits()
    networked = not uri.startswith("lineart-standard")
    device = ";device=cpu;model-offload=true" if networked else ""
    again = process(files, tmp_path, uri + ";detect-resolution=32" + device)
    assert again.size == (64, 48) and again.mode == "RGB"
    if networked:
        assert hits() > before  # the network was not loaded twice


def test_annotators_differ_and_pre_resize_runs_before_the_resize(files, tmp_path):
    hed = numpy.asarray(process(files, tmp_path, "hed"))
    lineart = numpy.asarray(process(files, tmp_path, "lineart-standard"))
    assert (hed != lineart).any()
    small = process(files, tmp_path, "hed;pre-resize=true", extra=("-r", "32"))
    assert small.size == (32, 24)


def test_missing_hub_file_offline_is_one_line(files, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty"))
    code = main(["--sub-command", "image-process", files["in"], "-o", str(tmp_path / "o.png"),
                 "-p", "hed", "--offline-mode"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0 and len(err) == 1
    assert 'image processor "hed"' in err[0] and "lllyasviel/Annotators/ControlNetHED.pth" in err[0]


def test_image_process_directive_runs_openpose(files, tmp_path):
    out = tmp_path / "pose.png"
    ConfigRunner().run_string(f'\\image_process "{files["in"]}" -o "{out}" -p "openpose;'
                              'include-hand=true"\n')
    with Image.open(out) as image:
        assert image.size == (64, 48) and image.mode == "RGB"


def test_control_image_processors_feed_a_controlnet(tiny_models, files, tmp_path):
    try:
        from tests.tiny_control import build_controls
    except ImportError:
        from tiny_control import build_controls
    from dgenerate_core.invoke import invoke_dgenerate

    controls = build_controls(tiny_models, str(tmp_path / "controls"))
    result = invoke_dgenerate([tiny_models.sd, "--control-nets", controls.sd, "--image-seeds",
                               files["in"], "--control-image-processors", "lineart-anime",
                               "--output-size", "64", "--inference-steps", "1", "--seeds", "1",
                               "-o", str(tmp_path / "gen"), "-ox"])
    with Image.open(result.images[0]) as image:
        assert image.size == (64, 48)


def _tensor(path):
    import torch

    array = numpy.asarray(Image.open(path).convert("RGB"), dtype=numpy.float32) / 255.0
    return torch.from_numpy(array).permute(2, 0, 1)[None]


def test_upscaler_scales_tiles_and_matches_spandrel(files, tmp_path):
    import spandrel
    import torch

    whole = process(files, tmp_path, f"upscaler;model={files['up']};tile=0")
    assert whole.size == (256, 192) and whole.mode == "RGB"
    direct = spandrel.ModelLoader().load_from_file(files["up"]).eval()
    with torch.inference_mode():
        expected = (direct(_tensor(files["in"]))[0].permute(1, 2, 0) * 255).round()
    assert numpy.abs(numpy.asarray(whole, numpy.float32) - expected.numpy()).max() <= 1
    tiled = process(files, tmp_path, f"upscaler;model={files['up']};tile=32;overlap=8")
    diff = numpy.abs(numpy.asarray(tiled, numpy.float32) - numpy.asarray(whole, numpy.float32))
    assert diff.mean() < 2.0  # blended tiles are close to the untiled result
    half = process(files, tmp_path, f"upscaler;model={files['up']};scale=2;dtype=float16;"
                                    "device=cpu;model-offload=true")
    assert half.size == (128, 96)


def test_upscaler_from_a_url_through_the_web_cache_and_offline(files, tmp_path):
    with serve_directory(files["root"]) as base:
        image = process(files, tmp_path, f"upscaler;model={base}/x4.pth;tile=64")
    assert image.size == (256, 192)
    again = process(files, tmp_path, f"upscaler;model={base}/x4.pth;tile=64",
                    extra=("--offline-mode",))  # the server is gone: the web cache answers
    assert again.size == (256, 192)


def test_upscaler_argument_errors():
    with pytest.raises(UsageError, match='argument "tile": must be 0 or a positive multiple'):
        build_processor("upscaler;model=x.pth;tile=33", "image")
    with pytest.raises(UsageError, match='argument "dtype": expected float32 or float16'):
        build_processor("upscaler;model=x.pth;dtype=int8", "image")
    with pytest.raises(UsageError, match='"overlap" \\(64\\) must be less than "tile"'):
        build_processor("upscaler;model=x.pth;tile=64;overlap=64", "image")
    processor = build_processor("upscaler;model=/nonexistent/x.pth", "image")
    with pytest.raises(ModelError, match="no such file"):
        processor.process(Image.new("RGB", (8, 8)))


def test_inpaint_fills_only_the_mask_and_takes_the_image_the_other_way(files, tmp_path):
    out = process(files, tmp_path, f"inpaint;model={files['lama']};mask={files['mask']}")
    src = numpy.asarray(Image.open(files["in"]))
    got = numpy.asarray(out)
    hole = numpy.asarray(Image.open(files["mask"])) > 127
    assert out.size == (64, 48) and (got[~hole] == src[~hole]).all()
    reverse = tmp_path / "rev.png"
    image_process([files["mask"], "-o", str(reverse), "-ox", "-p",
                   f"inpaint;model={files['lama']};image={files['in']};device=cpu"])
    assert (numpy.asarray(Image.open(reverse)) == got).all()
    with pytest.raises(UsageError, match='exactly one of the arguments "mask" and "image"'):
        build_processor(f"inpaint;model={files['lama']}", "image")
    wrong = build_processor(f"inpaint;model={files['up']};mask={files['mask']}", "image")
    with pytest.raises(ModelError, match="not an inpainting model"):
        wrong.process(Image.open(files["in"]))


def test_inpaint_pads_to_the_architecture_size_and_loads_extra_arches(files, tmp_path):
    # LaMa needs multiples of 8: a 60x44 image is padded (kept area black in the mask) and the
    # output cropped back; MAT (spandrel-extra-arches) loads through the same code path
    from dgenerate_core.processors.image.upscaler import load_spandrel

    odd = tmp_path / "odd.png"
    Image.open(files["in"]).crop((0, 0, 60, 44)).save(odd)
    out = build_processor(f"inpaint;model={files['lama']};mask={files['mask']}",
                          "image").process(Image.open(odd))
    src, got = numpy.asarray(Image.open(odd)), numpy.asarray(out)
    hole = numpy.asarray(Image.open(files["mask"]).resize((60, 44), Image.NEAREST)) > 127
    assert out.size == (60, 44) and (got[~hole] == src[~hole]).all()
    mat = load_spandrel(tiny.mat_inpainter(str(tmp_path / "Places_512_FullData_G.pth")), "t")
    assert mat.architecture.name == "MAT" and mat.purpose == "Inpainting"
    assert mat.size_requirements.get_padding(64, 48) == (448, 464)


def test_patchmatch_rebuilds_a_periodic_texture_reproducibly(files, tmp_path):
    uri = f"patchmatch;mask={files['mask']};seed=3;mask-processors='dilate;size=3'"
    a = numpy.asarray(process(files, tmp_path, uri))
    b = numpy.asarray(process(files, tmp_path, uri))
    src = numpy.asarray(Image.open(files["in"]))
    assert (a == b).all()
    assert numpy.abs(a[..., 1].astype(int) - src[..., 1]).mean() < 20  # the stripes continue
    with pytest.raises(UsageError, match='"patch-size": must be at least 3'):
        build_processor(f"patchmatch;mask={files['mask']};patch-size=1", "image")


def test_interposer_converts_spaces_and_caches_the_network():
    import torch

    latents = torch.randn(1, 4, 8, 8)
    xl = build_processor("interposer;source=v1;target=xl", "latents").process(None, latents)
    assert xl.shape == (1, 4, 8, 8) and torch.isfinite(xl).all()
    before = hits()
    v3 = build_processor("interposer;source=xl;target=v3", "latents").process(None, xl)
    assert v3.shape == (1, 16, 8, 8)
    build_processor("interposer;source=v1;target=xl;model-offload=true",
                    "latents").process(None, latents)
    assert hits() > before
    cascade = build_processor("interposer;source=ca;target=v1", "latents")
    assert cascade.process(None, torch.randn(1, 4, 16, 16)).shape == (1, 4, 8, 8)
    with pytest.raises(UsageError, match='argument "target": unknown latent space "fx"'):
        build_processor("interposer;source=v1;target=fx", "latents")
    with pytest.raises(DgenerateError, match="expected v1 latents with 4 channels"):
        build_processor("interposer;source=v1;target=xl", "latents").process(
            None, torch.randn(1, 16, 8, 8))


def test_interposer_unpacks_the_packed_flux_latents_flux_files_hold():
    # dgenerate writes Flux latents packed, (tokens, 64): "interposer;source=fx" takes them as
    # they come from an --image-seeds file (the corpus' flux-to-sdxl workflow)
    import torch
    from diffusers import FluxPipeline

    unpacked = torch.randn(1, 16, 8, 8)
    packed = FluxPipeline._pack_latents(unpacked, 1, 16, 8, 8)
    proc = build_processor("interposer;source=fx;target=xl", "latents")
    assert torch.equal(proc.unpack_flux(packed), unpacked)
    assert torch.allclose(proc.process(None, packed), proc.process(None, unpacked))
    with pytest.raises(DgenerateError, match="not a square image"):
        proc.process(None, torch.randn(1, 8, 64))


def test_help_lists_the_built_processors(capsys):
    names = ["hed", "openpose", "upscaler", "inpaint", "patchmatch", "upscaler-ncnn"]
    assert main(["--image-processor-help", *names]) == 0
    text = capsys.readouterr().out
    assert "not supported yet" not in text.split("upscaler-ncnn:")[0]
    assert main(["--latents-processor-help", "interposer"]) == 0
    assert "not supported yet" not in capsys.readouterr().out


def test_processor_chain_reuses_a_built_chain(files):
    chain = build_chain(["hed", "lineart-standard"])
    image = Image.open(files["in"])
    assert run_chain(chain, image).size == (64, 48)
    assert os.path.exists(files["in"])


def test_upscaler_ncnn_arguments_and_a_clear_line_without_ncnn(files):
    with pytest.raises(UsageError, match='argument "tile": must be 0 or a multiple of 2 up to 400'):
        build_processor("upscaler-ncnn;model=m.bin;param=m.param;tile=512", "image")
    with pytest.raises(UsageError, match="can only be used on the CPU"):
        build_processor("upscaler-ncnn;model=m.bin;param=m.param;use-gpu=true;threads=2", "image")
    with pytest.raises(UsageError, match='argument "threads": expected a positive integer'):
        build_processor("upscaler-ncnn;model=m.bin;param=m.param;threads=many", "image")
    processor = build_processor("upscaler-ncnn;model=m.bin;param=m.param;threads=half", "image")
    try:
        import ncnn  # noqa: F401
    except ImportError:
        with pytest.raises(DgenerateError, match=r"needs the ncnn package, install it with: "
                                                 r"pip install dgenerate\[ncnn\]"):
            processor.process(Image.open(files["in"]))


def test_upscaler_ncnn_runs_a_random_ncnn_model_in_tiles(files, tmp_path):
    pytest.importorskip("ncnn")
    model = tiny.ncnn_upscaler(str(tmp_path / "x4.bin"))
    param = str(tmp_path / "x4.param")
    image = Image.open(files["in"])
    tiled = build_processor(f"upscaler-ncnn;model={model};param={param};tile=32;overlap=4;"
                            "threads=1;winograd=true;sgemm=true", "image").process(image)
    whole = build_processor(f"upscaler-ncnn;model={model};param={param};tile=0",
                            "image").process(image)
    assert tiled.size == whole.size == (256, 192) and tiled.mode == "RGB"
    assert numpy.asarray(whole).std() > 0


# leres (LeReS depth, and monocular depth boost with the pix2pix merge network) ----------------

def _square(tmp_path) -> str:
    """A 64x64 image: the detector's own size, so no resize blurs the threshold checks."""
    x = numpy.linspace(0, 255, 64, dtype=numpy.uint8)[None, :].repeat(64, 0)
    path = tmp_path / "square.png"
    Image.fromarray(numpy.stack([x, x.T, x[::-1]], -1), "RGB").save(path)
    return str(path)


def test_leres_output_device_offload_pre_resize_and_object_cache(files, tmp_path):
    first = process(files, tmp_path, "leres")
    assert first.size == (64, 48) and first.mode == "RGB"
    assert numpy.ptp(numpy.asarray(first)) > 0  # a depth map, not a blank image
    before = hits()
    again = process(files, tmp_path, "leres;detect-resolution=32;device=cpu;model-offload=true")
    assert again.size == (64, 48) and again.mode == "RGB" and hits() > before
    small = process(files, tmp_path, "leres;pre-resize=true", extra=("-r", "32"))
    assert small.size == (32, 24)


def test_leres_thresholds_clip_near_and_remove_far_as_documented(files, tmp_path):
    square = {"in": _square(tmp_path)}
    base = numpy.asarray(process(square, tmp_path, "leres"))[..., 0].astype(int)
    near = numpy.asarray(process(square, tmp_path, "leres;threshold-near=50"))[..., 0]
    far = numpy.asarray(process(square, tmp_path, "leres;threshold-far=50"))[..., 0]
    # near: the nearer half of the depth range becomes the nearest value (white), the rest stays
    assert ((near == base) | (near == 255)).all() and (near == 255).sum() > (base == 255).sum()
    # far: the farther half becomes background (black), the rest stays
    assert ((far == base) | (far == 0)).all() and (far == 0).sum() > (base == 0).sum()
    assert (far[far > 0] > 127).all()
    with pytest.raises(UsageError, match='argument "threshold-near": must be a percentage'):
        build_processor("leres;threshold-near=101", "image")


def test_leres_boost_runs_the_merge_network_quietly_whatever_sys_argv_holds(
        files, tmp_path, monkeypatch, capsys):
    plain = numpy.asarray(process(files, tmp_path, "leres"))
    # controlnet-aux's own loader parses sys.argv for its pix2pix options: ours never does
    monkeypatch.setattr("sys.argv", ["dgenerate", "--gpu_ids", "bogus", "--help"])
    capsys.readouterr()
    before = hits()
    boosted = process(files, tmp_path, "leres;boost=true;device=cpu;model-offload=true")
    assert boosted.size == (64, 48) and boosted.mode == "RGB"
    assert hits() > before  # the depth network is shared with leres without boost
    assert (numpy.asarray(boosted) != plain).any()
    out = capsys.readouterr().out
    assert "Options" not in out and "patch" not in out.lower()


def test_leres_missing_weights_offline_are_one_line(files, tmp_path, hub, monkeypatch, capsys):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty"))
    args = ["--sub-command", "image-process", files["in"], "-o", str(tmp_path / "o.png"),
            "--offline-mode", "-p"]
    assert main([*args, "leres"]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and 'image processor "leres"' in err[0]
    assert "lllyasviel/Annotators/res101.pth" in err[0]
    # only the depth network present: boost names the merge network's file
    only = tiny.hub_path(str(tmp_path / "half"), "lllyasviel/Annotators", "res101.pth")
    os.symlink(os.path.realpath(tiny.hub_path(hub, "lllyasviel/Annotators", "res101.pth")), only)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "half"))
    assert main([*args, "leres"]) == 0
    capsys.readouterr()
    assert main([*args, "leres;boost=true"]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "lllyasviel/Annotators/latest_net_G.pth" in err[0]


def test_leres_through_the_image_process_directive_and_control_image_processors(
        tiny_models, files, tmp_path):
    from dgenerate_core.invoke import invoke_dgenerate

    try:
        from tests.tiny_control import build_controls
    except ImportError:
        from tiny_control import build_controls
    out = tmp_path / "depth.png"
    ConfigRunner().run_string(f'\\image_process "{files["in"]}" -o "{out}" -p '
                              '"leres;threshold-far=10"\n')
    with Image.open(out) as image:
        assert image.size == (64, 48) and image.mode == "RGB"
    controls = build_controls(tiny_models, str(tmp_path / "controls"))
    result = invoke_dgenerate([tiny_models.sd, "--control-nets", controls.sd, "--image-seeds",
                               files["in"], "--control-image-processors", "leres",
                               "--output-size", "64", "--inference-steps", "1", "--seeds", "1",
                               "-o", str(tmp_path / "gen"), "-ox"])
    with Image.open(result.images[0]) as image:
        assert image.size == (64, 48)


# zoe: the full ZoeD_M12_N architecture (BEiT-L) with random weights. The network scales its
# input to 384 pixels high or 512 wide, whichever is the smaller change, so a narrow 16x64
# image runs at 128x384 instead of 384x512: a quarter of the work
@pytest.fixture(scope="session")
def narrow(tmp_path_factory):
    path = tmp_path_factory.mktemp("zoe") / "narrow.png"
    y = numpy.linspace(0, 255, 64, dtype=numpy.uint8)[:, None].repeat(16, 1)
    Image.fromarray(numpy.stack([y, y[::-1], numpy.full_like(y, 90)], -1), "RGB").save(path)
    return str(path)


def _misses() -> int:
    return cache_stats().get("image_processor", {}).get("misses", 0)


def test_zoe_depth_map_through_the_cli_and_the_directive(narrow, tmp_path, monkeypatch):
    import socket

    def no_network(*args):
        raise AssertionError("zoe reached for the network")

    plain_out, gamma_out = tmp_path / "plain.png", tmp_path / "gamma.png"
    loads = _misses()
    with monkeypatch.context() as patch:  # the load builds MiDaS and timm's BEiT offline
        patch.setattr(socket.socket, "connect", no_network)
        assert main(["--sub-command", "image-process", narrow, "-o", str(plain_out),
                     "-p", "zoe"]) == 0
    plain = numpy.asarray(Image.open(plain_out))
    assert plain.shape == (64, 16, 3) and _misses() > loads
    assert (plain[..., 0] == plain[..., 1]).all() and (plain[..., 0] == plain[..., 2]).all()
    assert plain.min() == 0 and plain.max() == 255  # spread over the 2nd..85th percentile
    before = hits()
    ConfigRunner().run_string(f'\\image_process "{narrow}" -o "{gamma_out}" -p '
                              '"zoe;gamma-corrected=true;device=cpu;model-offload=true"\n')
    assert hits() > before
    gamma = numpy.asarray(Image.open(gamma_out)).astype(float)
    expected = 255.0 * (plain.astype(float) / 255.0) ** 2.2  # same depth, gamma 2.2 applied
    assert (gamma != plain).any() and numpy.abs(gamma - expected).max() <= 4


def test_zoe_pre_resize_and_control_image_processors(tiny_models, narrow, tmp_path):
    try:
        from tests.tiny_control import build_controls
    except ImportError:
        from tiny_control import build_controls
    from dgenerate_core.invoke import invoke_dgenerate

    out = tmp_path / "small.png"
    assert image_process([narrow, "-o", str(out), "-r", "8", "-p", "zoe;pre-resize=true"])
    with Image.open(out) as image:
        assert image.size == (8, 32) and image.mode == "RGB"
    controls = build_controls(tiny_models, str(tmp_path / "controls"))
    debug = tmp_path / "control.png"
    result = invoke_dgenerate([tiny_models.sd, "--control-nets", controls.sd, "--image-seeds",
                               narrow, "--control-image-processors",
                               f"zoe;output-file={debug}", "--inference-steps", "1",
                               "--seeds", "1", "-o", str(tmp_path / "gen"), "-ox"])
    with Image.open(result.images[0]) as image:
        assert image.size == (16, 64)
    with Image.open(debug) as image:  # the depth map the ControlNet was given
        assert image.size == (16, 64) and image.mode == "RGB"


def test_zoe_missing_weights_offline_is_one_line(narrow, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty"))
    code = main(["--sub-command", "image-process", narrow, "-o", str(tmp_path / "o.png"),
                 "-p", "zoe", "--offline-mode"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0 and len(err) == 1
    assert 'image processor "zoe"' in err[0] and "lllyasviel/Annotators/ZoeD_M12_N.pt" in err[0]


def test_zoe_refuses_a_file_that_is_not_its_checkpoint(narrow, tmp_path, monkeypatch, capsys):
    import torch

    cache = str(tmp_path / "hub")
    path = tiny.hub_path(cache, "lllyasviel/Annotators", "ZoeD_M12_N.pt")
    monkeypatch.setenv("HF_HUB_CACHE", cache)
    for state, why in (({"seed_bin_regressor._net.0.weight": torch.zeros(1)},
                        "seed_bin_regressor._net.0.weight has shape (1,), the network needs"),
                       ({}, "of its weights are missing (first: core.core.pretrained")):
        torch.save({"model": state}, path)
        code = main(["--sub-command", "image-process", narrow, "-o", str(tmp_path / "o.png"),
                     "-p", "zoe"])
        err = capsys.readouterr().err.strip().splitlines()
        assert code != 0 and len(err) == 1 and why in err[0]
        assert "is not a ZoeDepth checkpoint: " in err[0]
        assert err[0].startswith('dgenerate: error: image processor "zoe": "')


def test_leres_refuses_a_file_that_is_not_its_checkpoint(files, tmp_path, monkeypatch, capsys):
    import torch

    cache = str(tmp_path / "hub")
    path = tiny.hub_path(cache, "lllyasviel/Annotators", "res101.pth")
    monkeypatch.setenv("HF_HUB_CACHE", cache)
    for state, why in (({"module.x": torch.zeros(2)}, "of its weights are missing (first: "),
                       (None, 'no "depth_model" state dict')):
        torch.save({"depth_model": state} if state is not None else {"model": {}}, path)
        code = main(["--sub-command", "image-process", files["in"], "-o",
                     str(tmp_path / "o.png"), "-p", "leres"])
        err = capsys.readouterr().err.strip().splitlines()
        assert code != 0 and len(err) == 1 and why in err[0], err
        assert err[0].startswith('dgenerate: error: image processor "leres": '), err
