"""yolo and adetailer end to end: random-weight YOLOv8 models built from ultralytics' own configs,
saved as .pt and loaded through the user's paths (file, URL via the web cache), through
--sub-command image-process, \\image_process, --post-processors and --adetailer-detectors.
A detector forced to answer a known box checks that adetailer changes only pixels inside it."""

import os

import numpy
import pytest
from PIL import Image, ImageChops

from dgenerate_core.cli import main
from dgenerate_core.errors import DgenerateError, UsageError
from dgenerate_core.invoke import invoke_dgenerate
from dgenerate_core.pipelines import last
from dgenerate_core.pipelines.cache import cache_stats
from dgenerate_core.processors.registry import build_processor
from dgenerate_core.script import ConfigRunner
from tests.httpserver import serve_directory
from tests.tiny_yolo import build_detector, build_fixed_box_detector

BOX = (16, 16, 32, 48)  # the fixed detector's box on a 64x64 image


@pytest.fixture(scope="session")
def yolo_files(tmp_path_factory):
    root = tmp_path_factory.mktemp("yolo")
    return {"det": build_detector(str(root / "det.pt")),
            "seg": build_detector(str(root / "seg.pt"), seg=True),
            "fixed": build_fixed_box_detector(str(root / "fixed.pt"),
                                              tuple(v / 64 for v in BOX)),
            "root": str(root)}


def flat(path, size=(64, 64), color=(200, 120, 40)):
    Image.new("RGB", size, color).save(path)
    return str(path)


def changed(a, b):
    with Image.open(a) as x, Image.open(b) as y:
        return ImageChops.difference(x.convert("RGB"), y.convert("RGB")).getbbox()


def white_box(path):
    with Image.open(path) as im:
        assert im.mode == "RGB"
        return im.convert("L").point(lambda v: 255 if v > 127 else 0).getbbox()


def process(src, out, uri):
    assert main(["--sub-command", "image-process", src, "-o", str(out), "-p", uri]) == 0
    return str(out)


def test_yolo_preview_and_masks_through_image_process(yolo_files, tmp_path):
    src = flat(tmp_path / "in.png", (96, 64))
    out = process(src, tmp_path / "preview.png", f"yolo;model={yolo_files['det']};confidence=0.01")
    with Image.open(out) as im:
        assert (im.size, im.mode) == ((96, 64), "RGB")
    square = flat(tmp_path / "sq.png")
    fixed = yolo_files["fixed"]
    assert white_box(process(square, tmp_path / "m.png", f"yolo;model={fixed};masks=True")) == BOX
    padded = process(square, tmp_path / "p.png", f"yolo;model={fixed};masks=True;"
                                                 "detector-padding=2x4")
    assert white_box(padded) == (14, 12, 34, 52)
    inverted = process(square, tmp_path / "o.png", f"yolo;model={fixed};masks=True;outpaint=True")
    with Image.open(inverted) as im:
        assert im.getpixel((0, 0)) == (255, 255, 255) and im.getpixel((20, 30)) == (0, 0, 0)
    ellipse = process(square, tmp_path / "e.png", f"yolo;model={fixed};masks=True;mask-shape=c")
    with Image.open(ellipse) as im:
        assert im.getpixel((16, 16)) == (0, 0, 0) and im.getpixel((24, 32)) == (255, 255, 255)
    for uri in ("class-filter=1", "class-filter=person", "index-filter=1"):
        empty = process(square, tmp_path / f"{uri[:5]}.png", f"yolo;model={fixed};masks=True;{uri}")
        assert white_box(empty) is None
    assert white_box(process(square, tmp_path / "k.png", f"yolo;model={fixed};masks=True;"
                                                         "class-filter=0,hand;index-filter=0")) == BOX


def test_yolo_seg_model_masks_url_offline_and_cache(yolo_files, tmp_path):
    src = flat(tmp_path / "in.png")
    hits = cache_stats().get("yolo", {}).get("hits", 0)
    with serve_directory(yolo_files["root"]) as base:
        uri = f"yolo;model={base}/seg.pt;confidence=0.01;model-masks=True;masks=True"
        out = process(src, tmp_path / "a.png", uri)
    with Image.open(out) as im:
        assert (im.size, im.mode) == ((64, 64), "RGB")
    # the server is gone: offline mode reads the web cache, and the model comes from the cache
    assert main(["--sub-command", "image-process", src, "-o", str(tmp_path / "b.png"),
                 "--offline-mode", "-p", uri]) == 0
    assert cache_stats()["yolo"]["hits"] > hits
    assert os.environ["YOLO_OFFLINE"] == "1" and os.environ["YOLO_AUTOINSTALL"] == "0"
    assert os.path.isfile(os.path.join(os.environ["YOLO_CONFIG_DIR"], "Ultralytics", "Arial.ttf"))


def test_yolo_errors_are_one_line(yolo_files, tmp_path, capsys):
    src = flat(tmp_path / "in.png")
    for uri, words in ((f"yolo;model={tmp_path}/none.pt", "no such file"),
                       (f"yolo;model={yolo_files['det']};mask-shape=star", "unknown mask shape"),
                       (f"yolo;model={yolo_files['det']};line-color=#12", "hex colour"),
                       ("yolo;model=org/repo", "weight-name")):
        assert main(["--sub-command", "image-process", src, "-o", str(tmp_path / "x.png"),
                     "-p", uri]) != 0
        err = capsys.readouterr().err
        assert words in err and "Traceback" not in err


def test_image_process_directive_masks(yolo_files, tmp_path):
    src = flat(tmp_path / "in.png")
    out = tmp_path / "d.png"
    ConfigRunner().run_string(f'\\image_process "{src}" --output "{out}" --processors '
                              f'"yolo;model={yolo_files["fixed"]};masks=True;detector-padding=-2"')
    assert white_box(out) == (18, 18, 30, 46)


def gen(tiny_models, out, *args, model=None):
    return invoke_dgenerate([model or tiny_models.sd, "--seeds", "3", "-ifs", "2",
                             "--output-size", "64", "-o", str(out), *args])


def test_adetailer_post_processor_changes_only_the_detected_box(tiny_models, yolo_files,
                                                                tmp_path):
    fixed = yolo_files["fixed"]
    plain = gen(tiny_models, tmp_path / "a").images[0]
    detailed = gen(tiny_models, tmp_path / "b", "-pp",
                   f"adetailer;model={fixed};prompt=a face;inference-steps=2;strength=0.5;"
                   "seed=1;mask-blur=0;mask-dilation=0").images[0]
    assert changed(plain, detailed) == BOX
    soft = gen(tiny_models, tmp_path / "c", "-pp",
               f"adetailer;model={fixed};prompt=a face;inference-steps=2;strength=0.5;seed=1;"
               "detector-padding=2;mask-blur=2;mask-dilation=3;size=48").images[0]
    box = changed(plain, soft)
    assert box is not None and box[0] >= 14 - 8 and box[2] <= 34 + 8 and box[1] >= 14 - 8
    assert box[0] < 16 and box[2] > 32                       # padding, dilation, blur widen it
    runner = ConfigRunner()
    out = tmp_path / "d.png"
    runner.run_string(f'\\image_process "{plain}" --output "{out}" --processors '
                      f'"adetailer;model={fixed};prompt=x;inference-steps=2;seed=1;strength=0.5;'
                      f'mask-blur=0;mask-dilation=0;index-filter=0"')
    assert changed(plain, out) == BOX


def test_adetailer_processor_needs_a_pipeline_run(yolo_files, tmp_path, capsys):
    last.forget()
    src = flat(tmp_path / "in.png")
    assert main(["--sub-command", "image-process", src, "-o", str(tmp_path / "x.png"), "-p",
                 f"adetailer;model={yolo_files['fixed']};prompt=x"]) != 0
    assert "no diffusion pipeline has run yet" in capsys.readouterr().err


def test_adetailer_detectors_options(tiny_models, yolo_files, tmp_path):
    fixed = yolo_files["fixed"]
    seed = flat(tmp_path / "seed.png")
    common = ["--image-seeds", seed, "--image-seed-strengths", "0.5", "-adb", "0"]
    out = gen(tiny_models, tmp_path / "a", *common, "-ad", f"{fixed};prompt=a face",
              "-add", "0", "4", "-ads", "rect", "circle")
    assert len(out.images) == 4
    boxes = [changed(seed, path) for path in out.images]  # shapes vary slower than dilations
    assert boxes[0] == BOX
    grown = boxes[1]
    assert grown[0] <= 16 and grown[2] >= 33 and grown[0] >= 12 and grown[2] <= 36
    assert boxes[2] is not None and boxes[2][0] >= 16 and boxes[2][2] <= 32
    corner = numpy.asarray(Image.open(out.images[2]).convert("RGB"))[16, 16]
    assert tuple(corner) == (200, 120, 40)             # the ellipse leaves the box corner alone
    padded = gen(tiny_models, tmp_path / "b", *common, "-add", "0", "-addp", "4x0",
                 "-ad", fixed).images[0]
    assert changed(seed, padded) == (12, 16, 36, 48)
    filtered = gen(tiny_models, tmp_path / "c", *common, "-ad", f"{fixed};index-filter=1",
                   "-adf", "0").images[0]
    assert changed(seed, filtered) is None
    batch = gen(tiny_models, tmp_path / "e", *common, "-add", "0", "--batch-size", "2",
                "-ad", f"{fixed};class-filter=[0, 'hand']")
    assert len(batch.images) == 2 and all(changed(seed, p) == BOX for p in batch.images)
    with pytest.raises(UsageError, match="unknown argument 'colour'"):
        gen(tiny_models, tmp_path / "d", *common, "-ad", f"{fixed};colour=red")


def test_adetailer_detectors_sdxl(tiny_models, yolo_files, tmp_path):
    seed = flat(tmp_path / "seed.png")
    out = gen(tiny_models, tmp_path / "x", "--model-type", "sdxl", "--image-seeds", seed,
              "-ad", f"{yolo_files['fixed']};mask-blur=0;mask-dilation=0", "-adsz", "32",
              model=tiny_models.sdxl).images[0]
    assert changed(seed, out) == BOX


@pytest.fixture
def sam_assets(yolo_files, tmp_path_factory, monkeypatch):
    """A random MobileSAM asset served on 127.0.0.1 as the ultralytics asset URL; SAM runs at
    256 px so that the test stays quick (the assets' real size is 1024)."""
    from dgenerate_core.processors.detect import sam
    from tests.tiny_yolo import build_sam_asset

    folder = os.path.join(yolo_files["root"], "assets")
    if not os.path.exists(os.path.join(folder, "mobile_sam.pt")):
        build_sam_asset(folder)
    monkeypatch.setattr(sam, "IMAGE_SIZE", 256)
    with serve_directory(folder) as base:
        monkeypatch.setenv("DGENERATE_ULTRALYTICS_ASSETS", base)
        yield base


def test_u_sam_boxes_points_and_boxes_mask(sam_assets, tmp_path):
    src = flat(tmp_path / "in.png")
    preview = process(src, tmp_path / "p.png", "u-sam;asset=mobile_sam;boxes=10x10x40x40;"
                                               "points=[[20,20],[30,30,0]];line-color=#F00")
    with Image.open(preview) as im:
        assert (im.size, im.mode) == ((64, 64), "RGB")
    box_mask = tmp_path / "bm.png"
    Image.new("RGB", (32, 32)).save(box_mask)       # resized to the image: no white, no boxes
    masks = process(src, tmp_path / "m.png", "u-sam;asset=mobile_sam.pt;boxes=10,10,40,40;"
                                             f"boxes-mask={box_mask};masks=True")
    inverted = process(src, tmp_path / "o.png", "u-sam;asset=mobile_sam;boxes=10x10x40x40;"
                                                f"boxes-mask={box_mask};boxes-mask-processors="
                                                "invert;masks=True;outpaint=True")
    with Image.open(masks) as m, Image.open(inverted) as o:
        assert m.mode == "RGB" and white_box(masks) is not None
        assert o.size == (64, 64)


def test_yolo_sam_masks_and_errors(sam_assets, yolo_files, tmp_path, capsys):
    src = flat(tmp_path / "in.png")
    uri = f"yolo-sam;yolo-model={yolo_files['fixed']};sam-asset=mobile_sam;masks=True"
    assert white_box(process(src, tmp_path / "m.png", uri)) is not None
    empty = process(src, tmp_path / "e.png", uri + ";class-filter=3")
    assert white_box(empty) is None
    for bad, words in (("u-sam;asset=sam_x;boxes=1,1,5,5", "not an ultralytics SAM asset"),
                       ("u-sam;asset=mobile_sam;points=1x2x3x4", "needs 2 or 3 numbers"),
                       ("u-sam;asset=mobile_sam", 'give "points", "boxes"')):
        assert main(["--sub-command", "image-process", src, "-o", str(tmp_path / "x.png"),
                     "-p", bad]) != 0
        err = capsys.readouterr().err
        assert words in err and "Traceback" not in err


def test_sam_controlnet_annotator_from_the_hub_cache(tmp_path, monkeypatch):
    from dgenerate_core.processors.image import samcn
    from tests.tiny_yolo import build_sam_hub_cache

    hub = tmp_path / "hub"
    build_sam_hub_cache(str(hub))
    monkeypatch.setenv("HF_HUB_CACHE", str(hub))
    monkeypatch.setattr(samcn, "POINTS_PER_SIDE", 4)
    src = flat(tmp_path / "in.png", (96, 64))
    out = process(src, tmp_path / "a.png", "sam;detect-resolution=64;detect-align=8")
    with Image.open(out) as im:
        assert (im.size, im.mode) == ((96, 64), "RGB")
    hits = cache_stats()["sam"]["hits"]
    assert build_processor("sam;detect-resolution=32", "image").generator is not None  # cached
    assert cache_stats()["sam"]["hits"] == hits + 1


@pytest.fixture(scope="module")
def sd_controlnet(tiny_models, tmp_path_factory):
    from tests.tiny_control import build_sd_controlnet

    path = str(tmp_path_factory.mktemp("yolo_cn") / "cn")
    build_sd_controlnet(tiny_models.sd).save_pretrained(path)
    return path


def test_control_image_processors_and_adetailer_with_a_controlnet(tiny_models, yolo_files,
                                                                    sd_controlnet, tmp_path):
    fixed = yolo_files["fixed"]
    control = flat(tmp_path / "control.png", color=(10, 200, 90))
    debug = tmp_path / "dbg.png"
    gen(tiny_models, tmp_path / "a", "--control-nets", sd_controlnet, "--image-seeds", control,
        "--control-image-processors", f"yolo;model={fixed};masks=True;output-file={debug}")
    assert white_box(debug) == BOX
    seed = flat(tmp_path / "seed.png")
    for crop in ([], ["-adc"]):
        out = gen(tiny_models, tmp_path / f"b{len(crop)}", "--control-nets", sd_controlnet,
                  "--image-seeds", f"{seed};control={control}", "--image-seed-strengths", "0.5",
                  "-ad", f"{fixed};mask-blur=0;mask-dilation=0", *crop).images[0]
        assert changed(seed, out) == BOX


def test_yolo_from_a_hub_repository_in_the_cache(yolo_files, tmp_path, monkeypatch):
    import shutil

    revision = "1" * 40
    repo = tmp_path / "hub" / "models--Bingsu--adetailer"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(revision)
    weights = repo / "snapshots" / revision / "faces" / "face_yolov8n.pt"
    weights.parent.mkdir(parents=True)
    shutil.copyfile(yolo_files["fixed"], weights)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    src = flat(tmp_path / "in.png")
    uri = "yolo;model=Bingsu/adetailer;weight-name=face_yolov8n.pt;subfolder=faces;masks=True"
    assert white_box(process(src, tmp_path / "m.png", uri)) == BOX
    assert main(["--sub-command", "image-process", src, "-o", str(tmp_path / "x.png"), "-p",
                 uri.replace("faces", "hands")]) != 0


def test_ultralytics_leaves_pillow_open_alone(tmp_path):
    """ultralytics replaces PIL.Image.open with a wrapper that tries to pip install pi-heif for any
    file Pillow cannot identify; after dgenerate imports it, a broken file is still Pillow's error."""
    from PIL import Image, UnidentifiedImageError

    from dgenerate_core.processors.detect import ultra_env

    ultra_env.import_ultralytics()
    bad = tmp_path / "bad.png"
    bad.write_text("not an image")
    with pytest.raises(UnidentifiedImageError):
        Image.open(bad)


def test_adetailer_detectors_weigh_and_clean_their_prompt(tiny_models, yolo_files, tmp_path):
    """The detailing pass uses the generation's prompt weighter: a weighted prompt changes the
    detailed box, an embedded <name: value> argument is not read as prompt text."""
    fixed = yolo_files["fixed"]
    seed = flat(tmp_path / "seed.png")
    common = ["--image-seeds", seed, "--image-seed-strengths", "0.5", "-adb", "0", "-add", "0",
              "-ad", fixed, "--prompt-weighter", "sd-embed"]

    def detailed(name, prompt):
        out = gen(tiny_models, tmp_path / name, *common, "--prompts", prompt).images[0]
        return numpy.asarray(Image.open(out).convert("RGB")).astype(int)

    plain = detailed("plain", "a red face")
    neutral = detailed("neutral", "a (red:1.0) face <guidance-scale: 5>")
    weighted = detailed("weighted", "a (red:1.8) face")
    assert numpy.array_equal(plain, neutral)
    assert not numpy.array_equal(plain, weighted)


def test_adetailer_processor_prompt_weighter(tiny_models, yolo_files, tmp_path):
    """The processor's own prompt-weighter= weighs its prompt with the last run's pipeline: a
    neutral weight gives the plain prompt's pixels, a strong one other pixels."""
    fixed = yolo_files["fixed"]

    def detailed(name, prompt, weighter=";prompt-weighter=sd-embed"):
        out = gen(tiny_models, tmp_path / name, "-pp",
                  f"adetailer;model={fixed};prompt={prompt};inference-steps=2;strength=0.5;"
                  f"seed=1;mask-blur=0;mask-dilation=0{weighter}").images[0]
        return numpy.asarray(Image.open(out).convert("RGB")).astype(int)

    plain = detailed("plain", "a red face", weighter="")
    assert numpy.array_equal(plain, detailed("neutral", "a (red:1.0) face"))
    assert not numpy.array_equal(plain, detailed("weighted", "a (red:1.9) face"))
    with pytest.raises(DgenerateError, match="prompt-weighter"):
        detailed("bad", "a face", weighter=";prompt-weighter=no-such-weighter")
