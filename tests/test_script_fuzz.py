"""Property tests: random and malformed scripts never let anything but ScriptError escape."""

import os

from hypothesis import HealthCheck, given, settings, strategies as st

from dgenerate_core.errors import ScriptError
from dgenerate_core.script import ConfigRunner, templating
from dgenerate_core.script.checker import static_check
from dgenerate_core.script.reader import read_statements
from dgenerate_core.script.tokens import quote, shell_split

from script_helpers import Recorder

PIECES = ["\\set x ", "\\setp y ", "\\print ", "\\echo ", "\\sete z ", "\\unset x", "{{ x }}",
          "{% if x %}", "{% endif %}", "{% for i in [1, 2] %}", "{% endfor %}", "{{", "}}",
          "{%", "%}", "{#", "#}", "#", "\\#", "\\", "-", "--prompts", "\"", "'", "$HOME",
          "%PATH%", "${", "\n", "\n\n", " ", "a", "1", "[", "]", "(", ")", "quote(", "*",
          "\\env A=1", "\\gen_seeds s 2", "model --inference-steps 3", "\\reset_lineno",
          "#! dgenerate 9.0.0", "\\bogus", "--file", "\\setp w 1/0", "\\unset_env A"]

scripts = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(PIECES), max_size=40).map("".join),
)

FUZZ = settings(max_examples=int(os.environ.get("DG_FUZZ_EXAMPLES", "300")), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(scripts)
def test_reader_raises_only_script_errors(text):
    try:
        for _ in read_statements(text.splitlines(), templating.template_complete):
            pass
    except ScriptError:
        pass


@FUZZ
@given(scripts)
def test_runner_raises_only_script_errors(text):
    runner = ConfigRunner()
    runner.invoker = Recorder()
    runner.warn = lambda message: None
    cwd = os.getcwd()
    try:
        runner.run_string(text)
    except ScriptError as ex:
        assert ex.lineno is None or ex.lineno >= 1
    finally:
        os.chdir(cwd)
        os.environ.pop("A", None)


@FUZZ
@given(scripts)
def test_static_check_never_raises(text):
    for diag in static_check(text, "fuzz"):
        assert isinstance(diag.message, str) and diag.message


@FUZZ
@given(st.text(max_size=80))
def test_tokenizer_raises_only_script_errors(text):
    try:
        shell_split(text, expand=False)
    except ScriptError:
        pass


@FUZZ
@given(st.text(max_size=40))
def test_quote_round_trip(value):
    assert shell_split(quote(value), env=True, expand=True) == [value]
