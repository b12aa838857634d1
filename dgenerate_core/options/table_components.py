"""Option table: model component URIs, quantization, schedulers and sigmas."""

from __future__ import annotations

from dgenerate_core.options import values as v
from dgenerate_core.options.spec import (
    FLAG, FLUX_TYPES, LIST, ONE, OPTLIST, REFINER, SD3_TYPES, SECOND_MODEL, UNET_TYPES,
    OptionSpec, option,
)

_URI_KEYS = "Keys: revision, variant, subfolder, dtype, quantizer."

COMPONENT_OPTIONS: tuple[OptionSpec, ...] = (
    option("-te --text-encoders", LIST, "components",
           "Replace the main model's text encoders, one URI per encoder position "
           "(ClassName;model=PATH;...). '+' keeps the default for a position, 'null' skips "
           "loading it, 'help' lists the model's encoders.", metavar="TEXT_ENCODER_URIS",
           parse=v.URI, pseudo_values=("help",), implemented=True),
    option("-te2 --second-model-text-encoders", LIST, "second_model",
           "Like --text-encoders, for the SDXL refiner or Stable Cascade decoder.",
           metavar="TEXT_ENCODER_URIS", parse=v.URI, pseudo_values=("help",),
           requires_any=SECOND_MODEL, implemented=True),
    option("-un --unet", ONE, "components",
           "Replace the main model's UNet with this repository, folder or checkpoint URI. "
           + _URI_KEYS, metavar="UNET_URI", parse=v.URI, model_types=UNET_TYPES,
           implemented=True),
    option("-un2 --second-model-unet", ONE, "second_model",
           "Replace the UNet of the SDXL refiner or Stable Cascade decoder.",
           metavar="UNET_URI", parse=v.URI, requires_any=SECOND_MODEL, implemented=True),
    option("-tf --transformer", ONE, "components",
           "Replace the transformer of an SD3 or Flux model with this URI. " + _URI_KEYS,
           metavar="TRANSFORMER_URI", parse=v.URI, model_types=SD3_TYPES + FLUX_TYPES,
           implemented=True),
    option("-vae --vae", ONE, "components",
           "Replace the VAE: ClassName;model=PATH with keys revision, variant, subfolder, extract, "
           "dtype. Classes: AutoencoderKL, AsymmetricAutoencoderKL, AutoencoderTiny, "
           "ConsistencyDecoderVAE.", metavar="VAE_URI", parse=v.URI,
           model_types=("sd", "pix2pix", "upscaler-x2", "upscaler-x4", "sdxl", "sdxl-pix2pix",
                        "kolors") + SD3_TYPES + FLUX_TYPES, implemented=True),
    option("-vt --vae-tiling", FLAG, "components",
           "Encode and decode through the VAE in tiles to save memory on large images.",
           implemented=True),
    option("-vs --vae-slicing", FLAG, "components",
           "Decode a batch through the VAE one image at a time to save memory.",
           implemented=True),
    option("-lra --loras", LIST, "components",
           "LoRA models to merge into the main model, each at its own 'scale' (default 1.0). Keys: "
           "scale, revision, subfolder, weight-name.", metavar="LORA_URI", parse=v.URI,
           model_types=("sd", "pix2pix", "upscaler-x4", "sdxl", "sdxl-pix2pix", "kolors")
           + SD3_TYPES + FLUX_TYPES, implemented=True),
    option("-lrfs --lora-fuse-scale", ONE, "components",
           "Scale at which the merged LoRAs are fused into the model.",
           metavar="LORA_FUSE_SCALE", parse=v.FLOAT, default=1.0, implemented=True),
    option("-ie --image-encoder", ONE, "components",
           "CLIP vision image encoder for IP adapters that do not ship one (and optionally for "
           "Stable Cascade). Keys: revision, variant, subfolder, dtype.",
           metavar="IMAGE_ENCODER_URI", parse=v.URI, implemented=True),
    option("-ipa --ip-adapters", LIST, "components",
           "IP adapter models; their images are given with the 'adapters:' image seed syntax. "
           "Keys: scale, revision, subfolder, weight-name.", metavar="IP_ADAPTER_URI",
           parse=v.URI, model_types=("sd", "pix2pix", "sdxl", "kolors", "sd3", "flux"),
           implemented=True),
    option("-ti --textual-inversions", LIST, "components",
           "Textual inversion embeddings to load. Keys: token, revision, subfolder, weight-name.",
           metavar="URI", parse=v.URI,
           model_types=("sd", "pix2pix", "upscaler-x4", "sdxl", "sdxl-pix2pix", "flux",
                        "flux-fill"), implemented=True),
    option("-cn --control-nets", LIST, "components",
           "ControlNet models used together, one control image each. Keys: scale, start, end, "
           "mode, revision, variant, subfolder, dtype.", metavar="CONTROLNET_URI", parse=v.URI,
           model_types=("sd", "sdxl", "kolors", "sd3", "flux"), implemented=True),
    option("-t2i --t2i-adapters", LIST, "components",
           "T2I adapter models used together for txt2img, one control image each. Keys: scale, "
           "revision, variant, subfolder, dtype.", metavar="T2I_ADAPTER_URI", parse=v.URI,
           model_types=("sd", "sdxl"), implemented=True),
)

QUANTIZER_OPTIONS: tuple[OptionSpec, ...] = (
    option("-q --quantizer", ONE, "quantization",
           "Quantize the text encoders and the UNet / transformer with this backend URI, e.g. "
           "'bnb;bits=4' or 'sdnq;type=int8'.", metavar="QUANTIZER_URI", parse=v.URI,
           implemented=True),
    option("--quantizer-help", OPTLIST, "quantization",
           "List the quantization backends, or document the named ones. Use alone.",
           metavar="QUANTIZER_NAME", parse=v.STR, implemented=True),
    option("-qm --quantizer-map", LIST, "quantization",
           "The submodules --quantizer applies to: " + ", ".join(v.QUANTIZER_SUBMODULES) + ".",
           metavar="SUBMODULE", parse=v.enum(v.QUANTIZER_SUBMODULES, what="submodule"),
           requires_any=("quantizer",), implemented=True),
    option("-q2 --second-model-quantizer", ONE, "quantization",
           "Like --quantizer, for the SDXL refiner or Stable Cascade decoder.",
           metavar="QUANTIZER_URI", parse=v.URI, requires_any=SECOND_MODEL, implemented=True),
    option("-qm2 --second-model-quantizer-map", LIST, "quantization",
           "Like --quantizer-map, for --second-model-quantizer.", metavar="SUBMODULE",
           parse=v.enum(v.QUANTIZER_SUBMODULES, what="submodule"),
           requires_any=("second_model_quantizer",), implemented=True),
)

SCHEDULER_OPTIONS: tuple[OptionSpec, ...] = (
    option("-sch --scheduler --schedulers", LIST, "schedulers",
           "Scheduler (sampler) URIs to try in turn, e.g. 'EulerDiscreteScheduler;"
           "use_karras_sigmas=true'. 'help' lists compatible schedulers, 'helpargs' also their "
           "arguments.", metavar="SCHEDULER_URI", parse=v.URI, product=True,
           pseudo_values=("help", "helpargs"), default_text="the model's scheduler",
           implemented=True),
    option("-sch2 --second-model-scheduler --second-model-schedulers", LIST, "schedulers",
           "Scheduler URIs for the SDXL refiner or Stable Cascade decoder, tried in turn; "
           "'help' and 'helpargs' as for --scheduler.", metavar="SCHEDULER_URI", parse=v.URI,
           product=True, pseudo_values=("help", "helpargs"), requires_any=SECOND_MODEL,
           default_text="--scheduler", implemented=True),
    option("-si --sigmas", LIST, "schedulers",
           "Custom sigma schedules to try in turn: comma separated floats, or 'expr: ...' using "
           "the scheduler's 'sigmas' array and numpy as 'np'.",
           metavar="CSV_FLOAT_OR_EXPRESSION", parse=v.SIGMAS, product=True, implemented=True),
    option("-sir --sdxl-refiner-sigmas", LIST, "schedulers",
           "Like --sigmas, for the SDXL refiner.", metavar="CSV_FLOAT_OR_EXPRESSION",
           parse=v.SIGMAS, product=True, requires_any=REFINER, implemented=True),
)
