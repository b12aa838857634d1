"""Model types: which diffusers classes serve txt2img, img2img and inpaint, and default sizes."""

from __future__ import annotations

from dataclasses import dataclass

from dgenerate_core.errors import NotSupportedYet, UsageError

MODES = ("txt2img", "img2img", "inpaint")


@dataclass(frozen=True)
class ModelTypeInfo:
    """The diffusers pipeline class names (None: diffusers has none) of one model type."""

    name: str
    txt2img: str | None
    img2img: str | None
    inpaint: str | None
    size: tuple[int, int]
    denoiser: str = "unet"          # the attribute --unet / --transformer replaces
    refiner: bool = False           # may take --sdxl-refiner
    single_file: bool = True        # from_single_file supported
    denoiser_class: str = "UNet2DConditionModel"  # the class --unet loads
    align: int = 8                  # output and image sizes are aligned to this
    unet_component: str = "unet"    # the pipeline component --unet replaces

    @property
    def load_class(self) -> str:
        """The class the model is loaded as: its txt2img pipeline, else the first it has."""
        return next(n for n in (self.txt2img, self.img2img, self.inpaint) if n is not None)

    def class_name(self, mode: str) -> str:
        """The pipeline class name for ``mode``; NotSupportedYet where diffusers has none."""
        if mode not in MODES:
            raise ValueError(f"unknown pipeline mode {mode!r}")
        name = getattr(self, mode)
        if name is None:
            what = {"txt2img": "text to image", "img2img": "img2img", "inpaint": "inpainting"}[mode]
            raise NotSupportedYet(f"{what} with --model-type {self.name}")
        return name


def _t(name: str, txt2img: str | None, img2img: str | None, inpaint: str | None,
       size: tuple[int, int] = (1024, 1024), **kw) -> ModelTypeInfo:
    return ModelTypeInfo(name, txt2img, img2img, inpaint, size, **kw)


_FLUX = dict(denoiser="transformer", denoiser_class="FluxTransformer2DModel", align=16)
_SD3 = dict(denoiser="transformer", denoiser_class="SD3Transformer2DModel", align=16)
_IF = dict(single_file=False)

MODEL_TYPES: dict[str, ModelTypeInfo] = {t.name: t for t in (
    _t("sd", "StableDiffusionPipeline", "StableDiffusionImg2ImgPipeline",
       "StableDiffusionInpaintPipeline", (512, 512)),
    _t("pix2pix", None, "StableDiffusionInstructPix2PixPipeline", None, (512, 512)),
    _t("sdxl", "StableDiffusionXLPipeline", "StableDiffusionXLImg2ImgPipeline",
       "StableDiffusionXLInpaintPipeline", refiner=True),
    _t("sdxl-pix2pix", None, "StableDiffusionXLInstructPix2PixPipeline", None, refiner=True),
    _t("kolors", "KolorsPipeline", "KolorsImg2ImgPipeline", "KolorsInpaintPipeline", refiner=True,
       single_file=False),
    _t("upscaler-x2", None, "StableDiffusionLatentUpscalePipeline", None, (512, 512)),
    _t("upscaler-x4", None, "StableDiffusionUpscalePipeline", None, (512, 512)),
    _t("if", "IFPipeline", "IFImg2ImgPipeline", "IFInpaintingPipeline", (64, 64), **_IF),
    _t("ifs", None, "IFSuperResolutionPipeline", "IFInpaintingSuperResolutionPipeline",
       (64, 64), **_IF),
    _t("ifs-img2img", None, "IFImg2ImgSuperResolutionPipeline", None, (64, 64), **_IF),
    # img2img: the image seed images are the prior's image (style) prompt
    _t("s-cascade", "StableCascadePriorPipeline", "StableCascadePriorPipeline", None,
       denoiser_class="StableCascadeUNet", unet_component="prior", align=128,
       single_file=False),
    _t("sd3", "StableDiffusion3Pipeline", "StableDiffusion3Img2ImgPipeline",
       "StableDiffusion3InpaintPipeline", **_SD3),
    _t("flux", "FluxPipeline", "FluxImg2ImgPipeline", "FluxInpaintPipeline", **_FLUX),
    _t("flux-fill", None, None, "FluxFillPipeline", **_FLUX),
    _t("flux-kontext", None, "FluxKontextPipeline", "FluxKontextInpaintPipeline", **_FLUX),
)}

#: the Stable Cascade decoder (--s-cascade-decoder) pipeline and its UNet class
CASCADE_DECODER = "StableCascadeDecoderPipeline"

#: every --model-type value of the manual; the ones not in MODEL_TYPES are not built yet
ALL_MODEL_TYPES = ("sd", "pix2pix", "sdxl", "sdxl-pix2pix", "kolors", "upscaler-x2", "upscaler-x4",
                   "if", "ifs", "ifs-img2img", "s-cascade", "sd3", "sd3-pix2pix", "flux",
                   "flux-fill", "flux-kontext")

_SIZES = {"sd": (512, 512), "pix2pix": (512, 512), "upscaler-x2": (512, 512),
          "upscaler-x4": (512, 512), "if": (64, 64), "ifs": (64, 64), "ifs-img2img": (64, 64)}


def canonical_model_type(name: str | None) -> str:
    """Lower-case and validate a --model-type value (None = 'sd')."""
    value = (name or "sd").strip().lower()
    if value not in ALL_MODEL_TYPES:
        raise UsageError(f'--model-type: unknown model type "{name}", use one of: '
                         + ", ".join(ALL_MODEL_TYPES))
    return value


def model_type_info(name: str | None) -> ModelTypeInfo:
    """The ModelTypeInfo of a model type; NotSupportedYet for manual types not built yet."""
    value = canonical_model_type(name)
    if value not in MODEL_TYPES:
        raise NotSupportedYet(f"--model-type {value}")
    return MODEL_TYPES[value]


def default_output_size(model_type: str) -> tuple[int, int]:
    """The txt2img output size (width, height) when --output-size is not given."""
    value = canonical_model_type(model_type)
    return _SIZES.get(value, (1024, 1024))
