"""Splitting the generation steps of one invocation over the ranks.

The steps are dealt in rounds: round r gives step ``r * size + k`` to rank k. Each rank renders
its step of the round, then the ranks meet once: rank 0 prints the other ranks' step logs after
its own (so the log reads in step order, as one process prints it), the files of the round are
collected in step order, and an error on any rank ends the invocation on every rank. Output
names need no coordination: within one invocation every step's name is distinct (it holds the
step number), and an invocation starts only after every rank finished the previous one, so
``_duplicate_N`` sees the same files a single process would.
"""

from __future__ import annotations

import contextlib
import io
import sys
import traceback
from typing import Any, Callable

from dgenerate_core import events
from dgenerate_core.distributed.group import Group, check_errors
from dgenerate_core.errors import DgenerateError


def rounds(steps: list[Any], size: int) -> list[list[Any]]:
    """The steps in rounds of ``size`` (the last may be shorter)."""
    return [steps[start:start + size] for start in range(0, len(steps), size)]


def _render_mine(job: Any, render: Callable[[Any], Any], mine: list[Any],
                 capture: bool) -> tuple[str, list[str], list[str], str | None]:
    """Render this rank's steps of a round; returns (log text, images, animations, error)."""
    job.steps, job.images, job.animations = mine, [], []
    log = io.StringIO()
    error = None
    redirect = contextlib.redirect_stdout(log) if capture else contextlib.nullcontext()
    try:
        with redirect:
            render(job)
    except DgenerateError as ex:
        error = str(ex)
    except Exception as ex:  # noqa: BLE001 - reported on every rank as one line
        if getattr(job, "verbose", False):
            traceback.print_exc()
        error = f"{type(ex).__name__}: {ex}"
    return log.getvalue(), list(job.images), list(job.animations), error


def _fold_in(others: list[tuple]) -> None:
    """Rank 0 prints the other ranks' step logs and announces their files (``--shell``)."""
    for text, rank_images, rank_animations, _ in others:
        sys.stdout.write(text)
        for path in rank_images:
            events.emit("image", path=path)
        for path in rank_animations:
            events.emit("animation", path=path)
    sys.stdout.flush()


def render_split(job: Any, render: Callable[[Any], Any], group: Group) -> None:
    """Render this rank's share of ``job.steps``; afterwards ``job.images`` and
    ``job.animations`` hold the files of every rank, in step order."""
    images: list[str] = []
    animations: list[str] = []
    for chunk in rounds(list(job.steps), group.size):
        mine = chunk[group.rank:group.rank + 1]
        outcome = _render_mine(job, render, mine, capture=not group.main)
        gathered = group.all_gather(outcome)
        if group.main:
            _fold_in(gathered[1:])
        check_errors([error for *_, error in gathered])
        for _, rank_images, rank_animations, _ in gathered:
            images.extend(rank_images)
            animations.extend(rank_animations)
    job.images, job.animations = images, animations
