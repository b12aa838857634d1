"""``validate``: the cross-option rules of the manual, one small named function per rule.

Each rule takes ``(opts, ctx)`` and raises ``UsageError`` (or ``NotSupportedYet``) with one line
naming the options involved. ``RULES`` lists them in the order they run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from dgenerate_core.errors import NotSupportedYet, UsageError
from dgenerate_core.options import rules_model as _model
from dgenerate_core.options.rules_common import (
    PSEUDO_HELP, given, is_help_mode, model_type, name,
)
from dgenerate_core.options.spec import FLUX_TYPES, SD3_TYPES
from dgenerate_core.options.table import (
    EXCLUSIVE_GROUPS, IMPLEMENTED_MODEL_TYPES, OPTIONS,
)
from dgenerate_core.options.values import TENSOR_FORMATS
from dgenerate_core.registries.option_rules import registered_rules


@dataclass
class Context:
    """What a rule may need besides the options: where the invocation comes from."""

    in_script: bool = False


Rule = Callable[..., None]

def check_model_path(opts) -> None:
    """Raise when a generation run lacks ``model_path`` (help modes need none)."""
    if opts.model_path is None and not is_help_mode(opts):
        raise UsageError("a model_path is required (a Hugging Face slug, folder or file)")


def rule_meta_in_script(opts, ctx: Context) -> None:
    """R2: meta arguments are only valid on the real command line."""
    if not ctx.in_script:
        return
    for spec in OPTIONS:
        if spec.meta and given(opts, spec.dest):
            raise UsageError(f"{spec.long} is a meta argument and cannot be used inside a "
                             f"configuration script")


def rule_exclusive_groups(opts, ctx: Context) -> None:
    """R1, R8-R12: options of one usage group are mutually exclusive."""
    for members in EXCLUSIVE_GROUPS:
        present = [d for d in members if given(opts, d)]
        if len(present) > 1:
            raise UsageError(f"{name(present[0])} and {name(present[1])} cannot be used "
                             f"together")


def rule_not_implemented(opts, ctx: Context) -> None:
    """Recognised options whose feature is not built yet."""
    for spec in OPTIONS:
        if not spec.implemented and given(opts, spec.dest):
            raise NotSupportedYet(spec.long)


def rule_model_type_implemented(opts, ctx: Context) -> None:
    mt = model_type(opts)
    if mt not in IMPLEMENTED_MODEL_TYPES:
        raise NotSupportedYet(f"--model-type {mt}")


def rule_help_values(opts, ctx: Context) -> None:
    """R5: 'help' / 'helpargs' must stand alone and not be combined across options."""
    helpers = []
    for dest, allowed in (("schedulers", PSEUDO_HELP), ("second_model_schedulers", PSEUDO_HELP),
                          ("text_encoders", ("help",)), ("second_model_text_encoders", ("help",))):
        values = getattr(opts, dest) or []
        asked = [v for v in values if v in PSEUDO_HELP]
        if asked and len(values) > 1:
            raise UsageError(f"{name(dest)}: '{asked[0]}' must be the only value")
        if asked and asked[0] not in allowed:
            raise UsageError(f"{name(dest)}: '{asked[0]}' is not accepted, use 'help'")
        if asked:
            helpers.append(dest)
    te = [d for d in helpers if "text_encoders" in d]
    if len(te) > 1 or (te and len(helpers) > len(te)):
        others = [d for d in helpers if d != te[0]]
        raise UsageError(f"{name(te[0])} help cannot be combined with help for {name(others[0])}")


def rule_requires(opts, ctx: Context) -> None:
    """R20, R23-R26, R29, R30: options that need another option (table ``requires_any``)."""
    for spec in OPTIONS:
        if spec.requires_any and given(opts, spec.dest):
            if not any(given(opts, d) for d in spec.requires_any):
                needed = " or ".join(name(d) for d in spec.requires_any)
                raise UsageError(f"{spec.long} requires {needed}")


def rule_model_types(opts, ctx: Context) -> None:
    """R37, R38, R44, R26 ...: options limited to some model types (table ``model_types``)."""
    mt = model_type(opts)
    for spec in OPTIONS:
        if spec.model_types is not None and given(opts, spec.dest) and mt not in spec.model_types:
            raise UsageError(f"{spec.long} is not supported for --model-type {mt} (only for: "
                             f"{', '.join(spec.model_types)})")


def rule_no_frames(opts, ctx: Context) -> None:
    """R13: --no-frames with --animation-format frames."""
    if opts.no_frames and opts.animation_format == "frames":
        raise UsageError("--no-frames cannot be used with --animation-format frames")


def rule_output_prefix(opts, ctx: Context) -> None:
    """R66: the output prefix is a file name part, not a path."""
    if opts.output_prefix is not None and ("/" in opts.output_prefix or "\\" in opts.output_prefix):
        raise UsageError(f"--output-prefix must not contain '/' or '\\', got "
                         f"{opts.output_prefix!r}")


def rule_metadata_format(opts, ctx: Context) -> None:
    """R67: metadata can only be embedded in png and jpeg files."""
    fmt = opts.image_format or "png"
    for dest in ("output_metadata", "output_auto1111_metadata"):
        if given(opts, dest) and fmt not in ("png", "jpg", "jpeg"):
            raise UsageError(f"{name(dest)} requires --image-format png, jpg or jpeg, "
                             f"not {fmt}")


def rule_tensor_output(opts, ctx: Context) -> None:
    """R68, R49: grids, inpaint crop and adetailer need decoded images, not tensors."""
    if opts.image_format not in TENSOR_FORMATS:
        return
    for dest in ("batch_grid_size", "inpaint_crop", "inpaint_crop_paddings",
                 "inpaint_crop_masked", "inpaint_crop_feathers", "adetailer_detectors"):
        if given(opts, dest):
            raise UsageError(f"{name(dest)} cannot be used with --image-format "
                             f"{opts.image_format}")


def rule_latents_post_processors(opts, ctx: Context) -> None:
    """R31: output latents processors need a tensor image format."""
    if given(opts, "latents_post_processors") and opts.image_format not in TENSOR_FORMATS:
        raise UsageError("--latents-post-processors requires --image-format pt, pth or "
                         "safetensors")


def rule_processors(opts, ctx: Context) -> None:
    """The rules registered from above: processor URIs are valid before any model loads, -lp /
    -ilp need latents inputs (``dgenerate_core.processors.rules``)."""
    for rule in registered_rules():
        rule(opts, ctx)


def rule_frame_range(opts, ctx: Context) -> None:
    """R65: --frame-start must not exceed --frame-end."""
    start = opts.frame_start or 0
    if opts.frame_end is not None and start > opts.frame_end:
        raise UsageError(f"--frame-start ({start}) must not be greater than --frame-end "
                         f"({opts.frame_end})")


def rule_output_size_alignment(opts, ctx: Context) -> None:
    """R64: SD3 and Flux sizes align to 16, Stable Cascade to 128 (all others to 8)."""
    if opts.output_size is None:
        return
    mt = model_type(opts)
    align = 128 if mt == "s-cascade" else 16 if mt in SD3_TYPES + FLUX_TYPES else 8
    width, height = opts.output_size
    if width % align or height % align:
        raise UsageError(f"--output-size {width}x{height} must be divisible by {align} for "
                         f"--model-type {mt}")


RULES: tuple[Rule, ...] = (
    rule_meta_in_script,
    rule_exclusive_groups,
    rule_not_implemented,
    rule_model_type_implemented,
    rule_help_values,
    rule_requires,
    rule_model_types,
) + _model.MODEL_RULES + (
    rule_no_frames,
    rule_output_prefix,
    rule_metadata_format,
    rule_tensor_output,
    rule_latents_post_processors,
    rule_processors,
    rule_frame_range,
    rule_output_size_alignment,
)


def validate(opts, in_script: bool = False) -> None:
    """Apply every rule of ``RULES`` to ``opts``; raises ``UsageError`` / ``NotSupportedYet``."""
    ctx = Context(in_script=in_script)
    for rule in RULES:
        rule(opts, ctx)

