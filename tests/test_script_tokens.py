"""Tokenizing: the quoting and escaping table of the manual, globbing, ~ and env expansion."""


import pytest

from dgenerate_core.errors import ScriptError
from dgenerate_core.script.envexpand import expand_env
from dgenerate_core.script.tokens import quote, shell_split, unquote

from script_helpers import run

CASES = [
    ("iam\\'atext\\\"token", ["iam'atext\"token"]),
    ("https://x.com/\\%00\\%00\\$", ["https://x.com/%00%00$"]),
    ("'https://x.com/%00%00$'", ["https://x.com/%00%00$"]),
    ("'\\$DO_NOT_EXPAND_ENV_VAR'", ["$DO_NOT_EXPAND_ENV_VAR"]),
    ('"this backslash is removed \\" from the string"',
     ['this backslash is removed " from the string']),
    ("'this backslash is removed \\\" from the string'", ['this backslash is removed " from the string']),
    ('"I want the backslash \\\\\' to stay."', ["I want the backslash \\' to stay."]),
    ('test="stringpart"', ['test="stringpart"']),
    ("te\\'st=\"strin\\\"gpart\"", ["te'st=\"strin\\\"gpart\""]),
    ("te\\'st=\"strin\\\"gpart$VARIABLE\"", ["te'st=\"strin\\\"gparttest\""]),
    ('test="\\$VARIABLE"', ['test="\\$VARIABLE"']),
    ("test='$VARIABLE'", ["test='$VARIABLE'"]),
    ("test=\"\\% Hello \\' World!\"", ["test=\"\\% Hello \\' World!\""]),
]

GLOB_CASES = [
    ("d*'.tar'", [f"{n}.tar" for n in ("devscripts", "dgenerate", "docker", "docs")]),
    ("d*'.$VARIABLE'", [f"{n}.$VARIABLE" for n in ("devscripts", "dgenerate", "docker", "docs")]),
    ('d*".\\$VARIABLE"', [f"{n}.$VARIABLE" for n in ("devscripts", "dgenerate", "docker", "docs")]),
    ("d*'.\\'hello\\''", [f"{n}.'hello'" for n in ("devscripts", "dgenerate", "docker", "docs")]),
]


@pytest.mark.parametrize("text,expected", CASES)
def test_quoting_table(text, expected, monkeypatch):
    monkeypatch.setenv("VARIABLE", "test")
    assert shell_split(text) == expected


@pytest.mark.parametrize("text,expected", GLOB_CASES)
def test_glob_back_expansion(text, expected, tmp_path, monkeypatch):
    monkeypatch.setenv("VARIABLE", "test")
    for name in ("devscripts", "dgenerate", "docker", "docs", "other"):
        (tmp_path / name).mkdir()
    monkeypatch.chdir(tmp_path)
    assert shell_split(text) == expected


def test_glob_double_quoted_suffix_expands_env(tmp_path, monkeypatch):
    monkeypatch.setenv("VARIABLE", "test")
    (tmp_path / "dx").mkdir()
    monkeypatch.chdir(tmp_path)
    assert shell_split('d*".$VARIABLE"') == ["dx.test"]


def test_echo_table_through_directive(capsys, monkeypatch):
    monkeypatch.setenv("VARIABLE", "test")
    run("\\echo te\\'st=\"strin\\\"gpart$VARIABLE\"\n")
    assert capsys.readouterr().out.strip() == "te'st=\"strin\\\"gparttest\""


def test_glob_zero_matches_is_an_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScriptError, match='glob expression "nothing\\*" returned zero files'):
        shell_split("nothing*")


def test_glob_sorted_posix_and_no_hidden(tmp_path, monkeypatch):
    for name in ("b.png", "a.png", ".h.png"):
        (tmp_path / name).write_text("x")
    monkeypatch.chdir(tmp_path)
    assert shell_split("*.png") == ["a.png", "b.png"]
    assert shell_split("'*.png'") == ["*.png"]
    assert shell_split("\\*.png") == ["*.png"]


def test_home_expansion_only_unquoted(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert shell_split("~/x '~/y'") == [f"{tmp_path.as_posix()}/x", "~/y"]


def test_env_expansion_forms(monkeypatch):
    monkeypatch.setenv("AA", "1")
    monkeypatch.delenv("NOPE", raising=False)
    assert shell_split("$AA ${AA} %AA% x$NOPE") == ["1", "1", "1", "x"]
    assert expand_env("$AA-${AA}-%AA%-\\$AA") == "1-1-1-\\$AA"


def test_env_value_with_spaces_stays_one_token(monkeypatch):
    monkeypatch.setenv("SP", "a b")
    assert shell_split("$SP") == ["a b"]


def test_unterminated_string():
    with pytest.raises(ScriptError, match="un-terminated string"):
        shell_split('a "b c')


def test_intermixed_uri_keeps_quotes():
    assert shell_split('adetailer;prompt="a b; c";x=1') == ['adetailer;prompt="a b; c";x=1']


@pytest.mark.parametrize("value", ["plain", "two words", "it's", 'say "hi"', "a#b", "", "C:\\new",
                                   "$HOME", "x*y", "back\\slash"])
def test_quote_round_trips(value):
    assert shell_split(quote(value), env=True, expand=True) == [value]
    assert unquote(quote(value)) == [value]


def test_quote_iterable_and_options():
    assert quote(["a b", "c"]) == "'a b' c"
    assert quote("a b", double=True) == '"a b"'
    assert quote("it's", quotes=False) == "it\\'s"


def test_unquote_no_env_and_expand(tmp_path, monkeypatch):
    monkeypatch.setenv("AA", "1")
    (tmp_path / "f.txt").write_text("x")
    monkeypatch.chdir(tmp_path)
    assert unquote("$AA 'b c'") == ["$AA", "b c"]
    assert unquote("*.txt") == ["*.txt"]
    assert unquote("*.txt", expand=True) == ["f.txt"]
    assert unquote(["a b", "c"]) == ["a", "b", "c"]
