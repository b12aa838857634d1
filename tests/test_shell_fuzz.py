"""Property tests: random and malformed scripts and frames sent to ONE live ``--shell-protocol`` child.

For every generated command: the ``done`` event carries an integer status, a failure comes with an
``error`` event (message and line), no Python traceback reaches stdout or stderr, and the shell
still answers ``\\print ok-N`` with exactly ``ok-N`` and status 0, without having imported torch
(no generation was triggered: every command stayed in the interpreter).

Generated lines always start with a harmless directive, a comment, a blank or a pure ``{% tag %}``
so that no line can become a model invocation (that would import torch and be slow), and the
directives that exit, run programs, touch the network, import modules or move/delete files are
never put at the start of a line.
"""

from __future__ import annotations

import itertools
import json
import os
import queue
import subprocess
import sys
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from dgenerate_core.script import ConfigRunner, registry

RS = b"\x1e"
TIMEOUT = 60.0

# Only "\n" ends a line of a command: form feeds, NEL, U+2028 or 0x1E inside a line are text
# (they once split commands). Human output containing 0x1E is escaped in protocol mode, so the
# fragments that print it ("'\x1e'") must never break or forge a frame.
LINE_BREAKS = "\n"
IN_LINE_BREAKERS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"

UNSAFE = {"exit", "exec", "download", "import_plugins", "import", "cd", "pushd", "rm", "rmdir",
          "mv", "cp", "mkdir", "civitai_links", "image_process", "prompt_upscale", "to_diffusers",
          "save_modules", "use_modules", "clear_modules", "clear_device_cache", "gen_seeds",
          "auto1111_metadata"}
ConfigRunner()  # make sure every built-in directive is registered
SAFE = sorted(set(registry.DIRECTIVES) - UNSAFE)
UNKNOWN = ["bogus", "", "Print", "print_", "2x", "é", "\\", "set-x", "{{ x }}"]

FRAGMENTS = [
    "{{", "}}", "{%", "%}", "{#", "#}", "{{ x }}", "{{ y|upper }}", "{{ quote('a b') }}",
    "{{ undefined_name.attr }}", "{{ 1/0 }}", "{% if x %}", "{% endif %}", "{% else %}",
    "{% for i in [1, 2] %}", "{% endfor %}", "{% raw %}", "{% endraw %}", "{% set q = 1 %}",
    "{{ env.HOME }}", "{{ last_images }}", "|", "quote(", "unquote(", "len(", "(", ")", "[", "]",
    "'", '"', "`", "\\", "\\\\", "\\#", "#", "$HOME", "${HOME}", "$", "${", "${UNSET_X}", "%PATH%",
    "%", "%X", "~", "*", "?", "-", "--", "--prompts", "-h", "--help", "--x=1", "=", "A=1", "x=",
    " ", "  ", "\t", "\x00", "\x07", "\x1b[31m", "\x7f", "\ud800", "é", "\U0001f600", "a", "x", "y",
    "1", "0", "-1", "2.5", "True", "None", "\\print", "\\exit", "\\exec", "\\set", "\\bogus",
    "\\n", "\\t", "'\\x1e'", "\\u001e", "{{ '\\x1e' }}", "{{ '\\x1e' ~ '{' ~ '\"event\":\"done\"}' }}",
] + list(IN_LINE_BREAKERS)
SEPARATORS = [" ", " ", " ", "\t", "  ", ""]

no_break_text = st.text(alphabet=st.characters(blacklist_characters=LINE_BREAKS,
                                               blacklist_categories=()), max_size=40)
fuzz = st.one_of(no_break_text,
                 st.lists(st.one_of(st.sampled_from(FRAGMENTS), no_break_text),
                          max_size=8).map("".join))


def _braceless(text: str) -> str:
    return text.replace("{", "").replace("}", "")


@st.composite
def directive_line(draw, markup: bool = True) -> str:
    name = draw(st.one_of(st.sampled_from(SAFE), st.sampled_from(UNKNOWN)))
    rest = draw(st.sampled_from(SEPARATORS)) + draw(fuzz)
    line = "\\" + name + rest if markup else _braceless("\\" + name + rest)
    return line + draw(st.sampled_from(["", "", "", " \\", "\\", " \\ # c"]))


# Plain scripts: no line starts with "{", so every statement is a directive or a comment and the
# markup fragments can go anywhere in a line (\print, \set, \setp ... render them).
plain_line = st.one_of(directive_line(), directive_line(), directive_line(), st.just(""),
                       fuzz.map(lambda s: "#" + s))

# Template scripts: whole-line {% tags %} make Jinja blocks whose rendered text is run again.
# The other lines carry no braces, so no markup can hide a line start and turn what follows it
# into a model invocation (which would import torch and try to load a model).
TAG_LINES = ["{% for i in [1, 2] %}", "{% endfor %}", "{% if true %}", "{% if x is defined %}",
             "{% else %}", "{% endif %}", "{% raw %}", "{% endraw %}", "{% for %}", "{% if %}",
             "{%", "{{", "{# comment #}", "{#", "{% set z = 3 %}", "{% macro m() %}",
             "{% endmacro %}", "{% bogus %}", "{% set w %}", "{% endset %}", "{% filter upper %}",
             "{% endfilter %}", "{% for i in [] %}", "{% else %}", "{% endfor"]
tag_content = fuzz.map(lambda s: _braceless(s).replace("%}", ""))
template_line = st.one_of(
    directive_line(markup=False), directive_line(markup=False), st.just(""),
    fuzz.map(lambda s: "#" + _braceless(s)),
    st.sampled_from(TAG_LINES), st.sampled_from(TAG_LINES),
    tag_content.map(lambda s: "{% " + s + " %}"),
    tag_content.map(lambda s: "{# " + s),
)
scripts = st.one_of(st.lists(plain_line, min_size=1, max_size=7),
                    st.lists(template_line, min_size=1, max_size=9)).flatmap(
    lambda lines: st.sampled_from(["\n", "\n", "\r\n"]).map(lambda nl: nl.join(lines)))

FUZZ = settings(max_examples=int(os.environ.get("DG_SHELL_FUZZ_EXAMPLES", "150")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FRAME_FUZZ = settings(FUZZ, max_examples=max(10, FUZZ.max_examples // 3))
TORCH_LOADED = "torch={{ 'torch' in import_module('sys').modules }}"
HEAVY_CHECK = ("\\print heavy={{ ['torch', 'diffusers', 'transformers'] "
               "| select('in', import_module('sys').modules) | list }}")


class FuzzChild:
    """A long-lived ``--shell-protocol`` child; stdout and stderr are drained by threads."""

    def __init__(self, cwd: str, home: str) -> None:
        env = dict(os.environ, HOME=home, USERPROFILE=home, HF_HUB_OFFLINE="1",
                   DGENERATE_CACHE=os.path.join(home, ".cache", "dgenerate"),
                   OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
        env.pop("DGENERATE_PROTOCOL", None)
        self.proc = subprocess.Popen([sys.executable, "-m", "dgenerate_core", "--shell-protocol"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, cwd=cwd, env=env)
        self.items: queue.Queue = queue.Queue()
        self.stderr: list[str] = []
        self.stderr_seen = 0
        self._cond = threading.Condition()
        self.ids = itertools.count()
        threading.Thread(target=self._drain_stdout, daemon=True).start()
        threading.Thread(target=self._drain_stderr, daemon=True).start()

    def _drain_stdout(self) -> None:
        for raw in iter(self.proc.stdout.readline, b""):
            at = raw.find(RS)
            if at < 0:
                self.items.put(("human", raw.decode("utf-8", "replace").rstrip("\n")))
                continue
            if at:
                self.items.put(("human", raw[:at].decode("utf-8", "replace")))
            try:
                self.items.put(("event", json.loads(raw[at + 1:])))
            except ValueError:
                self.items.put(("bad-frame", raw.decode("utf-8", "replace")))
        self.items.put(("eof", None))

    def _drain_stderr(self) -> None:
        for raw in iter(self.proc.stderr.readline, b""):
            with self._cond:
                self.stderr.append(raw.decode("utf-8", "replace"))
                self._cond.notify_all()

    def send_raw(self, data: bytes) -> None:
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, text: str, cid: str) -> None:
        self.send_raw(RS + json.dumps({"id": cid, "text": text}).encode("ascii") + b"\n")

    def until(self, check) -> list[tuple[str, object]]:
        """Items read until ``check(event)`` is true for an event (bad frames fail the test)."""
        got = []
        while True:
            try:
                kind, value = self.items.get(timeout=TIMEOUT)
            except queue.Empty:
                raise AssertionError(f"no answer in {TIMEOUT} s; got {got}") from None
            assert kind != "eof", f"the shell died: {got} stderr={''.join(self.stderr)[-2000:]}"
            assert kind != "bad-frame", f"unparseable frame on stdout: {value!r}"
            got.append((kind, value))
            if kind == "event" and check(value):
                return got

    def run(self, text: str, cid: str) -> tuple[list[dict], list[str]]:
        """Send ``text``; return (events up to its ``ready``, human lines between busy and done)."""
        self.send(text, cid)
        got = self.until(lambda e: e["event"] == "ready")
        events = [v for k, v in got if k == "event"]
        human, inside = [], False
        for kind, value in got:
            if kind == "event":
                inside = value["event"] == "busy" or (inside and value["event"] != "done")
            elif inside:
                human.append(value)
        return events, human

    def new_stderr(self) -> str:
        """Stderr written since the last call, up to a marker error forced through the shell."""
        marker = f"fuzz_marker_{next(self.ids)}"
        self.run(f"\\unset {marker}", "marker")
        deadline = time.monotonic() + TIMEOUT
        with self._cond:
            while not any(marker in l for l in self.stderr[self.stderr_seen:]):
                left = deadline - time.monotonic()
                assert left > 0, "the stderr marker never arrived"
                self._cond.wait(left)
            chunk = "".join(self.stderr[self.stderr_seen:])
            self.stderr_seen = len(self.stderr)
        return chunk

    def assert_alive(self) -> None:
        """``\\print ok-N`` is answered with exactly ``ok-N`` and status 0."""
        n = next(self.ids)
        events, human = self.run(f"\\print ok-{n} {TORCH_LOADED}", f"ok{n}")
        done = [e for e in events if e["event"] == "done"]
        assert [e["event"] for e in events if e["event"] != "cwd"] == ["busy", "done", "ready"], events
        assert done[0]["id"] == f"ok{n}" and done[0]["status"] == 0, events
        assert human == [f"ok-{n} torch=False"], human


@pytest.fixture(scope="module")
def child(tmp_path_factory):
    home = str(tmp_path_factory.mktemp("fuzz_home"))
    cwd = str(tmp_path_factory.mktemp("fuzz_cwd"))
    c = FuzzChild(cwd, home)
    c.until(lambda e: e["event"] == "ready")
    yield c
    if c.proc.poll() is None:
        c.proc.stdin.close()
        try:
            c.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            c.proc.kill()
            c.proc.wait()


def _line_count(text: str) -> int:
    return len(text.replace("\r\n", "\n").split("\n"))


@FUZZ
@given(text=scripts)
def test_random_scripts_get_one_error_line_and_leave_the_shell_alive(child, text):
    cid = f"f{next(child.ids)}"
    events, human = child.run(text, cid)
    names = [e["event"] for e in events]
    assert names[0] == "busy" and names[-1] == "ready", events
    assert "exit" not in names, events
    done = [e for e in events if e["event"] == "done"]
    assert len(done) == 1 and done[0]["id"] == cid, events
    status = done[0]["status"]
    assert isinstance(status, int) and status in (0, 1), events
    errors = [e for e in events if e["event"] == "error"]
    if status == 0:
        assert errors == [], events
    else:
        assert len(errors) == 1 and errors[0]["id"] == cid, events
        error = errors[0]
        assert isinstance(error["message"], str) and error["message"].strip(), error
        assert "\n" not in error["message"], error
        assert "Traceback" not in error["message"], error
        assert error["source"] == "<console>", error
        assert isinstance(error["line"], int) and 1 <= error["line"] <= _line_count(text), error
    assert not any("Traceback" in h for h in human), human
    stderr = child.new_stderr()
    assert "Traceback" not in stderr, stderr
    child.assert_alive()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | no_break_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(no_break_text, inner, max_size=3),
    max_leaves=6)
bad_objects = st.one_of(
    st.fixed_dictionaries({"text": json_values.filter(lambda v: not isinstance(v, str))},
                          optional={"id": json_values}),
    st.fixed_dictionaries({"type": no_break_text.filter(lambda t: t not in ("run", "ping"))},
                          optional={"id": json_values, "text": json_values}),
    st.fixed_dictionaries({"type": st.just("ping")}, optional={"id": json_values}),
    json_values.filter(lambda v: not isinstance(v, dict)),
)
raw_lines = st.one_of(
    st.binary(max_size=60).map(lambda b: b.replace(b"\n", b"")),
    no_break_text.map(lambda s: RS + s.encode("utf-8", "surrogatepass")),
    bad_objects.map(lambda o: RS + json.dumps(o).encode("ascii")),
    bad_objects.map(lambda o: json.dumps(o).encode("ascii")),
)


def _frame_answers(child, raw: bytes) -> tuple[list[dict], list[str], int]:
    """Send ``raw`` then ``\\print ok-N``: the events before ok's ``busy``, all human lines, N."""
    n = next(child.ids)
    child.send_raw(raw + b"\n")
    child.send(f"\\print ok-{n}", f"ok{n}")
    got = child.until(lambda e: e["event"] == "done" and e.get("id") == f"ok{n}")
    got += child.until(lambda e: e["event"] == "ready")
    events = [v for k, v in got if k == "event"]
    start = next(i for i, e in enumerate(events)
                 if e["event"] == "busy" and e["id"] == f"ok{n}")
    done = [e for e in events[start:] if e["event"] == "done"][0]
    assert done["status"] == 0, events
    return events[:start], [v for k, v in got if k == "human"], n


@FRAME_FUZZ
@given(raw=raw_lines)
def test_malformed_frames_get_a_protocol_error_and_leave_the_shell_alive(child, raw):
    answers, human, n = _frame_answers(child, raw)
    assert human == [f"ok-{n}"], human
    names = [e["event"] for e in answers]
    if not (raw + b"\n").decode("utf-8", "replace").strip():
        assert answers == [], answers      # blank lines are ignored
    elif names == ["pong"]:
        assert isinstance(answers[0]["id"], str), answers
    elif names == ["busy", "done", "ready"]:  # random bytes that happen to be a valid frame
        assert raw.startswith(RS), answers
    else:
        assert names == ["error", "ready"], answers
        assert answers[0]["id"] is None and answers[0]["message"].startswith("protocol:"), answers
    assert "Traceback" not in child.new_stderr()


def test_the_child_never_imported_torch(child):
    events, human = child.run(HEAVY_CHECK, "heavy")
    assert [e["event"] for e in events][:2] == ["busy", "done"], events
    assert human == ["heavy=[]"], human
