"""``--denoising-start`` / ``--denoising-end`` (usage.md §7): passed as they are to the pipelines
that take them (SDXL, Kolors); built here for sd, sd3 and flux txt2img, whose diffusers
pipelines do not.

Of N inference steps, ``--denoising-end F`` runs the first ``round(N * F)`` and returns the
partially denoised latents (the loop is interrupted from the step callback);
``--denoising-start F`` skips them: the scheduler's timesteps are cut (and its step index set)
and the given ``latents: ...`` continue from there. With a stateless scheduler the two halves
give the image of one full run.
"""

from __future__ import annotations

import contextlib
import copy
import functools
from typing import Any, Callable, Iterator

from dgenerate_core.errors import NotSupportedYet, UsageError

STATELESS_SD_SCHEDULERS = ("EulerDiscreteScheduler", "LMSDiscreteScheduler", "EDMEulerScheduler",
                           "DPMSolverMultistepScheduler", "DDIMScheduler", "DDPMScheduler",
                           "PNDMScheduler")
FLOW_SCHEDULERS = ("FlowMatchEulerDiscreteScheduler",)
BUILT_TYPES = ("sd", "sd3", "flux")


def _given(opts: Any) -> tuple[float | None, float | None]:
    return getattr(opts, "denoising_start", None), getattr(opts, "denoising_end", None)


def _check(call: Any, start: float | None) -> None:
    option = "--denoising-start" if start is not None else "--denoising-end"
    if call.model_type not in BUILT_TYPES:
        call.require("denoising_start" if start is not None else "denoising_end", None, option)
    if start is not None and "latents" not in call.kwargs:
        raise UsageError(f'--denoising-start with --model-type {call.model_type} continues '
                         f'partially denoised latents: give them with --image-seeds '
                         f'"latents: stage1.pt" (a tensor as the img2img image is continued '
                         f'only by sdxl and kolors)')
    if call.mode != "txt2img":
        raise NotSupportedYet(f"{option} with an img2img or inpaint image seed and "
                              f"--model-type {call.model_type}")
    name = type(call.pipe.scheduler).__name__
    allowed = STATELESS_SD_SCHEDULERS if call.model_type == "sd" else FLOW_SCHEDULERS
    if name not in allowed:
        raise UsageError(f"{option} with --model-type {call.model_type} needs one of these "
                         f"schedulers: {', '.join(allowed)} (not {name})")


def _cut(steps: int, fraction: float) -> int:
    return max(0, min(steps, int(round(steps * fraction))))


def _interrupting(callback: Callable | None, stop_after: int) -> Callable:
    def on_step_end(pipe: Any, index: int, timestep: Any, kwargs: dict) -> dict:
        if callback is not None:
            kwargs = callback(pipe, index, timestep, kwargs)
        if index + 1 >= stop_after:
            pipe._interrupt = True
        return kwargs
    return on_step_end


@contextlib.contextmanager
def _skipping(scheduler: Any, skip: int) -> Iterator[None]:
    """``scheduler.set_timesteps`` cut to start ``skip`` steps in, for one call."""
    original = scheduler.set_timesteps

    @functools.wraps(original)  # diffusers inspects its signature (sigmas=, timesteps=)
    def set_timesteps(*args: Any, **kwargs: Any) -> None:
        original(*args, **kwargs)
        first = skip * int(getattr(scheduler, "order", 1) or 1)
        scheduler.timesteps = scheduler.timesteps[first:]
        if hasattr(scheduler, "set_begin_index"):
            scheduler.set_begin_index(first)
    scheduler.set_timesteps = set_timesteps
    try:
        yield
    finally:
        del scheduler.set_timesteps


def denoising_range(call: Any, opts: Any) -> contextlib.AbstractContextManager:
    """Add the denoising range to ``call``; returns the context to run the call in."""
    start, end = _given(opts)
    if start is None and end is None:
        return contextlib.nullcontext()
    if call.takes("denoising_end") or call.takes("denoising_start"):
        for kwarg, value in (("denoising_start", start), ("denoising_end", end)):
            if value is not None:
                call.require(kwarg, value, "--" + kwarg.replace("_", "-"))
        return contextlib.nullcontext()
    _check(call, start)
    steps = int(call.kwargs["num_inference_steps"])
    if end is not None:
        call.kwargs["callback_on_step_end"] = _interrupting(
            call.kwargs.get("callback_on_step_end"), _cut(steps, end))
    if start is None:
        return contextlib.nullcontext()
    skip = _cut(steps, start)
    if skip >= steps:
        raise UsageError(f"--denoising-start {start} with {steps} inference steps leaves no "
                         f"denoising step")
    probe = copy.deepcopy(call.pipe.scheduler)
    probe.set_timesteps(steps)
    sigma = float(getattr(probe, "init_noise_sigma", 1.0) or 1.0)
    if call.model_type == "sd" and sigma != 1.0:  # the pipeline scales given latents by it
        call.kwargs["latents"] = call.kwargs["latents"] / sigma
    return _skipping(call.pipe.scheduler, skip)
