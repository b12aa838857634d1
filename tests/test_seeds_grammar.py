"""The whole ``--image-seeds`` grammar (usage.md §3), table driven: one row per form and one per
error message; then what a seed means together with the control / adapter options (§3.5)."""

from types import SimpleNamespace

import pytest
import torch
from PIL import Image

from dgenerate_core.errors import UsageError
from dgenerate_core.seeds.adapters import AdapterImage
from dgenerate_core.seeds.parse import parse_image_seed
from dgenerate_core.seeds.rules import check_seed, parse_for_options


@pytest.fixture(scope="module")
def d(tmp_path_factory):
    root = tmp_path_factory.mktemp("grammar")
    for name in ("img", "b", "c1", "c2", "a", "a2", "st1"):
        Image.new("RGB", (64, 48), "red").save(root / f"{name}.png")
    for name in ("mask", "m2"):
        Image.new("L", (64, 48), 255).save(root / f"{name}.png")
    for name in ("l1", "l2"):
        torch.save(torch.zeros(4, 6, 8), root / f"{name}.pt")
    return str(root)


# (seed, control models, expected attributes); "{d}" is the folder of the test files
FORMS = [
    ("{d}/img.png", 0, dict(images=("img",), mode="img2img")),
    ("{d}/img.png", 1, dict(images=(), controls=("img",), mode="txt2img")),
    ("{d}/c1.png, {d}/c2.png", 2, dict(controls=("c1", "c2"), mode="txt2img")),
    ("{d}/img.png;{d}/mask.png", 0, dict(images=("img",), masks=("mask",), mode="inpaint")),
    ("{d}/img.png;{d}/mask.png", 1, dict(images=("img",), masks=("mask",), controls=())),
    ("{d}/img.png;512x256", 0, dict(resize=(512, 256))),
    ("{d}/img.png;1024", 0, dict(resize=(1024, 1024))),
    ("{d}/img.png;1024", 1, dict(controls=("img",), resize=(1024, 1024))),
    ("{d}/img.png;{d}/mask.png;512x512", 0, dict(masks=("mask",), resize=(512, 512))),
    ("images: {d}/img.png, {d}/b.png", 0, dict(images=("img", "b"), batched=True)),
    ("images: {d}/img.png, {d}/b.png", 1, dict(images=("img", "b"), controls=())),
    ("images: {d}/img.png, {d}/b.png;{d}/mask.png", 0, dict(masks=("mask",))),
    ("images: {d}/img.png, {d}/b.png;{d}/mask.png, {d}/m2.png", 0,
     dict(masks=("mask", "m2"))),
    ("images: {d}/img.png, {d}/b.png;1024", 0, dict(resize=(1024, 1024), batched=True)),
    ("adapter: {d}/a.png", 0, dict(images=(), mode="txt2img", adapters=(("a",),))),
    ("adapter: {d}/a.png + {d}/a2.png, {d}/b.png", 0,
     dict(adapters=(("a", "a2"), ("b",)))),
    ("latents: {d}/l1.pt, {d}/l2.pt", 0, dict(raw_latents=("l1.pt", "l2.pt"), batched=True)),
    ("{d}/l1.pt", 0, dict(images=("l1.pt",), mode="img2img")),
    ("{d}/img.png;mask={d}/mask.png", 0, dict(masks=("mask",), mode="inpaint")),
    ("{d}/img.png;resize=512x512", 0, dict(resize=(512, 512))),
    ("{d}/img.png;mask={d}/mask.png;resize=512x512;aspect=false", 0,
     dict(masks=("mask",), resize=(512, 512), aspect=False)),
    ("{d}/img.png;resize=1000;align=64", 0, dict(resize=(1000, 1000), align=64)),
    ("{d}/img.png;align=64", 0, dict(align=64)),
    ("{d}/c1.png, {d}/c2.png;align=64", 2, dict(controls=("c1", "c2"), align=64)),
    ("{d}/img.png;control={d}/c1.png", 1, dict(images=("img",), controls=("c1",))),
    ("{d}/img.png;mask={d}/mask.png;control={d}/c1.png, {d}/c2.png", 2,
     dict(masks=("mask",), controls=("c1", "c2"), mode="inpaint")),
    ("{d}/img.png;frame-start=3;frame-end=10", 0, dict(frame_start=3, frame_end=10)),
    ("{d}/img.png;floyd={d}/st1.png;frame-start=3", 0, dict(floyd="st1", frame_start=3)),
    ("{d}/img.png;mask={d}/mask.png;floyd={d}/st1.png", 0, dict(floyd="st1")),
    ("adapter: {d}/a.png;control={d}/c1.png", 1, dict(adapters=(("a",),), controls=("c1",))),
    ("{d}/img.png;adapter={d}/a.png;control={d}/c1.png", 1,
     dict(images=("img",), adapters=(("a",),), controls=("c1",))),
    ("{d}/img.png;mask={d}/mask.png;adapter={d}/a.png", 0,
     dict(masks=("mask",), adapters=(("a",),), mode="inpaint")),
    ("{d}/img.png;latents={d}/l1.pt", 0, dict(raw_latents=("l1.pt",), mode="img2img")),
    ("{d}/img.png;mask={d}/mask.png;latents={d}/l1.pt", 0, dict(raw_latents=("l1.pt",))),
    ("images: {d}/img.png, {d}/b.png;mask={d}/mask.png;resize=1024;aspect=False", 0,
     dict(resize=(1024, 1024), aspect=False, batched=True)),
    ("images: {d}/img.png, {d}/img.png;latents={d}/l1.pt, {d}/l2.pt", 0,
     dict(raw_latents=("l1.pt", "l2.pt"))),
    ("'{d}/img.png';mask='{d}/mask.png'", 0, dict(images=("img",), masks=("mask",))),
]


def _name(path: str) -> str:
    base = path.rsplit("/", 1)[-1]
    return base[:-4] if base.endswith(".png") else base


def _value(spec, key):
    value = getattr(spec, key)
    if key in ("images", "masks", "controls", "raw_latents"):
        return tuple(_name(p) for p in value)
    if key == "floyd":
        return _name(value)
    if key == "adapters":
        return tuple(tuple(_name(a.path) for a in group) for group in value)
    return value


@pytest.mark.parametrize("seed, controls, expected", FORMS, ids=[f[0] for f in FORMS])
def test_form(d, seed, controls, expected):
    spec = parse_image_seed(seed.format(d=d), control_models=controls)
    assert {k: _value(spec, k) for k in expected} == expected


def test_adapter_image_arguments(d):
    spec = parse_image_seed(f"adapter: {d}/a.png|resize=256|align=64 + "
                            f"'{d}/a2.png'|aspect=false, {d}/b.png")
    assert spec.adapters == (
        (AdapterImage(f"{d}/a.png", (256, 256), 64, True),
         AdapterImage(f"{d}/a2.png", None, 1, False)),
        (AdapterImage(f"{d}/b.png"),))


def test_urls_with_plus_are_quoted():
    exists = lambda p: True  # noqa: E731
    spec = parse_image_seed("adapter: 'https://u.org/a?x=a+b' + i2.png", exists)
    assert [a.path for a in spec.adapters[0]] == ["https://u.org/a?x=a+b", "i2.png"]
    spec = parse_image_seed('img.png;adapter="https://u.org/a?x=a+b" + i2.png', exists)
    assert [a.path for a in spec.adapters[0]] == ["https://u.org/a?x=a+b", "i2.png"]


# (seed, control models, message part)
ERRORS = [
    ("{d}/img.png;100", 0, "Image seed resize width dimension 100 is not divisible by 8."),
    ("{d}/img.png;resize=100x64", 0, "width dimension 100 is not divisible by 8"),
    ("{d}/img.png;64;32", 0, "Resize resolution argument defined multiple times."),
    ("{d}/img.png;;64", 0, "check for a stray semicolon"),
    ("{d}/img.png;nomask.png", 0, 'Inpaint mask file "nomask.png" does not exist.'),
    ("nofile.png", 0, 'Image seed file "nofile.png" does not exist.'),
    ("{d}/c1.png, nofile.png", 2, 'Control image file "nofile.png" does not exist.'),
    ("{d}/c1.png, {d}/c2.png", 0, 'cannot contain multiple elements without using "images: '
                                  '..." batching syntax'),
    ("{d}/c1.png, {d}/c2.png;{d}/mask.png", 2, "an inpaint mask needs one image"),
    ("images: {d}/img.png, {d}/b.png;{d}/mask.png, {d}/m2.png, {d}/mask.png", 0,
     "3 masks for 2 images"),
    ("images: {d}/img.png, ", 0, "Missing image definition, stray comma?"),
    ("{d}/img.png;mask={d}/mask.png, {d}/m2.png", 0, "Cannot use multiple mask images"),
    ("adapter: {d}/a.png;512", 0, "Cannot use resize resolution or inpaint mask syntax with "
                                  "IP adapter only image seed input."),
    ("latents: {d}/l1.pt;512", 0, "Cannot use resize resolution or inpaint mask syntax with "
                                  "latents only image seed input."),
    ("adapter: {d}/a.png;mask={d}/mask.png", 0, "an inpaint mask needs an image"),
    ("adapter: {d}/a.png;adapter={d}/b.png", 0, "IP adapter images already defined"),
    ("{d}/img.png;floyd={d}/st1.png;adapter={d}/a.png", 0, "floyd= cannot be used together "
                                                           "with IP adapter images"),
    ("{d}/img.png;floyd={d}/st1.png;latents={d}/l1.pt", 0, "floyd= cannot be used together "
                                                           "with latents"),
    ("{d}/img.png;floyd={d}/st1.png;control={d}/c1.png", 0, "floyd= cannot be used together "
                                                            "with control images"),
    ("latents: {d}/img.png", 0, 'Latent file "{d}/img.png" must be a tensor file'),
    ("{d}/img.png;latents={d}/img.png", 0, "must be a tensor file"),
    ("latents: nope.pt", 0, 'Latents file "nope.pt" does not exist.'),
    ("images: {d}/img.png, {d}/b.png;latents={d}/l1.pt", 0,
     "Number of images (2) must equal number of latents (1)"),
    ("{d}/img.png;control={d}/c1.png, ", 1, "Missing control image definition, stray comma?"),
    ("{d}/img.png;latents={d}/l1.pt, ", 0, "Missing latents definition, stray comma?"),
    ("adapter: {d}/a.png, ", 0, "Missing IP adapter image definition, stray comma?"),
    ("adapter: {d}/a.png + ", 0, "Missing IP adapter image definition"),
    ("{d}/img.png;control=nope.png", 1, 'Control image file "nope.png" does not exist.'),
    ("{d}/img.png;adapter=nope.png", 0, 'Adapter image file "nope.png" does not exist.'),
    ("{d}/img.png;floyd=nope.png", 0, 'Floyd image file "nope.png" does not exist.'),
    ("{d}/img.png;adapter={d}/l1.pt", 0, "latents tensors cannot be used as IP adapter images"),
    ("{d}/img.png;control={d}/l1.pt", 1, "not as a control image"),
    ("{d}/img.png;{d}/l1.pt", 0, "not as an inpaint mask"),
    ("{d}/img.png;adapter={d}/a.png|size=3", 0, 'unknown IP adapter image argument "size=3"'),
    ("{d}/img.png;adapter={d}/a.png|align=x", 0, 'adapter image align: "x" is not an integer'),
    ("{d}/img.png;adapter={d}/a.png|aspect=x", 0, "adapter image aspect"),
    ("{d}/img.png;adapter={d}/a.png|resize=big", 0, 'adapter image resize: "big" is not a size'),
    ("{d}/img.png;resize=64;resize=32", 0, 'Duplicate argument "resize"'),
    ("{d}/img.png;colour=red", 0, 'unknown argument "colour", valid arguments are: mask, '
                                  'control, adapter, latents, floyd, resize, align, aspect, '
                                  'frame-start, frame-end'),
    ("{d}/img.png;aspect=maybe", 0, 'aspect: "maybe" must be true or false'),
    ("{d}/img.png;align=12", 0, "align: 12 must be 1 or a multiple of 8"),
    ("{d}/img.png;align=x", 0, 'align: "x" is not an integer'),
    ("{d}/img.png;frame-start=x", 0, 'frame-start: "x" is not an integer'),
    ("{d}/img.png;frame-end=-1", 0, "frame-end: -1 must be 0 or more"),
    ("{d}/img.png;frame-start=5;frame-end=2", 0, "frame-start (5) must not be greater than "
                                                 "frame-end (2)"),
    ("{d}/img.png;resize=wide", 0, 'resize: "wide" is not a size'),
    ("{d}/img.png;resize=64;512", 0, "must be a keyword argument"),
    ("", 0, "empty image seed"),
]


@pytest.mark.parametrize("seed, controls, message", ERRORS, ids=[e[0] or "empty" for e in ERRORS])
def test_error(d, seed, controls, message):
    text = seed.format(d=d)
    with pytest.raises(UsageError) as info:
        parse_image_seed(text, control_models=controls)
    assert message.format(d=d) in str(info.value)
    assert str(info.value).startswith(f'--image-seeds "{text}": ')
    assert "\n" not in str(info.value)


def _opts(**values):
    base = dict(control_nets=None, t2i_adapters=None, ip_adapters=None, model_type="sd",
                image_seed_strengths=None)
    return SimpleNamespace(**{**base, **values})


# (seed, options, message part) for the meaning of a seed with the other options (§3.5)
OPTION_ERRORS = [
    ("{d}/img.png;{d}/mask.png", dict(control_nets=["cn"]),
     'You must specify a control image with the control argument IE: '
     '"my-seed.png;control=my-control.png"'),
    ("images: {d}/img.png, {d}/b.png", dict(control_nets=["cn"]),
     "--control-nets needs control guidance images in every image seed"),
    ("{d}/img.png;latents={d}/l1.pt", dict(control_nets=["cn"]),
     "--control-nets needs control guidance images"),
    ("{d}/c1.png", dict(control_nets=["a", "b"]),
     "syntax error, 1 control images for 2 --control-nets models"),
    ("{d}/img.png;control={d}/c1.png, {d}/c2.png", dict(t2i_adapters=["t"]),
     "syntax error, 2 control images for 1 --t2i-adapters models"),
    ("{d}/img.png;control={d}/c1.png", dict(t2i_adapters=["t"]),
     "--t2i-adapters cannot be used with img2img or inpaint image seeds"),
    ("{d}/c1.png", dict(control_nets=["cn"], image_seed_strengths=[0.5]),
     "--image-seed-strengths cannot be used with a control guidance only image seed"),
    ("{d}/img.png;control={d}/c1.png", dict(), '"control=" images need --control-nets or '
                                               '--t2i-adapters'),
    ("{d}/img.png;adapter={d}/a.png, {d}/b.png", dict(ip_adapters=["ip"]),
     "2 IP adapter image groups for 1 --ip-adapters models"),
    ("{d}/img.png;floyd={d}/st1.png", dict(), '"floyd=" is only used with --model-type ifs'),
]


@pytest.mark.parametrize("seed, values, message", OPTION_ERRORS,
                         ids=[e[2][:40] for e in OPTION_ERRORS])
def test_option_error(d, seed, values, message):
    opts = _opts(**values)
    with pytest.raises(UsageError) as info:
        parse_for_options(seed.format(d=d), opts)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_matching_seeds_pass_the_option_checks(d):
    check_seed(parse_image_seed(f"{d}/c1.png, {d}/c2.png", control_models=2),
               _opts(control_nets=["a", "b"]))
    check_seed(parse_image_seed(f"{d}/img.png;mask={d}/mask.png;control={d}/c1.png",
                                control_models=1), _opts(control_nets=["a"]))
    check_seed(parse_image_seed(f"{d}/c1.png", control_models=1), _opts(t2i_adapters=["t"]))
    check_seed(parse_image_seed(f"{d}/img.png;adapter={d}/a.png + {d}/b.png"),
               _opts(ip_adapters=["ip"]))


def test_adapter_images_and_ip_adapters_go_together(d):
    # the grammar is validated first ...
    with pytest.raises(UsageError, match="stray comma"):
        parse_for_options(f"{d}/img.png;adapter={d}/a.png, ", _opts(ip_adapters=["ip"]))
    # ... then the images need the models and the models need images
    with pytest.raises(UsageError, match="IP adapter images need --ip-adapters"):
        parse_for_options(f"{d}/img.png;adapter={d}/a.png", _opts())
    with pytest.raises(UsageError, match="--ip-adapters needs IP adapter images in every"):
        parse_for_options(f"{d}/img.png", _opts(ip_adapters=["ip"]))


def test_floyd_seed_passes_the_grammar_for_ifs(d, tiny_models, tmp_path):
    """The seed is accepted; an sd model is no Deep Floyd stage II model (a one-line error)."""
    from dgenerate_core.errors import ModelError
    from dgenerate_core.invoke import invoke_dgenerate

    with pytest.raises(ModelError, match=r'^model_path ".*": cannot load it'):
        invoke_dgenerate([tiny_models.sd, "--model-type", "ifs", "-o", str(tmp_path),
                          "--image-seeds", f"{d}/img.png;floyd={d}/st1.png"])
