"""The frozen bundle's command lines (installer/): the console starts the bundle's own engine,
and every bundle executable answers the module-style command line. Plain Python, no bundle."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dgenerate_console import bundle
from dgenerate_console.client import InterpreterClient

ROOT = Path(__file__).resolve().parent.parent


def test_not_frozen_runs_this_python_in_module_style():
    assert bundle.interpreter_command(False, "/usr/bin/python3") == [
        "/usr/bin/python3", "-m", "dgenerate_core"]


@pytest.mark.parametrize("os_name,exe,cli", [("posix", "dgenerate-console", "dgenerate"),
                                              ("nt", "dgenerate-console.exe", "dgenerate.exe")])
def test_frozen_runs_the_cli_beside_the_executable(tmp_path, os_name, exe, cli):
    (tmp_path / exe).write_text("")
    (tmp_path / cli).write_text("")
    assert bundle.interpreter_command(True, str(tmp_path / exe), os_name) == [
        str(tmp_path / cli)]


def test_frozen_without_a_cli_beside_uses_itself_in_module_style(tmp_path, monkeypatch):
    (tmp_path / "dgenerate-console").write_text("")
    elsewhere = tmp_path / "path"
    elsewhere.mkdir()
    (elsewhere / "dgenerate").write_text("")  # a dgenerate on PATH is never used
    monkeypatch.setenv("PATH", str(elsewhere))
    exe = str(tmp_path / "dgenerate-console")
    assert bundle.interpreter_command(True, exe, "posix") == [exe, "-m", "dgenerate_core"]


@pytest.mark.parametrize("argv,default,expected", [
    (["-m", "dgenerate_core", "--shell-protocol"], "console", ("cli", ["--shell-protocol"])),
    (["-mdgenerate_core", "--version"], "console", ("cli", ["--version"])),
    (["-m", "dgenerate_console", "a.dgen"], "cli", ("console", ["a.dgen"])),
    (["a.dgen", "-m", "dgenerate_core"], "console", ("console", ["a.dgen", "-m", "dgenerate_core"])),
    (["-m", "os"], "cli", ("cli", ["-m", "os"])),
    (["-m", "dgenerate_console.desktop", "install"], "console", ("desktop", ["install"])),
    ([], "console", ("console", [])),
    (["--help"], "cli", ("cli", ["--help"])),
])
def test_bundle_argv(argv, default, expected):
    assert bundle.bundle_argv(argv, default) == expected


def test_the_console_child_command_line(monkeypatch, tmp_path):
    client = InterpreterClient(cwd=str(tmp_path), args=["--device", "cpu"], offline=True)
    assert client.command_line() == [sys.executable, "-m", "dgenerate_core", "--shell-protocol",
                                     "-ofm", "--device", "cpu"]
    frozen = tmp_path / "dgenerate-console"
    frozen.write_text("")
    (tmp_path / "dgenerate").write_text("")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(frozen))
    assert client.command_line()[:2] == [str(tmp_path / "dgenerate"), "--shell-protocol"]


@pytest.mark.parametrize("entry", ["entry_cli.py", "entry_console.py"])
def test_entry_scripts_run_the_engine_in_module_style(entry):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, str(ROOT / "installer" / entry), "-m", "dgenerate_core",
                           "--version"], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("dgenerate v"), done.stderr
