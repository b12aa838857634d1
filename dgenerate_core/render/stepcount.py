"""``progress`` events that count steps exactly as diffusers' own progress bar (tqdm) does.

A pipeline's ``callback_on_step_end`` runs once per timestep: with a second-order scheduler
(Heun, KDPM2) or warm-up timesteps that is more often than the steps the user asked for, and it
runs before tqdm counts the step. So the count comes from the pipeline's progress bar itself:
for the length of one call, ``pipe.progress_bar`` hands out a wrapper around diffusers' tqdm
that announces every ``update`` (2 inference steps: 1/2 then 2/2, like the terminal shows).
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

from dgenerate_core import events

COUNTING = "_dgenerate_counting_steps"


class _ReportingBar:
    """Stands in for a tqdm bar: everything is passed through, each step is announced."""

    def __init__(self, bar: Any, total: Any, pipe: Any) -> None:
        self._bar = bar
        self._total = total
        self._pipe = pipe
        self._count = 0

    def _steps(self) -> int | None:
        """The bar's total; when the scheduler runs fewer steps than that (``--denoising-start``
        skips some), the steps it runs (timesteps / scheduler order, rounded up)."""
        total = self._total if self._total is not None else getattr(self._bar, "total", None)
        if not total:
            return None
        timesteps = getattr(self._pipe, "_num_timesteps", None)
        order = int(getattr(getattr(self._pipe, "scheduler", None), "order", 1) or 1)
        if isinstance(timesteps, int) and timesteps > 0:
            return max(1, min(int(total), -(-timesteps // order)))
        return int(total)

    def _announce(self, steps: int) -> None:
        self._count += steps
        total = self._steps()
        if total:
            events.emit("progress", step=min(self._count, total), total=total)

    def update(self, n: int = 1) -> Any:
        result = self._bar.update(n)
        self._announce(int(n))
        return result

    def __iter__(self) -> Iterator[Any]:
        for item in self._bar:
            yield item
            self._announce(1)

    def __enter__(self) -> "_ReportingBar":
        self._bar.__enter__()
        return self

    def __exit__(self, *exc: Any) -> Any:
        return self._bar.__exit__(*exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._bar, name)


@contextlib.contextmanager
def counting_steps(pipe: Any) -> Iterator[None]:
    """Announce ``progress`` from ``pipe``'s progress bars for the duration of the block."""
    original = getattr(pipe, "progress_bar", None)
    if original is None or "progress_bar" in getattr(pipe, "__dict__", {}):
        yield
        return

    def progress_bar(iterable: Any = None, total: Any = None) -> Any:
        bar = original(iterable=iterable, total=total)
        if total is None and iterable is not None and hasattr(iterable, "__len__"):
            total = len(iterable)
        return _ReportingBar(bar, total, pipe)

    object.__setattr__(pipe, "progress_bar", progress_bar)
    object.__setattr__(pipe, COUNTING, True)
    try:
        yield
    finally:
        pipe.__dict__.pop("progress_bar", None)
        pipe.__dict__.pop(COUNTING, None)
