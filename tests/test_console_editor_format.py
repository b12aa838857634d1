"""Pure editor functions: Format Code, the line operations, regex replacement, and themes."""

import re
from pathlib import Path

import pytest

from dgenerate_console.editor.find import compile_pattern, expand_replacement, find_spans
from dgenerate_console.editor.formatting import format_code
from dgenerate_console.editor.lineops import indent_lines, toggle_comment_lines, unindent_lines
from dgenerate_console.themes import DEFAULT_THEME, THEMES, get_theme, theme_names
from dgenerate_core.script import templating
from dgenerate_core.script.reader import read_statements, split_lines
from dgenerate_core.script.checker import static_check

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "upstream-examples"


def statements(text):
    """What the reader makes of a script (template bodies compared line-stripped: they are
    executed as config after rendering, where leading and trailing whitespace is dropped)."""
    out = []
    for st in read_statements(split_lines(text), templating.template_complete):
        if st.kind == "template":
            body = "\n".join(line.strip() for line in st.text.split("\n"))
            out.append(("template", body.rstrip("\n")))  # trailing blank lines render as nothing
        else:
            out.append(("line", st.text))
    return out


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_format_code_keeps_the_meaning_of_the_corpus():
    files = sorted(CORPUS.rglob("*.dgen"))
    assert len(files) >= 265
    changed = 0
    for path in files:
        text = path.read_text()
        formatted = format_code(text)
        changed += formatted != text
        assert statements(formatted) == statements(text), path
        assert static_check(formatted, str(path)) == [], path
        assert format_code(formatted) == formatted, path  # idempotent
        assert formatted.count(" \n") <= text.count(" \n"), path
    assert changed > 0


def test_format_code_layout():
    text = ("{% for i in range(2) %}\n"
            "\\print {{ i }}   \n"
            "  {% if i %}\n"
            "model --prompts \"a, \\\n"
            "b\"\n"
            "--seeds 1 \\\n"
            "2\n"
            "{% else %}\n"
            "\t\\print none\n"
            "   {% endif %}\n"
            "{% endfor %}\n"
            "\n"
            "  # comment\n"
            "{{ max(1,\n"
            "   2) }}\n")
    assert format_code(text) == (
        "{% for i in range(2) %}\n"
        "    \\print {{ i }}\n"
        "    {% if i %}\n"
        "        model --prompts \"a, \\\n"
        "            b\"\n"
        "            --seeds 1 \\\n"
        "                2\n"
        "    {% else %}\n"
        "        \\print none\n"
        "    {% endif %}\n"
        "{% endfor %}\n"
        "\n"
        "# comment\n"
        "{{ max(1,\n"
        "   2) }}\n")
    assert statements(format_code(text)) == statements(text)


def test_line_operations():
    assert indent_lines(["a", "", "  b"]) == ["    a", "", "      b"]
    assert unindent_lines(["      a", "  b", "\tc", "d"]) == ["  a", "b", "c", "d"]
    commented = toggle_comment_lines(["a", "", "  b"])
    assert commented == ["# a", "", "#   b"]
    assert toggle_comment_lines(commented) == ["a", "", "  b"]
    assert toggle_comment_lines(["# a", "b"]) == ["# # a", "# b"]


def test_expand_replacement_groups():
    m = re.search(r"(\w+)=(\d+)?", "key=")
    assert expand_replacement(r"\2|\1|\0", m) == "|key|key="
    m = re.search(r"(a)(b)", "ab")
    assert expand_replacement(r"\{2}\{1}\{0}", m) == "baab"
    assert expand_replacement(r"\2\n\t\\x\q", m) == "b\n\t\\x\\q"
    assert expand_replacement(r"\{1}0", m) == "a0"
    with pytest.raises(IndexError):
        expand_replacement(r"\3", m)


def test_find_spans():
    text = "Model model MODEL"
    spans = list(find_spans(text, compile_pattern("model", regex=False, case=False)))
    assert [(s, e) for s, e, _ in spans] == [(0, 5), (6, 11), (12, 17)]
    spans = list(find_spans(text, compile_pattern("model", regex=False, case=True)))
    assert [(s, e) for s, e, _ in spans] == [(6, 11)]
    spans = list(find_spans("a.b", compile_pattern(".", regex=False, case=True)))
    assert [(s, e) for s, e, _ in spans] == [(1, 2)]
    assert list(find_spans("abc", compile_pattern("x*", regex=True, case=True))) == []
    with pytest.raises(re.error):
        compile_pattern("(", regex=True, case=True)


def test_themes():
    expected = {"none", "ayu-dark", "ayu-light", "dgenerate", "dracula", "github-dark", "mariana",
                "monokai", "nord", "one-dark-pro", "readthedocs", "solarized-dark"}
    assert set(THEMES) == expected
    assert DEFAULT_THEME == "dgenerate"
    assert get_theme("no-such-theme") is THEMES["dgenerate"]
    assert theme_names()[0] == "none" and set(theme_names()) == expected
    theme = THEMES["monokai"]
    assert theme.token_colour("Name.Variable.Global") == theme.tokens["Name.Variable.Global"]
    assert theme.token_colour("Token.Literal.String.Double") == theme.tokens["String"]
    assert theme.token_colour("Comment.Special") == theme.tokens["Comment"]
    assert THEMES["none"].token_colour("Keyword") is None
    assert THEMES["monokai"].dark and not THEMES["readthedocs"].dark
    for t in THEMES.values():
        for colour in (t.background, t.foreground, t.error, t.find_highlight_background):
            assert re.fullmatch(r"#[0-9a-f]{6}", colour), (t.name, colour)


from hypothesis import assume, given, settings  # noqa: E402
from hypothesis import strategies  # noqa: E402

_PIECES = strategies.sampled_from(["model", "--seeds 1", "-p", "\\print x", "\\set v",
                                  "{% if x %}",
                           "{% endif %}", "{% for i in y %}", "{% endfor %}", "{{ a }}", "  ", "\t",
                           " \\", "\\", "# c", "#", '"a', 'b"', "'q'", "\\#", "{#", "#}", "x;k=v"])
_LINES = strategies.lists(strategies.lists(_PIECES, max_size=5).map(" ".join),
                          max_size=8).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(_LINES)
def test_format_code_never_changes_meaning(text):
    try:
        before = statements(text)
    except Exception:
        assume(False)
    formatted = format_code(text)
    assert statements(formatted) == before
    assert format_code(formatted) == formatted
