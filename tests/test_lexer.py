"""The ``dgenerate`` pygments lexer: registration, the corpus, and context-aware tokens."""

import subprocess
import sys
from pathlib import Path

import pytest
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename, get_lexer_for_mimetype
from pygments.token import Error

from dgenerate_core.script.lexer import ROOT_STATE, DgenerateLexer, lex_line

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "upstream-examples"


def corpus_files():
    return sorted(CORPUS.rglob("*.dgen")) if CORPUS.is_dir() else []


def toks(text):
    """Non-blank (token name, value) pairs of ``text``."""
    return [(str(t)[len("Token."):], v) for _, t, v in DgenerateLexer().get_tokens_unprocessed(text)
            if v.strip()]


def kind(text, value):
    """The token name given to the first token equal to ``value``."""
    for name, v in toks(text):
        if v == value:
            return name
    raise AssertionError(f"{value!r} not a token of {text!r}: {toks(text)}")


def test_registered_with_pygments():
    assert isinstance(get_lexer_by_name("dgenerate"), DgenerateLexer)
    assert isinstance(get_lexer_for_filename("x.dgen"), DgenerateLexer)
    assert isinstance(get_lexer_for_mimetype("text/x-dgenerate"), DgenerateLexer)


def test_pygmentize_command_line(tmp_path, capsys):
    from pygments.cmdline import main

    script = tmp_path / "a.dgen"
    script.write_text('\\set x "y"\n')
    assert main(["pygmentize", "-l", "dgenerate", "-f", "raw", str(script)]) == 0
    out = capsys.readouterr().out
    assert "Token.Keyword\t'\\\\set'" in out
    assert "Token.Name.Variable\t'x'" in out


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_corpus_lexes_without_errors_and_round_trips():
    files = corpus_files()
    assert len(files) >= 265
    lexer = DgenerateLexer()
    for path in files:
        text = path.read_text()
        tokens = list(lexer.get_tokens_unprocessed(text))
        assert "".join(v for _, _, v in tokens) == text, path
        assert not [v for _, t, v in tokens if t in Error], path
        # positions are consistent
        pos = 0
        for start, _, value in tokens:
            assert start == pos
            pos += len(value)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_line_by_line_equals_whole_text():
    text = (CORPUS / "config_syntax" / "tail-comments-config.dgen").read_text()
    whole = [(t, v) for _, t, v in DgenerateLexer().get_tokens_unprocessed(text)]
    state, pieces = ROOT_STATE, []
    for line in text.split("\n"):
        tokens, state = lex_line(line, state)
        pieces.extend(tokens)
    joined = "".join(v for _, v in pieces)
    assert joined == text.replace("\n", "")
    assert [(t, v) for t, v in whole if v.strip()] == [(t, v) for t, v in pieces if v.strip()]


def test_get_tokens_keeps_blank_lines():
    text = "\n\n\\print a\n\n"
    assert "".join(v for _, v in DgenerateLexer().get_tokens(text)) == text


def test_directives_and_statement_starts():
    assert kind("\\print hello", "\\print") == "Keyword"
    assert kind("\\my_plugin_directive a", "\\my_plugin_directive") == "Keyword.Pseudo"
    assert kind("stabilityai/sd-2 --prompts x", "stabilityai/sd-2") == "Name.Class"
    # a directive only starts a statement: mid-line it is an escape
    assert kind("\\print a \\print", "\\p") == "Literal.String.Escape"


def test_set_and_setp_names_and_expression():
    assert kind("\\set my_var some value", "my_var") == "Name.Variable"
    assert kind("\\sete my_list a b", "my_list") == "Name.Variable"
    assert kind("\\setp total len(items) + 1", "total") == "Name.Variable"
    assert kind("\\setp total len(items) + 1", "len") == "Name.Function"
    assert kind("\\setp total len(items) + 1", "items") == "Name.Variable"
    assert kind("\\setp total len(items) + 1", "1") == "Literal.Number.Integer"
    assert kind("\\unset my_var", "my_var") == "Name.Variable"
    assert kind("\\env HF_TOKEN=abc", "HF_TOKEN") == "Name.Variable.Global"


def test_options():
    line = "model --model-type sdxl -o out --not-an-option 3 --vae-tiling"
    assert kind(line, "--model-type") == "Name.Attribute"
    assert kind(line, "-o") == "Name.Attribute"
    assert kind(line, "--vae-tiling") == "Name.Attribute"
    assert kind(line, "--not-an-option") == "Name.Other"
    assert kind(line, "3") == "Literal.Number.Integer"
    assert kind("model --model-type sdxl", "sdxl") == "Text"


def test_numbers_and_sizes():
    line = "m --output-size 512x768 --guidance-scales 7.5 --seeds 42 --image-seeds a-1.png"
    assert kind(line, "512x768") == "Literal.Number"
    assert kind(line, "7.5") == "Literal.Number.Float"
    assert kind(line, "42") == "Literal.Number.Integer"
    assert kind(line, "a-1.png") == "Text"


def test_uri_arguments():
    line = "m --vae AutoencoderKL;model=my/vae;subfolder=\"a b\""
    assert kind(line, "model") == "Name.Tag"
    assert kind(line, "subfolder") == "Name.Tag"
    assert kind(line, ";") == "Punctuation"
    assert kind(line, "=") == "Operator"


def test_strings_comments_and_escapes():
    text = '\\set v "hello # world!" # tail'
    assert ("Literal.String.Double", "hello # world!") in toks(text)
    assert kind(text, "# tail") == "Comment.Single"
    text = "\\set v hello \\# world! # tail"
    assert kind(text, "\\#") == "Literal.String.Escape"
    assert kind(text, "# tail") == "Comment.Single"
    # an unterminated string: an unescaped '#' is a comment, as the reader cuts it
    text = '\\set v "hello \\# world! # I am now a comment'
    assert kind(text, "# I am now a comment") == "Comment.Single"
    assert ("Literal.String.Single", "'it''s'") not in toks("\\print 'it''s'")
    assert kind("\\print 'a $HOME'", "a $HOME") == "Literal.String.Single"
    assert kind('\\print "a \\" b"', '\\"') == "Literal.String.Escape"
    assert kind("url#anchor", "#anchor") == "Comment.Single"


def test_string_continued_over_lines():
    text = ('\\set v "first part \\ # comment\n'
            '      second part \\# kept" # tail\n'
            '\\print next')
    pairs = toks(text)
    assert ("Comment.Single", "# comment") in pairs
    assert ("Literal.String.Double", "      second part ") in pairs
    assert ("Comment.Single", "# tail") in pairs
    assert ("Keyword", "\\print") in pairs


def test_env_vars():
    text = '\\print $HOME ${USER} %TOKEN% "in $QUOTES" \\$NOT'
    assert kind(text, "$HOME") == "Name.Variable.Global"
    assert kind(text, "${USER}") == "Name.Variable.Global"
    assert kind(text, "%TOKEN%") == "Name.Variable.Global"
    assert kind(text, "$QUOTES") == "Name.Variable.Global"
    assert kind(text, "\\$") == "Literal.String.Escape"


def test_jinja():
    text = "\\print {{ quote(last_images) | join(' ') }} {# note #} {% if x %}y{% endif %}"
    assert kind(text, "{{") == "Comment.Preproc"
    assert kind(text, "quote") == "Name.Function"
    assert kind(text, "last_images") == "Name.Variable"
    assert kind(text, "join") == "Name.Function"
    assert kind(text, "' '") == "Literal.String.Single"
    assert kind(text, "{#") == "Comment.Multiline"
    assert kind(text, "if") == "Keyword"
    assert kind(text, "endif") == "Keyword"
    # a Jinja comment over several lines
    pairs = toks("{# a\n   b #}\n\\print x")
    assert ("Comment.Multiline", "   b ") in pairs
    assert ("Keyword", "\\print") in pairs
    # a '#' inside an expression is not a tail comment
    assert kind('\\print {{ "#" }}', '"#"') == "Literal.String.Double"


def test_heredoc_block_lines_are_statements():
    text = ("{% for i in range(3) %}\n"
            "    \\print {{ i }}\n"
            "    model --prompts \"p\"\n"
            "{% endfor %}\n")
    pairs = toks(text)
    assert ("Keyword", "for") in pairs and ("Name.Function", "range") in pairs
    assert ("Keyword", "\\print") in pairs
    assert ("Name.Class", "model") in pairs
    assert ("Name.Attribute", "--prompts") in pairs


def test_continuations():
    text = ("model \\ # why\n"
            "   # a comment inside the continuation\n"
            "\n"
            "   --seeds 1\n"
            "--prompts x\n"
            "\\print done")
    pairs = toks(text)
    assert ("Literal.String.Escape", "\\") in pairs
    assert ("Comment.Single", "# why") in pairs
    assert ("Comment.Single", "# a comment inside the continuation") in pairs
    assert ("Name.Attribute", "--seeds") in pairs
    assert ("Name.Attribute", "--prompts") in pairs
    assert ("Keyword", "\\print") in pairs
    _, state = lex_line("model \\", ROOT_STATE)
    assert state != ROOT_STATE
    _, state = lex_line("model --seeds 1", ROOT_STATE)
    assert state == ROOT_STATE


def test_version_header_and_shebang():
    assert kind("#! dgenerate 5.0.0", "#! dgenerate 5.0.0") == "Comment.Preproc"
    text = "#! /usr/bin/env dgenerate --file"
    assert kind(text, text) == "Comment.Hashbang"
    assert kind("# plain", "# plain") == "Comment.Single"


def test_analyse_text():
    assert DgenerateLexer.analyse_text("#! dgenerate 5.0.0\n") == 1.0
    assert DgenerateLexer.analyse_text("print('x')\n") == 0.0


def test_console_modules_import_no_torch():
    code = ("import sys, dgenerate_core.script.lexer, dgenerate_console.themes, "
            "dgenerate_console.editor, dgenerate_console.editor.find, "
            "dgenerate_console.editor.formatting\n"
            "bad = [m for m in ('torch', 'diffusers', 'transformers') if m in sys.modules]\n"
            "print(bad)\nsys.exit(1 if bad else 0)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_ALPHABET = st.sampled_from(list("ab \t\n#\\\"'{}%$-;=x9.|()") + ["{{", "}}", "{%", "%}", "{#",
                                                                    "#}", "\\set ", "--seeds "])


@settings(max_examples=150, deadline=None)
@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_any_text_round_trips_line_by_line(text):
    tokens = [(t, v) for _, t, v in DgenerateLexer().get_tokens_unprocessed(text)]
    assert "".join(v for _, v in tokens) == text
    assert all("\n" not in v[:-1] for _, v in tokens)  # no token runs over a line end
    state, rebuilt = ROOT_STATE, []
    for line in text.split("\n"):
        line_tokens, state = lex_line(line, state)
        rebuilt.append("".join(v for _, v in line_tokens))
    assert "\n".join(rebuilt) == text


def test_uri_arguments_continued_over_lines():
    text = ("m --post-processors adetailer;\\\n"
            "    # a comment\n"
            "    model=Bingsu/adetailer;\\\n"
            "    guidance-scale=7;\\\n"
            "    strength=0.4\n")
    pairs = toks(text)
    assert ("Name.Tag", "model") in pairs
    assert ("Name.Tag", "guidance-scale") in pairs and ("Literal.Number.Integer", "7") in pairs
    assert ("Name.Tag", "strength") in pairs and ("Literal.Number.Float", "0.4") in pairs
    assert ("Comment.Single", "# a comment") in pairs
