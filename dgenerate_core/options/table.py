"""The one option table: every dgenerate option, assembled from the per-group table modules."""

from __future__ import annotations

from dgenerate_core.options.spec import OptionSpec
from dgenerate_core.options.table_accel import ACCEL_OPTIONS
from dgenerate_core.options.table_components import (
    COMPONENT_OPTIONS, QUANTIZER_OPTIONS, SCHEDULER_OPTIONS,
)
from dgenerate_core.options.table_meta import META_OPTIONS, MODEL_OPTIONS
from dgenerate_core.options.table_output import (
    GUIDANCE_OPTIONS, IMAGE_SEED_OPTIONS, OUTPUT_OPTIONS, SEED_OPTIONS,
)
from dgenerate_core.options.table_prompts import (
    ADETAILER_OPTIONS, INPAINT_CROP_OPTIONS, LATENTS_OPTIONS, PROMPT_OPTIONS,
)
from dgenerate_core.options.table_second import SDXL_OPTIONS, SECOND_MODEL_OPTIONS

OPTIONS: tuple[OptionSpec, ...] = (
    META_OPTIONS + MODEL_OPTIONS + COMPONENT_OPTIONS + QUANTIZER_OPTIONS + SCHEDULER_OPTIONS
    + ACCEL_OPTIONS + SECOND_MODEL_OPTIONS + SDXL_OPTIONS + ADETAILER_OPTIONS
    + INPAINT_CROP_OPTIONS + PROMPT_OPTIONS + LATENTS_OPTIONS + SEED_OPTIONS + OUTPUT_OPTIONS
    + IMAGE_SEED_OPTIONS + GUIDANCE_OPTIONS
)

BY_DEST: dict[str, OptionSpec] = {spec.dest: spec for spec in OPTIONS}
BY_NAME: dict[str, OptionSpec] = {name: spec for spec in OPTIONS for name in spec.names}

# usage groups of the reference: at most one option of each may be given
EXCLUSIVE_GROUPS: tuple[tuple[str, ...], ...] = (
    ("file", "shell", "no_stdin", "console"),
    ("control_nets", "t2i_adapters"),
    ("model_sequential_offload", "model_cpu_offload"),
    ("second_model_sequential_offload", "second_model_cpu_offload"),
    ("output_metadata", "output_auto1111_metadata"),
    ("image_seed_strengths", "upscaler_noise_levels"),
    ("seeds", "gen_seeds"),
)

assert len(BY_DEST) == len(OPTIONS), "duplicate dest in the option table"


def list_options() -> list[OptionSpec]:
    """Every option (the positional ``model_path`` included) in table order."""
    return list(OPTIONS)


def find_option(name: str) -> OptionSpec | None:
    """The option spelled ``name`` (``-gs``, ``--guidance-scales``) or with dest ``name``."""
    return BY_NAME.get(name) or BY_DEST.get(name) or BY_DEST.get(name.lstrip("-").replace("-", "_"))


# implementation status of option *values* (the flags per option live in the table rows)
IMPLEMENTED_MODEL_TYPES: tuple[str, ...] = (
    "sd", "pix2pix", "sdxl", "sdxl-pix2pix", "kolors", "upscaler-x2", "upscaler-x4", "if", "ifs",
    "ifs-img2img", "s-cascade", "sd3", "flux", "flux-fill", "flux-kontext")
