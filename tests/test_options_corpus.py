"""Real invocations from the upstream example scripts parse, and no rule rejects them.

The invocations are cut out of the .dgen files with a small approximation of the script reader
(dash-line and backslash continuations, comments); those that use templates are skipped.
"""

import shlex
from pathlib import Path

import pytest

from dgenerate_core.errors import DgenerateError
from dgenerate_core.options import RULES, parse_args
from dgenerate_core.options.validate import Context

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "upstream-examples"

_STATUS_RULES = {"rule_not_implemented", "rule_model_type_implemented"}


def _strip_comment(line: str) -> str:
    quote = None
    for i, ch in enumerate(line):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] != "\\"):
            return line[:i]
    return line


def _invocations(text: str) -> list[str]:
    found, current, backslash = [], None, False
    for raw in text.splitlines():
        line = raw.strip()
        if backslash and (not line or line.startswith("#")):
            continue
        if backslash or (current is not None and line.startswith("-")):
            code = _strip_comment(line).rstrip()
            backslash = code.endswith("\\")
            current.append(code[:-1] if backslash else code + " ")
            continue
        if current is not None:
            found.append("".join(current))
            current = None
        if not line or line.startswith(("#", "{%")):
            continue
        code = _strip_comment(line).rstrip()
        backslash = code.endswith("\\")
        current = [code[:-1] if backslash else code + " "]
    if current is not None:
        found.append("".join(current))
    return [f for f in found if not f.startswith("\\") and "{{" not in f and "{%" not in f]


def _corpus():
    if not CORPUS.exists():
        return []
    cases = []
    for path in sorted(CORPUS.rglob("*.dgen")):
        for line in _invocations(path.read_text(encoding="utf-8", errors="replace")):
            try:
                cases.append((path.relative_to(CORPUS).as_posix(), shlex.split(line)))
            except ValueError:
                continue
    return cases


CASES = _corpus()


@pytest.mark.skipif(not CASES, reason="upstream example corpus not available")
def test_corpus_invocations_parse_and_pass_the_rules():
    assert len(CASES) > 100
    failures = []
    for source, argv in CASES:
        try:
            opts = parse_args(argv)
            for rule in RULES:
                if rule.__name__ not in _STATUS_RULES:
                    rule(opts, Context(in_script=True))
        except DgenerateError as ex:
            failures.append(f"{source}: {ex}")
    assert not failures, "\n".join(failures)
