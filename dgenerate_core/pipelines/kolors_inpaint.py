"""``KolorsInpaintPipeline``: Kolors inpainting, which diffusers does not ship. It is the SDXL
inpaint pipeline (masked latent blending for a 4 channel UNet, or a 9 channel inpainting UNet)
with Kolors' single ChatGLM text encoder and its prompt encoding.

Built on first use (diffusers is imported lazily); ``pipeline_class`` resolves it by name
beside diffusers' own classes, so ``from_pipe`` derives it from a loaded Kolors model.
"""

from __future__ import annotations

from typing import Any

_CLASS: list[Any] = []


def kolors_inpaint_class() -> Any:
    if not _CLASS:
        _CLASS.append(_build())
    return _CLASS[0]


def _build() -> Any:
    from diffusers import DiffusionPipeline, KolorsImg2ImgPipeline, StableDiffusionXLInpaintPipeline
    from diffusers.image_processor import VaeImageProcessor

    class KolorsInpaintPipeline(StableDiffusionXLInpaintPipeline):
        model_cpu_offload_seq = "text_encoder->image_encoder->unet->vae"
        _optional_components = ["image_encoder", "feature_extractor"]
        text_encoder_2 = None  # read by the SDXL code paths: Kolors has one text encoder
        tokenizer_2 = None

        def __init__(self, vae: Any, text_encoder: Any, tokenizer: Any, unet: Any, scheduler: Any,
                     image_encoder: Any = None, feature_extractor: Any = None,
                     requires_aesthetics_score: bool = False,
                     force_zeros_for_empty_prompt: bool = False) -> None:
            DiffusionPipeline.__init__(self)
            self.register_modules(vae=vae, text_encoder=text_encoder, tokenizer=tokenizer,
                                  unet=unet, scheduler=scheduler, image_encoder=image_encoder,
                                  feature_extractor=feature_extractor)
            self.register_to_config(force_zeros_for_empty_prompt=force_zeros_for_empty_prompt,
                                    requires_aesthetics_score=requires_aesthetics_score)
            self.vae_scale_factor = 2 ** (len(vae.config.block_out_channels) - 1) if vae else 8
            self.image_processor = VaeImageProcessor(vae_scale_factor=self.vae_scale_factor)
            self.mask_processor = VaeImageProcessor(
                vae_scale_factor=self.vae_scale_factor, do_normalize=False, do_binarize=True,
                do_convert_grayscale=True)
            self.watermark = None

        def encode_prompt(self, prompt: Any, prompt_2: Any = None, device: Any = None,
                          num_images_per_prompt: int = 1, do_classifier_free_guidance: bool = True,
                          negative_prompt: Any = None, negative_prompt_2: Any = None,
                          prompt_embeds: Any = None, negative_prompt_embeds: Any = None,
                          pooled_prompt_embeds: Any = None,
                          negative_pooled_prompt_embeds: Any = None, lora_scale: Any = None,
                          clip_skip: Any = None) -> Any:
            return KolorsImg2ImgPipeline.encode_prompt(
                self, prompt, device, num_images_per_prompt, do_classifier_free_guidance,
                negative_prompt, prompt_embeds, pooled_prompt_embeds, negative_prompt_embeds,
                negative_pooled_prompt_embeds)

    # from_pipe keeps only the models whose class fits the signature's type hints
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from diffusers.pipelines.kolors import ChatGLMModel

    KolorsInpaintPipeline.__init__.__annotations__.update(
        vae=AutoencoderKL, unet=UNet2DConditionModel, text_encoder=ChatGLMModel)
    KolorsInpaintPipeline.__module__ = __name__
    return KolorsInpaintPipeline


def pipeline_class(name: str) -> Any:
    """A diffusers pipeline class by name, or one of ours (``KolorsInpaintPipeline``)."""
    import diffusers

    if name == "KolorsInpaintPipeline":
        return kolors_inpaint_class()
    return getattr(diffusers, name)
