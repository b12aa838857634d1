"""The human log of a render: one block of parameters per generation step, files written, and
(with ``-v``) the arguments of every pipeline call. Written to standard output."""

from __future__ import annotations

import sys
from typing import Any, TextIO

from dgenerate_core.render.plan import AXES, split_prompt

_TITLES = {
    "prompts": "Prompt", "second_prompts": "Second Prompt", "third_prompts": "Third Prompt",
    "second_model_prompts": "Second Model Prompt",
    "second_model_second_prompts": "Second Model Second Prompt",
    "schedulers": "Scheduler", "second_model_schedulers": "Second Model Scheduler",
    "seeds": "Seed", "clip_skips": "Clip Skip", "image_seed_strengths": "Image Seed Strength",
    "guidance_scales": "Guidance Scale", "guidance_rescales": "Guidance Rescale",
    "inference_steps": "Inference Steps", "pag_scales": "PAG Scale",
    "pag_adaptive_scales": "PAG Adaptive Scale", "freeu_params": "FreeU Params",
    "sdxl_high_noise_fractions": "SDXL High Noise Fraction",
    "second_model_inference_steps": "Second Model Inference Steps",
    "second_model_guidance_scales": "Second Model Guidance Scale",
    "sdxl_refiner_guidance_rescales": "SDXL Refiner Guidance Rescale",
}


def title(dest: str) -> str:
    """The log title of an axis, e.g. ``guidance_scales`` -> ``Guidance Scale``."""
    if dest in _TITLES:
        return _TITLES[dest]
    words = dest.split("_")
    if words[-1].endswith("s") and not words[-1].endswith("ss"):
        words[-1] = words[-1][:-1]
    return " ".join(w.upper() if w in ("sdxl", "pag", "ras", "sada") else w.capitalize()
                    for w in words)


def _format(dest: str, value: Any) -> str:
    if isinstance(value, tuple) and dest.endswith("sizes") and len(value) == 2:
        return f"{value[0]}x{value[1]}"
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def step_lines(step: Any, mode: str, size: tuple[int, int] | None, batch_size: int,
               frame: tuple[int, int] | None = None) -> list[str]:
    """The parameter lines of one step (of one animation frame), in axis order."""
    lines = [f"Generation step {step.number} / {step.total}", f"    Mode: {mode}"]
    if frame is not None:
        lines[0] += f", frame {frame[0]} / {frame[1]}"
    if step.image_seed is not None:
        lines.append(f'    Image Seed: "{step.image_seed}"')
    for dest in AXES:
        value = step[dest]
        if value is None:
            continue
        if dest.endswith("prompts"):
            positive, negative = split_prompt(value)
            lines.append(f'    {title(dest)}: "{positive}"')
            if negative is not None:
                lines.append(f'    {title(dest).replace("Prompt", "Negative Prompt")}: '
                             f'"{negative}"')
            continue
        lines.append(f"    {title(dest)}: {_format(dest, value)}")
    if size is not None:
        lines.append(f"    Output Size: {size[0]}x{size[1]}")
    else:
        lines.append("    Input: latents tensor")
    if batch_size > 1:
        lines.append(f"    Batch Size: {batch_size}")
    return lines


def log_step(step: Any, mode: str, size: tuple[int, int] | None, batch_size: int,
             out: TextIO | None = None, frame: tuple[int, int] | None = None) -> None:
    """Print the parameter block of one generation step (or animation frame)."""
    stream = out or sys.stdout
    stream.write("\n".join(step_lines(step, mode, size, batch_size, frame)) + "\n")
    stream.flush()


def log_call(pipe: Any, described: dict[str, str], out: TextIO | None = None) -> None:
    """Print a pipeline call's arguments (``-v``)."""
    stream = out or sys.stdout
    stream.write(f"Calling {type(pipe).__name__} with:\n")
    for key, value in described.items():
        stream.write(f"    {key}: {value}\n")
    stream.flush()


def log_written(path: str, kind: str = "Image", out: TextIO | None = None) -> None:
    """Announce a file written."""
    stream = out or sys.stdout
    stream.write(f"Wrote {kind} File: {path}\n")
    stream.flush()
