"""The shell's idle warm-up: announced as ``loading`` then ``warm``, waits for a running command."""

from __future__ import annotations

import io
import json
import sys
import threading

from dgenerate_core import protocol, shell


class _Runner:
    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()

    def run_string(self, text, source):
        self.started.set()
        self.release.wait(10)


def _frames(out: io.StringIO) -> list[dict]:
    return [json.loads(line[1:]) for line in out.getvalue().split("\n") if line.startswith("\x1e")]


def test_warm_up_is_announced_and_waits_for_a_running_command(monkeypatch, tmp_path):
    module = "dgenerate_warm_probe"  # a module of its own: imported only by the warm-up
    (tmp_path / f"{module}.py").write_text("VALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, module, raising=False)
    monkeypatch.setattr(shell, "WARMUP_MODULES", (module,))
    runner = _Runner()
    sh = shell.Shell(runner)
    out = io.StringIO()
    writer = protocol.EventWriter(out)
    done = threading.Event()
    thread = threading.Thread(target=lambda: (sh.execute("x", "<console>"), done.set()))
    thread.start()
    assert runner.started.wait(10) and sh._busy
    warm = shell.WarmUp(sh, writer, 0.0)
    warm.start()
    thread.join(0.3)
    assert module not in sys.modules  # still busy: the warm-up waits
    runner.release.set()
    assert done.wait(10)
    for _ in range(100):
        if any(f["event"] == "warm" for f in _frames(out)):
            break
        threading.Event().wait(0.05)
    frames = _frames(out)
    assert frames[0] == {"event": "loading", "id": None, "what": shell.WARMUP_WHAT,
                         "option": "warm-up"}
    assert frames[1]["event"] == "warm" and frames[1]["modules"] == [module]
    assert module in sys.modules


def test_warm_up_setting(monkeypatch):
    monkeypatch.setenv(shell.WARMUP_ENV, "0")
    assert shell.warmup_delay() is None
    monkeypatch.setenv(shell.WARMUP_ENV, "2.5")
    assert shell.warmup_delay() == 2.5
    monkeypatch.delenv(shell.WARMUP_ENV)
    assert shell.warmup_delay() == 0.5
