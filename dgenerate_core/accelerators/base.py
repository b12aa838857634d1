"""What every accelerator shares: its statistics and attaching / removing diffusers hooks.

Each accelerator wraps one pipeline call: hooks go on the denoiser (UNet or transformer) before
the call and come off after it, so the cached pipelines stay unchanged between invocations. The
statistics of the last call (how many denoiser calls were computed and how many were skipped or
served from a cache) are kept in ``LAST`` for the verbose log, the tests and the benchmark.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any, Iterator


@dataclass
class Stats:
    """Counts of one accelerated pipeline call."""

    name: str
    calls: int = 0       # denoiser (UNet / transformer) forward calls
    computed: int = 0    # calls that ran the full network
    cached: int = 0      # calls served (fully or for their deep part) from a cache
    extra: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        more = "".join(f", {k}: {v}" for k, v in sorted(self.extra.items()))
        return (f"{self.name}: {self.calls} denoiser calls, {self.computed} computed, "
                f"{self.cached} cached{more}")


#: statistics of the accelerators of the most recent pipeline call (newest last)
LAST: list[Stats] = []


def record(stats: Stats) -> Stats:
    """Remember ``stats`` as belonging to the current call."""
    LAST.append(stats)
    del LAST[:-8]
    return stats


def hook_name(kind: str) -> str:
    return f"dgenerate_{kind}"


@contextlib.contextmanager
def hooked(pairs: list[tuple[Any, Any]], kind: str) -> Iterator[None]:
    """Register each ``(module, ModelHook)`` for the duration of the block."""
    from diffusers.hooks import HookRegistry

    name = hook_name(kind)
    done: list[Any] = []
    try:
        for module, hook in pairs:
            registry = HookRegistry.check_if_exists_or_initialize(module)
            registry.register_hook(hook, name)
            done.append(registry)
        yield
    finally:
        for registry in reversed(done):
            registry.remove_hook(name, recurse=False)


def first_tensor(output: Any) -> Any:
    """The sample tensor of a denoiser output (tuple, output object or tensor)."""
    if isinstance(output, tuple):
        return output[0]
    return getattr(output, "sample", output)


def same_form(template: Any, tensor: Any) -> Any:
    """``tensor`` in the form of the denoiser output ``template``."""
    if isinstance(template, tuple):
        return (tensor, *template[1:])
    if hasattr(template, "sample"):
        return type(template)(sample=tensor)
    return tensor


def denoiser(pipe: Any) -> Any:
    """The pipeline's UNet or transformer, or None."""
    return getattr(pipe, "unet", None) or getattr(pipe, "transformer", None)
