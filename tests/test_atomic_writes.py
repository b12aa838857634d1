"""Nothing half-written, nothing lost: real writer processes killed with SIGKILL at random moments,
two processes writing the same names into one folder, and the no-clobber publish itself."""

from __future__ import annotations

import os
import random
import signal
import sys
import time

import pytest
from PIL import Image

from dgenerate_core.media import atomic
from dgenerate_core.options import parse_args
from dgenerate_core.render.output import OutputSettings, write_animations, write_step_images
from dgenerate_core.render.plan import build_plan

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork() for real writers")


def _step():
    opts = parse_args(["some/model", "--prompts", "a cat", "-oc", "-om"])
    return opts, build_plan(opts, [7])[0]


def _image(seed: int, size: int = 96) -> Image.Image:
    noise = Image.effect_noise((size, size), 80 + seed % 40).convert("RGB")
    return Image.merge("RGB", (noise.split()[0], Image.new("L", (size, size), seed % 256),
                               noise.split()[2]))


def _writer_loop(folder: str, seed: int, count: int | None, ready: int | None = None) -> None:
    """Runs in a forked child: write images + configs, and now and then an animation."""
    opts, step = _step()
    if ready is not None:
        os.write(ready, b".")
    still = OutputSettings(folder, configs=True, metadata=True)
    anim = OutputSettings(folder, configs=True, animation_format="gif")
    number = 0
    while count is None or number < count:
        if count is None and (seed + number) % 3 == 0:
            write_animations([[_image(n)] for n in range(3)], step, opts, anim, 8.0)
        write_step_images([_image(seed * 1000 + number)], step, opts, still)
        number += 1


def _fork(target, *args) -> int:
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        code = 0
        try:
            target(*args)
        except BaseException:  # noqa: BLE001
            code = 1
        os._exit(code)
    return pid


def _check_every_final_file_opens(folder: str) -> int:
    checked = 0
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if atomic.is_temp_name(name):
            continue
        if name.endswith(".dgen"):
            text = open(path, encoding="utf-8").read()
            assert text.startswith("#! dgenerate") and text.endswith("\n"), name
        else:
            with Image.open(path) as img:
                for frame in range(getattr(img, "n_frames", 1)):
                    img.seek(frame)
                    img.load()
            if name.endswith(".png"):
                from dgenerate_core.media.images import read_config_metadata

                assert read_config_metadata(path).startswith("#! dgenerate"), name
        checked += 1
    return checked


def test_kill_9_leaves_no_truncated_file(tmp_path):
    rng = random.Random(11)
    folder = str(tmp_path / "out")
    opts, step = _step()  # warm the encoders once, so every forked writer starts writing at once
    write_animations([[_image(0)]], step, opts,
                     OutputSettings(str(tmp_path / "warm"), animation_format="gif"), 8.0)
    for _ in range(50):
        read, write = os.pipe()
        pid = _fork(_writer_loop, folder, rng.randrange(1000), None, write)
        os.read(read, 1)  # the writer runs: kill it at a random moment of its work
        os.close(read), os.close(write)
        time.sleep(rng.uniform(0.0, 0.12))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    assert _check_every_final_file_opens(folder) > 0
    names = os.listdir(folder)
    assert any(n.endswith(".gif") for n in names) and any(n.endswith(".png") for n in names)


def test_two_processes_lose_nothing(tmp_path):
    folder, count = str(tmp_path), 12
    pids = [_fork(_writer_loop, folder, seed, count) for seed in (1, 2)]
    for pid in pids:
        assert os.waitpid(pid, 0)[1] == 0
    pngs = sorted(n for n in os.listdir(folder) if n.endswith(".png"))
    assert len(pngs) == 2 * count, pngs
    assert all(os.path.exists(os.path.join(folder, n[:-4] + ".dgen")) for n in pngs)
    marks = set()
    for name in pngs:
        with Image.open(os.path.join(folder, name)) as img:
            marks.add(img.getpixel((0, 0))[1])
    assert marks == {(seed * 1000 + n) % 256 for seed in (1, 2) for n in range(count)}
    assert not [n for n in os.listdir(folder) if atomic.is_temp_name(n)]


def test_publish_never_replaces_without_overwrite(tmp_path):
    final = tmp_path / "x.png"
    final.write_bytes(b"old")
    temp = atomic.temp_path(str(tmp_path), "x.png")
    open(temp, "wb").write(b"new")
    with pytest.raises(FileExistsError):
        atomic.publish(temp, str(final))
    assert final.read_bytes() == b"old" and os.path.exists(temp)
    atomic.publish(temp, str(final), overwrite=True)
    assert final.read_bytes() == b"new" and not os.path.exists(temp)


def test_pending_keeps_image_and_config_together(tmp_path):
    (tmp_path / "s.dgen").write_text("someone else's")
    pending = atomic.Pending.create(str(tmp_path), "s", ["png", ".dgen"])
    for temp in pending.temps:
        open(temp, "w").write("x")
    assert pending.publish("s") == str(tmp_path / "s_duplicate_1.png")
    assert (tmp_path / "s_duplicate_1.dgen").read_text() == "x"
    assert not (tmp_path / "s.png").exists() and (tmp_path / "s.dgen").read_text() != "x"


def test_write_failure_leaves_nothing(tmp_path):
    def broken(path):
        open(path, "wb").write(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        atomic.write_new(str(tmp_path), "a", "png", broken)
    assert os.listdir(tmp_path) == []


if sys.platform == "win32":  # pragma: no cover
    pytestmark = pytest.mark.skip(reason="POSIX signals")
