"""Shared helpers for the script tests: a runner whose invocations are recorded, not rendered."""

from __future__ import annotations

from types import SimpleNamespace

from dgenerate_core.options import parse_args
from dgenerate_core.script import ConfigRunner


class Recorder:
    """Stands in for invoke_dgenerate in grammar tests: parses the argv and records it."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, argv):
        self.calls.append(list(argv))
        return SimpleNamespace(options=parse_args(argv), images=["/out/a.png"], animations=[])


def runner_with_recorder(**kw) -> tuple[ConfigRunner, Recorder]:
    runner = ConfigRunner(**kw)
    recorder = Recorder()
    runner.invoker = recorder
    return runner, recorder


def run(text: str, **kw) -> tuple[ConfigRunner, Recorder]:
    runner, recorder = runner_with_recorder(**kw)
    runner.run_string(text)
    return runner, recorder
