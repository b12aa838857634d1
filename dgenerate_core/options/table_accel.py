"""Option table: FreeU, HiDiffusion, SADA, DeepCache, TeaCache, RAS, PAG and offloading."""

from __future__ import annotations

from dgenerate_core.options import values as v
from dgenerate_core.options.spec import (
    FLAG, FLUX_TYPES, LIST, OPTLIST, REFINER, SECOND_MODEL, OptionSpec, option,
)

_FREEU_TYPES = ("sd", "pix2pix", "sdxl", "sdxl-pix2pix", "kolors", "upscaler-x2", "upscaler-x4")
_HD_TYPES = ("sd", "sdxl", "kolors", "pix2pix", "sdxl-pix2pix")
_SADA_TYPES = ("sd", "sdxl", "kolors") + FLUX_TYPES
_DC_TYPES = ("sd", "pix2pix", "sdxl", "sdxl-pix2pix", "kolors", "upscaler-x4")
_PAG_TYPES = ("sd", "sdxl", "kolors", "sd3")
_RAS = ("sd3",)


def _sada(name: str, help: str, parse=v.INT_NONNEG, default_text: str | None = None) -> OptionSpec:
    return option(f"--sada-{name}", LIST, "acceleration",
                  help + " Implies --sada; each value is tried in turn.", metavar="INTEGER",
                  parse=parse, product=True, model_types=_SADA_TYPES, default_text=default_text,
                  implemented=True)


def _ras(names: str, help: str, parse, default=None, metavar: str | None = None) -> OptionSpec:
    return option(names, LIST, "acceleration", help + " Implies --ras; tried in turn.",
                  metavar=metavar, parse=parse, product=True, model_types=_RAS,
                  default=default, implemented=True)


FREEU_HIDIFFUSION_SADA: tuple[OptionSpec, ...] = (
    option("-fu --freeu-params", LIST, "acceleration",
           "FreeU parameters 's1,s2,b1,b2' for the main model's UNet; several values are tried "
           "in turn.", metavar="CSV_FLOAT", parse=v.CSV_FLOAT4, product=True,
           model_types=_FREEU_TYPES, implemented=True),
    option("-hd --hi-diffusion", FLAG, "acceleration",
           "Enable HiDiffusion for generating above the model's native resolution.",
           model_types=_HD_TYPES, implemented=True),
    option("--hi-diffusion-no-win-attn", FLAG, "acceleration",
           "Turn off HiDiffusion's window attention (MSW-MSA).", requires_any=("hi_diffusion",),
           model_types=("sd", "sdxl", "kolors"), implemented=True),
    option("--hi-diffusion-no-raunet", FLAG, "acceleration",
           "Turn off HiDiffusion's RAU-Net component.", requires_any=("hi_diffusion",),
           model_types=("sd", "sdxl", "kolors"), implemented=True),
    option("--sada", FLAG, "acceleration",
           "Enable SADA (stability-guided adaptive diffusion acceleration) with the model's "
           "default parameters.", model_types=_SADA_TYPES, implemented=True),
    _sada("max-downsamples", "SADA maximum downsample factor.",
          default_text="sd 1, sdxl/kolors 2, flux 0"),
    _sada("sxs", "SADA spatial downsample factor along X.", default_text="sd/sdxl 3, flux 0"),
    _sada("sys", "SADA spatial downsample factor along Y.", default_text="sd/sdxl 3, flux 0"),
    option("--sada-acc-ranges", LIST, "acceleration",
           "SADA acceleration step ranges 'start,end' (start at least 3). Implies --sada; each "
           "value is tried in turn.", metavar="INTEGER", parse=v.SADA_RANGE, product=True,
           model_types=_SADA_TYPES, default_text="10,47", implemented=True),
    _sada("lagrange-terms", "SADA Lagrangian interpolation terms (0 disables interpolation).",
          default_text="sd/sdxl 4, flux 3"),
    _sada("lagrange-ints", "SADA interpolation interval; the lagrange step must be a multiple "
          "of it.", parse=v.INT_POS, default_text="4"),
    _sada("lagrange-steps", "SADA interpolation step.", parse=v.INT_POS,
          default_text="sd/sdxl 24, flux 20"),
    _sada("max-fixes", "SADA maximum fixed memory.",
          default_text="sd 5120, sdxl/kolors 10240, flux 0"),
    _sada("max-intervals", "SADA maximum interval between optimizations.", parse=v.INT_POS,
          default_text="4"),
    option("-rfu --sdxl-refiner-freeu-params", LIST, "acceleration",
           "FreeU parameters 's1,s2,b1,b2' for the SDXL refiner, tried in turn.",
           metavar="CSV_FLOAT", parse=v.CSV_FLOAT4, product=True, requires_any=REFINER,
           implemented=True),
)

CACHES: tuple[OptionSpec, ...] = (
    option("-dc --deep-cache", FLAG, "acceleration",
           "Enable DeepCache on the main model's UNet.", model_types=_DC_TYPES,
           implemented=True),
    option("-dci --deep-cache-intervals", LIST, "acceleration",
           "DeepCache cache intervals to try in turn; implies --deep-cache.", metavar="INTEGER",
           parse=v.INT_POS, product=True, default=[5], model_types=_DC_TYPES,
           implemented=True),
    option("-dcb --deep-cache-branch-ids", LIST, "acceleration",
           "DeepCache UNet branch ids to try in turn; implies --deep-cache.", metavar="INTEGER",
           parse=v.INT_NONNEG, product=True, default=[1], model_types=_DC_TYPES,
           implemented=True),
    option("-rdc --sdxl-refiner-deep-cache", FLAG, "acceleration",
           "Enable DeepCache on the SDXL refiner's UNet.", requires_any=REFINER,
           implemented=True),
    option("-rdci --sdxl-refiner-deep-cache-intervals", LIST, "acceleration",
           "DeepCache intervals for the SDXL refiner; implies --sdxl-refiner-deep-cache.",
           metavar="INTEGER", parse=v.INT_POS, product=True, default=[5], requires_any=REFINER,
           implemented=True),
    option("-rdcb --sdxl-refiner-deep-cache-branch-ids", LIST, "acceleration",
           "DeepCache branch ids for the SDXL refiner; implies --sdxl-refiner-deep-cache.",
           metavar="INTEGER", parse=v.INT_NONNEG, product=True, default=[1],
           requires_any=REFINER, implemented=True),
    option("-tc --tea-cache", FLAG, "acceleration",
           "Enable TeaCache in the Flux transformer.", model_types=FLUX_TYPES,
           implemented=True),
    option("-tcr --tea-cache-rel-l1-thresholds", OPTLIST, "acceleration",
           "TeaCache relative L1 thresholds in [0, 1] to try in turn (higher is faster, lower "
           "quality); implies --tea-cache.", metavar="FLOAT", parse=v.FLOAT_UNIT, product=True,
           default=[0.6], model_types=FLUX_TYPES, implemented=True),
    option("-ra --ras", FLAG, "acceleration",
           "Enable RAS (region-adaptive sampling) for SD3.", model_types=_RAS, implemented=True),
    option("-rif --ras-index-fusion", FLAG, "acceleration",
           "Enable RAS index fusion (not for SD3.5 models); implies --ras.", model_types=_RAS,
           implemented=True),
    _ras("-rsr --ras-sample-ratios", "RAS average fraction of tokens updated per step, in "
         "[0, 1].", v.FLOAT_UNIT, [0.5], "FLOAT"),
    _ras("-rhr --ras-high-ratios", "RAS ratio of high-value tokens cached, in [0, 1].",
         v.FLOAT_UNIT, [1.0], "FLOAT"),
    _ras("-rss --ras-starvation-scales", "RAS starvation scale for token selection, in [0, 1].",
         v.FLOAT_UNIT, [0.1], "FLOAT"),
    _ras("-rer --ras-error-reset-steps", "RAS dense steps that reset the accumulated error, as "
         "an integer or comma separated integers.", v.CSV_INT, [(12, 22)], "CSV_INT"),
    _ras("-rme --ras-metrics", "RAS token importance metric: std or l2norm.",
         v.enum(v.RAS_METRICS, what="RAS metric"), ["std"], "RAS_METRIC"),
    _ras("-rst --ras-start-steps", "RAS first step (at least 1).", v.INT_POS, [4], "INTEGER"),
    _ras("-res --ras-end-steps", "RAS last step (at least 1); defaults to --inference-steps.",
         v.INT_POS, None, "INTEGER"),
    _ras("-rsn --ras-skip-num-steps", "RAS skip steps; positive grows and negative shrinks the "
         "skipped tokens over time when step lengths are set.", v.INT, [0], "INTEGER"),
    _ras("-rsl --ras-skip-num-step-lengths", "RAS skip pattern length; 0 is static dropping.",
         v.INT_NONNEG, [0], "INTEGER"),
)

PAG_OFFLOAD: tuple[OptionSpec, ...] = (
    option("-pag --pag", FLAG, "acceleration",
           "Enable perturbed attention guidance on the main model.", model_types=_PAG_TYPES,
           implemented=True),
    option("-pags --pag-scales", LIST, "acceleration",
           "PAG scales (>= 0) to try in turn; implies --pag.", metavar="FLOAT",
           parse=v.FLOAT_NONNEG, product=True, default=[3.0], model_types=_PAG_TYPES,
           implemented=True),
    option("-pagas --pag-adaptive-scales", LIST, "acceleration",
           "Adaptive PAG scales (>= 0) to try in turn; implies --pag.", metavar="FLOAT",
           parse=v.FLOAT_NONNEG, product=True, default=[0.0], model_types=_PAG_TYPES,
           implemented=True),
    option("-rpag --sdxl-refiner-pag", FLAG, "acceleration",
           "Enable perturbed attention guidance on the SDXL refiner.", requires_any=REFINER,
           implemented=True),
    option("-rpags --sdxl-refiner-pag-scales", LIST, "acceleration",
           "PAG scales for the SDXL refiner; implies --sdxl-refiner-pag.", metavar="FLOAT",
           parse=v.FLOAT_NONNEG, product=True, default=[3.0], requires_any=REFINER,
           implemented=True),
    option("-rpagas --sdxl-refiner-pag-adaptive-scales", LIST, "acceleration",
           "Adaptive PAG scales for the SDXL refiner; implies --sdxl-refiner-pag.",
           metavar="FLOAT", parse=v.FLOAT_NONNEG, product=True, default=[0.0],
           requires_any=REFINER, implemented=True),
    option("-mqo --model-sequential-offload", FLAG, "offload",
           "Offload the main pipeline layer by layer to the CPU (very slow, least memory).",
           implemented=True),
    option("-mco --model-cpu-offload", FLAG, "offload",
           "Offload the main pipeline's models to the CPU while they are idle.",
           implemented=True),
    option("-mqo2 --second-model-sequential-offload", FLAG, "offload",
           "Sequential CPU offload for the SDXL refiner or Stable Cascade decoder.",
           requires_any=SECOND_MODEL, implemented=True),
    option("-mco2 --second-model-cpu-offload", FLAG, "offload",
           "Model CPU offload for the SDXL refiner or Stable Cascade decoder.",
           requires_any=SECOND_MODEL, implemented=True),
)

ACCEL_OPTIONS = FREEU_HIDIFFUSION_SADA + CACHES + PAG_OFFLOAD
