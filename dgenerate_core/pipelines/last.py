"""The pipeline set of the last diffusion run, for processors that reuse its modules (adetailer).

The render code records each run here; ``pag`` is its PAG-sibling builder and ``weigh`` applies a
prompt weighter URI to a call's keywords (``weigh(pipe, kwargs, uri)``), both handed down so that
processors (a lower floor than render) can use them without importing render."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


@dataclass
class LastRun:
    pset: Any                      # pipelines.pipelineset.PipelineSet
    pipe: Any                      # the pipeline called
    mode: str                      # txt2img / img2img / inpaint
    pag: Callable[..., Any] | None = None
    weigh: Callable[[Any, dict, str], None] | None = None


_last: LastRun | None = None


def remember(pset: Any, pipe: Any, mode: str, pag: Callable[..., Any] | None = None,
             weigh: Callable[[Any, dict, str], None] | None = None) -> None:
    global _last
    _last = LastRun(pset, pipe, mode, pag, weigh)


def last() -> LastRun | None:
    return _last


def forget() -> None:
    global _last
    _last = None
