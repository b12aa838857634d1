"""Mode selection: meta argument parsing, --file globs, help listings, usage errors."""

from __future__ import annotations

import pytest

from dgenerate_core import modes
from dgenerate_core.cli import main
from dgenerate_core.errors import UsageError


def test_parse_meta_splits_meta_from_injected():
    meta = modes.parse_meta(["--file", "a.dgen", "b.dgen", "--set", "x=1", "y=2", "-v",
                             "--frame-start", "0", "--setp", "z=x+1", "-ofm",
                             "--plugin-modules", "p1.py", "p2"])
    assert meta.files == ["a.dgen", "b.dgen"]
    assert meta.assignments == [("--set", "x=1"), ("--set", "y=2"), ("--setp", "z=x+1")]
    assert meta.injected == ["-v", "--frame-start", "0", "-ofm", "--plugin-modules", "p1.py", "p2"]
    assert meta.verbose and meta.offline
    assert meta.plugin_modules == ["p1.py", "p2"]


def test_parse_meta_equals_spelling_and_listings():
    meta = modes.parse_meta(["--file=x.dgen", "--directives-help", "set", "print",
                             "--functions-help"])
    assert meta.files == ["x.dgen"]
    assert meta.listings == [("--directives-help", ["set", "print"]), ("--functions-help", [])]


def test_parse_meta_shell_and_protocol(monkeypatch):
    monkeypatch.delenv("DGENERATE_PROTOCOL", raising=False)
    assert modes.parse_meta(["--shell"]).shell
    assert not modes.parse_meta(["--shell"]).protocol
    meta = modes.parse_meta(["--shell-protocol"])
    assert meta.shell and meta.protocol and meta.injected == []
    monkeypatch.setenv("DGENERATE_PROTOCOL", "1")
    assert modes.parse_meta(["--shell"]).protocol


@pytest.mark.parametrize("argv", [["--file", "a", "--shell"], ["--shell", "--no-stdin"],
                                  ["--no-stdin", "--file", "x"]])
def test_mode_flags_are_mutually_exclusive(argv):
    with pytest.raises(UsageError, match="not allowed with argument"):
        modes.parse_meta(argv)


@pytest.mark.parametrize("argv, message", [
    (["--file"], "expected at least one file"),
    (["--set"], "expected at least one VARIABLE=VALUE"),
    (["--set", "--setp", "x=1"], "--set: expected"),
    (["--sub-command"], "expected one argument"),
])
def test_meta_usage_errors(argv, message):
    with pytest.raises(UsageError, match=message):
        modes.parse_meta(argv)


def test_split_assignment():
    assert modes.split_assignment("--set", " a = b=c ") == ("a", "b=c")
    with pytest.raises(UsageError, match='Invalid argument: "novalue". Must use variable=value'):
        modes.split_assignment("--set", "novalue")
    with pytest.raises(UsageError, match="Invalid argument"):
        modes.split_assignment("--setp", "=5")


def test_expand_files_globs_sorted_and_errors(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("b.dgen", "a.dgen", "c.txt"):
        (tmp_path / name).write_text("")
    assert modes.expand_files(["*.dgen", "c.txt"]) == ["a.dgen", "b.dgen", "c.txt"]
    with pytest.raises(UsageError, match='"z\\*.dgen" matched no files'):
        modes.expand_files(["z*.dgen"])
    with pytest.raises(UsageError, match='"missing.dgen" does not exist'):
        modes.expand_files(["missing.dgen"])
    with pytest.raises(UsageError, match="is a folder, not a script file"):
        modes.expand_files([str(tmp_path)])


def test_missing_file_is_one_error_line(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["--file", "nope.dgen"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == 'dgenerate: error: --file: "nope.dgen" does not exist'


@pytest.mark.parametrize("option, heading, name", [
    ("--image-processor-help", "Available image processors:", "canny"),
    ("--latents-processor-help", "Available latents processors:", "interposer"),
    ("--prompt-weighter-help", "Available prompt weighters:", "sd-embed"),
    ("--prompt-upscaler-help", "Available prompt upscalers:", "dynamicprompts"),
    ("--quantizer-help", "Available quantizers:", "sdnq"),
    ("--sub-command-help", "Available sub-commands:", "image-process"),
])
def test_reference_listings(capsys, option, heading, name):
    assert main([option, "--no-stdin"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(heading + "\n\n")
    assert f'    "{name}"' in out.splitlines()


def test_every_listing_documents_its_names(capsys):
    """Each ``--*-help NAME`` listing documents the name (none answers "not supported yet")."""
    for option, name in (("--prompt-weighter-help", "compel"), ("--prompt-upscaler-help",
                         "dynamicprompts"), ("--quantizer-help", "sdnq"),
                         ("--image-processor-help", "openpose"),
                         ("--latents-processor-help", "interposer")):
        assert main([option, name]) == 0, option
        out = capsys.readouterr().out
        assert name in out and "not supported yet" not in out, option


def test_has_model_path():
    pytest.importorskip("dgenerate_core.options", reason="option table not built yet")
    from dgenerate_core.options import OPTIONS  # noqa: F401

    assert modes.has_model_path(["some/model", "--prompts", "x"])
    assert modes.has_model_path(["-v", "repo/model", "--inference-steps", "5"])
    assert not modes.has_model_path(["--frame-start", "0", "--frame-end", "10"])
    assert not modes.has_model_path(["--prompts", "a b", "c", "-v"])


def test_listings_import_nothing_heavy():
    import json
    import subprocess
    import sys

    code = (
        "import sys, json, io, contextlib\n"
        "from dgenerate_core.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    codes = [main([o, '--no-stdin']) for o in ('--directives-help', '--functions-help',\n"
        "             '--templates-help', '--image-processor-help', '--sub-command-help')]\n"
        "print(json.dumps([codes, sorted(sys.modules)]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    codes, modules = json.loads(proc.stdout.strip().splitlines()[-1])
    assert codes == [0] * 5
    assert not [m for m in modules if m.split(".")[0] in ("torch", "diffusers", "transformers")]


def test_upscaler_ncnn_is_a_known_image_processor(capsys):
    """The manual lists upscaler-ncnn; its help answers, its use is "not supported yet"."""
    assert main(["--image-processor-help", "--no-stdin"]) == 0
    assert '    "upscaler-ncnn"' in capsys.readouterr().out.splitlines()
    assert main(["--image-processor-help", "upscaler-ncnn", "--no-stdin"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("upscaler-ncnn:\n") and "param: str" in out
