"""``invoke_dgenerate``: parse, validate and render one dgenerate invocation.

Nothing at module level imports torch; the pipelines are loaded inside the call.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any, Sequence

from dgenerate_core import distributed
from dgenerate_core.errors import UsageError
from dgenerate_core.render.memory import check_memory
from dgenerate_core.logs import set_verbose
from dgenerate_core.options import parse_args, validate
from dgenerate_core.options.validate import check_model_path
from dgenerate_core.pipelines import default_output_size, load_pipelines, scheduler_help, text_encoder_help
from dgenerate_core.pipelines.source import classify
from dgenerate_core.render.execute import RenderJob, render
from dgenerate_core.render.output import OutputSettings
from dgenerate_core.render.plan import build_plan, resolve_seeds, scheduler_combinations
from dgenerate_core.seeds.rules import parse_for_options
from dgenerate_core.options.globalconfig import default_arguments, load_global_config
from dgenerate_core.options.rules_common import model_type
from dgenerate_core.pipelines.cache import known_caches, set_limits
from dgenerate_core.prompts.checks import check_prompt_options
from dgenerate_core.pipelines.device import resolve_device
from dgenerate_core.prompts.expand import upscale_options

_ALIGN_16 = ("sd3", "sd3-pix2pix", "flux", "flux-fill", "flux-kontext")


@dataclass
class InvocationResult:
    """The outcome of one invocation: its options and the absolute paths written."""

    options: Any
    images: list[str] = field(default_factory=list)
    animations: list[str] = field(default_factory=list)
    pipeline: Any = None  # the main pipeline called last (``\save_modules`` saves its modules)


def _check_batch_grid(opts: Any) -> None:
    grid = opts.batch_grid_size
    if grid is None:
        return
    batch = opts.batch_size or 1
    if grid[0] * grid[1] < batch:
        raise UsageError(f"--batch-grid-size {grid[0]}x{grid[1]} has room for "
                         f"{grid[0] * grid[1]} images, fewer than --batch-size {batch}")


def _help_value(values: Any) -> str | None:
    if values and len(values) == 1 and str(values[0]).lower() in ("help", "helpargs"):
        return str(values[0]).lower()
    return None


def _print_component_help(opts: Any) -> bool:
    """``--schedulers help`` and friends: load the model, print the listing, return True."""
    asks = {dest: _help_value(getattr(opts, dest, None))
            for dest in ("schedulers", "second_model_schedulers", "text_encoders",
                         "second_model_text_encoders")}
    asks = {dest: value for dest, value in asks.items() if value}
    if not asks:
        return False

    quiet = opts.copy()
    for dest in asks:
        setattr(quiet, dest, None)
        quiet.explicit.discard(dest)
    pset = load_pipelines(quiet)
    for dest, value in asks.items():
        refiner = dest.startswith("second_model")
        second = pset.decoder if getattr(pset, "decoder", None) is not None \
            else pset.refiner("img2img")
        pipe = second if refiner else pset.get("img2img" if opts.image_seeds else "txt2img")
        if pipe is None:
            raise UsageError(f"--{dest.replace('_', '-')} help needs --sdxl-refiner or "
                             "--s-cascade-decoder")
        if dest.endswith("schedulers"):
            name = (opts.s_cascade_decoder or opts.sdxl_refiner) if refiner else opts.model_path
            text = scheduler_help(pipe, with_args=value == "helpargs", model_name=name)
        else:
            text = text_encoder_help(pipe)
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()
    return True


def _output_settings(opts: Any, model_type: str) -> Any:
    return OutputSettings(
        folder=os.path.abspath(os.path.expanduser(opts.output_path or "./output")),
        prefix=opts.output_prefix, overwrite=bool(opts.output_overwrite),
        image_format=(opts.image_format or "png").lower(), configs=bool(opts.output_configs),
        metadata=bool(opts.output_metadata),
        include_schedulers=scheduler_combinations(opts) > 1, grid=opts.batch_grid_size,
        animation_format=(opts.animation_format or "mp4").lower(), no_frames=bool(opts.no_frames),
        auto1111=bool(opts.output_auto1111_metadata))


def parse_and_validate(argv: Sequence[str], in_script: bool = False) -> Any:
    """Parse and validate a command line; raises UsageError / NotSupportedYet."""
    opts = parse_args(list(argv))
    if opts.global_config:
        opts = _with_global_config(opts, list(argv))
    validate(opts, in_script=in_script)
    return opts


def _with_global_config(opts: Any, argv: list[str]) -> Any:
    """The options with the ``--global-config`` defaults the command line did not give, after
    applying the file's object cache limits."""

    path = os.path.expanduser(opts.global_config)
    config = load_global_config(path, known_caches())
    set_limits(config.caches)
    extra = default_arguments(config, set(opts.explicit), model_type(opts))
    if not extra:
        return opts
    try:
        return parse_args([*argv, *extra])
    except UsageError as ex:
        raise UsageError(f'--global-config "{path}": defaults: {ex}') from None


def _check_model_source(opts: Any) -> None:
    """Fail fast, before torch is imported, when the model path names nothing that can exist."""
    path = opts.model_path
    if path and not path.startswith(("http://", "https://")):
        classify(path, "model_path")


def invoke_dgenerate(argv: Sequence[str], in_script: bool = False,
                     modules: dict[str, Any] | None = None) -> InvocationResult:
    """Parse, validate and render one invocation; returns the files written.

    ``modules`` (``\\use_modules``): pipeline modules by name used instead of loading them."""
    opts = parse_and_validate(argv, in_script)
    opts.use_modules = dict(modules) if modules else None
    set_verbose(bool(opts.verbose))
    check_model_path(opts)
    _check_model_source(opts)
    _check_batch_grid(opts)
    check_memory(opts)
    if _print_component_help(opts):
        return InvocationResult(opts)

    for text in opts.image_seeds or []:
        parse_for_options(text, opts)

    check_prompt_options(opts, opts.model_type or "sd")
    folder = os.path.expanduser(opts.output_path or "./output")
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise UsageError(f'--output-path: "{folder}" exists and is not a folder')
    return _render(opts)


def _upscale_prompts(opts: Any) -> None:
    """Run the prompt upscalers (they may expand one prompt into several) before the plan."""

    upscale_options(opts, {"local_files_only": bool(getattr(opts, "offline_mode", False)),
                           "default_device": resolve_device(opts.device, check=False)})


def _render(opts: Any) -> InvocationResult:
    _upscale_prompts(opts)
    group = distributed.current()
    # every rank loads the pipelines on its own device (PartialState set it per local rank)
    pset = load_pipelines(opts) if group is None else group.agree(lambda: load_pipelines(opts))
    seeds = resolve_seeds(opts)
    steps = build_plan(opts, seeds, bool(getattr(pset, "has_refiner", False)))
    if group is not None:  # rank 0's random seeds and plan, so every rank renders the same one
        seeds, steps = group.broadcast((seeds, steps))
    job = RenderJob(
        opts=opts, pset=pset, steps=steps, output=_output_settings(opts, pset.model_type),
        batch_size=opts.batch_size or 1,
        txt2img_size=tuple(opts.output_size or default_output_size(pset.model_type)),
        align=16 if pset.model_type in _ALIGN_16 else 8,
        verbose=bool(opts.verbose))
    if group is None:
        render(job)
    else:
        distributed.render_split(job, render, group)
    opts.seeds = seeds
    return InvocationResult(opts, list(job.images), list(job.animations), job.last_pipe)
