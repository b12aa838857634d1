"""Script modes end to end: --file (globs, sequence, one runner), stdin scripts, --set/--setp order,
argument injection, Config Error reporting. Scripts use directives only, so torch is never imported."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from dgenerate_core import modes
from dgenerate_core.cli import main


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_file_globs_run_in_sorted_sequence_with_one_runner(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "b_second.dgen", "\\print second sees {{ shared }}\n")
    _write(tmp_path / "a_first.dgen", "\\set shared from-a\n\\print first\n")
    _write(tmp_path / "c_third.dgen", "\\print third\n")
    assert main(["--file", "[ab]_*.dgen", "c_third.dgen"]) == 0
    assert capsys.readouterr().out.splitlines() == ["first", "second sees from-a", "third"]


def test_file_stops_at_first_config_error(tmp_path, capsys):
    f1 = _write(tmp_path / "one.dgen", "\\print ok\n\\set\n\\print not reached\n")
    f2 = _write(tmp_path / "two.dgen", "\\print not run\n")
    assert main(["--file", f1, f2]) == 1
    out = capsys.readouterr()
    assert out.out.splitlines() == ["ok"]
    assert out.err.startswith(f"Config Error: {f1}:2: ")
    assert len(out.err.strip().splitlines()) == 1


def test_exit_directive_sets_the_status(tmp_path):
    f = _write(tmp_path / "exit.dgen", "\\print bye\n\\exit 4\n\\print never\n")
    assert main(["--file", f]) == 4


def test_set_and_setp_apply_in_command_line_order(tmp_path, capsys):
    f = _write(tmp_path / "s.dgen", "\\print {{ full }} | {{ n }} | {{ hashy }}\n")
    argv = ["--set", 'base=a car', "--setp", "n=len(base) * 2", "--file", f,
            "--set", "full={{ base }} in the rain", "hashy=x # not a comment"]
    assert main(argv) == 0
    assert capsys.readouterr().out.strip() == "a car in the rain | 10 | x # not a comment"


def test_set_errors_are_usage_errors(tmp_path, capsys):
    f = _write(tmp_path / "s.dgen", "\\print x\n")
    assert main(["--set", "novalue", "--file", f]) == 1
    assert 'Invalid argument: "novalue". Must use variable=value syntax.' in capsys.readouterr().err
    assert main(["--setp", "x=1 +", "--file", f]) == 1
    err = capsys.readouterr().err
    assert err.startswith("dgenerate: error: --setp x=1 +:") and len(err.strip().splitlines()) == 1


def test_injected_args_are_appended_to_every_invocation(capsys):
    from dgenerate_core.invoke import InvocationResult
    from dgenerate_core.options import parse_args

    script = ("\\print {{ injected_args }}\n"
              "model/one --prompts first\n"
              "{% if '-v' in injected_args %}\\set _ {{ injected_args.remove('-v') }}{% endif %}\n"
              "model/two --prompts second\n"
              "\\print {{ last_model_path }}\n")
    meta = modes.parse_meta(["--frame-start", "0", "-v", "--file", "x.dgen"])
    runner = modes._start(meta)
    seen: list[list[str]] = []

    def record(argv):  # stands in for the renderer: the real option parser, no model loaded
        seen.append(list(argv))
        return InvocationResult(options=parse_args(argv))

    runner.invoker = record
    runner.run_string(script, "inject.dgen")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "['--frame-start', '0', '-v']" and out[-1] == "model/two"
    assert seen == [["model/one", "--prompts", "first", "--frame-start", "0", "-v"],
                    ["model/two", "--prompts", "second", "--frame-start", "0"]]


def _run(argv, **kw):
    return subprocess.run([sys.executable, "-m", "dgenerate_core", *argv], capture_output=True,
                          text=True, timeout=60, **kw)


def test_script_from_a_pipe_and_from_a_redirect(tmp_path):
    script = "\\print piped {{ injected_args }}\n\\print {{ who }}\n"
    proc = _run(["--set", "who=me", "--frame-end", "3"], input=script)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["piped ['--frame-end', '3']", "me"]
    path = _write(tmp_path / "r.dgen", "\\print redirected\n\\zzqqx\n")
    with open(path, encoding="utf-8") as handle:
        proc = _run([], stdin=handle)
    assert proc.returncode == 1
    assert proc.stdout.strip() == "redirected"
    assert proc.stderr.strip() == 'Config Error: <stdin>:2: Unknown directive "\\zzqqx".'


def test_no_stdin_with_help_listing_does_not_read_stdin():
    proc = _run(["--no-stdin", "--directives-help", "print"], input="\\print SHOULD NOT RUN\n")
    assert proc.returncode == 0
    assert "SHOULD NOT RUN" not in proc.stdout and proc.stdout.startswith("print:")


def test_verbose_prints_a_traceback(tmp_path, capsys):
    f = _write(tmp_path / "v.dgen", "\\setp x 1 / 0\n")
    assert main(["--file", f]) == 1
    quiet = capsys.readouterr().err
    assert "Traceback" not in quiet and quiet.startswith("Config Error:")
    assert main(["--file", f, "-v"]) == 1
    assert "Traceback" in capsys.readouterr().err


@pytest.mark.parametrize("option", ["--directives-help", "--functions-help", "--templates-help"])
def test_script_help_listings(option, capsys):
    assert main([option]) == 0
    out = capsys.readouterr().out
    assert out.startswith(("Available config", "Config template variables"))


def test_plugin_modules_add_directives_for_scripts_and_listings(tmp_path, capsys):
    plugin = _write(tmp_path / "hello_plugin.py",
                    "from dgenerate_core.plugins import directive, template_function\n"
                    "@directive('hello_plugin_dir')\n"
                    "def hello(args):\n"
                    "    '''Say hello to each argument.'''\n"
                    "    print('hello', *args)\n"
                    "    return 0\n"
                    "@template_function('plugin_double')\n"
                    "def double(x):\n"
                    "    '''Twice x.'''\n"
                    "    return x * 2\n")
    f = _write(tmp_path / "p.dgen", "\\hello_plugin_dir a b\n\\print {{ plugin_double(21) }}\n")
    assert main(["--plugin-modules", plugin, "--file", f]) == 0
    assert capsys.readouterr().out.splitlines() == ["hello a b", "42"]
    assert main(["--plugin-modules", plugin, "--directives-help", "hello_plugin_dir"]) == 0
    assert "Say hello to each argument." in capsys.readouterr().out
    assert main(["--plugin-modules", str(tmp_path / "missing.py"), "--file", f]) == 1
    assert 'Plugin module "' in capsys.readouterr().err


def test_offline_env_is_offline(monkeypatch):
    monkeypatch.setenv("DGENERATE_OFFLINE_MODE", "1")
    from dgenerate_core import webcache

    assert webcache.offline_from_env()
    assert os.environ["DGENERATE_OFFLINE_MODE"] == "1"


def test_stdin_script_is_utf8_and_a_bom_is_dropped():
    proc = subprocess.run([sys.executable, "-m", "dgenerate_core"], capture_output=True,
                          input="\ufeff\\print café ✓\n".encode("utf-8"), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode("utf-8").strip() == "café ✓"
