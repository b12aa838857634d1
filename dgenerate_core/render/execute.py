"""Executing a render plan: for every step pick the pipeline, call it (and the SDXL refiner),
write the images. Imports torch lazily."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from dgenerate_core import events
from dgenerate_core.accelerators import accelerate
from dgenerate_core.errors import DgenerateError, NotSupportedYet, UsageError
from dgenerate_core.pipelines import last
from dgenerate_core.render import crop, log
from dgenerate_core.render.adetailer import detail_image
from dgenerate_core.render.clipskip import clip_text_model_alias
from dgenerate_core.render.calls import (
    CallBuilder, add_common, add_images, add_micro_conditioning, add_prompts,
    check_denoise_steps, describe, repeat_latents, repeat_per_output,
)
from dgenerate_core.render.modeltypes import add_model_type_args
from dgenerate_core.render.output import OutputSettings, write_step_images
from dgenerate_core.render.pag import pag_pipeline
from dgenerate_core.render.plan import Step
from dgenerate_core.render.a1111 import parameters_text
from dgenerate_core.render.control import add_control, add_ip_adapter_images
from dgenerate_core.render.crop import crop_enabled
from dgenerate_core.render.denoise import denoising_range
from dgenerate_core.render.output import AnimationOutputs, grid_or_batch, write_step_latents
from dgenerate_core.render.pag import pag_pipeline, pag_refiner
from dgenerate_core.seeds.load import _hooks, load_seed_frames
from dgenerate_core.seeds.rules import parse_for_options
from dgenerate_core.render.sigmas import add_sigmas
from dgenerate_core.render.prompted import apply_embedded, clean, weigh, weigh_with, weighter_uri
from dgenerate_core.render.stepcount import COUNTING, counting_steps
from dgenerate_core.render.cascade import run_cascade


@dataclass
class RenderJob:
    """Everything the loop needs: options, loaded pipelines, steps and output settings."""

    opts: Any
    pset: Any
    steps: list[Step]
    output: OutputSettings
    batch_size: int = 1
    txt2img_size: tuple[int, int] = (512, 512)
    align: int = 8
    verbose: bool = False
    images: list[str] = field(default_factory=list)
    animations: list[str] = field(default_factory=list)
    last_pipe: Any = None  # the main pipeline called last (for \save_modules)
    weighters: dict = field(default_factory=dict)


class _StepView(Mapping[str, Any]):
    """A step with some axis values replaced (the refiner's view of a step)."""

    def __init__(self, step: Step, overrides: dict[str, Any]) -> None:
        self._values = {**step.values, **overrides}

    def __getitem__(self, key: str) -> Any:
        return self._values.get(key)

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def _generator(device: str, seed: int) -> Any:
    import torch

    gen_device = "cpu" if device.startswith("mps") else device
    return torch.Generator(device=gen_device).manual_seed(int(seed))


def _progress(default_total: int) -> Callable:
    """The step-end callback: counts steps only for a pipeline without a progress bar (the
    bar counts them like the terminal does, see :mod:`.stepcount`)."""
    def on_step_end(pipe: Any, index: int, timestep: Any, kwargs: dict) -> dict:
        if not getattr(pipe, COUNTING, False):
            total = int(default_total)
            events.emit("progress", step=min(index + 1, total), total=total)
        return kwargs
    return on_step_end


def _apply_freeu(pipe: Any, params: Any, option: str) -> None:
    if params is None:
        if hasattr(pipe, "disable_freeu"):
            pipe.disable_freeu()
        return
    if not hasattr(pipe, "enable_freeu"):
        raise UsageError(f"{option} cannot be used with {type(pipe).__name__}")
    s1, s2, b1, b2 = params
    pipe.enable_freeu(s1=s1, s2=s2, b1=b1, b2=b2)


def _call(job: RenderJob, pipe: Any, kwargs: dict[str, Any]) -> Any:
    """Call the pipeline; its argument checks (ValueError) become one-line user errors."""
    if job.verbose:
        log.log_call(pipe, describe(kwargs))
    if "clip_skip" in kwargs:
        clip_text_model_alias(pipe)
    try:
        with counting_steps(pipe):
            return pipe(**kwargs)
    except ValueError as ex:
        first = str(ex).strip().splitlines()[0] if str(ex).strip() else type(ex).__name__
        raise DgenerateError(f"{type(pipe).__name__}: {first}") from ex


def batch_size_for(job: RenderJob, seed: Any) -> int:
    """``--batch-size``; a batched (``images:``) seed defaults to, and must divide, its count."""
    if seed is None or not seed.spec.batched or job.pset.model_type == "s-cascade":
        return job.batch_size
    given = getattr(job.opts, "batch_size", None)
    if given is None:
        return seed.count
    if given % seed.count:
        raise UsageError(f"--batch-size {given} must be divisible by the number of images "
                         f'({seed.count}) in --image-seeds "{seed.spec.text}"')
    return given


def _latent_pixel_size(pipe: Any, latents: Any) -> tuple[int, int]:
    scale = int(getattr(pipe, "vae_scale_factor", 8) or 8)
    return (int(latents.shape[-1]) * scale, int(latents.shape[-2]) * scale)


def _add_raw_latents(call: CallBuilder, model_type: str, seed: Any, batch: int) -> None:
    """``latents:`` / ``latents=``: the starting noise, one tensor per output."""
    text = seed.spec.text
    if seed.size is not None and seed.raw_latents.dim() == 4:
        width, height = _latent_pixel_size(call.pipe, seed.raw_latents)
        if (width, height) != tuple(seed.size):
            raise UsageError(f'--image-seeds "{text}": the latents are for a {width}x{height} '
                             f'image, the image is {seed.size[0]}x{seed.size[1]}')
    if model_type in ("sdxl", "kolors"):
        raise UsageError(f'--image-seeds "{text}": raw latents ("latents:" or "latents=") are '
                         f'not used with --model-type {model_type}, give the latents as the '
                         f'img2img image with --denoising-start instead')
    latents = repeat_latents(seed.raw_latents, batch)
    if int(latents.shape[0]) != batch:
        raise UsageError(f'--image-seeds "{text}": {int(seed.raw_latents.shape[0])} latents do '
                         f"not fit --batch-size {batch}")
    call.require("latents", latents, f'--image-seeds "{text}" latents')


def _flux_pixel_size(job: RenderJob, pipe: Any, packed: Any, seed: Any,
                     what: str) -> tuple[int, int]:
    """The pixel size of packed Flux latents ``(B, tokens, C)``: the seed image's size, else
    ``--output-size``, else a square one."""
    import math

    if seed.size is not None:
        return tuple(seed.size)
    if getattr(job.opts, "output_size", None):
        return tuple(job.opts.output_size)
    tokens = int(packed.shape[1])
    side = math.isqrt(tokens)
    if side * side != tokens:
        raise UsageError(f'--image-seeds "{seed.spec.text}": the packed Flux {what} have '
                         f'{tokens} tokens, which is not a square image; give --output-size')
    scale = 2 * int(getattr(pipe, "vae_scale_factor", 8) or 8)
    return (side * scale, side * scale)


def _flux_latents(job: RenderJob, pipe: Any, seed: Any,
                  size: Any) -> tuple[Any, tuple[int, int] | None]:
    """Flux latents files hold packed ``(tokens, C)`` latents: unpack a tensor img2img input to
    ``(B, C, h, w)`` (which the pipeline takes as image latents) and pack unpacked raw
    latents; returns the seed and the pixel size of the call."""
    import dataclasses

    scale = int(getattr(pipe, "vae_scale_factor", 8) or 8)
    if seed.latents:
        image = seed.image
        if image.dim() == 3:
            width, height = _flux_pixel_size(job, pipe, image, seed, "latents")
            image = type(pipe)._unpack_latents(image, height, width, scale)
        size = (int(image.shape[-1]) * scale, int(image.shape[-2]) * scale)
        seed = dataclasses.replace(seed, images=list(image.split(1)))
    raw = seed.raw_latents
    if raw is not None:
        if raw.dim() == 4:
            size = size or (int(raw.shape[-1]) * scale, int(raw.shape[-2]) * scale)
        elif size is None:
            size = _flux_pixel_size(job, pipe, raw, seed, "raw latents")
        if raw.dim() == 4 and seed.mode != "inpaint":  # the inpaint pipeline packs them itself
            raw = type(pipe)._pack_latents(raw, raw.shape[0], raw.shape[1], raw.shape[2],
                                           raw.shape[3])
        elif raw.dim() == 3 and seed.mode == "inpaint":
            raw = type(pipe)._unpack_latents(raw, size[1], size[0], scale)
        seed = dataclasses.replace(seed, raw_latents=raw)
    return seed, size


def _decoded_for_processors(job: RenderJob, pipe: Any, seed: Any) -> tuple[Any, Any]:
    """A latents tensor img2img seed decoded by the receiving VAE, so that
    ``--seed-image-processors`` can run on it (usage.md §3.8); the images replace it."""
    import dataclasses

    import torch

    if getattr(job.opts, "denoising_start", None) is not None:
        raise NotSupportedYet("--seed-image-processors with a latents tensor image seed and "
                              "--denoising-start")
    vae = pipe.vae
    latents = seed.image.to(device=vae.device, dtype=vae.dtype)
    latents = latents / vae.config.scaling_factor
    if getattr(vae.config, "shift_factor", None):
        latents = latents + vae.config.shift_factor
    with torch.no_grad():
        decoded = vae.decode(latents, return_dict=False)[0]
    images = pipe.image_processor.postprocess(decoded, output_type="pil")

    images = _hooks().process_images("seed", job.opts, list(images), pre_resize=None)
    seed = dataclasses.replace(seed, images=images)
    return seed, images[0].size


def _latents_hook(job: RenderJob, kind: str, tensor: Any, pipe: Any) -> Any:
    """``-lp`` / ``-ilp`` / ``-lpp``: engineer C's latents processors (identity when unset)."""
    return _hooks().process_latents(kind, job.opts, tensor, pipe=pipe)


def _process_input_latents(job: RenderJob, seed: Any, pipe: Any) -> Any:
    """The seed with its tensor img2img input (``-ilp``) and raw latents (``-lp``) processed."""
    import dataclasses

    if seed is None:
        return None
    if seed.latents:
        processed = _latents_hook(job, "img2img", seed.image, pipe)
        seed = dataclasses.replace(seed, images=list(processed.split(1)))
    if seed.raw_latents is not None:
        seed = dataclasses.replace(
            seed, raw_latents=_latents_hook(job, "latents", seed.raw_latents, pipe))
    return seed


def _add_guidance_images(call: CallBuilder, job: RenderJob, step: Step, seed: Any,
                         size: Any) -> None:
    """Control images and IP-adapter image groups of the seed (``render.control``)."""
    if seed.control_images or getattr(job.pset, "controls", None) is not None:
        add_control(call, job, step, job.pset, seed.control_images, seed.size or size)
    if seed.adapter_images or getattr(job.pset, "ip_adapters", None) is not None:
        add_ip_adapter_images(call, job, step, job.pset, seed.adapter_images)


def _add_seed_inputs(call: CallBuilder, job: RenderJob, step: Step, seed: Any, size: Any,
                     batch: int) -> tuple[Any, Any]:
    """The seed's images, mask, latents, control and IP-adapter images (or the txt2img size);
    returns the seed as processed and the pixel size of the call."""
    pipe = call.pipe
    seed = _process_input_latents(job, seed, pipe)
    if seed is not None and job.pset.model_type == "flux":
        seed, size = _flux_latents(job, pipe, seed, size)
    if seed is not None and seed.latents and getattr(job.opts, "seed_image_processors", None):
        seed, size = _decoded_for_processors(job, pipe, seed)
    if seed is None or not seed.images:  # txt2img: prompt, control, adapter or latents only
        if size is None:
            size = _latent_pixel_size(pipe, seed.raw_latents) if seed.raw_latents is not None \
                else (seed.size or job.txt2img_size)
        add_images(call, None, size, None, batch)
    else:
        add_images(call, seed, size, step["image_seed_strengths"], batch,
                   check_steps=getattr(job.opts, "denoising_start", None) is None)
        if seed.latents and size is not None:
            call.optional("width", size[0])
            call.optional("height", size[1])
    if seed is not None and seed.raw_latents is not None:
        _add_raw_latents(call, job.pset.model_type, seed, batch)
    if seed is not None:
        _add_guidance_images(call, job, step, seed, size)
    return seed, size


def _remember(job: RenderJob, pipe: Any, mode: str) -> None:
    """Record the run for processors that reuse its pipeline (adetailer) and its weighters."""
    option = 'image processor "adetailer" argument "prompt-weighter"'
    last.remember(job.pset, pipe, mode, pag_pipeline,
                  lambda p, kwargs, uri: weigh_with(job, uri, p, kwargs, option))


def run_step(job: RenderJob, step: Step, seed: Any, mode: str, size: Any) -> Any:
    """Run the pipelines of one step; returns Pillow images, or a latents tensor (B, ...)
    with a tensor ``--image-format``."""
    pset = job.pset
    batch = batch_size_for(job, seed)
    if pset.model_type == "s-cascade":
        # several images are one image prompt: no batching, no extra outputs (usage.md §11)
        images = run_cascade(job, step, seed, job.batch_size, lambda: _generator(pset.device, step["seeds"]),
                             _progress, lambda p, kw: _call(job, p, kw))
        return _latents_hook(job, "post", images, pset.decoder) if job.output.latents else images
    pipe = pset.get(mode)
    if step["pag_scales"] is not None:
        pipe = pag_pipeline(pipe, pset.model_type, mode)
    pset.set_scheduler(pipe, step["schedulers"], "--schedulers")
    _apply_freeu(pipe, step["freeu_params"], "--freeu-params")
    job.last_pipe = pipe
    refiner = pset.refiner(mode) if getattr(pset, "has_refiner", False) else None
    cooperative = (refiner is not None and mode != "inpaint"
                   and not getattr(job.opts, "sdxl_refiner_edit", False)
                   and getattr(pset, "controls", None) is None   # the manual: edit mode with ControlNets
                   and pset.accepts(pipe, "denoising_end"))
    call = CallBuilder(pipe, pset.accepts, pset.model_type, mode)
    add_prompts(call, clean(step["prompts"]), clean(step["second_prompts"]),
                clean(step["third_prompts"]))
    weighted = bool(weighter_uri(job, step, False))
    add_common(call, step, job.opts, _generator(pset.device, step["seeds"]), batch,
               _progress(int(step["inference_steps"])), weighted=weighted)
    add_sigmas(call, step["sigmas"], "--sigmas")
    if weighted:
        weigh(job, step, pipe, call.kwargs, second_model=False)
    seed, size = _add_seed_inputs(call, job, step, seed, size, batch)
    add_model_type_args(call, step, seed, batch)
    add_micro_conditioning(call, step, refiner=False)

    in_range = denoising_range(call, job.opts)
    if cooperative:
        call.kwargs["denoising_end"] = step["sdxl_high_noise_fractions"]
        call.kwargs["output_type"] = "latent"
    elif refiner is None and job.output.latents:
        call.kwargs["output_type"] = "latent"
    _remember(job, pipe, mode)
    with in_range, accelerate(pipe, step, job.opts, model_type=pset.model_type):
        images = _call(job, pipe, call.kwargs).images
    if refiner is not None:
        pipe = refiner
        images = _run_refiner(job, step, refiner, images, seed, mode, size, cooperative, batch)
    if job.output.latents:
        return _latents_hook(job, "post", images, pipe)
    return list(images)


def _refiner_view(step: Step) -> _StepView:
    def pick(own: str, fallback: str) -> Any:
        return step[own] if step[own] is not None else step[fallback]
    return _StepView(step, {
        "inference_steps": pick("second_model_inference_steps", "inference_steps"),
        "guidance_scales": pick("second_model_guidance_scales", "guidance_scales"),
        "guidance_rescales": pick("sdxl_refiner_guidance_rescales", "guidance_rescales"),
        "clip_skips": step["sdxl_refiner_clip_skips"],
        "pag_scales": step["sdxl_refiner_pag_scales"],
        "pag_adaptive_scales": step["sdxl_refiner_pag_adaptive_scales"],
    })


def _run_refiner(job: RenderJob, step: Step, refiner: Any, base_out: Any, seed: Any, mode: str,
                 size: tuple[int, int], cooperative: bool, batch: int) -> list:
    pset = job.pset
    hnf = float(step["sdxl_high_noise_fractions"])
    if not cooperative and 1.0 - hnf <= 0.0:
        return list(base_out)
    if step["sdxl_refiner_pag_scales"] is not None:
        refiner = pag_refiner(refiner, mode)
    pset.set_scheduler(refiner, step["second_model_schedulers"], "--second-model-schedulers")
    _apply_freeu(refiner, step["sdxl_refiner_freeu_params"], "--sdxl-refiner-freeu-params")
    view = _refiner_view(step)
    call = CallBuilder(refiner, pset.accepts, "sdxl", f"{mode} refiner")
    prompt = clean(step["second_model_prompts"] or step["prompts"])
    second = clean(step["second_model_second_prompts"] or step["second_prompts"])
    add_prompts(call, prompt, second, None, second_dest="second_model_second_prompts")
    opts_view = _NoSequenceLength(job.opts)
    weighted = bool(weighter_uri(job, step, True))
    add_common(call, view, opts_view, _generator(pset.device, step["seeds"]), batch,
               _progress(int(view["inference_steps"])), weighted=weighted)
    add_sigmas(call, step["sdxl_refiner_sigmas"], "--sdxl-refiner-sigmas")
    if weighted:
        weigh(job, step, refiner, call.kwargs, second_model=True)
    add_micro_conditioning(call, step, refiner=True)
    call.kwargs["image"] = base_out if cooperative else list(base_out)
    if cooperative:
        call.kwargs["denoising_start"] = hnf
    else:
        call.kwargs["strength"] = 1.0 - hnf
        check_denoise_steps(call.kwargs["num_inference_steps"], 1.0 - hnf,
                            f"--sdxl-high-noise-fractions {hnf} (refiner edit mode, strength "
                            f"{round(1.0 - hnf, 6)})")
        if mode == "inpaint":
            call.kwargs["mask_image"] = repeat_per_output(seed.mask, batch)
            call.optional("width", size[0])
            call.optional("height", size[1])
    if job.output.latents:
        call.kwargs["output_type"] = "latent"
    with accelerate(refiner, step, job.opts, refiner=True):
        images = _call(job, refiner, call.kwargs).images
    return images if job.output.latents else list(images)


class _NoSequenceLength:
    """Options as the refiner sees them: no T5 sequence length."""

    def __init__(self, opts: Any) -> None:
        self._opts = opts

    max_sequence_length = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._opts, name)


def _load(job: RenderJob, step: Step, current: tuple[int | None, Any]) -> tuple[int | None, Any]:
    """The frames of the step's image seed, reusing the ones of the previous step."""
    if step.image_seed is None:
        return (None, None)
    if current[0] == step.image_seed_index and current[1] is not None:
        return current

    opts = job.opts
    size = None if crop_enabled(opts) else opts.output_size  # a crop is resized instead
    if job.pset.model_type == "s-cascade":  # an image prompt of any size, never resized
        size = None
    frames = load_seed_frames(parse_for_options(step.image_seed, opts), size,
                              bool(opts.no_aspect), job.align, opts.frame_start or 0,
                              opts.frame_end, opts, step.image_seed_index or 0)
    return (step.image_seed_index, frames)


def run_seed(job: RenderJob, step: Step, seed: Any) -> list:
    """Run one step on one (still) seed, through ``--inpaint-crop`` when asked."""
    if seed is None:
        return run_step(job, step, None, "txt2img", job.txt2img_size)
    if getattr(job.opts, "adetailer_detectors", None):
        return run_adetailer(job, step, seed)
    if not crop.crop_enabled(job.opts):
        return run_step(job, step, seed, seed.mode, seed.size)
    cropped = crop.prepare(seed, step["inpaint_crop_paddings"], step["inpaint_crop_feathers"],
                           bool(job.opts.inpaint_crop_masked), job.opts.output_size, job.align)
    images = run_step(job, step, cropped.seed, "inpaint", cropped.seed.size)
    return crop.paste_back(cropped, images)


def run_adetailer(job: RenderJob, step: Step, seed: Any) -> list:
    """``--adetailer-detectors``: every output is the seed image detailed by the detectors with
    the inpaint pipeline (``render.adetailer``)."""
    pset = job.pset
    pipe = pset.get("inpaint")
    if step["pag_scales"] is not None:
        pipe = pag_pipeline(pipe, pset.model_type, "inpaint")
    pset.set_scheduler(pipe, step["schedulers"], "--schedulers")
    _apply_freeu(pipe, step["freeu_params"], "--freeu-params")
    _remember(job, pipe, "inpaint")
    if seed.latents:
        raise UsageError(f'--adetailer-detectors needs an image in --image-seeds, not a latents '
                         f'tensor: "{seed.spec.text}"')
    generator = _generator(pset.device, step["seeds"])
    per_image = max(1, batch_size_for(job, seed) // len(seed.images))
    return [detail_image(job, step, seed, pipe, image, generator)
            for image in seed.images for _ in range(per_image)]


def _a1111(job: RenderJob, step: Step, mode: str, images: Any) -> str | None:
    """Automatic1111 ``parameters`` text for the step's outputs (``-oam``), else None."""
    if not job.output.auto1111 or not isinstance(images, list) or not images:
        return None

    return parameters_text(step, job.opts.model_path, images[0].size,
                           job.pset.get(mode).scheduler, job.opts)


def _post_process(job: RenderJob, step: Step, images: Any, frame: int | None = None) -> Any:
    """``--post-processors`` on every output image before it is written (and before a grid)."""
    if job.output.latents:
        return images
    return _hooks().process_images("post", job.opts, list(images), pre_resize=False,
                                seed_index=step.image_seed_index or 0, frame=frame)


def _render_still(job: RenderJob, step: Step, seed: Any) -> None:
    mode = seed.mode if seed is not None else "txt2img"
    cascade = job.pset.model_type == "s-cascade"  # images are a prompt: the output size is fixed
    size = seed.size if seed is not None and not cascade else job.txt2img_size
    log.log_step(step, mode, size, batch_size_for(job, seed))
    images = _post_process(job, step, run_seed(job, step, seed))
    if job.output.latents:
        paths, kind = write_step_latents(images, step, job.opts, job.output), "Latents"
    else:
        paths = write_step_images(images, step, job.opts, job.output,
                                  a1111=_a1111(job, step, mode, images))
        kind = "Image"
    for path in paths:
        log.log_written(path, kind)
        job.images.append(path)


def _render_animated(job: RenderJob, step: Step, frames: Any) -> None:
    """Every frame of an animated image seed, streamed: each frame is decoded, rendered,
    written and appended to the open animation file(s) before the next one is read."""
    first = frames.start
    animation = AnimationOutputs(step, job.opts, job.output, frames.fps or 10.0) \
        if job.output.write_animation_file and not job.output.latents else None
    try:
        for index, seed in enumerate(frames.frames()):
            log.log_step(step, seed.mode, seed.size, batch_size_for(job, seed),
                         frame=(index + 1, frames.frame_count))
            images = _post_process(job, step, run_seed(job, step, seed), index)
            if job.output.latents:  # latents of every frame, no animation file
                for path in write_step_latents(images, step, job.opts, job.output, index,
                                               first + index):
                    log.log_written(path, "Latents")
                    job.images.append(path)
                continue
            if job.output.write_frames:
                for path in write_step_images(images, step, job.opts, job.output, index,
                                              first + index,
                                              _a1111(job, step, seed.mode, images)):
                    log.log_written(path)
                    job.images.append(path)
            if animation is not None:
                animation.add(grid_or_batch(images, job.output))
    except BaseException:
        if animation is not None:
            animation.abort()
        raise
    if animation is not None:
        for path in animation.close():
            log.log_written(path, "Animation")
            job.animations.append(path)


def render(job: RenderJob) -> list[str]:
    """Run every step of ``job``; returns the absolute paths of the images written."""
    current: tuple[int | None, Any] = (None, None)
    for planned in job.steps:
        step, step_job = apply_embedded(job, planned)
        current = _load(step_job, step, current)
        frames = current[1]
        if frames is not None and frames.animated:
            _render_animated(step_job, step, frames)
        else:
            _render_still(step_job, step, next(frames.frames()) if frames is not None else None)
    return job.images
