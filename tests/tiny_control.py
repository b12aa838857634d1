"""Tiny random-weight ControlNets and T2I adapters matching the tiny models of ``tiny_models.py``.

``build_controls(models, root)`` writes diffusers folders (``save_pretrained``) under ``root``:
``sd`` / ``sdxl`` ControlNets made with ``from_unet``, an SDXL union ControlNet, SD3 and Flux
ControlNets (Flux also as a union model), T2I adapters for sd and sdxl,
``sd_single.safetensors`` (the sd ControlNet as one file), and two base models the tiny ones
cannot serve: ``sd_t2i_base`` (UNet blocks in the order T2I adapters need) and ``sd3_base`` (a
2 layer transformer, since SD3 skips ControlNet residuals on its last layer).
``build_ip_adapter(model_folder, out)`` writes an IP adapter (and its image encoder) for a model.
Every builder seeds torch, so the models are deterministic.
"""

from __future__ import annotations

import inspect
import os
from dataclasses import dataclass
from typing import Any


@dataclass
class TinyControls:
    """Paths of the tiny control models (what the ``tiny_controls`` fixture returns)."""

    sd_t2i_base: str
    sd3_base: str
    sd: str
    sd_b: str
    sd_single: str
    sdxl: str
    sdxl_union: str
    sd3: str
    flux: str
    flux_union: str
    t2i_sd: str
    t2i_sd_b: str
    t2i_sdxl: str


def _perturb(model: Any, seed: int) -> Any:
    """Random weights for the zero-initialised output layers, which would make a ControlNet
    have no effect at all."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for prm in model.parameters():
            if not prm.any():
                prm.copy_(torch.randn(prm.shape, generator=gen))
    return model


def _unet(folder: str) -> Any:
    from diffusers import UNet2DConditionModel

    return UNet2DConditionModel.from_pretrained(os.path.join(folder, "unet"))


def _loud(net: Any) -> Any:
    """A control embedding strong enough to steer two random steps visibly."""
    import torch

    with torch.no_grad():
        net.controlnet_cond_embedding.conv_out.weight.mul_(20.0)
        for block in [*net.controlnet_down_blocks, net.controlnet_mid_block]:
            block.weight.mul_(10.0)
    return net


def build_sd_controlnet(sd_folder: str, seed: int = 1) -> Any:
    from diffusers import ControlNetModel

    return _loud(_perturb(ControlNetModel.from_unet(
        _unet(sd_folder), conditioning_embedding_out_channels=(8, 16, 16, 16)), seed))


def build_sd_t2i_base(sd_folder: str) -> Any:
    """The tiny sd pipeline with its UNet blocks in the order T2I adapters expect (the
    attention block first), so adapter features meet the UNet at matching sizes."""
    import torch
    from diffusers import StableDiffusionPipeline, UNet2DConditionModel

    torch.manual_seed(7)
    pipe = StableDiffusionPipeline.from_pretrained(sd_folder)
    pipe.unet = UNet2DConditionModel(
        block_out_channels=(32, 64), layers_per_block=2, sample_size=8, in_channels=4,
        out_channels=4, down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"), cross_attention_dim=32,
        attention_head_dim=8)
    return pipe


def build_sd3_two_layer_base(sd3_folder: str) -> Any:
    """The tiny sd3 pipeline with a 2 layer transformer: SD3 adds ControlNet residuals only to
    blocks before the last one, so a 1 layer transformer ignores ControlNets."""
    import torch
    from diffusers import SD3Transformer2DModel, StableDiffusion3Pipeline

    torch.manual_seed(8)
    pipe = StableDiffusion3Pipeline.from_pretrained(sd3_folder)
    pipe.transformer = SD3Transformer2DModel(
        sample_size=8, patch_size=2, in_channels=16, num_layers=2, attention_head_dim=8,
        num_attention_heads=4, caption_projection_dim=32, joint_attention_dim=32,
        pooled_projection_dim=64, out_channels=16)
    return pipe


def build_sdxl_controlnet(sdxl_folder: str, union: bool = False) -> Any:
    from diffusers import ControlNetModel, ControlNetUnionModel

    net = ControlNetModel.from_unet(_unet(sdxl_folder),
                                    conditioning_embedding_out_channels=(8, 16, 16, 16))
    if union:  # the union transformer at the tiny width instead of its fixed 320 channels
        config = {k: v for k, v in net.config.items() if not k.startswith("_")}
        keep = set(inspect.signature(ControlNetUnionModel.__init__).parameters)
        net = ControlNetUnionModel(**{k: v for k, v in config.items() if k in keep},
                                   num_trans_channel=32, num_trans_head=4, num_proj_channel=32)
    return _loud(_perturb(net, 2))


def build_sd3_controlnet() -> Any:
    from diffusers import SD3ControlNetModel

    return _perturb(SD3ControlNetModel(
        sample_size=8, patch_size=2, in_channels=16, num_layers=2, attention_head_dim=8,
        num_attention_heads=4, caption_projection_dim=32, joint_attention_dim=32,
        pooled_projection_dim=64, out_channels=16), 3)


def build_flux_controlnet(union: bool = False) -> Any:
    from diffusers import FluxControlNetModel

    return _perturb(FluxControlNetModel(
        patch_size=1, in_channels=16, num_layers=1, num_single_layers=1, attention_head_dim=16,
        num_attention_heads=2, joint_attention_dim=32, pooled_projection_dim=32,
        axes_dims_rope=[4, 4, 8], guidance_embeds=False, num_mode=7 if union else None), 4)


def build_t2i_adapter(xl: bool = False, seed: int = 5) -> Any:
    import torch
    from diffusers import T2IAdapter

    torch.manual_seed(seed)
    if xl:
        return T2IAdapter(in_channels=3, channels=[32, 64], num_res_blocks=1,
                          downscale_factor=16, adapter_type="full_adapter_xl")
    return T2IAdapter(in_channels=3, channels=[32, 64], num_res_blocks=1, downscale_factor=8,
                      adapter_type="full_adapter")


def tiny_image_encoder(seed: int = 9) -> Any:
    """A tiny CLIPVisionModelWithProjection (32 px images, 32 dim embeddings)."""
    import torch
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    torch.manual_seed(seed)
    return CLIPVisionModelWithProjection(CLIPVisionConfig(
        hidden_size=32, projection_dim=32, intermediate_size=37, num_attention_heads=4,
        num_hidden_layers=2, image_size=32, patch_size=8, num_channels=3))


def build_ip_adapter(model_folder: str, out: str, with_encoder: bool = True,
                     seed: int = 10) -> str:
    """An IP adapter for the UNet in ``model_folder`` in the layout ``load_ip_adapter`` reads:
    ``ip-adapter.safetensors`` holding ``image_proj.*`` (4 image tokens) and ``ip_adapter.N.*``
    (key and value projections of every cross attention, numbered 1, 3, 5 ...), and optionally
    an ``image_encoder`` folder."""
    import torch
    from safetensors.torch import save_file

    unet = _unet(model_folder)
    cross, embed = unet.config.cross_attention_dim, 32
    gen = torch.Generator().manual_seed(seed)
    rand = lambda *shape: torch.randn(*shape, generator=gen) * 0.5  # noqa: E731
    tensors = {"image_proj.proj.weight": rand(4 * cross, embed),
               "image_proj.proj.bias": rand(4 * cross), "image_proj.norm.weight": torch.ones(cross),
               "image_proj.norm.bias": torch.zeros(cross)}
    key = 1
    for name in unet.attn_processors:
        if name.endswith("attn1.processor"):
            continue
        attn = unet.get_submodule(name[: -len(".processor")])
        hidden = attn.to_k.weight.shape[0]
        tensors[f"ip_adapter.{key}.to_k_ip.weight"] = rand(hidden, cross)
        tensors[f"ip_adapter.{key}.to_v_ip.weight"] = rand(hidden, cross)
        key += 2
    os.makedirs(out, exist_ok=True)
    save_file(tensors, os.path.join(out, "ip-adapter.safetensors"))
    if with_encoder:
        tiny_image_encoder().save_pretrained(os.path.join(out, "image_encoder"))
    return out


def _save(model: Any, path: str) -> str:
    model.save_pretrained(path)
    return path


def build_controls(models: Any, root: str) -> TinyControls:
    """Build and save every tiny control model under ``root`` for the tiny ``models``."""
    from safetensors.torch import save_file

    os.makedirs(root, exist_ok=True)
    j = lambda name: os.path.join(root, name)  # noqa: E731
    sd = build_sd_controlnet(models.sd)
    single = j("sd_single.safetensors")
    save_file({k: v.contiguous() for k, v in sd.state_dict().items()}, single)
    return TinyControls(
        sd_t2i_base=_save(build_sd_t2i_base(models.sd), j("sd_t2i_base")),
        sd3_base=_save(build_sd3_two_layer_base(models.sd3), j("sd3_base")),
        sd=_save(sd, j("sd")), sd_b=_save(build_sd_controlnet(models.sd, seed=11), j("sd_b")),
        sd_single=single,
        sdxl=_save(build_sdxl_controlnet(models.sdxl), j("sdxl")),
        sdxl_union=_save(build_sdxl_controlnet(models.sdxl, union=True), j("sdxl_union")),
        sd3=_save(build_sd3_controlnet(), j("sd3")), flux=_save(build_flux_controlnet(), j("flux")),
        flux_union=_save(build_flux_controlnet(union=True), j("flux_union")),
        t2i_sd=_save(build_t2i_adapter(), j("t2i_sd")),
        t2i_sd_b=_save(build_t2i_adapter(seed=6), j("t2i_sd_b")),
        t2i_sdxl=_save(build_t2i_adapter(xl=True), j("t2i_sdxl")))


def control_image(size: int = 64, flip: bool = False) -> Any:
    """A deterministic control image: the left half white, or with ``flip`` the top half."""
    import numpy as np
    from PIL import Image

    a = np.zeros((size, size, 3), dtype=np.uint8)
    if flip:
        a[: size // 2, :] = 255
    else:
        a[:, : size // 2] = 255
    return Image.fromarray(a)
