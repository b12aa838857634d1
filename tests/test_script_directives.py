"""Every working directive, run through ConfigRunner.run_string."""

import os
import sys
import textwrap

import pytest

from dgenerate_core.errors import ScriptError, ScriptExit
from dgenerate_core.script import ConfigRunner, registry

from script_helpers import run


def out_of(capsys, text, **kw):
    runner, rec = run(textwrap.dedent(text), **kw)
    return capsys.readouterr().out, runner


def test_all_reference_directives_registered():
    from pathlib import Path

    ref = Path(__file__).resolve().parent.parent.parent / "shared" / "spec" / "reference-help"
    registry.ensure_loaded()
    if (ref / "names-directives.txt").exists():
        names = (ref / "names-directives.txt").read_text().split()
        assert sorted(n for n, d in registry.DIRECTIVES.items() if d.builtin) == sorted(names)
    assert all(d.help for d in registry.DIRECTIVES.values() if d.builtin)
    assert len(registry.DIRECTIVES) >= 45


def test_set_is_a_macro_and_indirect(capsys, monkeypatch):
    monkeypatch.setenv("ENV_NAME", "from_env")
    _, runner = out_of(capsys, r"""
        \set v "incomplete string
        \set holder target
        \set {{ holder }} Hello!
        \set $ENV_NAME Hi!
        \set q '$ENV_NAME'
    """)
    assert runner.variables["v"] == '"incomplete string'
    assert runner.variables["target"] == "Hello!"
    assert runner.variables["from_env"] == "Hi!"
    assert runner.variables["q"] == "'from_env'"


def test_set_errors():
    with pytest.raises(ScriptError, match="reserved"):
        run("\\set last_images x\n")
    with pytest.raises(ScriptError, match="template function"):
        run("\\set quote x\n")
    with pytest.raises(ScriptError, match="identifier"):
        run("\\set 1x x\n")
    with pytest.raises(ScriptError):
        run("\\set onlyname\n")


def test_sete_globs(tmp_path, monkeypatch):
    for n in ("a.txt", "b.txt"):
        (tmp_path / n).write_text("x")
    monkeypatch.chdir(tmp_path)
    runner, _ = run("\\sete files --argument ./*.txt\n")
    assert runner.variables["files"] == ["--argument", "./a.txt", "./b.txt"]


def test_setp_and_unset(capsys):
    out, runner = out_of(capsys, r"""
        \set my_var 10
        \setp x [int(my_var) * 2, "{{ my_var }}", [i for i in range(3)]]
        \setp c cwd()
        \print {{ x }}
        \unset my_var
    """)
    assert runner.variables["x"] == [20, "10", [0, 1, 2]]
    assert runner.variables["c"] == os.getcwd().replace(os.sep, "/")
    assert "my_var" not in runner.variables
    assert out.strip() == "[20, '10', [0, 1, 2]]"
    with pytest.raises(ScriptError, match="not defined"):
        run("\\unset nothing_here\n")
    with pytest.raises(ScriptError, match="reserved"):
        run("\\unset last_images\n")


def test_env_and_unset_env(capsys, monkeypatch):
    monkeypatch.setenv("HOLDER", "DG_B")
    out, _ = out_of(capsys, r"""
        \set v value1
        \env DG_A={{ v }} DG_B=$HOLDER
        \print $DG_A %DG_B%
        \unset_env DG_A $HOLDER
        \print [$DG_A]
        \env
    """)
    lines = out.splitlines()
    assert lines[0] == "value1 DG_B"
    assert lines[1] == "[]"
    assert any(line.startswith('\\env "HOLDER=DG_B"') for line in lines)
    assert "DG_A" not in os.environ and "DG_B" not in os.environ
    with pytest.raises(ScriptError):
        run("\\unset_env\n")
    with pytest.raises(ScriptError, match="expanded to nothing"):
        run("\\env $NOT_SET_ANYWHERE=1\n")


def test_print_and_echo(capsys, tmp_path, monkeypatch):
    (tmp_path / "f.png").write_text("x")
    monkeypatch.chdir(tmp_path)
    out, _ = out_of(capsys, "\\print *.png \"q\"\n\\echo *.png \"q r\"\n\\print\n\\echo\n")
    assert out.splitlines() == ['*.png "q"', "f.png q r", "", ""]


def test_gen_seeds():
    runner, _ = run("\\gen_seeds s 3\n")
    seeds = runner.variables["s"]
    assert len(seeds) == 3 and all(isinstance(x, str) and 0 <= int(x) <= 99999999999999 for x in seeds)
    with pytest.raises(ScriptError):
        run("\\gen_seeds s x\n")


def test_import(capsys):
    out, runner = out_of(capsys, "\\import math\n\\import os.path as p\n\\setp r math.floor(2.5)\n"
                                 "\\print {{ p.basename('/a/b') }}\n")
    assert runner.variables["r"] == 2 and out.strip() == "b"
    with pytest.raises(ScriptError, match="cannot import"):
        run("\\import no_such_module_here\n")


def test_filesystem_directives(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    out, _ = out_of(capsys, r"""
        \mkdir -p a/b
        \mkdir c
        \pushd a
        \pwd
        \popd
        \cd c
        \cd ..
        \exec python -c "open('f.txt', 'w').write('hi')"
        \cp f.txt g.txt
        \mv g.txt c/h.txt
        \ls
        \ls -la c
        \rm f.txt
        \rm -f missing.txt
        \rmdir -p a
    """)
    assert f'Working Directory Changed To: "{(tmp_path / "a").as_posix()}"' in out
    assert (tmp_path / "a").as_posix() in out.splitlines()
    assert (tmp_path / "c" / "h.txt").read_text() == "hi"
    assert not (tmp_path / "f.txt").exists() and not (tmp_path / "a").exists()
    assert "c/" in out.splitlines() and "f.txt" in out.splitlines()
    assert any(line.endswith(" h.txt") and line.startswith("-") for line in out.splitlines())
    with pytest.raises(ScriptError, match="no directory on the stack"):
        run("\\popd\n")
    with pytest.raises(ScriptError):
        run("\\rm nothing.txt\n")


def test_exec_pipes_and_redirects(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    out, _ = out_of(capsys, r"""
        \exec python -c "print('hello')" | python -c "import sys; print(sys.stdin.read().upper())"
        \exec python -c "print('to file')" > out.txt
        \exec python -c "print('more')" >> out.txt
        \exec python -c "import sys; print('err', file=sys.stderr)" 2> err.txt
        \exec cat < out.txt
    """)
    assert "HELLO" in out
    assert (tmp_path / "out.txt").read_text().split() == ["to", "file", "more"]
    assert (tmp_path / "err.txt").read_text().strip() == "err"
    assert out.count("to file") == 1
    with pytest.raises(ScriptError, match="error return code: 3"):
        run("\\exec python -c \"raise SystemExit(3)\"\n")
    with pytest.raises(ScriptError, match='Command "no_such_cmd_x" not found'):
        run("\\exec no_such_cmd_x\n")


def test_exit():
    with pytest.raises(ScriptExit) as info:
        run("\\exit 3\n\\print never\n")
    assert info.value.code == 3
    with pytest.raises(ScriptExit) as info:
        run("\\exit\n")
    assert info.value.code == 0
    with pytest.raises(ScriptError):
        run("\\exit abc\n")


def test_exit_code_of_process(tmp_path):
    import subprocess

    script = tmp_path / "x.py"
    script.write_text("from dgenerate_core.script import ConfigRunner\n"
                      "from dgenerate_core.errors import ScriptExit\n"
                      "try:\n    ConfigRunner().run_string('\\\\exit 7\\n')\n"
                      "except ScriptExit as e:\n    raise SystemExit(e.code)\n")
    assert subprocess.run([sys.executable, str(script)]).returncode == 7


def test_help_directives(capsys):
    out, _ = out_of(capsys, "\\directives_help\n\\directives_help \\set cd\n\\functions_help\n"
                            "\\functions_help quote\n\\templates_help last_images\n")
    assert out.startswith("Available config directives:\n\n")
    assert '    "\\set"' in out and "set:\n\n    Define a template variable" in out
    assert "cd:\n\n    Change the current working directory" in out
    assert "Available config template functions:" in out
    assert "    abs(args, kwargs)" in out and "quote(strings" in out
    assert 'Config template variable is:\n\n    Name: "last_images"\n' in out
    assert "        Value: []" in out
    with pytest.raises(ScriptError, match="No directives named: nope, or nada"):
        run("\\directives_help nope nada\n")
    with pytest.raises(ScriptError, match="No template variables named"):
        run("\\templates_help nope\n")


def test_help_directive_prints_cli_help(capsys):
    out, _ = out_of(capsys, "\\help\n")
    assert "--inference-steps" in out


def test_unknown_directive_suggests(capsys):
    with pytest.raises(ScriptError) as info:
        run("\\sett x 1\n")
    assert 'Unknown directive "\\sett".' in info.value.message
    assert '"\\set"' in info.value.message
    with pytest.raises(ScriptError, match="Unknown directive"):
        run("\\settings x\n")


def test_cache_directives(capsys):
    out, _ = out_of(capsys, "\\list_object_caches\n\\clear_object_cache\n"
                            "\\clear_object_cache vae\n\\clear_device_cache cpu\n")
    assert out.startswith("Object caches:")
    with pytest.raises(ScriptError, match='object cache "bogus" does not exist'):
        run("\\clear_object_cache bogus\n")
    with pytest.raises(ScriptError, match="invalid device"):
        run("\\clear_device_cache gpu7\n")


def test_plugin_directive_and_function(tmp_path, capsys):
    plugin = tmp_path / "myplug.py"
    plugin.write_text(textwrap.dedent('''
        from dgenerate_core.plugins import directive, template_function

        @directive("shout_test", help="Print the arguments in capitals.")
        def shout(args):
            print(" ".join(args).upper())
            return 0

        @template_function("twice_test")
        def twice(x):
            """Twice x."""
            return x * 2
    '''))
    out, runner = out_of(capsys, f"\\import_plugins {plugin.as_posix()}\n\\shout_test a b\n"
                                 "\\print {{ twice_test(2) }} {{ 'ab' | twice_test }}\n"
                                 "\\setp y twice_test(5)\n")
    assert out.splitlines() == ["A B", "4 abab"]
    assert runner.variables["y"] == 10


def test_download_directive_and_function(tmp_path, monkeypatch):
    import http.server
    import threading

    (tmp_path / "srv").mkdir()
    (tmp_path / "srv" / "file.bin").write_bytes(b"\x00\x01data")
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(  # noqa: E731
        *a, directory=str(tmp_path / "srv"), **k)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/file.bin"
        monkeypatch.chdir(tmp_path)
        runner, _ = run(f"\\download p {url}\n\\download q {url} -o out/\n"
                        f"\\setp r download('{url}', output='x.bin')\n")
        assert open(runner.variables["p"], "rb").read() == b"\x00\x01data"
        assert runner.variables["q"].endswith("out/file.bin")
        assert (tmp_path / "x.bin").read_bytes() == b"\x00\x01data"
        with pytest.raises(ScriptError, match="download"):
            run(f"\\download z http://127.0.0.1:{server.server_address[1]}/missing.bin\n")
    finally:
        server.shutdown()


def test_exec_dgenerate_child_reads_redirected_script(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "child.dgen").write_text("\\print Hello from the child\n")
    run("\\exec dgenerate < child.dgen &> log.txt\n"
        "\\exec cat child.dgen | dgenerate > log2.txt\n")
    assert (tmp_path / "log.txt").read_text().strip() == "Hello from the child"
    assert (tmp_path / "log2.txt").read_text().strip() == "Hello from the child"


def test_run_file_and_missing_file(tmp_path, capsys):
    script = tmp_path / "s.dgen"
    script.write_text("\\print from file\n\\bad_one\n")
    runner = ConfigRunner()
    with pytest.raises(ScriptError) as info:
        runner.run_file(str(script))
    assert info.value.source == str(script) and info.value.lineno == 2
    assert str(info.value).startswith(f"{script}:2: ")
    assert capsys.readouterr().out == "from file\n"
    with pytest.raises(ScriptError, match="cannot read config file"):
        runner.run_file(str(tmp_path / "missing.dgen"))


def test_variables_persist_between_runs(capsys):
    runner = ConfigRunner()
    runner.run_string("\\set a 1\n")
    runner.run_string("\\print {{ a }}\n")
    assert capsys.readouterr().out == "1\n"


def test_verbose_directive_error_prints_trace(capsys, tmp_path):
    plugin = tmp_path / "boom.py"
    plugin.write_text("from dgenerate_core.plugins import directive\n"
                      "@directive('boom_test')\ndef boom(args):\n    raise RuntimeError('kaput')\n")
    with pytest.raises(ScriptError, match="boom_test: RuntimeError: kaput"):
        run(f"\\import_plugins {plugin.as_posix()}\n\\boom_test\n", verbose=True)
    assert "\\boom_test error trace:" in capsys.readouterr().err


def test_directive_help_option_does_not_stop_the_script(capsys):
    out, _ = out_of(capsys, "\\download --help\n\\ls -h\n\\print after\n")
    assert "usage: \\download" in out and "usage: \\ls" in out
    assert out.rstrip().endswith("after")
    with pytest.raises(ScriptError, match="unrecognized arguments: --bogus"):
        run("\\ls --bogus\n")


def test_set_accepts_a_tab_between_name_and_value():
    from dgenerate_core.script import ConfigRunner

    runner = ConfigRunner()
    runner.run_string("\\set x\t1\n\\set y   two words")
    assert runner.variables["x"] == "1" and runner.variables["y"] == "two words"
