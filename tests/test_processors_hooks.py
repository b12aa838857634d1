"""The render hooks (process_images / process_latents), latents processors, help and schemas."""

import json
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from PIL import Image, ImageOps

from dgenerate_core.errors import ModelError, NotSupportedYet, UsageError
from dgenerate_core.options import parse_args
from dgenerate_core.processors import hooks
from dgenerate_core.processors.helptext import format_processor_help
from dgenerate_core.processors.base import ImageProcessor
from dgenerate_core.processors.registry import build_processor, processor_classes
from dgenerate_core.registries.processors import BUILTIN
from dgenerate_core.processors.schema import processor_schemas
from dgenerate_core.seeds.load import load_seed_frames
from dgenerate_core.seeds.parse import parse_image_seed


def img(color, size=(16, 8)):
    image = Image.new("RGB", size, color)
    image.putpixel((0, 0), (1, 2, 3))
    return image


def opts(**kw):
    return SimpleNamespace(device=None, **kw)


def test_chains_map_to_images_in_order_and_skip_with_plus():
    a, b, c = img((10, 0, 0)), img((0, 10, 0)), img((0, 0, 10))
    o = opts(control_image_processors=["+", "mirror", "+", "flip"])
    out = hooks.process_images("control", o, [a, b, c], pre_resize=False)
    assert out[0] is a
    assert out[1].getpixel((15, 0)) == (1, 2, 3) and out[2].getpixel((0, 7)) == (1, 2, 3)
    only_first = hooks.process_images("seed", opts(seed_image_processors=["mirror"]), [a, b],
                                      pre_resize=False)
    assert only_first[0].getpixel((15, 0)) == (1, 2, 3) and only_first[1] is b


@pytest.mark.parametrize("kind, dest, words", [
    ("seed", "seed_image_processors", "seed"),
    ("mask", "mask_image_processors", "inpaint mask"),
    ("control", "control_image_processors", "control guidance")])
def test_too_many_chains(kind, dest, words):
    o = opts(**{dest: ["flip", "+", "mirror"]})
    with pytest.raises(UsageError, match=f"Too many {words} image processors specified, there "
                                         f"are 2 processors and 1 {words} image sources"):
        hooks.process_images(kind, o, [img((0, 0, 0))], pre_resize=False)


def test_pre_resize_stages_and_identity_when_unset():
    o = opts(seed_image_processors=["flip;pre-resize=true", "mirror"])
    src = img((5, 5, 5))
    pre = hooks.process_images("seed", o, [src], pre_resize=True)[0]
    assert pre.tobytes() == ImageOps.flip(src).tobytes()
    post = hooks.process_images("seed", o, [pre], pre_resize=False)[0]
    assert post.tobytes() == ImageOps.mirror(ImageOps.flip(src)).tobytes()
    whole = hooks.process_images("seed", o, [src])[0]
    assert whole.tobytes() == post.tobytes()
    # output images are never resized: "post" runs its whole chain once, in the False stage
    p = opts(post_processors=["flip;pre-resize=true", "mirror"])
    assert hooks.process_images("post", p, [src], pre_resize=True) == [src]
    assert hooks.process_images("post", p, [src], pre_resize=False)[0].tobytes() == post.tobytes()
    assert hooks.process_images("mask", opts(mask_image_processors=None), [src],
                                pre_resize=False) == [src]


def test_processors_are_built_once_per_options_object(tmp_path):
    o = parse_args(["m", "-pp", f"flip;output-file={tmp_path / 'd.png'}"])
    first = hooks.image_chains("post", o)
    assert hooks.image_chains("post", o) is first
    hooks.process_images("post", o, [img((1, 1, 1))], pre_resize=False)
    hooks.process_images("post", o, [img((2, 2, 2))], pre_resize=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.png", "d_1.png"]
    assert hooks.image_chains("post", parse_args(["m", "-pp", "flip"])) is not first


def test_post_processors_reject_plus_and_bad_uris_name_the_option():
    with pytest.raises(UsageError, match="--post-processors: '\\+' chain grouping"):
        hooks.process_images("post", opts(post_processors=["flip", "+", "mirror"]), [img(0)],
                             pre_resize=False)
    with pytest.raises(UsageError, match='^--mask-image-processors: image processor "dilate": '
                                         'argument "steps": must be at least 1'):
        hooks.process_images("mask", opts(mask_image_processors=["dilate;steps=0"]), [img(0)],
                             pre_resize=False)


def test_scale_latents_processor():
    t = torch.linspace(-2, 2, 32).reshape(1, 2, 4, 4)
    out = hooks.process_latents("post", opts(latents_post_processors=[
        "scale;factor=1.5;clamp-min=-1;clamp-max=2"]), t)
    assert torch.allclose(out, (t * 1.5).clamp(-1, 2))
    normal = hooks.process_latents("latents", opts(latents_processors=["scale;normalize=true"]), t)
    assert abs(float(normal.std()) - 1.0) < 1e-5
    for uri, message in [("scale;factor=0", '"factor": must be greater than 0'),
                         ("scale;clamp-min=2;clamp-max=1", 'must be less than "clamp-max"'),
                         ("scale;factor=x", 'argument "factor": expected a number')]:
        with pytest.raises(UsageError, match=message):
            hooks.process_latents("img2img", opts(img2img_latents_processors=[uri]), t)


def test_latents_chains_map_to_batch_entries_and_count_errors():
    t = torch.ones(2, 4, 2, 2)
    o = opts(latents_processors=["+", "scale;factor=3"])
    out = hooks.process_latents("latents", o, t)
    assert out[0].max() == 1 and out[1].max() == 3
    assert hooks.process_latents("latents", o, t[:1], index=1).max() == 3
    assert hooks.process_latents("latents", o, t[:1], index=0).max() == 1
    with pytest.raises(UsageError, match="Too many latents processors specified with "
                                         "--latents-processors, there are 2 processors and 1"):
        hooks.check_latents_inputs("latents", o, 1)
    with pytest.raises(UsageError, match="--img2img-latents-processors given but --image-seeds "
                                         "has no img2img latents tensors"):
        hooks.check_latents_inputs("img2img", opts(img2img_latents_processors=["scale"]), 0)


def test_noise_uses_the_scheduler_and_is_seeded():
    from diffusers import DDPMScheduler

    pipe = SimpleNamespace(scheduler=DDPMScheduler(num_train_timesteps=1000))
    t = torch.zeros(1, 4, 8, 8)
    o = opts(latents_processors=["noise;timestep=999;seed=7"])
    a = hooks.process_latents("latents", o, t, pipe=pipe)
    b = hooks.process_latents("latents", opts(latents_processors=["noise;timestep=999;seed=7"]),
                              t, pipe=pipe)
    assert torch.equal(a, b) and float(a.std()) > 0.5
    low = hooks.process_latents("latents", opts(latents_processors=["noise;timestep=1;seed=7"]),
                                t, pipe=pipe)
    assert float(low.std()) < float(a.std()) / 10
    with pytest.raises(UsageError, match='"timestep": must be 0 or more'):
        hooks.process_latents("latents", opts(latents_processors=["noise;timestep=-1"]), t)
    with pytest.raises(ModelError, match='latents processor "interposer" "city96/SD-Latent-'
                                         'Interposer/v4.0/v1-to-xl_interposer-v4.0.safetensors": '
                                         "not found in the Hugging Face cache"):
        hooks.process_latents("latents", opts(latents_processors=[
            "interposer;source=v1;target=xl"]), t)


def test_help_listings_from_signatures():
    listing = format_processor_help("image")
    assert listing.startswith("Available image processors:\n\n") and '    "zoe"' in listing
    canny = format_processor_help("image", ["canny"])
    assert "        aperture-size: int = 3\n" in canny
    assert "        L2-gradient: bool = False" in canny
    assert "        pre-resize: bool = False" in canny and "device" not in canny.split("\n\n")[0]
    paste = format_processor_help("image", ["paste"])
    assert "        image: str\n" in paste and "        device: str | None = None" in paste
    assert '        feather-shape: str = "rectangle"' in paste
    hed = format_processor_help("image", ["hed"])
    assert "        scribble: bool = False\n" in hed and "not supported yet" not in hed
    leres = format_processor_help("image", ["leres"])
    assert "        threshold-near: int = 0\n" in leres and "not supported yet" not in leres
    zoe = format_processor_help("image", ["zoe"])
    assert "        gamma-corrected: bool = False\n" in zoe and "not supported yet" not in zoe
    scale = format_processor_help("latents", ["scale"])
    assert "        clamp-min: float | None = None" in scale
    with pytest.raises(UsageError, match='No image processors named: "bogus"'):
        format_processor_help("image", ["bogus"])


def test_schemas_for_the_console_are_json_ready():
    image = processor_schemas("image")
    assert set(image) >= {"canny", "resize", "paste", "openpose"}
    assert image["openpose"]["supported"] is True and image["leres"]["supported"] is True
    assert {"name": "include-hand", "type": "bool", "type_text": "bool", "default": False,
            "optional": True, "options": None} in image["openpose"]["args"]
    assert image["upscaler"]["args"][0]["optional"] is False
    resize = {a["name"]: a for a in image["resize"]["args"]}
    assert resize["algo"]["options"][0] == "auto" and resize["algo"]["default"] == "auto"
    assert resize["size"] == {"name": "size", "type": "str", "type_text": "str | None",
                              "default": None, "optional": True, "options": None}
    assert resize["scale"]["type"] == "float" and resize["aspect-correct"]["type"] == "bool"
    crop = image["crop"]["args"][0]
    assert crop["name"] == "box" and crop["optional"] is False
    latents = processor_schemas("latents")
    assert [a["name"] for a in latents["noise"]["args"]] == ["timestep", "seed"]
    json.dumps(image), json.dumps(latents)


def test_importing_processors_and_help_stays_torch_free():
    code = ("import sys\n"
            "from dgenerate_core.processors import hooks, registry, schema, helptext\n"
            "schema.processor_schemas('image'); schema.processor_schemas('latents')\n"
            "helptext.format_processor_help('image', ['canny', 'paste'])\n"
            "from dgenerate_core.cli import main\n"
            "main(['--image-processor-help', 'resize']); main(['--sub-command-help'])\n"
            "print(sorted(m for m in ('torch', 'numpy', 'cv2', 'diffusers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
    assert "resize:\n    arguments:\n        size: str | None = None" in out


def test_help_directives_and_invocation_lines_in_scripts(capsys):
    from dgenerate_core.script import ConfigRunner

    runner = ConfigRunner()
    runner.run_string("\\image_processor_help flip\n\\latents_processor_help\n")
    runner.run_string("--image-processor-help solarize\n")
    out = capsys.readouterr().out
    assert "flip:\n    arguments:\n        pre-resize: bool = False" in out
    assert 'Available latents processors:\n\n    "interposer"\n    "noise"\n    "scale"' in out
    assert "        threshold: int = 128" in out


def _reference_arguments(listing: str) -> dict[str, list[str]]:
    """name -> argument names, from a reference ``--*-processor-help NAME ...`` listing."""
    import re

    out: dict[str, list[str]] = {}
    name = None
    for line in listing.splitlines():
        if re.match(r"^\S[^:]*:$", line):
            name = line[:-1]
            out[name] = []
        elif name and (m := re.match(r"^        ([\w-]+): ", line)):
            out[name].append(m.group(1))
    return out


@pytest.mark.parametrize("kind", ["image", "latents"])
def test_every_processor_lists_the_reference_arguments_in_its_order(kind):
    """Scripts and the console's URI builder go by these names: ours are the reference's (only
    processors the reference does not have, like upscaler-ncnn, may differ)."""
    from pathlib import Path

    ref_file = (Path(__file__).resolve().parents[2] / "shared" / "spec" / "reference-help"
                / f"{kind}-processor-help-each.txt")
    ref = _reference_arguments(ref_file.read_text())
    names = list(processor_classes(kind, include_hidden=True))
    ours = _reference_arguments(format_processor_help(kind, names))
    assert set(ref) <= set(ours)
    for name in ref:
        assert ours[name] == ref[name], name


def test_a_mask_takes_its_images_resized_size_before_either_chain_runs(tmp_path):
    """The corpus' outpaint one-liner: letterbox pads the seed image, outpaint-mask pads the mask
    by the same box; the mask must start at the image's resized size, not its padded size."""
    Image.new("RGB", (80, 80), (90, 120, 200)).save(tmp_path / "mountain.png")
    path = str(tmp_path / "mountain.png")
    o = parse_args(["m", "--seed-image-processors", "letterbox;box-size=16;box-is-padding=True",
                    "--mask-image-processors", "outpaint-mask;box=16"])
    seed = load_seed_frames(parse_image_seed(f"{path};{path}"), (64, 64), False, opts=o).frame(0)
    assert seed.images[0].size == seed.masks[0].size == (96, 96)
    mask = np.asarray(seed.masks[0].convert("L"))
    assert mask[0, 0] == 255 and mask[48, 48] == 0  # the padding is what gets painted


@pytest.fixture
def unbuilt_processor():
    """A registered processor class marked NOT_BUILT (every built-in is built today)."""
    class Someday(ImageProcessor):
        """A processor announced before it is built."""

        NAMES = ("someday",)
        NOT_BUILT = True

        def impl_process(self, image):
            raise AssertionError("never built")

    BUILTIN["image"].append(Someday)
    try:
        yield Someday
    finally:
        BUILTIN["image"].remove(Someday)


def test_a_class_marked_not_built_is_listed_and_answers_not_supported_yet(unbuilt_processor):
    assert "someday is not supported yet." in format_processor_help("image", ["someday"])
    assert processor_schemas("image")["someday"]["supported"] is False
    with pytest.raises(NotSupportedYet, match="image processor someday is not supported yet"):
        build_processor("someday", "image")
