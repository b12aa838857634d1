"""Building the keyword arguments of one diffusers pipeline call from a generation step.

Options the user gave that map to a pipeline keyword the chosen pipeline does not take raise the
reference's rule R71 error: ``--X cannot be used with --model-type "T" in MODE mode with the
current combination of arguments and model.`` Options not given are never passed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from dgenerate_core.errors import UsageError
from dgenerate_core.options import BY_DEST
from dgenerate_core.render.plan import split_prompt

#: SDXL micro-conditioning options -> pipeline keyword (sizes are passed as (height, width))
MICRO_CONDITIONING: tuple[tuple[str, str], ...] = (
    ("aesthetic_scores", "aesthetic_score"),
    ("crops_coords_top_left", "crops_coords_top_left"),
    ("original_sizes", "original_size"),
    ("target_sizes", "target_size"),
    ("negative_aesthetic_scores", "negative_aesthetic_score"),
    ("negative_original_sizes", "negative_original_size"),
    ("negative_target_sizes", "negative_target_size"),
    ("negative_crops_coords_top_left", "negative_crops_coords_top_left"),
)
_SWIZZLE = ("original_size", "target_size", "negative_original_size", "negative_target_size")
DEFAULT_MAX_SEQUENCE_LENGTH = {"sd3": 256, "flux": 512}
_ACCEPTED: dict[type, frozenset[str]] = {}  # pipeline class -> its __call__ keywords


@dataclass
class CallBuilder:
    """Collects the kwargs of one call, checking each against the pipeline's signature.

    ``accepts`` is the PipelineSet's check; the signature is read once per pipeline class here.
    """

    pipe: Any
    accepts: Callable[[Any, str], bool]
    model_type: str
    mode: str
    kwargs: dict[str, Any] = field(default_factory=dict)

    def takes(self, kwarg: str) -> bool:
        cls = type(self.pipe)
        if cls not in _ACCEPTED:
            import inspect

            _ACCEPTED[cls] = frozenset(inspect.signature(cls.__call__).parameters)
        return kwarg in _ACCEPTED[cls]

    def require(self, kwarg: str, value: Any, option: str) -> None:
        """Pass ``kwarg`` or raise the R71 error naming ``option``."""
        if not self.takes(kwarg):
            raise UsageError(f'{option} cannot be used with --model-type "{self.model_type}" in '
                             f'{self.mode} mode with the current combination of arguments and '
                             f'model.')
        self.kwargs[kwarg] = value

    def optional(self, kwarg: str, value: Any) -> None:
        """Pass ``kwarg`` when the pipeline takes it, else leave it out."""
        if value is not None and self.takes(kwarg):
            self.kwargs[kwarg] = value


def option_name(dest: str) -> str:
    """The long option name of a dest, for messages."""
    spec = BY_DEST.get(dest)
    return spec.long if spec is not None else "--" + dest.replace("_", "-")


def add_prompts(call: CallBuilder, prompt: str | None, second: str | None, third: str | None,
                second_dest: str = "second_prompts", third_dest: str = "third_prompts") -> None:
    """prompt / negative_prompt and the second and third encoder prompts (``;`` splits them)."""
    positive, negative = split_prompt(prompt)
    call.kwargs["prompt"] = positive
    if negative is not None:
        call.require("negative_prompt", negative, "--prompts (a negative prompt)")
    for text, dest, suffix in ((second, second_dest, "_2"), (third, third_dest, "_3")):
        if text is None:
            continue
        pos, neg = split_prompt(text)
        call.require("prompt" + suffix, pos, option_name(dest))
        if neg is not None:
            call.require("negative_prompt" + suffix, neg, option_name(dest))


def add_micro_conditioning(call: CallBuilder, step: Any, refiner: bool) -> None:
    """The SDXL ``--sdxl-*`` (or ``--sdxl-refiner-*``) micro-conditioning values of the step."""
    prefix = "sdxl_refiner_" if refiner else "sdxl_"
    for suffix, kwarg in MICRO_CONDITIONING:
        value = step[prefix + suffix]
        if value is None:
            continue
        if kwarg in _SWIZZLE:
            value = (value[1], value[0])
        call.require(kwarg, value, option_name(prefix + suffix))


def add_common(call: CallBuilder, step: Any, opts: Any, generator: Any, batch_size: int,
               progress: Callable | None, weighted: bool = False) -> None:
    """Steps, guidance, generator, batch size, rescale, clip skip, sequence length, progress.

    ``weighted``: a prompt weighter takes the clip skip (and the prompts) out of the call."""
    call.kwargs["num_inference_steps"] = int(step["inference_steps"])
    call.optional("guidance_scale", step["guidance_scales"])
    call.kwargs["generator"] = generator
    if batch_size != 1:
        call.require("num_images_per_prompt", batch_size, "--batch-size")
    else:
        call.optional("num_images_per_prompt", 1)
    if step["guidance_rescales"] is not None:
        call.require("guidance_rescale", step["guidance_rescales"], "--guidance-rescales")
    if step["clip_skips"] is not None and weighted:
        call.kwargs["clip_skip"] = step["clip_skips"]
    elif step["clip_skips"] is not None:
        call.require("clip_skip", step["clip_skips"], "--clip-skips")
    length = getattr(opts, "max_sequence_length", None)
    if length is not None:
        call.require("max_sequence_length", length, "--max-sequence-length")
    elif call.model_type in DEFAULT_MAX_SEQUENCE_LENGTH:
        call.optional("max_sequence_length", DEFAULT_MAX_SEQUENCE_LENGTH[call.model_type])
    if step["pag_scales"] is not None:
        call.require("pag_scale", step["pag_scales"], "--pag-scales")
        call.optional("pag_adaptive_scale", step["pag_adaptive_scales"])
    if progress is not None:
        call.optional("callback_on_step_end", progress)


def repeat_per_output(value: Any, batch: int) -> Any:
    """One entry per output image: lists are cycled, a single image repeated (no deprecated
    duplication inside diffusers)."""
    items = value if isinstance(value, list) else [value]
    if batch <= 1 and not isinstance(value, list):
        return value
    return [items[i % len(items)] for i in range(max(batch, len(items)))]


def repeat_latents(latents: Any, batch: int) -> Any:
    """Latents repeated along the batch dimension up to ``batch`` (when it divides)."""
    import torch

    if latents.shape[0] >= batch or batch % latents.shape[0]:
        return latents
    return torch.cat([latents] * (batch // latents.shape[0]))


def add_images(call: CallBuilder, seed: Any, size: Any, strength: float | None,
               batch: int = 1, check_steps: bool = True) -> None:
    """Width/height (txt2img) or the image, mask and strength of an image seed (a latents
    tensor seed is passed as the image, which img2img pipelines take as initial latents)."""
    if seed is None:
        call.require("width", size[0], "--output-size")
        call.require("height", size[1], "--output-size")
        return
    if seed.latents:
        call.kwargs["image"] = repeat_latents(seed.image, batch)
    else:
        call.kwargs["image"] = repeat_per_output(seed.image, batch)
        call.optional("width", size[0])
        call.optional("height", size[1])
    if seed.mask is not None:
        call.kwargs["mask_image"] = repeat_per_output(seed.mask, batch)
    if strength is not None:
        call.require("strength", strength, "--image-seed-strengths")
        if check_steps:
            check_denoise_steps(call.kwargs["num_inference_steps"], strength,
                                f"--image-seed-strengths {strength}")


def check_denoise_steps(steps: int, strength: float, what: str) -> None:
    """img2img runs ``int(steps * strength)`` steps: zero steps is a user error, not a crash."""
    if int(steps * strength) < 1:
        raise UsageError(f"{what} with {steps} inference steps leaves no denoising step "
                         f"(inference steps x strength must be at least 1)")


def describe(kwargs: dict[str, Any]) -> dict[str, str]:
    """Printable form of call arguments: images and tensors as shapes, no callbacks."""
    out: dict[str, str] = {}
    for key, value in kwargs.items():
        if callable(value) and not hasattr(value, "initial_seed"):
            continue
        if hasattr(value, "initial_seed"):
            text = f"<Generator seed={value.initial_seed()}>"
        elif hasattr(value, "shape"):
            text = f"<Tensor {tuple(value.shape)}>"
        elif hasattr(value, "size") and hasattr(value, "mode"):
            text = f"<Image {value.size[0]}x{value.size[1]} {value.mode}>"
        else:
            text = repr(value)
        out[key] = text
    return out
