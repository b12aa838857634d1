"""Diffusion accelerators applied around one pipeline call: DeepCache, TeaCache, SADA, RAS and
HiDiffusion, one module each (``with accelerate(...): pipe(**kwargs)``).

Each enables hooks on the denoiser for the call and removes them after it, so the same cached
pipeline runs with or without them. ``base.LAST`` holds the statistics of the last call.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from dgenerate_core.accelerators.base import LAST, Stats
from dgenerate_core.options import resolve_implied
from dgenerate_core.accelerators.deepcache import deep_cache
from dgenerate_core.accelerators.teacache import tea_cache
from dgenerate_core.accelerators.hidiffusion import hi_diffusion
from dgenerate_core.accelerators.ras import params_for as ras_params
from dgenerate_core.accelerators.ras import ras
from dgenerate_core.accelerators.sada import params_for, sada

__all__ = ["LAST", "Stats", "accelerate", "enabled"]
_LOG = logging.getLogger("dgenerate")


def enabled(opts: Any) -> Any:
    """The options with implied accelerator flags resolved (``--deep-cache-intervals 3`` turns
    ``deep_cache`` on)."""
    return resolve_implied(opts)


def accelerate(pipe: Any, step: Any, opts: Any, refiner: bool = False,
               model_type: str = "sd") -> contextlib.AbstractContextManager:
    """The context that runs one call of ``pipe`` with the step's accelerators."""
    flags = enabled(opts)
    stack = _LoggingStack()
    if refiner:
        if flags.sdxl_refiner_deep_cache:
            stack.enter_context(deep_cache(
                pipe, int(step["sdxl_refiner_deep_cache_intervals"] or 5),
                int(_zero(step["sdxl_refiner_deep_cache_branch_ids"], 1)),
                "--sdxl-refiner-deep-cache-branch-ids"))
        return stack
    if flags.deep_cache:
        stack.enter_context(deep_cache(pipe, int(step["deep_cache_intervals"] or 5),
                                       int(_zero(step["deep_cache_branch_ids"], 1))))
    if flags.tea_cache:
        stack.enter_context(tea_cache(pipe, float(_zero(step["tea_cache_rel_l1_thresholds"],
                                                        0.6))))
    if flags.hi_diffusion:
        stack.enter_context(hi_diffusion(pipe, model_type,
                                         raunet=not flags.hi_diffusion_no_raunet,
                                         window_attention=not flags.hi_diffusion_no_win_attn))
    if flags.ras:
        stack.enter_context(ras(pipe, ras_params(step)))
    if flags.sada:
        stack.enter_context(sada(pipe, params_for(step, model_type)))
    return stack


class _LoggingStack(contextlib.ExitStack):
    """An ExitStack that logs (``-v``) the statistics its accelerators yielded."""

    def __exit__(self, *exc: Any) -> bool:
        stats = [s for s in getattr(self, "_stats", [])]
        result = super().__exit__(*exc)
        for item in stats:
            _LOG.debug("%s", item.describe())
        return result

    def enter_context(self, cm: Any) -> Any:
        value = super().enter_context(cm)
        if isinstance(value, Stats):
            self.__dict__.setdefault("_stats", []).append(value)
        return value


def _zero(value: Any, default: Any) -> Any:
    """``value`` unless it is None (0 is a value)."""
    return default if value is None else value
