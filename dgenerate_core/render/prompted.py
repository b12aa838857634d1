"""Prompts at render time: embedded ``<name: value>`` arguments applied to a generation step, and
the prompt weighters that turn a call's prompt texts into embeddings."""

from __future__ import annotations

import dataclasses
from typing import Any

from dgenerate_core.errors import DgenerateError, UsageError
from dgenerate_core.prompts import build
from dgenerate_core.prompts.base import warn
from dgenerate_core.prompts.embedded import extract, overrides

PROMPT_DESTS = ("prompts", "second_prompts", "third_prompts", "second_model_prompts",
                "second_model_second_prompts")
_SKIP_NONE = ("seeds", "inference_steps", "guidance_scales")


def clean(text: str | None) -> str | None:
    """The prompt text without its embedded arguments."""
    return None if text is None else extract(text).text


def apply_embedded(job: Any, step: Any) -> tuple[Any, Any]:
    """The step (and job) with the diffusion arguments embedded in its prompts applied; the
    prompt texts are left as they are (they are cleaned where they are used)."""
    step_values: dict[str, Any] = {}
    opt_values: dict[str, Any] = {}
    size: dict[str, int] = {}
    for dest in PROMPT_DESTS:
        found = extract(step[dest])
        if found.args:
            s, o, z = overrides(found.args)
            step_values.update(s)
            opt_values.update(o)
            size.update(z)
    step_values = {k: v for k, v in step_values.items() if v is not None or k not in _SKIP_NONE}
    if not (step_values or opt_values or size):
        return step, job
    new_step = dataclasses.replace(step, values={**step.values, **step_values})
    changes: dict[str, Any] = {}
    if opt_values:
        opts = job.opts.copy()
        for dest, value in opt_values.items():
            setattr(opts, dest, value)
        changes["opts"] = opts
        if "batch_size" in opt_values:
            changes["batch_size"] = opt_values["batch_size"] or 1
    if size:
        width = size.get("width", job.txt2img_size[0])
        height = size.get("height", job.txt2img_size[1])
        changes["txt2img_size"] = (width, height)
    return new_step, dataclasses.replace(job, **changes) if changes else job


def weighter_uri(job: Any, step: Any, second_model: bool) -> str | None:
    """The weighter of the main model (embedded, else --prompt-weighter) or of the second model
    (embedded in its prompts, else --second-model-prompt-weighter, else the main one)."""
    opts = job.opts
    main = extract(step["prompts"]).weighter or getattr(opts, "prompt_weighter", None)
    if not second_model:
        return main
    for dest in ("second_model_prompts", "second_model_second_prompts"):
        own = extract(step[dest]).weighter
        if own:
            return own
    return getattr(opts, "second_model_prompt_weighter", None) or main


def get_weighter(job: Any, uri: str, model_type: str, option: str) -> Any:
    """The weighter ``uri`` names, built once per invocation, checked for the model type."""
    cache = job.weighters
    key = (uri, model_type)
    if key not in cache:
        weighter = build("prompt-weighter", uri, option,
                         {"model_type": model_type, "local_files_only": bool(
                             getattr(job.opts, "offline_mode", False)),
                          "default_device": getattr(job.pset, "device", "cpu")})
        types = getattr(weighter, "MODEL_TYPES", ())
        if types and model_type not in types:
            raise UsageError(f'{option}: prompt weighter "{weighter.name}" does not support '
                             f"--model-type {model_type}")
        cache[key] = weighter
    return cache[key]


def weigh(job: Any, step: Any, pipe: Any, kwargs: dict[str, Any], second_model: bool) -> bool:
    """Replace the call's prompt texts with the weighter's embeddings; False when no weighter
    is in use."""
    uri = weighter_uri(job, step, second_model)
    if not uri:
        return False
    option = "--second-model-prompt-weighter" if second_model else "--prompt-weighter"
    model_type = job.pset.model_type  # the refiner belongs to sdxl, the decoder to s-cascade
    weighter = get_weighter(job, uri, model_type, option)
    if second_model and step["second_model_second_prompts"]:
        warn(f"{weighter.name}: --second-model-second-prompts is not used by the prompt "
             "weighter and is ignored")
        kwargs.pop("prompt_2", None)
        kwargs.pop("negative_prompt_2", None)
    _apply(weighter, pipe, kwargs, option, refiner=second_model)
    return True


def weigh_with(job: Any, uri: str, pipe: Any, kwargs: dict[str, Any], option: str) -> None:
    """Apply the weighter ``uri`` (a processor's own ``prompt-weighter=``) to a call's keywords."""
    _apply(get_weighter(job, uri, job.pset.model_type, option), pipe, kwargs, option)


def _apply(weighter: Any, pipe: Any, kwargs: dict[str, Any], option: str,
           refiner: bool = False) -> None:
    try:
        weighter.apply(pipe, kwargs, refiner=refiner)
    except DgenerateError:
        raise
    except (ValueError, RuntimeError) as ex:
        first = str(ex).strip().splitlines()[0] if str(ex).strip() else type(ex).__name__
        raise DgenerateError(f'{option}: prompt weighter "{weighter.name}": {first}') from ex
