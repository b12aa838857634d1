"""``--image-seeds`` short and keyword forms, resize arithmetic and loading (files and URLs)."""


import pytest
from PIL import Image

from dgenerate_core.errors import UsageError
from dgenerate_core.seeds import parse_image_seed, resize_image_calc
from dgenerate_core.seeds.load import load_seed
from tests.httpserver import serve_directory


@pytest.fixture
def files(tmp_path):
    img = tmp_path / "img.png"
    Image.new("RGB", (96, 72), "red").save(img)
    mask = tmp_path / "mask.png"
    Image.new("L", (96, 72), 255).save(mask)
    bad = tmp_path / "bad.png"
    bad.write_text("not an image")
    return str(img), str(mask), str(bad), tmp_path


def test_short_forms(files):
    img, mask, _, _ = files
    spec = parse_image_seed(img)
    assert (spec.image, spec.mask, spec.resize, spec.mode) == (img, None, None, "img2img")
    spec = parse_image_seed(f"{img};{mask}")
    assert (spec.mask, spec.mode) == (mask, "inpaint")
    assert parse_image_seed(f"{img};512x256").resize == (512, 256)
    assert parse_image_seed(f"{img}; 1024").resize == (1024, 1024)
    spec = parse_image_seed(f"{img};{mask};64x32")
    assert (spec.mask, spec.resize) == (mask, (64, 32))


def test_urls_count_as_existing_files():
    spec = parse_image_seed("https://x.org/a.png;https://x.org/m.png;64",
                            exists=lambda p: p.startswith("https://"))
    assert (spec.image, spec.mask, spec.resize) == ("https://x.org/a.png",
                                                    "https://x.org/m.png", (64, 64))


@pytest.mark.parametrize("suffix, message", [
    (";100", "Image seed resize width dimension 100 is not divisible by 8."),
    (";64x100", "height dimension 100 is not divisible by 8"),
    (";64;32", "Resize resolution argument defined multiple times."),
    (";;64", "stray semicolon"),
    (";nosuchmask.png", 'Inpaint mask file "nosuchmask.png" does not exist.'),
])
def test_short_form_errors_name_the_seed(files, suffix, message):
    img = files[0]
    with pytest.raises(UsageError) as info:
        parse_image_seed(img + suffix)
    assert message in str(info.value)
    assert f'--image-seeds "{img}{suffix}"' in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_image_and_multiple_images(files):
    with pytest.raises(UsageError, match='Image seed file "nope.png" does not exist'):
        parse_image_seed("nope.png")
    img = files[0]
    with pytest.raises(UsageError, match="batching syntax"):
        parse_image_seed(f"{img}, {img}")


def test_keyword_form(files):
    img, mask, _, _ = files
    spec = parse_image_seed(f"{img};mask={mask};resize=64x32;aspect=False;align=16")
    assert (spec.mask, spec.resize, spec.aspect, spec.align) == (mask, (64, 32), False, 16)
    assert parse_image_seed(f"{img};resize=64").resize == (64, 64)


@pytest.mark.parametrize("suffix, message", [
    (";resize=64;resize=32", 'Duplicate argument "resize"'),
    (";colour=red", 'unknown argument "colour"'),
    (";aspect=maybe", "must be true or false"),
    (";align=12", "multiple of 8"),
    (";resize=64;512", "must be a keyword argument"),
])
def test_keyword_errors(files, suffix, message):
    with pytest.raises(UsageError, match=message):
        parse_image_seed(files[0] + suffix)


def test_adapter_prefix_parses_then_needs_ip_adapters(files):
    from dgenerate_core.options import parse_args
    from dgenerate_core.seeds.rules import parse_for_options

    spec = parse_image_seed(f"adapter: {files[0]}")
    assert spec.mode == "txt2img" and spec.adapters[0][0].path == files[0]
    with pytest.raises(UsageError, match="IP adapter images need --ip-adapters"):
        parse_for_options(f"adapter: {files[0]}", parse_args(["m"]))


def test_images_batching_forms(files):
    img, mask, _, root = files
    other = str(root / "other.png")
    Image.new("RGB", (48, 36), "blue").save(other)
    spec = parse_image_seed(f"images: {img}, {other}")
    assert spec.batched and spec.images == (img, other) and spec.masks == ()
    spec = parse_image_seed(f"images: {img}, {other};{mask}")
    assert spec.masks == (mask,) and spec.mode == "inpaint"
    spec = parse_image_seed(f"images: {img}, {other};{mask}, {mask};64")
    assert spec.masks == (mask, mask) and spec.resize == (64, 64)
    spec = parse_image_seed(f"images: {img}, {other};mask={mask}, {mask};resize=32")
    assert spec.masks == (mask, mask) and spec.resize == (32, 32)
    with pytest.raises(UsageError, match="3 masks for 2 images"):
        parse_image_seed(f"images: {img}, {other};{mask}, {mask}, {mask}")
    with pytest.raises(UsageError, match="stray comma"):
        parse_image_seed(f"images: {img}, ")
    with pytest.raises(UsageError, match="Cannot use multiple mask images"):
        parse_image_seed(f"{img};mask={mask}, {mask}")


def test_batched_load_sizes_and_mismatch(files):
    img, mask, _, root = files
    other = str(root / "other.png")
    Image.new("RGB", (48, 36), "blue").save(other)
    with pytest.raises(UsageError, match=r'Dimension of ".*other.png" \(48x32\) does not match'):
        load_seed(parse_image_seed(f"images: {img}, {other}"), None, False)
    loaded = load_seed(parse_image_seed(f"images: {img}, {other};{mask};64"), None, False)
    assert [i.size for i in loaded.images] == [(64, 48), (64, 48)] and loaded.count == 2
    assert isinstance(loaded.image, list) and [m.size for m in loaded.mask] == [(64, 48)] * 2


def test_latents_forms(files, tmp_path):
    img = files[0]
    exists = lambda p: True  # noqa: E731
    spec = parse_image_seed("latents: a.pt, b.safetensors", exists=exists)
    assert spec.raw_latents == ("a.pt", "b.safetensors") and spec.images == ()
    assert spec.mode == "txt2img" and spec.batched
    spec = parse_image_seed(f"{img};latents=n.pth", exists=exists)
    assert spec.raw_latents == ("n.pth",) and spec.mode == "img2img"
    with pytest.raises(UsageError, match='Latents file "none.pt" does not exist'):
        parse_image_seed("latents: none.pt")
    with pytest.raises(UsageError, match="must be a tensor file"):
        parse_image_seed(f"latents: {img}")


def test_control_keyword_without_control_models(files):
    from dgenerate_core.options import parse_args
    from dgenerate_core.seeds.rules import parse_for_options

    spec = parse_image_seed(f"{files[0]};control={files[0]}")
    assert spec.controls == (files[0],) and spec.mode == "img2img"
    with pytest.raises(UsageError, match="need --control-nets or --t2i-adapters"):
        parse_for_options(f"{files[0]};control={files[0]}", parse_args(["m"]))


def test_resize_image_calc():
    assert resize_image_calc((96, 72), None) == (96, 72)
    assert resize_image_calc((100, 70), None) == (96, 64)
    assert resize_image_calc((96, 72), (64, 64)) == (64, 48)
    assert resize_image_calc((96, 72), (64, 64), aspect_correct=False) == (64, 64)
    assert resize_image_calc((1000, 1000), (1000, 1000), True, 64) == (960, 960)
    assert resize_image_calc((100, 70), None, align=1) == (100, 70)
    assert resize_image_calc((96, 72), (64, 64), align=16) == (64, 48)


def test_load_seed_resizes_image_and_mask(files):
    img, mask, _, _ = files
    loaded = load_seed(parse_image_seed(f"{img};{mask}"), (64, 64), no_aspect=False)
    assert loaded.image.size == (64, 48) and loaded.mask.size == (64, 48)
    assert loaded.image.mode == "RGB" and loaded.mask.mode == "L"
    loaded = load_seed(parse_image_seed(img), (64, 64), no_aspect=True)
    assert loaded.size == (64, 64)
    loaded = load_seed(parse_image_seed(f"{img};32"), (64, 64), no_aspect=False)
    assert loaded.size == (32, 24)
    loaded = load_seed(parse_image_seed(f"{img};resize=32;aspect=false"), None, no_aspect=False)
    assert loaded.size == (32, 32)
    assert load_seed(parse_image_seed(img), None, False).size == (96, 72)
    assert load_seed(parse_image_seed(img), None, False, align=16).size == (96, 64)


def test_mask_takes_the_resized_size_of_its_image_before_the_processors(files, tmp_path):
    # the corpus' outpaint one-liners: letterbox on the seed, outpaint-mask on the mask; each
    # chain adds the same border, so the mask must be resized to the image's resized size
    # (64x48), not to the letterboxed one (96x80), before its own chain runs
    from types import SimpleNamespace

    from dgenerate_core.seeds.load import load_seed_frames

    img, _, _, _ = files
    small_mask = tmp_path / "small-mask.png"
    Image.new("L", (32, 24), 0).save(small_mask)
    opts = SimpleNamespace(device=None, seed_image_processors=[
        "letterbox;box-size=16;box-is-padding=true"],
        mask_image_processors=["outpaint-mask;box=16"], control_image_processors=None)
    seed = load_seed_frames(parse_image_seed(f"{img};{small_mask}"), (64, 64), False, opts=opts)
    loaded = seed.frame(0)
    assert loaded.image.size == (96, 80) and loaded.mask.size == (96, 80)
    mask = loaded.mask.convert("L")
    assert mask.getpixel((0, 0)) == 255 and mask.getpixel((48, 40)) == 0


def test_unreadable_image_is_one_line_naming_the_seed(files):
    bad = files[2]
    with pytest.raises(UsageError) as info:
        load_seed(parse_image_seed(bad), None, False)
    assert f'--image-seeds "{bad}"' in str(info.value) and "cannot read image" in str(info.value)


@pytest.fixture
def http_root(files):
    with serve_directory(files[3]) as url:
        yield url


def test_url_image_seed_downloads_through_the_web_cache(http_root):
    spec = parse_image_seed(f"{http_root}/img.png;{http_root}/mask.png;48")
    loaded = load_seed(spec, None, False)
    assert loaded.size == (48, 32) and loaded.mask.size == (48, 32)


def test_url_that_fails_is_one_line(http_root):
    spec = parse_image_seed(f"{http_root}/missing.png")
    with pytest.raises(UsageError) as info:
        load_seed(spec, None, False)
    assert f'--image-seeds "{http_root}/missing.png"' in str(info.value)


def test_animated_and_control_urls_stream_through_the_web_cache(files):
    from dgenerate_core.media.animations import write_animation
    from dgenerate_core.seeds.load import load_seed_frames

    img, mask, _, root = files
    frames = [Image.effect_noise((96, 72), 30 + 10 * i).convert("RGB") for i in range(4)]
    write_animation(frames, str(root / "anim.gif"), 5.0)
    with serve_directory(root) as url:
        spec = parse_image_seed(f"{url}/anim.gif;mask={url}/mask.png;control={url}/img.png",
                                control_models=1)
        seed = load_seed_frames(spec, (48, 48), False)
        loaded = list(seed.frames())
    assert seed.frame_count == 4 and len(loaded) == 4
    assert {f.size for f in loaded} == {(48, 32)}
    assert loaded[3].control_images[0].size == (48, 32) and loaded[3].mask.size == (48, 32)
