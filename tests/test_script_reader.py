"""The reader: comments, tail comments, continuations, template heredocs, line numbers."""

import pytest

from dgenerate_core.errors import ScriptError
from dgenerate_core.script import templating
from dgenerate_core.script.reader import check_version_line, read_statements, strip_tail_comment

from script_helpers import run


def statements(text):
    return [(s.text, s.lineno, s.kind)
            for s in read_statements(text.splitlines(), templating.template_complete)]


TAIL_CASES = [
    ('\\set v "hello # world!" # tail', '"hello # world!"'),
    ('\\set v "hello # world!" "I have \\# an escaped comment token # tail',
     '"hello # world!" "I have # an escaped comment token'),
    ("\\set v hello \\# world! # tail", "hello # world!"),
    ("\\set v hello \\# world!    \\# literal behind me # a comment",
     "hello # world!    # literal behind me"),
    ('\\set v "hello \\# world! # I am now a comment', '"hello # world!'),
]


@pytest.mark.parametrize("line,value", TAIL_CASES)
def test_tail_comment_cases(line, value):
    runner, _ = run(line + "\n")
    assert runner.variables["v"] == value


def test_tail_comment_in_string_continuation():
    text = ('\\set v "I want a literal hashtag here \\# \\ # and a comment!\n'
            '        but not my comment in my continuation!" # more comments\n')
    runner, _ = run(text)
    assert runner.variables["v"] == ('"I want a literal hashtag here # but not my comment in '
                                     'my continuation!"')


def test_strip_tail_comment_keeps_complete_strings():
    assert strip_tail_comment("a 'b # c' # d").rstrip() == "a 'b # c'"
    assert strip_tail_comment("# only a comment") == ""
    assert strip_tail_comment("a \\\\# c") == "a \\\\"


def test_backslash_continuation_joins_without_space():
    text = '\\set p "my very very \\\nvery long prompt"\n'
    runner, _ = run(text)
    assert runner.variables["p"] == '"my very very very long prompt"'


def test_dash_lines_continue_with_space_and_comments_allowed_after_backslash():
    text = ("model\n"
            "--inference-steps 30 \\ # comment\n"
            "# a whole comment line\n"
            "\n"
            "--guidance-scales 10\n"
            "-ops out\n"
            "\\print next\n")
    got = statements(text)
    assert got[0][0].split() == "model --inference-steps 30 --guidance-scales 10 -ops out".split()
    assert got[0][1] == 1
    assert got[1] == ("\\print next", 7, "line")


def test_post_processor_uri_continuation_keeps_space_before_backslash():
    text = ("model --post-processors \\\n"
            "# comment\n"
            "adetailer;\\\n"
            "model=a;\\\n"
            "strength=0.7 \\\n"
            "adetailer;\\\n"
            "strength=0.5\n")
    assert statements(text)[0][0] == ("model --post-processors adetailer;model=a;strength=0.7 "
                                      "adetailer;strength=0.5")


def test_blank_line_ends_statement():
    got = statements("a\n\nb\n")
    assert [g[0] for g in got] == ["a", "b"]
    assert [g[1] for g in got] == [1, 3]


def test_template_heredoc_is_one_statement_with_raw_lines():
    text = "{% for i in [1, 2] %}\n  \\print {{ i }} # c\n{% endfor %}\n\\print after\n"
    got = statements(text)
    assert got[0][2] == "template" and got[0][1] == 1
    assert "# c" in got[0][0]
    assert got[1] == ("\\print after", 4, "line")


def test_template_heredoc_runs_rendered_lines(capsys):
    run("{% for i in [1, 2] %}\n\\print item {{ i }}\n{% endfor %}\n")
    assert capsys.readouterr().out.splitlines() == ["item 1", "item 2"]


def test_expression_line_followed_by_dash_lines_is_an_invocation():
    runner, rec = run("\\set model m\n{{ model }}\n--inference-steps 5\n")
    assert rec.calls == [["m", "--inference-steps", "5"]]


def test_lone_expression_line_is_run_as_config(capsys):
    run("\\set cmd \\print hi\n{{ cmd }}\n")
    assert capsys.readouterr().out.strip() == "hi"


def test_setting_variable_inside_loop_does_not_change_same_render(capsys):
    run("\\set x a\n{% for i in [1, 2] %}\n\\set x b\n\\print {{ x }}\n{% endfor %}\n")
    assert capsys.readouterr().out.split() == ["a", "a"]


def test_reset_lineno_restarts_count():
    with pytest.raises(ScriptError) as info:
        run("\\print a\n\\print b\n\\reset_lineno\n\\print c\n\\nope\n")
    assert info.value.lineno == 2


def test_error_line_is_first_line_of_statement():
    with pytest.raises(ScriptError) as info:
        run("\\print ok\n\n\\set \\\n  x {{ 1 +\n}}\n")
    assert info.value.lineno == 3


def test_template_syntax_error_line():
    with pytest.raises(ScriptError) as info:
        run("\\print a\n{% for x in %}\n{% endfor %}\n")
    assert info.value.lineno == 2
    assert "Template Syntax Error" in info.value.message


def test_error_inside_template_reports_template_start():
    with pytest.raises(ScriptError) as info:
        run("\\print a\n{% if true %}\n\\bogus\n{% endif %}\n")
    assert info.value.lineno == 2
    assert 'Unknown directive "\\bogus"' in info.value.message


def test_unclosed_template_at_eof_is_an_error():
    with pytest.raises(ScriptError) as info:
        run("\\print a\n{% for i in [1] %}\n\\print x\n")
    assert info.value.lineno == 2


def test_version_header_warning():
    assert check_version_line("#! dgenerate 5.0.0", "5.0.0") is None
    assert check_version_line("#! dgenerate 5.9.0", "5.0.0") is not None
    assert "major" in check_version_line("#! dgenerate 4.0.0", "5.0.0")
    assert check_version_line("#! /usr/bin/env dgenerate --file", "5.0.0") is None


def test_version_header_warning_names_line(capsys):
    run("\\print a\n#! dgenerate 6.0.0\n")
    assert ":2:" in capsys.readouterr().err


def test_render_error_inside_heredoc_points_at_its_line():
    text = "\\print a\n{% for i in [1] %}\n\\print ok\n\\print {{ 1 / 0 }}\n{% endfor %}\n"
    with pytest.raises(ScriptError) as info:
        run(text)
    assert info.value.lineno == 4 and "ZeroDivisionError" in info.value.message
    with pytest.raises(ScriptError) as info:
        run(text.replace("1 / 0", "x +"))
    assert info.value.lineno == 4 and "Template Syntax Error" in info.value.message


def test_split_lines_breaks_only_at_newlines():
    from dgenerate_core.script.reader import split_lines

    assert split_lines("a\x0cb\x85c\u2028d\x1ee\r\nf\n") == ["a\x0cb\x85c\u2028d\x1ee", "f"]
    assert split_lines("") == [] and split_lines("\n") == [""]
