"""DeepCache (https://github.com/horseee/DeepCache) for UNet2DConditionModel, on diffusers hooks.

Every ``interval``-th UNet call of a pipeline call runs the whole network; the calls between
reuse the deep part: the down blocks after ``branch_id``, the mid block and the up blocks that
mirror them return what they returned at the last full call, so only the shallow blocks at the
branch (and their skip connections) are computed. The deep modules' outputs reach nothing but
each other and the first computed up block, so serving all of them from the cache is exactly
DeepCache's "reuse the high-level feature" without rewriting the UNet's forward.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

from dgenerate_core.accelerators.base import Stats, hooked, record
from dgenerate_core.errors import UsageError


class _State:
    def __init__(self, interval: int, stats: Stats) -> None:
        self.interval = interval
        self.stats = stats
        self.partial = False
        self.cache: dict[int, Any] = {}


def _hooks(state: _State) -> tuple[type, type]:
    from diffusers.hooks import ModelHook

    class UNetStep(ModelHook):
        def pre_forward(self, module, *args, **kwargs):
            index = state.stats.calls
            state.partial = index % state.interval != 0 and bool(state.cache)
            state.stats.calls += 1
            if state.partial:
                state.stats.cached += 1
            else:
                state.stats.computed += 1
            return args, kwargs

    class Deep(ModelHook):
        def __init__(self, key: int) -> None:
            super().__init__()
            self.key = key

        def new_forward(self, module, *args, **kwargs):
            if state.partial and self.key in state.cache:
                state.stats.extra["deep_blocks_skipped"] = \
                    state.stats.extra.get("deep_blocks_skipped", 0) + 1
                return state.cache[self.key]
            output = self.fn_ref.original_forward(*args, **kwargs)
            state.cache[self.key] = output
            return output

    return UNetStep, Deep


def deep_modules(unet: Any, branch_id: int, option: str) -> list[Any]:
    """The modules DeepCache serves from its cache for ``branch_id``."""
    levels = len(unet.down_blocks)
    if branch_id >= levels:
        raise UsageError(f"{option} {branch_id}: this UNet has {levels} blocks, branch ids "
                         f"0 to {levels - 1}")
    return [*unet.down_blocks[branch_id + 1:], unet.mid_block,
            *unet.up_blocks[:levels - 1 - branch_id]]


@contextlib.contextmanager
def deep_cache(pipe: Any, interval: int, branch_id: int,
               option: str = "--deep-cache-branch-ids") -> Iterator[Stats]:
    """Run the block with DeepCache on ``pipe.unet``; yields the call's statistics."""
    unet = getattr(pipe, "unet", None)
    if unet is None or not hasattr(unet, "down_blocks") or unet.mid_block is None:
        raise UsageError(f"--deep-cache cannot be used with {type(pipe).__name__} "
                         f"(it needs a UNet with a mid block)")
    stats = record(Stats("DeepCache"))
    state = _State(interval, stats)
    step, deep = _hooks(state)
    pairs = [(unet, step())] + [(m, deep(i)) for i, m in
                                enumerate(deep_modules(unet, branch_id, option))]
    with hooked(pairs, "deep_cache"):
        yield stats
