"""Option table: adetailer, inpaint crop, prompts and their weighters / upscalers, latents."""

from __future__ import annotations

from dgenerate_core.options import values as v
from dgenerate_core.options.spec import (
    FLAG, FLUX_TYPES, LIST, ONE, OPTLIST, REFINER, SD3_TYPES, SECOND_MODEL,
    OptionSpec, option,
)

_AD_TYPES = ("sd", "sdxl", "kolors", "sd3", "flux", "flux-fill")
_AD = ("adetailer_detectors",)


def _ad(names: str, shape: str, help: str, metavar=None, parse=None, product=False,
        default=None) -> OptionSpec:
    return option(names, shape, "adetailer", help, metavar=metavar, parse=parse,
                  product=product, default=default, requires_any=_AD, model_types=_AD_TYPES,
                  implemented=True)


ADETAILER_OPTIONS: tuple[OptionSpec, ...] = (
    option("-ad --adetailer-detectors", LIST, "adetailer",
           "YOLO detector model URIs; detected regions of the --image-seeds image are masked and "
           "inpainted in turn. Keys include weight-name, confidence, mask-padding, prompt.",
           metavar="ADETAILER_DETECTOR_URIS", parse=v.URI, model_types=_AD_TYPES,
           implemented=True),
    _ad("-adm --adetailer-model-masks", FLAG,
        "Use the detector's segmentation masks instead of masks drawn from boxes."),
    _ad("-adf --adetailer-class-filter", LIST,
        "Keep only detections of these class ids or names (applied before the index filter).",
        "CLASS_FILTER", v.CLASS_FILTER),
    _ad("-adi --adetailer-index-filter", LIST,
        "Keep only detections with these indices (>= 0) in reading order.", "INTEGER",
        v.INT_NONNEG),
    _ad("-ads --adetailer-mask-shapes", LIST,
        "Mask shapes to try in turn: rectangle (r, rect) or ellipse (c, circle).",
        "ADETAILER_MASK_SHAPE", v.enum(v.MASK_SHAPES, what="mask shape"), True, ["rectangle"]),
    _ad("-addp --adetailer-detector-paddings", LIST,
        "Padding added around each detection box before masking (N, HxV or LxTxRxB; negative "
        "shrinks), tried in turn.", "ADETAILER_DETECTOR_PADDING", v.PAD, True, [(0, 0, 0, 0)]),
    _ad("-admp --adetailer-mask-paddings", LIST,
        "Padding around the mask for the inpainted crop (N, HxV or LxTxRxB), tried in turn.",
        "ADETAILER_MASK_PADDING", v.PAD, True, [(32, 32, 32, 32)]),
    _ad("-adb --adetailer-mask-blurs", LIST,
        "Gaussian blur (>= 0) of the inpaint mask, tried in turn.", "ADETAILER_MASK_BLUR",
        v.INT_NONNEG, True, [4]),
    _ad("-add --adetailer-mask-dilations", LIST,
        "Dilation (>= 0) of the inpaint mask, tried in turn.", "ADETAILER_MASK_DILATION",
        v.INT_NONNEG, True, [4]),
    _ad("-adsz --adetailer-sizes", LIST,
        "Process each detected area scaled so its larger side is this size (> 1), tried in "
        "turn.", "ADETAILER_SIZE", v.int_range(2), True),
    _ad("-adc --adetailer-crop-control-image", FLAG,
        "Crop the ControlNet control image to each detected area instead of resizing it."),
)

INPAINT_CROP_OPTIONS: tuple[OptionSpec, ...] = (
    option("-ic --inpaint-crop", FLAG, "inpaint_crop",
           "Inpaint a crop around each mask's bounds at full resolution and paste it back.",
           implemented=True),
    option("-icp --inpaint-crop-paddings", LIST, "inpaint_crop",
           "Padding around the mask bounds (N, HxV or LxTxRxB), tried in turn; implies "
           "--inpaint-crop.", metavar="PADDING", parse=v.PAD, product=True,
           default=[(32, 32, 32, 32)], implemented=True),
    option("-icm --inpaint-crop-masked", FLAG, "inpaint_crop",
           "Paste the crop back through the mask so only masked pixels change; implies "
           "--inpaint-crop.", implemented=True),
    option("-icf --inpaint-crop-feathers", LIST, "inpaint_crop",
           "Feather widths (>= 0) for pasting the crop back, tried in turn; implies "
           "--inpaint-crop.", metavar="FEATHER", parse=v.INT_NONNEG, product=True,
           implemented=True),
)


def _upscaler(names: str, which: str, **kw) -> OptionSpec:
    return option(names, LIST, "prompts",
                  f"Prompt upscaler URIs chained in order over {which}; they may expand one "
                  "prompt into several.", metavar="PROMPT_UPSCALER_URI", parse=v.URI,
                  default_text="--prompt-upscaler", implemented=True, **kw)


PROMPT_OPTIONS: tuple[OptionSpec, ...] = (
    option("-pw --prompt-weighter", ONE, "prompts",
           "Prompt weighter URI (e.g. compel, sd-embed) enabling weighting syntax and long "
           "prompts.", metavar="PROMPT_WEIGHTER_URI", parse=v.URI, implemented=True),
    option("-pw2 --second-model-prompt-weighter", ONE, "prompts",
           "Prompt weighter URI for the SDXL refiner or Stable Cascade decoder.",
           metavar="PROMPT_WEIGHTER_URI", parse=v.URI, requires_any=SECOND_MODEL,
           implemented=True),
    option("--prompt-weighter-help", OPTLIST, "prompts",
           "List the prompt weighters, or document the named ones. Use alone or with "
           "--plugin-modules.", metavar="PROMPT_WEIGHTER_NAMES", parse=v.STR,
           implemented=True),
    _upscaler("-pu --prompt-upscaler --prompt-upscalers", "every prompt"),
    _upscaler("-pu2 --second-model-prompt-upscaler --second-model-prompt-upscalers",
              "--second-model-prompts", requires_any=SECOND_MODEL),
    _upscaler("--second-model-second-prompt-upscaler --second-model-second-prompt-upscalers",
              "--second-model-second-prompts", requires_any=REFINER),
    _upscaler("--second-prompt-upscaler --second-prompt-upscalers", "--second-prompts"),
    _upscaler("--third-prompt-upscaler --third-prompt-upscalers", "--third-prompts"),
    option("--prompt-upscaler-help", OPTLIST, "prompts",
           "List the prompt upscalers, or document the named ones. Use alone or with "
           "--plugin-modules.", metavar="PROMPT_UPSCALER_NAMES", parse=v.STR,
           implemented=True),
    option("-p --prompts", LIST, "prompts",
           "Prompts to try in turn, each 'positive; negative'.", metavar="PROMPT", parse=v.STR,
           product=True, default=[""], default_text="an empty prompt", implemented=True),
    option("--second-prompts", LIST, "prompts",
           "Prompts for the second text encoder (SDXL, SD3, Flux), tried in turn.",
           metavar="PROMPT", parse=v.STR, product=True,
           model_types=("sdxl", "sdxl-pix2pix") + SD3_TYPES + FLUX_TYPES,
           default_text="--prompts", implemented=True),
    option("--third-prompts", LIST, "prompts",
           "Prompts for SD3's third (T5) text encoder, tried in turn.", metavar="PROMPT",
           parse=v.STR, product=True, model_types=SD3_TYPES, default_text="--prompts",
           implemented=True),
    option("--second-model-prompts", LIST, "prompts",
           "Prompts for the SDXL refiner or Stable Cascade decoder, tried in turn.",
           metavar="PROMPT", parse=v.STR, product=True, requires_any=SECOND_MODEL,
           default_text="--prompts", implemented=True),
    option("--second-model-second-prompts", LIST, "prompts",
           "Prompts for the SDXL refiner's second text encoder, tried in turn.",
           metavar="PROMPT", parse=v.STR, product=True, requires_any=REFINER,
           default_text="--prompts", implemented=True),
    option("--max-sequence-length", ONE, "prompts",
           "Maximum T5 prompt length in tokens for SD3 and Flux, 1 to 512.", metavar="INTEGER",
           parse=v.int_range(1, 512), model_types=SD3_TYPES + FLUX_TYPES,
           default_text="256 for SD3, 512 for Flux", implemented=True),
    option("-cs --clip-skips", LIST, "prompts",
           "Number of final CLIP layers to skip (>= 0), tried in turn; for sd, sdxl and sd3, or "
           "any model type when a prompt weighter is used.", metavar="INTEGER",
           parse=v.INT_NONNEG, product=True, implemented=True),
)

LATENTS_OPTIONS: tuple[OptionSpec, ...] = (
    option("-lp --latents-processors", LIST, "latents",
           "Latents processor URIs for raw noise latents given with --image-seeds; '+' separates "
           "the chains of successive inputs.", metavar="LATENTS_PROCESSOR_URI", parse=v.URI,
           requires_any=("image_seeds",), implemented=True),
    option("-ilp --img2img-latents-processors", LIST, "latents",
           "Latents processor URIs for img2img latent tensors given with --image-seeds; '+' "
           "separates chains.", metavar="LATENTS_PROCESSOR_URI", parse=v.URI,
           requires_any=("image_seeds",), implemented=True),
    option("-lpp --latents-post-processors", LIST, "latents",
           "Latents processor URIs applied to output latents when --image-format is pt, pth or "
           "safetensors.", metavar="LATENTS_PROCESSOR_URI", parse=v.URI, implemented=True),
    option("--latents-processor-help", OPTLIST, "latents",
           "List the latents processors, or document the named ones. Use alone or with "
           "--plugin-modules.", metavar="LATENTS_PROCESSOR_NAMES", parse=v.STR, implemented=True),
)
