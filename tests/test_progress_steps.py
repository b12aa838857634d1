"""``progress`` counts steps like diffusers' own progress bar, and model loads are announced."""

from __future__ import annotations

import pytest

from dgenerate_core import events, pipelines
from dgenerate_core.invoke import invoke_dgenerate


def _events(args):
    got = []

    def sink(event, fields):
        if event in ("progress", "loading"):
            got.append((event, dict(fields)))

    events.add_sink(sink)
    if "--schedulers" not in args:  # a pipeline another test left cached would announce no load
        pipelines.clear_object_cache()
    try:
        invoke_dgenerate(args)
    finally:
        events.remove_sink(sink)
    return got


@pytest.mark.parametrize("scheduler", [None, "HeunDiscreteScheduler"])
def test_two_steps_count_one_of_two_then_two_of_two(tiny_models, tmp_path, scheduler):
    args = [tiny_models.sd, "--inference-steps", "2", "--output-size", "64", "--seeds", "1",
            "-o", str(tmp_path)] + (["--schedulers", scheduler] if scheduler else [])
    got = _events(args)
    steps = [(f["step"], f["total"]) for e, f in got if e == "progress"]
    assert steps == [(1, 2), (2, 2)]  # Heun runs 3 timesteps: still 1/2, 2/2 as tqdm shows
    loading = [f for e, f in got if e == "loading"]
    if scheduler is not None:  # the second run reuses the cached pipeline: nothing loads
        return
    assert loading and loading[0]["what"] == tiny_models.sd and loading[0]["option"] == "model_path"
    assert got.index(("loading", loading[0])) < [e for e, _ in got].index("progress")
