"""--sub-command image-process and \\image_process: naming, animations, resizing, logs, events."""

import os

import av
import numpy
import pytest
from PIL import Image, ImageOps

from dgenerate_core import events
from dgenerate_core.cli import main
from dgenerate_core.errors import UsageError
from dgenerate_core.script import ConfigRunner
from dgenerate_core.subcommands.image_process import image_process


def gradient(path, w=40, h=30):
    x = numpy.linspace(0, 255, w, dtype=numpy.uint8)[None, :].repeat(h, 0)
    y = numpy.linspace(0, 255, h, dtype=numpy.uint8)[:, None].repeat(w, 1)
    Image.fromarray(numpy.stack([x, y, x // 2], -1), "RGB").save(path)
    return str(path)


def frames(n, size=(32, 32)):
    return [Image.new("RGB", size, (10 * i, 255 - 10 * i, 0)) for i in range(n)]


def gif(path, n=5):
    first, *rest = frames(n)
    first.save(path, save_all=True, append_images=rest, duration=50, loop=0)
    return str(path)


def mp4(path, n=6):
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=12)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        for image in frames(n):
            for packet in stream.encode(av.VideoFrame.from_image(image)):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return str(path)


@pytest.fixture
def recorded():
    seen = []

    def sink(event, fields):
        seen.append((event, fields["path"]))

    events.add_sink(sink)
    yield seen
    events.remove_sink(sink)


def names(folder):
    return sorted(os.listdir(folder))


def test_default_names_next_to_inputs_and_duplicates(tmp_path, capsys, recorded):
    a = gradient(tmp_path / "a.png")
    b = gradient(tmp_path / "b.jpg")
    assert main(["--sub-command", "image-process", a, b, "-p", "mirror"]) == 0
    assert names(tmp_path) == ["a.png", "a_processed_1.png", "b.jpg", "b_processed_2.jpg"]
    with Image.open(tmp_path / "a_processed_1.png") as out, Image.open(a) as src:
        assert out.tobytes() == ImageOps.mirror(src).tobytes()
    log = capsys.readouterr().out.splitlines()
    assert log[:2] == [f'image-process: Processing "{a}"',
                       f'image-process: Wrote Image "{tmp_path / "a_processed_1.png"}"']
    assert recorded == [("image", str(tmp_path / "a_processed_1.png")),
                        ("image", str(tmp_path / "b_processed_2.jpg"))]
    main(["--sub-command", "image-process", a])
    assert "a_processed_1_duplicate_1.png" in names(tmp_path)


def test_overwrite_output_equal_to_input_and_folders(tmp_path):
    a = gradient(tmp_path / "a.png")
    image_process([a, "-o", a, "-p", "flip"])
    assert "a_processed_1.png" in names(tmp_path)        # -o = input without -ox: suffixed
    with Image.open(a) as before:
        original = before.tobytes()
    image_process([a, "-ox", "-p", "flip"])               # -ox, no -o: the input is replaced
    with Image.open(a) as after:
        assert after.tobytes() != original
    b = gradient(tmp_path / "b.png")
    result = image_process([a, b, "-o", str(tmp_path / "out") + "/"])
    assert names(tmp_path / "out") == ["a_processed_1.png", "b_processed_2.png"]
    assert result.images == [str(tmp_path / "out" / "a_processed_1.png"),
                             str(tmp_path / "out" / "b_processed_2.png")]
    image_process([a, b, "-o", str(tmp_path / "x.jpg"), str(tmp_path / "y") + "/"])
    assert (tmp_path / "x.jpg").exists() and names(tmp_path / "y") == ["b_processed_2.png"]
    with pytest.raises(UsageError, match="2 inputs need one output each"):
        image_process([a, b, "-o", str(tmp_path / "one.png")])


def test_resize_aspect_align_and_glob(tmp_path):
    gradient(tmp_path / "a.png", 40, 30)
    gradient(tmp_path / "b.png", 40, 30)
    out = image_process([str(tmp_path / "*.png"), "-r", "20", "-o", str(tmp_path / "o") + "/"])
    assert len(out.images) == 2
    with Image.open(out.images[0]) as im:
        assert im.size == (20, 15)
    [path] = image_process([str(tmp_path / "a.png"), "-r", "20x20", "-na", "-o",
                            str(tmp_path / "sq.png")]).images
    with Image.open(path) as im:
        assert im.size == (20, 20)
    [path] = image_process([str(tmp_path / "a.png"), "-al", "16", "-o",
                            str(tmp_path / "al.png")]).images
    with Image.open(path) as im:
        assert im.size == (32, 16)
    with pytest.raises(UsageError, match='input ".*nothing\\*.png" matched no files'):
        image_process([str(tmp_path / "nothing*.png")])


def test_pre_resize_processor_runs_before_the_resize(tmp_path):
    a = gradient(tmp_path / "a.png", 40, 30)
    [path] = image_process([a, "-r", "20", "-p", "crop;box=0x0x10x10;pre-resize=true", "-o",
                            str(tmp_path / "c.png")]).images
    with Image.open(path) as im:
        assert im.size == (20, 20)       # cropped to 10x10 first, then resized to width 20
    [path] = image_process([a, "-r", "20", "-p", "crop;box=0x0x10x10", "-o",
                            str(tmp_path / "d.png")]).images
    with Image.open(path) as im:
        assert im.size == (10, 10)


def test_gif_animation_streamed_to_frames_and_animation(tmp_path, capsys, recorded):
    src = gif(tmp_path / "in.gif", 5)
    result = image_process([src, "-p", "invert", "-fs", "1", "-fe", "3", "-ff", "jpg"])
    base = tmp_path / "in_processed_1"
    assert result.animations == [f"{base}.gif"]
    assert result.images == [f"{base}_frame_{i}.jpg" for i in (1, 2, 3)]
    with Image.open(f"{base}.gif") as anim:
        assert anim.n_frames == 3
        assert abs(anim.convert("RGB").getpixel((5, 5))[1] - 10) < 12    # inverted frame 1
    log = capsys.readouterr().out
    assert "image-process: Processing Frame 1/3, Completion ETA: " in log
    assert f'image-process: Wrote Frame "{base}_frame_3.jpg"' in log
    assert ("animation", f"{base}.gif") in recorded and ("image", f"{base}_frame_1.jpg") in recorded


def test_mp4_no_frames_and_no_animation_file(tmp_path):
    src = mp4(tmp_path / "clip.mp4", 6)
    only_anim = image_process([src, "-nf", "-p", "mirror", "-o", str(tmp_path / "o.mp4")])
    assert only_anim.images == [] and only_anim.animations == [str(tmp_path / "o.mp4")]
    with av.open(str(tmp_path / "o.mp4")) as container:
        assert sum(1 for _ in container.decode(video=0)) == 6
    only_frames = image_process([src, "-naf", "-o", str(tmp_path / "f") + "/"])
    assert only_frames.animations == []
    assert names(tmp_path / "f") == [f"clip_processed_1_frame_{i}.png" for i in range(1, 7)]
    with pytest.raises(UsageError, match="not allowed with argument"):
        image_process([src, "-nf", "-naf"])
    with pytest.raises(UsageError, match='cannot write an animation as ".jpg"'):
        image_process([src, "-o", str(tmp_path / "x.jpg")])
    with pytest.raises(UsageError, match="Frame slice start value 9 is out of bounds"):
        image_process([src, "-fs", "9"])


def test_argument_errors(tmp_path):
    a = gradient(tmp_path / "a.png")
    with pytest.raises(UsageError, match='unknown --frame-format "xyz"'):
        image_process([a, "-ff", "xyz"])
    with pytest.raises(UsageError, match="--frame-start \\(3\\) must not be greater"):
        image_process([a, "-fs", "3", "-fe", "1"])
    with pytest.raises(UsageError, match='input ".*missing.png" does not exist'):
        image_process([str(tmp_path / "missing.png")])
    with pytest.raises(UsageError, match="argument -r/--resize: expected WIDTHxHEIGHT"):
        image_process([a, "-r", "big"])
    with pytest.raises(UsageError, match='image processor "canny": argument "lower"'):
        image_process([a, "-p", "canny;lower=x"])
    assert main(["--sub-command", "image-process", a, "-p", "nope"]) == 1


def test_url_input_needs_an_output_and_downloads(tmp_path):
    from tests.httpserver import serve_directory

    served = tmp_path / "www"
    served.mkdir()
    gradient(served / "pic.png")
    with serve_directory(served) as base:
        with pytest.raises(UsageError, match='the URL input ".*pic.png" needs an output'):
            image_process([f"{base}/pic.png"])
        result = image_process([f"{base}/pic.png", "-o", str(tmp_path / "got") + "/"])
    assert result.images == [str(tmp_path / "got" / "pic_processed_1.png")]


def test_directive_sets_last_images_and_animations(tmp_path, capsys):
    a = gradient(tmp_path / "a.png")
    g = gif(tmp_path / "g.gif", 3)
    runner = ConfigRunner()
    runner.run_string(f'\\image_process "{a}" "{g}" -p grayscale -o "{tmp_path}/o/"\n'
                      '\\print {{ last_images | length }} {{ last_animations[0] }}\n')
    out = capsys.readouterr().out
    assert f'\\image_process: Wrote Image "{tmp_path}/o/a_processed_1.png"' in out
    assert f"4 {tmp_path}/o/g_processed_2.gif" in out
    with pytest.raises(Exception, match="argument -p/--processors: expected at least one"):
        runner.run_string(f'\\image_process "{a}" -p\n')


def test_sub_command_help_and_unknown_sub_commands(capsys):
    assert main(["--sub-command", "image-process", "--help"]) == 0
    assert "usage: dgenerate --sub-command image-process" in capsys.readouterr().out
    assert main(["--sub-command-help", "image-process", "to-diffusers"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("image-process:\n") and "to-diffusers:" in out
    assert main(["--sub-command", "nope"]) == 1
    assert 'unknown sub-command "nope"' in capsys.readouterr().err


@pytest.mark.parametrize("ext", ["webp", "apng", "png"])
def test_pillow_animated_inputs_keep_frames_and_rate(tmp_path, ext):
    first, *rest = frames(4)
    src = tmp_path / f"in.{ext}"
    first.save(src, save_all=True, append_images=rest, duration=100, loop=0,
               **({"format": "PNG"} if ext == "apng" else {}))
    result = image_process([str(src), "-nf", "-p", "flip", "-o", str(tmp_path / "o") + "/"])
    [out] = result.animations
    assert out == str(tmp_path / "o" / f"in_processed_1.{ext}") and result.images == []
    with Image.open(out) as anim:
        assert anim.n_frames == 4
        assert abs(anim.info.get("duration", 100) - 100) <= 1
        anim.seek(3)
        assert anim.convert("RGB").getpixel((0, 0))[0] in range(25, 36)


def _peak_rss_kib(video, out):
    import subprocess
    import sys

    code = ("import resource, sys\n"
            "from dgenerate_core.subcommands.image_process import image_process\n"
            "image_process([sys.argv[1], '-nf', '-p', 'mirror', '-o', sys.argv[2]])\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n")
    done = subprocess.run([sys.executable, "-c", code, video, out], capture_output=True,
                          text=True, check=True)
    return int(done.stdout.split()[-1])


def _video(path, n, size=128):
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=24)
        stream.width = stream.height = size
        stream.pix_fmt = "yuv420p"
        for i in range(n):
            frame = av.VideoFrame.from_image(Image.new("RGB", (size, size), (i % 256, 0, 0)))
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return str(path)


def test_videos_are_streamed_with_flat_memory(tmp_path):
    short = _peak_rss_kib(_video(tmp_path / "s.mp4", 40), str(tmp_path / "s_out.mp4"))
    long = _peak_rss_kib(_video(tmp_path / "l.mp4", 400), str(tmp_path / "l_out.mp4"))
    held = 360 * 128 * 128 * 3 // 1024        # KiB the extra frames take if they were kept
    print(f"peak RSS: 40 frames {short} KiB, 400 frames {long} KiB, frames held would add "
          f"{held} KiB")
    with av.open(str(tmp_path / "l_out.mp4")) as container:
        assert sum(1 for _ in container.decode(video=0)) == 400
    assert long - short < held // 4


def test_overwriting_an_animated_input_in_place(tmp_path):
    src = gif(tmp_path / "in.gif", 4)
    result = image_process([src, "-ox", "-nf", "-p", "invert"])
    assert result.animations == [src] and names(tmp_path) == ["in.gif"]
    with Image.open(src) as anim:
        assert anim.n_frames == 4
        assert anim.convert("RGB").getpixel((1, 1))[1] < 20      # frame 1 was (0, 255, 0)
