"""~/.dgenerate/init.dgen: creation with commented defaults, execution at start-up, broken file."""

from __future__ import annotations

import os
from pathlib import Path

from dgenerate_core import initconfig


def test_init_file_created_with_commented_defaults():
    home = Path(os.environ["HOME"])
    path = initconfig.ensure_init_file()
    assert path == home / ".dgenerate" / "init.dgen"
    text = path.read_text()
    for needle in ("DGENERATE_CACHE", "HF_HOME", "HF_TOKEN", "CIVIT_AI_TOKEN",
                   "DGENERATE_TORCH_COMPILE=0", "DGENERATE_OFFLINE_MODE=1",
                   "DGENERATE_WEB_CACHE_EXPIRY_DELTA=days=7"):
        assert needle in text
    active = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    assert active == []


def test_existing_init_file_is_never_overwritten():
    path = initconfig.init_path()
    path.parent.mkdir(parents=True)
    path.write_text("\\print mine\n")
    assert initconfig.ensure_init_file() == path
    assert path.read_text() == "\\print mine\n"


def test_unwritable_home_warns_and_continues(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("")
    monkeypatch.setenv("HOME", str(blocker))
    assert initconfig.ensure_init_file() is None
    assert "WARNING: cannot create init config" in capsys.readouterr().err


def _init(text: str) -> Path:
    path = initconfig.init_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_init_runs_before_set_and_scripts(tmp_path, capsys, monkeypatch):
    from dgenerate_core.cli import main

    monkeypatch.delenv("DGENERATE_INIT_MARK", raising=False)
    _init("\\env DGENERATE_INIT_MARK=from-init\n\\set greeting hello\n")
    script = tmp_path / "s.dgen"
    script.write_text("\\print {{ combined }} $DGENERATE_INIT_MARK\n")
    assert main(["--set", "combined={{ greeting }} world", "--file", str(script)]) == 0
    assert capsys.readouterr().out.strip() == "hello world from-init"


def test_first_run_creates_init_then_runs_script(tmp_path, capsys):
    from dgenerate_core.cli import main

    script = tmp_path / "s.dgen"
    script.write_text("\\print ran\n")
    assert not initconfig.init_path().exists()
    assert main(["--file", str(script)]) == 0
    assert initconfig.init_path().read_text() == initconfig.DEFAULT_INIT
    out = capsys.readouterr()
    assert out.out.strip() == "ran" and out.err == ""


def test_broken_init_warns_and_never_stops_start_up(tmp_path, capsys):
    from dgenerate_core.cli import main

    path = _init("\\print init line\n\\no_such_init_directive\n\\exit 7\n")
    script = tmp_path / "s.dgen"
    script.write_text("\\print still running\n")
    assert main(["--file", str(script)]) == 0
    out = capsys.readouterr()
    assert out.out.splitlines() == ["init line", "still running"]
    assert out.err.startswith(f"WARNING: Error executing init config {path}: {path}:2: ")
    _init("\\exit 7\n")
    assert main(["--file", str(script)]) == 0
    assert "\\exit 7 is ignored in the init config" in capsys.readouterr().err


def test_init_plugins_show_in_directive_listing(tmp_path, capsys):
    from dgenerate_core.cli import main

    plugin = tmp_path / "init_plugin.py"
    plugin.write_text("from dgenerate_core.plugins import directive\n"
                      "@directive('from_init_plugin')\n"
                      "def f(args):\n    return 0\n")
    _init(f"\\import_plugins {plugin.as_posix()}\n")
    assert main(["--directives-help"]) == 0
    assert '"\\from_init_plugin"' in capsys.readouterr().out


def _plain_run_modules(tmp_path, *extra: str) -> list[str]:
    """Modules a plain ``dgenerate MODEL ...`` run imports (refused before any model loads)."""
    import subprocess
    import sys

    model = tmp_path / "model"
    model.mkdir(exist_ok=True)
    code = ("import sys\nfrom dgenerate_core.cli import main\n"
            f"main([{str(model)!r}, '--output-size', '65536', '--device', 'cpu', *{list(extra)!r}])\n"
            "print(' '.join(m for m in ('jinja2', 'asteval', 'torch')"
            " if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(os.environ), timeout=120)
    assert "estimated" in out.stderr, out.stderr
    return out.stdout.split()


def test_plain_command_line_builds_no_script_engine(tmp_path):
    initconfig.ensure_init_file()  # the default init: comments only
    assert _plain_run_modules(tmp_path) == []


def test_plain_command_line_runs_init_with_statements(tmp_path):
    _init("\\set x 1\n")
    assert "jinja2" in _plain_run_modules(tmp_path)
