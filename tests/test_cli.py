"""The entry point's fast paths: --version and --help answer without importing torch or diffusers."""

import json
import subprocess
import sys

import dgenerate_core
from dgenerate_core.cli import main

HEAVY = ("torch", "diffusers", "transformers")


def _modules_after(args: list[str]) -> tuple[int, str, list[str]]:
    code = (
        "import sys, json, io, contextlib\n"
        "from dgenerate_core.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    rc = main({args!r})\n"
        "print(json.dumps([rc, out.getvalue(), sorted(sys.modules)]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    rc, text, modules = json.loads(proc.stdout.strip().splitlines()[-1])
    return rc, text, modules


def test_version_prints_and_imports_nothing_heavy():
    rc, text, modules = _modules_after(["--version"])
    assert rc == 0
    assert text.strip() == f"dgenerate v{dgenerate_core.__version__}"
    assert not [m for m in modules if m.split(".")[0] in HEAVY]


def test_help_imports_nothing_heavy():
    rc, text, modules = _modules_after(["--help"])
    assert rc == 0
    assert "--model-type" in text and "--image-seeds" in text
    assert not [m for m in modules if m.split(".")[0] in HEAVY]


def test_version_in_process(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("dgenerate v5.0.0")


def test_python_dash_m_entry_point():
    proc = subprocess.run([sys.executable, "-m", "dgenerate_core", "--version"],
                          capture_output=True, text=True)
    assert proc.returncode == 0
    assert proc.stdout.strip() == "dgenerate v5.0.0"


def test_closed_stdout_is_not_a_traceback():
    """``dgenerate --functions-help | head -1`` ends quietly when the reader goes away."""
    proc = subprocess.Popen([sys.executable, "-m", "dgenerate_core", "--functions-help"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**__import__("os").environ, "PYTHONUNBUFFERED": "1"})
    proc.stdout.close()  # the reader is gone before the child writes anything
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipeError" not in err


def test_plain_command_line_errors_are_one_line_about_the_option(capsys):
    assert main(["x", "--output-size", "65", "--no-stdin"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == "dgenerate: error: -s/--output-size: dimensions must be divisible by 8, got '65'"
    assert main(["x", "--guidance-scale", "5", "--no-stdin"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "did you mean --guidance-scales?" in err
    assert "injected" not in err and "Traceback" not in err


def test_missing_model_path_fails_before_importing_torch(tmp_path):
    """A model path that names nothing is reported at once, without loading the ML stack."""
    rc, text, modules = _modules_after([str(tmp_path / "nope"), "--no-stdin"])
    assert rc == 1
    assert not [m for m in modules if m.split(".")[0] in HEAVY]
