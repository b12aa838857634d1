"""Every upstream example script passes the static check; the model-free ones also run."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dgenerate_core.script import ConfigRunner
from dgenerate_core.script.checker import static_check

from script_helpers import Recorder

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "upstream-examples"


def corpus_files():
    if not CORPUS.is_dir():
        return []
    return sorted(CORPUS.rglob("*.dgen"))


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_corpus_is_there():
    assert len(corpus_files()) >= 265


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: str(p.relative_to(CORPUS)))
def test_static_check_passes(path):
    diagnostics = static_check(path.read_text(encoding="utf-8"), str(path))
    assert diagnostics == [], "\n".join(f"{path}:{d.lineno}: {d.message}" for d in diagnostics)


@pytest.mark.parametrize("text,line,needle", [
    ("model --inference-steps x\n", 1, "--inference-steps"),
    ("\\print a\nmodel --no-such-option 1\n", 2, "unknown option --no-such-option"),
    ("\\sett x 1\n", 1, 'Unknown directive "\\sett"'),
    ("\\print a\n\nmodel --prompts \"open\n", 3, "un-terminated string"),
    ("{% for x in %}\n{% endfor %}\n", 1, "Template Syntax Error"),
    ("model --file x.dgen\n", 1, "meta argument"),
])
def test_static_check_finds_errors(text, line, needle):
    found = static_check(text, "t.dgen")
    assert found and found[0].lineno == line and needle in found[0].message


def test_static_check_skips_templated_invocations():
    assert static_check("{{ m }} --inference-steps {{ n }}\n\\set n 3\n", "t") == []


def test_static_check_command_line(tmp_path):
    good = tmp_path / "good.dgen"
    good.write_text("model --inference-steps 3\n")
    bad = tmp_path / "bad.dgen"
    bad.write_text("\\print ok\nmodel --inference-steps x\n")
    result = subprocess.run([sys.executable, "-m", "dgenerate_core.script.static_check",
                             str(good), str(bad)], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stdout.strip().startswith(f"{bad}:2: ")
    result = subprocess.run([sys.executable, "-m", "dgenerate_core.script.static_check",
                             str(good)], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout == ""


RUNNABLE = ["tail-comments-config.dgen", "set-directive-config.dgen",
            "sete-directive-config.dgen", "setp-directive-config.dgen",
            "env-directive-config.dgen", "token-escaping-config.dgen"]


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
@pytest.mark.parametrize("name", RUNNABLE)
def test_model_free_examples_run(name, tmp_path, monkeypatch, capsys):
    """Copies of the config_syntax examples run to the end (they \\exit 1 on a failed case)."""
    for entry in (CORPUS / "config_syntax").iterdir():
        shutil.copy(entry, tmp_path / entry.name)
    for extra in ("devscripts", "docker", "docs"):
        (tmp_path / extra).mkdir()
    monkeypatch.chdir(tmp_path)
    runner = ConfigRunner()
    runner.invoker = Recorder()
    runner.run_file(name)
    out = capsys.readouterr().out
    assert "FAILED" not in out
    if name == "tail-comments-config.dgen":
        assert out.count("RESULT CASE") == 7


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_token_escaping_example_output(tmp_path, monkeypatch, capsys):
    shutil.copy(CORPUS / "config_syntax" / "token-escaping-config.dgen", tmp_path / "t.dgen")
    for extra in ("devscripts", "dgenerate", "docker", "docs"):
        (tmp_path / extra).mkdir()
    monkeypatch.chdir(tmp_path)
    ConfigRunner().run_file("t.dgen")
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == ["iam'atext\"token", "https://iamaweirdurl.com/%00%00$",
                         "https://iamaweirdurl.com/%00%00$"]
    assert "te'st=\"strin\\\"gparttest\"" in lines
    assert "devscripts.tar dgenerate.tar docker.tar docs.tar" in lines


def test_static_check_env_values_are_not_judged():
    assert static_check("model --inference-steps $STEPS\n", "t") == []
    found = static_check("model --inference-steps x --output-path $OUT\n", "t")
    assert found == []  # the whole line depends on the environment: judged when it runs


def test_project_examples_pass_the_static_check():
    examples = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.dgen"))
    assert examples, "examples/ should hold at least one .dgen script"
    for path in examples:
        assert static_check(path.read_text(encoding="utf-8"), str(path)) == []
