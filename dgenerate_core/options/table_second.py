"""Option table: the second model (SDXL refiner / Stable Cascade decoder) and SDXL conditioning."""

from __future__ import annotations

from dgenerate_core.options import values as v
from dgenerate_core.options.spec import (
    FLAG, LIST, ONE, REFINER, SDXL_TYPES, SECOND_MODEL, OptionSpec, option,
)

SECOND_MODEL_OPTIONS: tuple[OptionSpec, ...] = (
    option("--s-cascade-decoder", ONE, "second_model",
           "The Stable Cascade decoder model URI (required for --model-type s-cascade). Keys: "
           "revision, variant, subfolder, dtype.", metavar="MODEL_URI", parse=v.URI,
           model_types=("s-cascade",), implemented=True),
    option("--sdxl-refiner", ONE, "second_model",
           "An SDXL refiner model URI that finishes the main model's denoising. Keys: revision, "
           "variant, subfolder, dtype.", metavar="MODEL_URI", parse=v.URI,
           model_types=SDXL_TYPES, implemented=True),
    option("--sdxl-refiner-edit", FLAG, "second_model",
           "Run the refiner as a separate img2img edit of the finished image (strength 1 - high "
           "noise fraction) instead of cooperative denoising.", requires_any=REFINER,
           implemented=True),
    option("-hnf --sdxl-high-noise-fractions", LIST, "second_model",
           "Fractions (>= 0) of the denoising done by the main model before the refiner takes "
           "over, tried in turn.", metavar="FLOAT", parse=v.FLOAT_NONNEG, product=True,
           default=[0.8], requires_any=REFINER, implemented=True),
    option("-rgr --sdxl-refiner-guidance-rescales", LIST, "second_model",
           "Guidance rescale values (>= 0) for the SDXL refiner, tried in turn.",
           metavar="FLOAT", parse=v.FLOAT_NONNEG, product=True, requires_any=REFINER,
           default_text="--guidance-rescales", implemented=True),
    option("-ifs2 --second-model-inference-steps", LIST, "second_model",
           "Inference steps (> 0) for the refiner or decoder, tried in turn.", metavar="INTEGER",
           parse=v.INT_POS, product=True, requires_any=SECOND_MODEL,
           default_text="--inference-steps (SDXL), 10 (Stable Cascade)", implemented=True),
    option("-gs2 --second-model-guidance-scales", LIST, "second_model",
           "Guidance scales (>= 0) for the refiner or decoder, tried in turn.", metavar="FLOAT",
           parse=v.FLOAT_NONNEG, product=True, requires_any=SECOND_MODEL,
           default_text="--guidance-scales (SDXL), 0 (Stable Cascade)", implemented=True),
)


def _sdxl(name: str, metavar: str, parse, help: str, refiner: bool) -> OptionSpec:
    prefix = "sdxl-refiner" if refiner else "sdxl"
    where = "the SDXL refiner pass" if refiner else "the SDXL main model"
    return option(f"--{prefix}-{name}", LIST, "sdxl",
                  f"{help} for {where}; each value is tried in turn.", metavar=metavar,
                  parse=parse, product=True, model_types=SDXL_TYPES,
                  requires_any=REFINER if refiner else (), implemented=True)


_MICRO = (
    ("aesthetic-scores", "FLOAT", v.FLOAT, "Aesthetic score micro-conditioning"),
    ("crops-coords-top-left", "COORD", v.COORD, "Crop top-left 'X,Y' micro-conditioning"),
    ("original-sizes", "SIZE", v.SIZE, "Original size 'WxH' micro-conditioning"),
    ("target-sizes", "SIZE", v.SIZE, "Target size 'WxH' micro-conditioning"),
    ("negative-aesthetic-scores", "FLOAT", v.FLOAT, "Negative aesthetic score conditioning"),
    ("negative-original-sizes", "SIZE", v.SIZE, "Negative original size conditioning"),
    ("negative-target-sizes", "SIZE", v.SIZE, "Negative target size conditioning"),
    ("negative-crops-coords-top-left", "COORD", v.COORD, "Negative crop top-left conditioning"),
)

SDXL_OPTIONS: tuple[OptionSpec, ...] = (
    option("--sdxl-t2i-adapter-factors", LIST, "sdxl",
           "Fractions in [0, 1] of the timesteps during which T2I adapters apply, tried in turn.",
           metavar="FLOAT", parse=v.FLOAT_UNIT, product=True, model_types=SDXL_TYPES,
           requires_any=("t2i_adapters",), implemented=True),
) + tuple(_sdxl(*row, refiner=False) for row in _MICRO) \
  + tuple(_sdxl(*row, refiner=True) for row in _MICRO)
