"""Tiny random-weight models of the model types beyond sd/sdxl/sd3/flux/kolors (manual: pix2pix,
sdxl-pix2pix, upscaler-x2, upscaler-x4, if, ifs, ifs-img2img, s-cascade, flux-fill,
flux-kontext), built on first use and saved as diffusers folders.

``TinyTypes(root).path(name)`` builds the model once per root folder (the session fixture
``tiny_types`` in conftest.py shares one root) and returns its folder.  Configs follow
diffusers' own test suites, shrunk; tokenizers come from ``tests.tiny_models``.
"""

from __future__ import annotations

import os
from typing import Any, Callable

try:
    from tests import tiny_models as tm
except ImportError:  # plain `pytest`: tests/ itself is on sys.path
    import tiny_models as tm  # type: ignore[no-redef]


def build_pix2pix(toks: Any) -> Any:
    import torch
    from diffusers import StableDiffusionInstructPix2PixPipeline
    from transformers import CLIPTextModel

    torch.manual_seed(0)
    tok = toks.clip()
    return StableDiffusionInstructPix2PixPipeline(
        vae=tm.tiny_vae(scaling_factor=0.18215), text_encoder=CLIPTextModel(tm._clip_config(tok)),
        tokenizer=tok, unet=tm._sd_unet(8), scheduler=tm._sdxl_scheduler(), safety_checker=None,
        feature_extractor=None, image_encoder=None, requires_safety_checker=False)


def build_sdxl_pix2pix(toks: Any) -> Any:
    import torch
    from diffusers import StableDiffusionXLInstructPix2PixPipeline
    from transformers import CLIPTextModel, CLIPTextModelWithProjection

    torch.manual_seed(0)
    tok, tok2 = toks.clip(), toks.clip(pad_token="!")
    return StableDiffusionXLInstructPix2PixPipeline(
        vae=tm.tiny_vae(scaling_factor=0.13025, force_upcast=False),
        text_encoder=CLIPTextModel(tm._clip_config(tok)), tokenizer=tok,
        text_encoder_2=CLIPTextModelWithProjection(tm._clip_config(tok2, hidden_size=64)),
        tokenizer_2=tok2, unet=tm._sdxl_unet(32 + 64, 6 * 8 + 32, in_channels=8),
        scheduler=tm._sdxl_scheduler(), add_watermarker=False)


def build_upscaler_x2(toks: Any) -> Any:
    import torch
    from diffusers import (EulerDiscreteScheduler, StableDiffusionLatentUpscalePipeline,
                           UNet2DConditionModel)
    from transformers import CLIPTextModel

    torch.manual_seed(0)
    tok = toks.clip()
    unet = UNet2DConditionModel(
        act_fn="gelu", attention_head_dim=8, norm_num_groups=None,
        block_out_channels=[32, 32, 64, 64], time_cond_proj_dim=160, conv_in_kernel=1,
        conv_out_kernel=1, cross_attention_dim=32,
        down_block_types=("KDownBlock2D",) + ("KCrossAttnDownBlock2D",) * 3, in_channels=8,
        mid_block_type=None, only_cross_attention=False, out_channels=5,
        resnet_time_scale_shift="scale_shift", time_embedding_type="fourier",
        timestep_post_act="gelu", up_block_types=("KCrossAttnUpBlock2D",) * 3 + ("KUpBlock2D",))
    return StableDiffusionLatentUpscalePipeline(
        vae=tm.tiny_vae(scaling_factor=0.18215), text_encoder=CLIPTextModel(tm._clip_config(tok)),
        tokenizer=tok, unet=unet, scheduler=EulerDiscreteScheduler(prediction_type="sample"))


def build_upscaler_x4(toks: Any) -> Any:
    import torch
    from diffusers import (DDIMScheduler, DDPMScheduler, StableDiffusionUpscalePipeline,
                           UNet2DConditionModel)
    from transformers import CLIPTextModel

    torch.manual_seed(0)
    tok = toks.clip()
    unet = UNet2DConditionModel(
        block_out_channels=(32, 64), layers_per_block=1, sample_size=16, in_channels=7,
        out_channels=4, down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), cross_attention_dim=32,
        attention_head_dim=8, use_linear_projection=True, num_class_embeds=400)
    # three VAE levels: a scale factor of 4, like the real x4 upscaler
    vae = tm.tiny_vae(block_out_channels=[8, 8, 16], down_block_types=["DownEncoderBlock2D"] * 3,
                      up_block_types=["UpDecoderBlock2D"] * 3, scaling_factor=0.08333)
    return StableDiffusionUpscalePipeline(
        vae=vae, text_encoder=CLIPTextModel(tm._clip_config(tok)), tokenizer=tok, unet=unet,
        low_res_scheduler=DDPMScheduler(), scheduler=DDIMScheduler(prediction_type="v_prediction"),
        safety_checker=None, feature_extractor=None, watermarker=None, max_noise_level=350)


def _if_unet(super_resolution: bool) -> Any:
    from diffusers import UNet2DConditionModel

    kw: dict[str, Any] = dict(
        sample_size=16, layers_per_block=1, block_out_channels=[16, 32],
        down_block_types=["ResnetDownsampleBlock2D", "SimpleCrossAttnDownBlock2D"],
        mid_block_type="UNetMidBlock2DSimpleCrossAttn",
        up_block_types=["SimpleCrossAttnUpBlock2D", "ResnetUpsampleBlock2D"],
        in_channels=6 if super_resolution else 3, out_channels=6, cross_attention_dim=32,
        encoder_hid_dim=32, attention_head_dim=8, addition_embed_type="text",
        addition_embed_type_num_heads=2, cross_attention_norm="group_norm",
        resnet_time_scale_shift="scale_shift", act_fn="gelu", norm_num_groups=8)
    if super_resolution:
        kw.update(class_embed_type="timestep", mid_block_scale_factor=1.414,
                  time_embedding_act_fn="gelu", time_embedding_dim=32)
    return UNet2DConditionModel(**kw)


def _if_scheduler() -> Any:
    from diffusers import DDPMScheduler

    return DDPMScheduler(num_train_timesteps=1000, beta_schedule="squaredcos_cap_v2",
                         beta_start=0.0001, beta_end=0.02, thresholding=True,
                         dynamic_thresholding_ratio=0.95, sample_max_value=1.0,
                         prediction_type="epsilon", variance_type="learned_range")


def build_if(toks: Any, super_resolution: bool = False) -> Any:
    import torch
    from diffusers import DDPMScheduler, IFPipeline, IFSuperResolutionPipeline

    torch.manual_seed(0)
    tok = toks.t5()
    common = dict(tokenizer=tok, text_encoder=tm._t5_encoder(tok),
                  unet=_if_unet(super_resolution), scheduler=_if_scheduler(), safety_checker=None,
                  feature_extractor=None, watermarker=None, requires_safety_checker=False)
    if not super_resolution:
        return IFPipeline(**common)
    noising = DDPMScheduler(num_train_timesteps=1000, beta_schedule="squaredcos_cap_v2",
                            beta_start=0.0001, beta_end=0.02)
    return IFSuperResolutionPipeline(image_noising_scheduler=noising, **common)


def _cascade_text(toks: Any) -> tuple[Any, Any]:
    from transformers import CLIPTextModelWithProjection

    tok = toks.clip()
    return tok, CLIPTextModelWithProjection(tm._clip_config(tok))


def tiny_image_encoder() -> tuple[Any, Any]:
    """A CLIP vision model (projection 32) and its 32 px image processor."""
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModelWithProjection

    encoder = CLIPVisionModelWithProjection(CLIPVisionConfig(
        hidden_size=32, projection_dim=32, num_hidden_layers=2, num_attention_heads=4,
        image_size=32, intermediate_size=37, patch_size=4))
    return encoder, CLIPImageProcessor(crop_size=32, size=32)


def build_cascade_prior(toks: Any) -> Any:
    import torch
    from diffusers import DDPMWuerstchenScheduler, StableCascadePriorPipeline, StableCascadeUNet

    torch.manual_seed(0)
    tok, text = _cascade_text(toks)
    prior = StableCascadeUNet(
        conditioning_dim=32, block_out_channels=(32, 32), num_attention_heads=(2, 2),
        down_num_layers_per_block=(1, 1), up_num_layers_per_block=(1, 1), switch_level=(False,),
        clip_image_in_channels=32, clip_text_in_channels=32, clip_text_pooled_in_channels=32,
        dropout=(0.0, 0.0))
    encoder, processor = tiny_image_encoder()
    return StableCascadePriorPipeline(tokenizer=tok, text_encoder=text, prior=prior,
                                      scheduler=DDPMWuerstchenScheduler(),
                                      feature_extractor=processor, image_encoder=encoder)


def _cascade_decoder_unet() -> Any:
    from diffusers import StableCascadeUNet

    res, step, attn = "SDCascadeResBlock", "SDCascadeTimestepBlock", "SDCascadeAttnBlock"
    return StableCascadeUNet(
        in_channels=4, out_channels=4, conditioning_dim=32, block_out_channels=[16, 32],
        num_attention_heads=[-1, 2], down_num_layers_per_block=[1, 1],
        up_num_layers_per_block=[1, 1], down_blocks_repeat_mappers=[1, 1],
        up_blocks_repeat_mappers=[1, 1], block_types_per_layer=[[res, step], [res, step, attn]],
        switch_level=None, clip_text_pooled_in_channels=32, effnet_in_channels=16,
        pixel_mapper_in_channels=None, dropout=[0.0, 0.0])


def build_cascade_decoder(toks: Any) -> Any:
    import torch
    from diffusers import DDPMWuerstchenScheduler, StableCascadeDecoderPipeline
    from diffusers.pipelines.deprecated.wuerstchen import PaellaVQModel

    torch.manual_seed(0)
    tok, text = _cascade_text(toks)
    vqgan = PaellaVQModel(bottleneck_blocks=1, num_vq_embeddings=2, embed_dim=16)
    return StableCascadeDecoderPipeline(decoder=_cascade_decoder_unet(), tokenizer=tok,
                                        text_encoder=text, scheduler=DDPMWuerstchenScheduler(),
                                        vqgan=vqgan, latent_dim_scale=10.67)


def _flux_parts(toks: Any, in_channels: int) -> dict[str, Any]:
    import torch
    from diffusers import FlowMatchEulerDiscreteScheduler, FluxTransformer2DModel
    from transformers import CLIPTextModel

    torch.manual_seed(0)
    tok, tok2 = toks.clip(), toks.t5()
    transformer = FluxTransformer2DModel(
        patch_size=1, in_channels=in_channels, out_channels=16, num_layers=1,
        num_single_layers=1, attention_head_dim=16, num_attention_heads=2,
        joint_attention_dim=32, pooled_projection_dim=32, axes_dims_rope=[4, 4, 8],
        guidance_embeds=True)
    sched = FlowMatchEulerDiscreteScheduler(shift=1.0, use_dynamic_shifting=False)
    return dict(transformer=transformer, scheduler=sched, vae=tm.tiny_vae(flow=True),
                text_encoder=CLIPTextModel(tm._clip_config(tok)), tokenizer=tok,
                text_encoder_2=tm._t5_encoder(tok2), tokenizer_2=tok2)


def build_flux_fill(toks: Any) -> Any:
    from diffusers import FluxFillPipeline

    # packed latents (16) + packed masked image latents (16) + packed 8x8 mask (4 * 64)
    return FluxFillPipeline(**_flux_parts(toks, 16 + 16 + 256))


def build_flux_kontext(toks: Any) -> Any:
    from diffusers import FluxKontextPipeline

    return FluxKontextPipeline(image_encoder=None, feature_extractor=None,
                               **_flux_parts(toks, 16))


BUILDERS: dict[str, Callable[[Any], Any]] = {
    "pix2pix": build_pix2pix, "sdxl-pix2pix": build_sdxl_pix2pix,
    "upscaler-x2": build_upscaler_x2, "upscaler-x4": build_upscaler_x4,
    "if": build_if, "ifs": lambda t: build_if(t, super_resolution=True),
    "s-cascade": build_cascade_prior, "s-cascade-decoder": build_cascade_decoder,
    "flux-fill": build_flux_fill, "flux-kontext": build_flux_kontext,
}


class TinyTypes:
    """Builds each tiny model type on first use under ``root`` (``ifs-img2img`` shares ifs)."""

    def __init__(self, root: str) -> None:
        self.root = root
        self._toks = tm._Tokenizers(root)

    def path(self, name: str) -> str:
        name = {"ifs-img2img": "ifs"}.get(name, name)
        folder = os.path.join(self.root, name)
        if not os.path.exists(os.path.join(folder, "model_index.json")):
            BUILDERS[name](self._toks).save_pretrained(folder)
        return folder

    def cascade_unet(self, kind: str) -> str:
        """A stand-alone (other weights) prior or decoder UNet folder, for --unet / -un2."""
        import torch

        folder = os.path.join(self.root, f"cascade_{kind}_unet")
        if not os.path.exists(os.path.join(folder, "config.json")):
            torch.manual_seed(7)
            unet = _cascade_decoder_unet() if kind == "decoder" else \
                build_cascade_prior(self._toks).prior
            unet.save_pretrained(folder)
        return folder


def build_flux_ip_adapter(flux_folder: str, out: str, seed: int = 11) -> str:
    """A Flux IP adapter in the XLabs layout diffusers reads: ``ip_adapter_proj_model.*``
    (4 image tokens of the joint attention width from 32 dim image embeddings) and
    ``double_blocks.N.processor.ip_adapter_double_stream_{k,v}_proj.*``."""
    import json

    import torch
    from safetensors.torch import save_file

    with open(os.path.join(flux_folder, "transformer", "config.json")) as f:
        cfg = json.load(f)
    joint, inner = cfg["joint_attention_dim"], cfg["num_attention_heads"] * cfg["attention_head_dim"]
    gen = torch.Generator().manual_seed(seed)
    rand = lambda *shape: torch.randn(*shape, generator=gen) * 0.5  # noqa: E731
    tensors = {"ip_adapter_proj_model.proj.weight": rand(4 * joint, 32),
               "ip_adapter_proj_model.proj.bias": rand(4 * joint),
               "ip_adapter_proj_model.norm.weight": torch.ones(joint),
               "ip_adapter_proj_model.norm.bias": torch.zeros(joint)}
    for i in range(cfg["num_layers"]):
        for kv in ("k", "v"):
            name = f"double_blocks.{i}.processor.ip_adapter_double_stream_{kv}_proj"
            tensors[f"{name}.weight"] = rand(inner, joint)
            tensors[f"{name}.bias"] = rand(inner)
    os.makedirs(out, exist_ok=True)
    save_file(tensors, os.path.join(out, "ip_adapter.safetensors"))
    return out


def build_sd3_ip_adapter(sd3_folder: str, out: str, seed: int = 12) -> str:
    """An SD3 IP adapter in the InstantX layout diffusers reads (``image_proj.*``: a tiny
    ``IPAdapterTimeImageProjection``; ``ip_adapter.N.*``: one joint attention processor per
    transformer block) and a tiny SigLIP ``image_encoder`` folder beside it."""
    import json

    import torch
    from diffusers.models.attention_processor import SD3IPAdapterJointAttnProcessor2_0
    from diffusers.models.embeddings import IPAdapterTimeImageProjection
    from safetensors.torch import save_file
    from transformers import SiglipImageProcessor, SiglipVisionConfig, SiglipVisionModel

    with open(os.path.join(sd3_folder, "transformer", "config.json")) as f:
        cfg = json.load(f)
    inner = cfg["num_attention_heads"] * cfg["attention_head_dim"]
    torch.manual_seed(seed)
    proj = IPAdapterTimeImageProjection(embed_dim=32, output_dim=inner, hidden_dim=64,
                                        heads=1, num_queries=4, timestep_in_dim=32)
    tensors = {f"image_proj.{k}": v for k, v in proj.state_dict().items()}
    for i in range(cfg["num_layers"]):
        processor = SD3IPAdapterJointAttnProcessor2_0(
            hidden_size=inner, ip_hidden_states_dim=inner, head_dim=cfg["attention_head_dim"],
            timesteps_emb_dim=64)
        for k, v in processor.state_dict().items():
            tensors[f"ip_adapter.{i}.{k}"] = v + 0.5 * torch.randn_like(v)
    os.makedirs(out, exist_ok=True)
    save_file({k: v.contiguous() for k, v in tensors.items()},
              os.path.join(out, "ip-adapter.safetensors"))
    encoder = os.path.join(out, "image_encoder")
    SiglipVisionModel(SiglipVisionConfig(hidden_size=32, intermediate_size=37, num_hidden_layers=2,
                                         num_attention_heads=4, image_size=32,
                                         patch_size=8)).save_pretrained(encoder)
    SiglipImageProcessor(size={"height": 32, "width": 32}).save_pretrained(encoder)
    return out
