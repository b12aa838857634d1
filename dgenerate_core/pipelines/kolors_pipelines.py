"""Kolors pipelines that diffusers does not ship: inpainting and the three ControlNet modes.

Each is the SDXL pipeline of that mode with Kolors' single ChatGLM text encoder and its prompt
encoding (SDXL's code paths already handle ``text_encoder_2 is None``): masked latent blending
for a 4 channel UNet or a 9 channel inpainting UNet, ControlNets as SDXL's.

Classes are built on first use (diffusers is imported lazily); ``pipeline_class`` resolves them
by name beside diffusers' own, so ``from_pipe`` derives them from a loaded Kolors model.
"""

from __future__ import annotations

from typing import Any

#: our class name -> the SDXL pipeline class it adapts
KOLORS_PIPELINES = {
    "KolorsInpaintPipeline": "StableDiffusionXLInpaintPipeline",
    "KolorsControlNetPipeline": "StableDiffusionXLControlNetPipeline",
    "KolorsControlNetImg2ImgPipeline": "StableDiffusionXLControlNetImg2ImgPipeline",
    "KolorsControlNetInpaintPipeline": "StableDiffusionXLControlNetInpaintPipeline",
}
_CLASSES: dict[str, Any] = {}


def pipeline_class(name: str) -> Any:
    """A diffusers pipeline class by name, or one of ours (``KOLORS_PIPELINES``)."""
    import diffusers

    if name in KOLORS_PIPELINES:
        if name not in _CLASSES:
            _CLASSES[name] = _build(name, getattr(diffusers, KOLORS_PIPELINES[name]))
        return _CLASSES[name]
    return getattr(diffusers, name)


def _encode_prompt(self: Any, prompt: Any, prompt_2: Any = None, device: Any = None,
                   num_images_per_prompt: int = 1, do_classifier_free_guidance: bool = True,
                   negative_prompt: Any = None, negative_prompt_2: Any = None,
                   prompt_embeds: Any = None, negative_prompt_embeds: Any = None,
                   pooled_prompt_embeds: Any = None, negative_pooled_prompt_embeds: Any = None,
                   lora_scale: Any = None, clip_skip: Any = None) -> Any:
    """SDXL's ``encode_prompt`` signature, Kolors' ChatGLM encoding."""
    from diffusers import KolorsImg2ImgPipeline

    return KolorsImg2ImgPipeline.encode_prompt(
        self, prompt, device, num_images_per_prompt, do_classifier_free_guidance,
        negative_prompt, prompt_embeds, pooled_prompt_embeds, negative_prompt_embeds,
        negative_pooled_prompt_embeds)


def _setup(self: Any, modules: dict[str, Any], requires_aesthetics_score: bool,
           force_zeros_for_empty_prompt: bool) -> None:
    from diffusers import DiffusionPipeline
    from diffusers.image_processor import VaeImageProcessor
    from diffusers import MultiControlNetModel

    DiffusionPipeline.__init__(self)
    if isinstance(modules.get("controlnet"), (list, tuple)):
        modules["controlnet"] = MultiControlNetModel(modules["controlnet"])
    self.register_modules(**modules)
    self.register_to_config(force_zeros_for_empty_prompt=force_zeros_for_empty_prompt,
                            requires_aesthetics_score=requires_aesthetics_score)
    vae = modules["vae"]
    self.vae_scale_factor = 2 ** (len(vae.config.block_out_channels) - 1) if vae else 8
    self.image_processor = VaeImageProcessor(vae_scale_factor=self.vae_scale_factor,
                                             do_convert_rgb=True)
    self.mask_processor = VaeImageProcessor(vae_scale_factor=self.vae_scale_factor,
                                            do_normalize=False, do_binarize=True,
                                            do_convert_grayscale=True)
    self.control_image_processor = VaeImageProcessor(vae_scale_factor=self.vae_scale_factor,
                                                     do_convert_rgb=True, do_normalize=False)
    self.watermark = None


def _build(name: str, base: Any) -> Any:
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from diffusers.pipelines.kolors import ChatGLMModel

    if "ControlNet" in name:
        def __init__(self, vae, text_encoder, tokenizer, unet, controlnet, scheduler,
                     image_encoder=None, feature_extractor=None, requires_aesthetics_score=False,
                     force_zeros_for_empty_prompt=False):
            _setup(self, dict(vae=vae, text_encoder=text_encoder, tokenizer=tokenizer,
                              unet=unet, controlnet=controlnet, scheduler=scheduler,
                              image_encoder=image_encoder, feature_extractor=feature_extractor),
                   requires_aesthetics_score, force_zeros_for_empty_prompt)
    else:
        def __init__(self, vae, text_encoder, tokenizer, unet, scheduler, image_encoder=None,
                     feature_extractor=None, requires_aesthetics_score=False,
                     force_zeros_for_empty_prompt=False):
            _setup(self, dict(vae=vae, text_encoder=text_encoder, tokenizer=tokenizer,
                              unet=unet, scheduler=scheduler, image_encoder=image_encoder,
                              feature_extractor=feature_extractor),
                   requires_aesthetics_score, force_zeros_for_empty_prompt)
    # from_pipe keeps only the models whose class fits the signature's type hints
    __init__.__annotations__.update(vae=AutoencoderKL, unet=UNet2DConditionModel,
                                    text_encoder=ChatGLMModel)
    offload = "text_encoder->image_encoder->unet->controlnet->vae" if "ControlNet" in name \
        else "text_encoder->image_encoder->unet->vae"
    cls = type(name, (base,), {
        "__init__": __init__, "encode_prompt": _encode_prompt, "__module__": __name__,
        "text_encoder_2": None, "tokenizer_2": None,  # read by SDXL code paths
        "_optional_components": ["image_encoder", "feature_extractor"],
        "model_cpu_offload_seq": offload})
    return cls
