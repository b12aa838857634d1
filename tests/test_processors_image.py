"""Built-in image processors on real Pillow images: results, arguments and their errors."""

import numpy
import pytest
from PIL import Image, ImageOps

from dgenerate_core.errors import DgenerateError, UsageError
from dgenerate_core.processors.chains import build_chain, run_chain, split_chains
from dgenerate_core.processors.registry import build_processor


def run(uri: str, image):
    return run_chain([build_processor(uri, "image", "--post-processors")], image)


def gradient(w=64, h=48):
    """An RGB image where every pixel differs: red grows to the right, green downwards."""
    x = numpy.linspace(0, 255, w, dtype=numpy.uint8)[None, :].repeat(h, 0)
    y = numpy.linspace(0, 255, h, dtype=numpy.uint8)[:, None].repeat(w, 1)
    return Image.fromarray(numpy.stack([x, y, numpy.full_like(x, 40)], -1), "RGB")


def square(w=64, h=64, box=(16, 16, 48, 48), color=(255, 255, 255)):
    """Black image with a white (or ``color``) rectangle."""
    image = Image.new("RGB", (w, h))
    image.paste(Image.new("RGB", (box[2] - box[0], box[3] - box[1]), color), box[:2])
    return image


def arr(image):
    return numpy.asarray(image.convert("RGB")).astype(int)


def test_flip_mirror_grayscale_invert_match_pillow():
    src = gradient()
    assert arr(run("flip", src)).tolist() == arr(ImageOps.flip(src)).tolist()
    assert arr(run("mirror", src)).tolist() == arr(ImageOps.mirror(src)).tolist()
    gray = run("grayscale", src)
    assert gray.mode == "RGB" and arr(gray)[..., 0].tolist() == arr(gray)[..., 2].tolist()
    assert (arr(run("invert", src)) == 255 - arr(src)).all()


def test_posterize_and_solarize_values_and_range_errors():
    src = gradient()
    assert set(numpy.unique(arr(run("posterize;bits=1", src)))) <= {0, 128}
    solar = arr(run("solarize;threshold=100", src))
    red = arr(src)[..., 0]
    assert (solar[..., 0][red >= 100] == 255 - red[red >= 100]).all()
    assert (solar[..., 0][red < 100] == red[red < 100]).all()
    with pytest.raises(UsageError, match='"posterize": argument "bits": must be from 1 to 8'):
        run("posterize;bits=9", src)
    with pytest.raises(UsageError, match='missing required argument "bits"'):
        run("posterize", src)
    with pytest.raises(UsageError, match='"threshold": must be from 0 to 255'):
        run("solarize;threshold=300", src)


def test_crop_keeps_the_box():
    src = gradient()
    out = run("crop;box=10x5x30x25", src)
    assert out.size == (20, 20)
    assert arr(out).tolist() == arr(src)[5:25, 10:30].tolist()
    with pytest.raises(UsageError, match='"crop": argument "box": expected LEFTxTOPxRIGHTxBOTTOM'):
        run("crop;box=10x5", src)
    with pytest.raises(UsageError, match="is empty"):
        run("crop;box=30x5x10x25", src)


@pytest.mark.parametrize("uri, size", [
    ("resize;size=32", (32, 24)),                        # aspect correct: the width counts
    ("resize;size=32x40;aspect-correct=false", (32, 40)),
    ("resize;scale=0.5", (32, 24)),
    ("resize;scale=2,1", (128, 48)),
    ("resize;size=50;align=8", (48, 32)),
    ("resize;align=16", (64, 48)),
    ("resize;size=100x100;aspect-correct=false;algo=nearest", (100, 100)),
])
def test_resize_sizes(uri, size):
    assert run(uri, gradient()).size == size


def test_resize_errors():
    with pytest.raises(UsageError, match='"size" and "scale" cannot be used together'):
        run("resize;size=32;scale=2", gradient())
    with pytest.raises(UsageError, match='unknown algorithm "fancy"'):
        run("resize;size=32;algo=fancy", gradient())
    with pytest.raises(UsageError, match='argument "scale": expected'):
        run("resize;scale=big", gradient())


def test_letterbox_box_and_padding_modes():
    src = Image.new("RGB", (40, 20), (255, 0, 0))
    boxed = run("letterbox;box-size=64;box-color=#00F", src)
    assert boxed.size == (64, 64)
    assert boxed.getpixel((0, 0)) == (0, 0, 255) and boxed.getpixel((32, 32)) == (255, 0, 0)
    # fitted inside 64x64 keeping 2:1 -> 64x32, centred vertically
    assert boxed.getpixel((32, 15)) == (0, 0, 255) and boxed.getpixel((32, 17)) == (255, 0, 0)
    padded = run("letterbox;box-size=8x4;box-is-padding=true", src)
    assert padded.size == (56, 28) and padded.getpixel((7, 3)) == (0, 0, 0)
    assert padded.getpixel((8, 4)) == (255, 0, 0)
    inner = run("letterbox;box-size=64;inner-size=20x20;aspect-correct=false", src)
    assert inner.getpixel((21, 21)) == (0, 0, 0) and inner.getpixel((22, 22)) == (255, 0, 0)
    assert inner.getpixel((42, 42)) == (0, 0, 0) and inner.getpixel((41, 41)) == (255, 0, 0)
    with pytest.raises(UsageError, match='"box-color": expected a hex colour'):
        run("letterbox;box-size=64;box-color=blue", src)


def test_outpaint_mask_is_white_border_black_centre():
    mask = run("outpaint-mask;box=4x2x6x8", gradient(20, 10))
    assert mask.size == (30, 20)
    assert mask.getpixel((0, 0)) == (255, 255, 255) and mask.getpixel((29, 19)) == (255, 255, 255)
    assert mask.getpixel((4, 2)) == (0, 0, 0) and mask.getpixel((23, 11)) == (0, 0, 0)
    assert mask.getpixel((24, 11)) == (255, 255, 255) and mask.getpixel((23, 12)) == (255, 255, 255)


def test_canny_finds_the_square_edges_and_keeps_the_size():
    edges = run("canny;lower=50;upper=100", square())
    a = arr(edges)[..., 0]
    assert edges.size == (64, 64)
    assert a[32, 14:18].max() == 255 and a[32, 30] == 0 and a[5, 5] == 0
    auto = arr(run("canny;threshold-algo=otsu;blur=true;detect-resolution=32", square()))
    assert auto.shape == (64, 64, 3) and auto.max() == 255
    with pytest.raises(UsageError, match='"aperture-size": must be 3, 5 or 7'):
        run("canny;aperture-size=4", square())
    with pytest.raises(UsageError, match='"threshold-algo": unknown algorithm "magic"'):
        run("canny;threshold-algo=magic", square())
    with pytest.raises(UsageError, match="unknown argument 'device'"):
        run("canny;device=cpu", square())


def test_dilate_grows_white_and_validates_kernel():
    src = square(box=(30, 30, 34, 34))
    grown = arr(run("dilate;size=5;steps=2", src))
    assert grown[26, 32, 0] == 255 and grown[24, 32, 0] == 0
    cross = arr(run("dilate;size=9;shape=cross", src))
    assert cross[26, 32, 0] == 255 and cross[26, 26, 0] == 0
    with pytest.raises(UsageError, match="must be odd positive integers"):
        run("dilate;size=4", src)
    with pytest.raises(UsageError, match='unknown shape "star"'):
        run("dilate;shape=star", src)


def test_gaussian_blur_softens_edges():
    src = square()
    blurred = arr(run("gaussian-blur;size=9", src))
    assert 0 < blurred[32, 16, 0] < 255 and blurred[32, 32, 0] == 255
    assert arr(run("gaussian-blur;size=5x3;sigma-x=2", src))[16, 32, 0] < 255


def test_crop_to_mask_with_mask_file_padding_and_self(tmp_path):
    mask_path = tmp_path / "mask.png"
    square(box=(10, 20, 30, 40)).save(mask_path)
    src = gradient(64, 64)
    out = run(f"crop-to-mask;mask={mask_path};padding=2", src)
    assert out.size == (24, 24) and arr(out).tolist() == arr(src)[18:42, 8:32].tolist()
    inverted = run(f'crop-to-mask;mask={mask_path};mask-processors="invert"', src)
    assert inverted.size == (64, 64)  # the inverted mask's white area spans the whole image
    self_mask = run("crop-to-mask", square(box=(5, 6, 15, 26)))
    assert self_mask.size == (10, 20)


def test_paste_position_box_feather_and_reverse(tmp_path):
    red = tmp_path / "red.png"
    Image.new("RGB", (10, 10), (255, 0, 0)).save(red)
    base = Image.new("RGB", (64, 64), (0, 0, 255))
    out = run(f"paste;image={red};position=5x6", base)
    assert out.getpixel((5, 6)) == (255, 0, 0) and out.getpixel((15, 16)) == (0, 0, 255)
    boxed = run(f"paste;image={red};position=0x0x32x32", base)
    assert boxed.getpixel((31, 31)) == (255, 0, 0) and boxed.getpixel((33, 33)) == (0, 0, 255)
    feathered = run(f"paste;image={red};position=0x0x40x40;feather=10", base)
    assert feathered.getpixel((20, 20)) == (255, 0, 0) and feathered.getpixel((0, 0)) == (0, 0, 255)
    assert 0 < feathered.getpixel((4, 20))[0] < 255
    reverse = run(f"paste;image={red};reverse=true;position=0x0x5x5", base)
    assert reverse.size == (10, 10) and reverse.getpixel((2, 2)) == (0, 0, 255)
    assert reverse.getpixel((7, 7)) == (255, 0, 0)
    pos_mask = tmp_path / "pos.png"
    square(box=(40, 40, 60, 60)).save(pos_mask)
    placed = run(f"paste;image={red};position-mask={pos_mask}", base)
    assert placed.getpixel((50, 50)) == (255, 0, 0) and placed.getpixel((30, 30)) == (0, 0, 255)
    with pytest.raises(UsageError, match='"feather" and "mask" cannot be used together'):
        run(f"paste;image={red};feather=3;mask={red}", base)
    with pytest.raises(UsageError, match='missing required argument "image"'):
        run("paste", base)
    with pytest.raises(DgenerateError, match='image processor "paste": argument "image": cannot '
                                             'read image ".*nothing.png"'):
        run(f"paste;image={tmp_path / 'nothing.png'}", base)
    with pytest.raises(DgenerateError, match='"crop-to-mask": argument "mask": cannot read'):
        run(f"crop-to-mask;mask={tmp_path / 'nothing.png'}", base)


def test_unknown_unbuilt_and_malformed_uris():
    with pytest.raises(UsageError, match='--post-processors: unknown image processor "nope"'):
        run("nope", gradient())
    with pytest.raises(UsageError, match='--post-processors: image processor "flip": unknown '
                                         "argument 'x'"):
        run("flip;x=1", gradient())
    with pytest.raises(UsageError, match='argument "lower": expected an integer'):
        run("canny;lower=low", gradient())
    with pytest.raises(UsageError, match='argument "blur": expected true or false'):
        run("canny;blur=maybe", gradient())


def test_split_chains_and_pre_resize_stage():
    assert split_chains(["a", "b", "+", "c"]) == [["a", "b"], ["c"]]
    assert split_chains(["+", "b"]) == [[], ["b"]]
    assert split_chains(["+", "+", "c"]) == [[], [], ["c"]]
    chain = build_chain(["flip;pre-resize=true", "mirror"])
    src = gradient()
    pre = chain[0].process(src, True)
    assert arr(chain[1].process(pre, True)).tolist() == arr(ImageOps.flip(src)).tolist()
    both = run_chain(chain, src)
    assert arr(both).tolist() == arr(ImageOps.mirror(ImageOps.flip(src))).tolist()


def test_output_file_debug_copies_are_numbered_or_overwritten(tmp_path):
    target = tmp_path / "dbg" / "flip.png"
    proc = build_processor(f"flip;output-file={target}", "image")
    for _ in range(3):
        proc.process(gradient())
    assert sorted(p.name for p in target.parent.iterdir()) == ["flip.png", "flip_1.png",
                                                               "flip_2.png"]
    over = build_processor(f"mirror;output-file={tmp_path / 'm.png'};output-overwrite=true",
                           "image")
    over.process(gradient())
    over.process(gradient(32, 32))
    assert [p.name for p in tmp_path.glob("m*.png")] == ["m.png"]
    with Image.open(tmp_path / "m.png") as im:
        assert im.size == (32, 32)


def test_paste_image_from_a_url_through_the_web_cache(tmp_path):
    from tests.httpserver import serve_directory

    Image.new("RGB", (4, 4), (0, 255, 0)).save(tmp_path / "green.png")
    with serve_directory(tmp_path) as base:
        out = run(f"paste;image={base}/green.png;position=2x2", Image.new("RGB", (8, 8)))
    assert out.getpixel((3, 3)) == (0, 255, 0) and out.getpixel((1, 1)) == (0, 0, 0)
