"""Embedded prompt arguments: ``<name: value>`` anywhere in a prompt (usage.md §12.3).

Each match is taken out (replaced by a space, the prompt stripped) before the ``;`` split, so it
applies to the whole prompt. ``weighter`` and ``upscaler`` are special (``upscaler`` may repeat
and chains in order); other names set one diffusion argument of the generation step, the last
repeat winning. Values are parsed with the option table's own value parsers.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Any

from dgenerate_core.errors import UsageError
from dgenerate_core.options import BY_DEST
from dgenerate_core.options.spec import FLAG
from dgenerate_core.uri import as_bool

PATTERN = re.compile(r"<\s*([a-zA-Z_-][a-zA-Z0-9_-]+)\s*:\s*(.*?)\s*>", re.DOTALL)
SPECIAL = ("weighter", "upscaler")

ALLOWED = frozenset("""
scheduler-uri second-model-scheduler-uri latents-processors latents-post-processors
img2img-latents-processors decoded-latents-image-processor-uris
width height batch-size max-sequence-length seed image-seed-strength guidance-scale
inference-steps clip-skip guidance-rescale image-guidance-scale upscaler-noise-level
denoising-start denoising-end
sdxl-refiner-edit sdxl-t2i-adapter-factor sdxl-high-noise-fraction
second-model-inference-steps second-model-guidance-scale
sdxl-refiner-guidance-rescale sdxl-refiner-clip-skip sdxl-refiner-pag-scale
sdxl-refiner-pag-adaptive-scale
sdxl-aesthetic-score sdxl-negative-aesthetic-score sdxl-refiner-aesthetic-score
sdxl-refiner-negative-aesthetic-score
sdxl-original-size sdxl-target-size sdxl-crops-coords-top-left sdxl-negative-original-size
sdxl-negative-target-size sdxl-negative-crops-coords-top-left
sdxl-refiner-original-size sdxl-refiner-target-size sdxl-refiner-crops-coords-top-left
sdxl-refiner-negative-original-size sdxl-refiner-negative-target-size
sdxl-refiner-negative-crops-coords-top-left
hi-diffusion-no-win-attn hi-diffusion-no-raunet
sada-max-downsample sada-sx sada-sy sada-acc-range sada-lagrange-term sada-lagrange-int
sada-lagrange-step sada-max-fix sada-max-interval
tea-cache-rel-l1-threshold
ras-index-fusion ras-sample-ratio ras-high-ratio ras-starvation-scale ras-error-reset-steps
ras-start-step ras-end-step ras-metric ras-skip-num-step ras-skip-num-step-length
pag-scale pag-adaptive-scale
adetailer-model-masks adetailer-mask-shape adetailer-detector-padding adetailer-mask-padding
adetailer-mask-blur adetailer-mask-dilation adetailer-size
deep-cache-interval deep-cache-branch-id sdxl-refiner-deep-cache
sdxl-refiner-deep-cache-interval sdxl-refiner-deep-cache-branch-id
""".split())

#: diffusion arguments that exist but may not be set from a prompt (prompts and image inputs)
FORBIDDEN = frozenset("""
prompt negative-prompt second-prompt second-negative-prompt third-prompt third-negative-prompt
second-model-prompt second-model-negative-prompt second-model-second-prompt
second-model-second-negative-prompt prompt-weighter prompt-weighter-uri
second-model-prompt-weighter second-model-prompt-weighter-uri prompt-upscaler
prompt-upscaler-uri prompt-upscalers images image mask-images mask-image control-images
control-image ip-adapter-images ip-adapter-image floyd-image latents
""".split())

#: names whose value is not an option value of the same name
_SPECIAL_DESTS = {"width": ("size", None), "height": ("size", None),
                  "seed": ("step", "seeds"), "scheduler-uri": ("step", "schedulers"),
                  "second-model-scheduler-uri": ("step", "second_model_schedulers"),
                  "sdxl-refiner-clip-skip": ("step", "sdxl_refiner_clip_skips"),
                  "decoded-latents-image-processor-uris":
                      ("opts", "decoded_latents_image_processors")}


@dataclass
class Embedded:
    """A prompt with its embedded arguments taken out."""

    text: str
    weighter: str | None = None
    upscalers: list[str] = field(default_factory=list)
    args: dict[str, str] = field(default_factory=dict)

    def with_args_text(self, text: str) -> str:
        """``text`` with the non-special arguments written back in front (for upscaled
        prompts, which keep their diffusion arguments)."""
        head = " ".join(f"<{name}: {value}>" for name, value in self.args.items())
        extra = f"<weighter: {self.weighter}>" if self.weighter else ""
        return " ".join(x for x in (head, extra, text) if x)


def extract(text: str | None, keep_upscalers: bool = False) -> Embedded:
    """Take every ``<name: value>`` out of ``text`` (unknown and forbidden names raise)."""
    if not text:
        return Embedded(text or "")
    found = Embedded("")

    def take(m: re.Match) -> str:
        name, value = m.group(1), m.group(2)
        if name == "weighter":
            found.weighter = value
        elif name == "upscaler":
            if keep_upscalers:
                return m.group(0)
            found.upscalers.append(value)
        elif name in FORBIDDEN:
            raise UsageError(f'Setting diffusion argument "{name}" from the prompt is forbidden.')
        elif name not in ALLOWED:
            raise UsageError(f"Unknown embedded prompt argument: {name}")
        else:
            found.args.pop(name, None)
            found.args[name] = value
        return " "

    found.text = PATTERN.sub(take, text).strip()
    return found


def upscalers_only(text: str) -> tuple[str, list[str]]:
    """Only the ``<upscaler: ...>`` arguments taken out (the prompt-upscale sub-command leaves
    the others in the prompt)."""
    found: list[str] = []

    def take(m: re.Match) -> str:
        if m.group(1) == "upscaler":
            found.append(m.group(2))
            return " "
        return m.group(0)
    return PATTERN.sub(take, text).strip(), found


def target(name: str) -> tuple[str, str | None]:
    """Where a name goes: ("step", axis dest), ("opts", option dest) or ("size", None)."""
    if name in _SPECIAL_DESTS:
        return _SPECIAL_DESTS[name]
    dest = name.replace("-", "_")
    for candidate in (dest + "s", dest + "es", dest):  # product options are the plan's axes
        spec = BY_DEST.get(candidate)
        if spec is not None and spec.product and candidate != "gen_seeds":
            return "step", candidate
    for candidate in (dest, dest + "s"):
        if candidate in BY_DEST:
            return "opts", candidate
    return "opts", dest


def _literal(text: str) -> Any:
    return ast.literal_eval(text)


def parse_value(name: str, text: str) -> Any:
    """One value, typed by the option it sets; ``UsageError`` naming the argument."""
    kind, dest = target(name)
    try:
        if text.strip() == "None":
            return None
        if kind == "size":
            value = int(text)
            if value < 1:
                raise ValueError("must be at least 1")
            return value
        spec = BY_DEST.get(dest) if dest else None
        if spec is None:
            return text
        if spec.shape == FLAG:
            return as_bool(text)
        if text.strip().startswith("["):
            value = _literal(text)
            if not isinstance(value, list):
                raise ValueError("expected a list")
            return [spec.parse(str(v)) if spec.parse else v for v in value] \
                if spec.is_list and kind == "opts" else value
        parsed = spec.parse(text) if spec.parse else text
        return [parsed] if spec.is_list and kind == "opts" else parsed
    except (UsageError, ValueError, SyntaxError, TypeError) as ex:
        raise UsageError(f"Could not parse embedded prompt argument: <{name}: {text}>: "
                         f"{ex}") from None


def overrides(args: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any], dict[str, int]]:
    """Parsed (step values, option values, size parts) of a prompt's arguments."""
    step: dict[str, Any] = {}
    opts: dict[str, Any] = {}
    size: dict[str, int] = {}
    for name, text in args.items():
        kind, dest = target(name)
        value = parse_value(name, text)
        if kind == "size":
            size[name] = value
        elif kind == "step":
            step[dest] = value
        else:
            opts[dest] = value
    return step, opts, size
