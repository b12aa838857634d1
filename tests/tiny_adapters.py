"""Tiny random-weight LoRAs, textual inversions, IP adapters, image encoders and T2I adapters
laid out as the real hub repositories the corpus names (``ADAPTER_REPOS``), for the stand-in hub
cache of ``corpus_standins.py``; and the image URLs those scripts download (``WEB_IMAGES``,
which ``corpus_standins.fill_web_cache`` puts in the run's web cache).

Each builder writes the file format the real repository has, as far as the scripts, the
repositories' training scripts and diffusers' loaders tell:

- LoRAs in diffusers / peft keys (``unet.… .lora_A.weight``: ``save_lora_weights``, what
  diffusers' dreambooth scripts write: the SD3 yarn / gray-cat LoRAs, the pokemon peft LoRA, the
  Flux ps1 LoRA) or in kohya keys (``lora_unet_… .lora_down.weight`` + ``.alpha``: the LCM LoRAs,
  whose training script writes kohya keys with diffusers module names, and the goofyai SDXL
  collection, kohya LoRAs that also train both text encoders, ``lora_te1_`` / ``lora_te2_``).
  Random A and B matrices, so every LoRA changes the image.
- The A1111 ``.pt`` embedding (``string_to_param`` / ``name``) of IsometricDreams.
- IP adapters: ``.bin`` files are ``torch.save({"image_proj": …, "ip_adapter": …})``, the
  ``.safetensors`` ones flat ``image_proj.*`` / ``ip_adapter.*`` keys; "plus" adapters hold the
  original Resampler keys (``latents``, ``layers.N.0.to_kv`` …) that diffusers converts.
- T2I adapters for the tiny sd UNet: its plain block comes first (real SD 1.x ends with it), so
  diffusers adds the adapter features after that block's downsampler: 32 channels at 1/16 and
  64 at 1/16. A ``full_adapter_xl`` at downscale 16 gives exactly those.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from typing import Any, Callable

LORA_TARGETS = ["to_q", "to_k", "to_v", "to_out.0"]
TE_TARGETS = ["q_proj", "k_proj", "v_proj", "out_proj"]


# ----------------------------------------------------------------------------- LoRAs
def _peft_layers(module: Any, targets: list[str], seed: int) -> dict[str, Any]:
    """Random (non-zero A and B) rank 4 LoRA layers for ``module``, in peft key names."""
    import torch
    from peft import LoraConfig, inject_adapter_in_model
    from peft.utils import get_peft_model_state_dict

    torch.manual_seed(seed)
    inject_adapter_in_model(LoraConfig(r=4, lora_alpha=4, init_lora_weights=False,
                                       target_modules=targets), module)
    layers = {k: v.detach().clone().contiguous()
              for k, v in get_peft_model_state_dict(module).items()}
    return layers


def _kohya(layers: dict[str, Any], prefix: str) -> dict[str, Any]:
    """peft keys (``a.b.lora_A.weight``) as kohya keys (``PREFIX_a_b.lora_down.weight``, alpha)."""
    import torch

    out = {}
    for key, value in layers.items():
        module, _, rest = key.partition(".lora_")
        name = prefix + module.replace(".", "_")
        out[f"{name}.lora_{'down' if rest.startswith('A') else 'up'}.weight"] = value
        if rest.startswith("A"):
            out[f"{name}.alpha"] = torch.tensor(float(value.shape[0]))
    return out


def _unet(folder: str) -> Any:
    from diffusers import UNet2DConditionModel

    return UNet2DConditionModel.from_pretrained(os.path.join(folder, "unet"))


def _text_encoder(folder: str, sub: str) -> Any:
    import transformers

    with open(os.path.join(folder, sub, "config.json")) as f:
        cls = json.load(f)["architectures"][0]
    return getattr(transformers, cls).from_pretrained(os.path.join(folder, sub))


def build_diffusers_lora(model: str, out: str, name: str, seed: int,
                         component: str = "unet") -> str:
    """A diffusers / peft format LoRA of ``model``'s UNet or transformer, saved as ``name``."""
    import diffusers
    from diffusers.utils import convert_state_dict_to_diffusers
    from safetensors.torch import save_file

    if component == "unet":
        module = _unet(model)
    else:
        with open(os.path.join(model, component, "config.json")) as f:
            cls = getattr(diffusers, json.load(f)["_class_name"])
        module = cls.from_pretrained(os.path.join(model, component))
    layers = convert_state_dict_to_diffusers(_peft_layers(module, LORA_TARGETS, seed))
    os.makedirs(out, exist_ok=True)
    save_file({f"{component}.{k}": v for k, v in layers.items()}, os.path.join(out, name))
    return out


def build_kohya_lora(model: str, out: str, name: str, seed: int,
                     text_encoders: tuple[str, ...] = ()) -> str:
    """A kohya format LoRA of ``model``'s UNet (and text encoders: ``lora_te1_`` / ``lora_te2_``)."""
    from safetensors.torch import save_file

    tensors = _kohya(_peft_layers(_unet(model), LORA_TARGETS, seed), "lora_unet_")
    for i, sub in enumerate(text_encoders, start=1):
        layers = _peft_layers(_text_encoder(model, sub), TE_TARGETS, seed + i)
        tensors.update(_kohya(layers, f"lora_te{i}_"))
    os.makedirs(out, exist_ok=True)
    save_file(tensors, os.path.join(out, name), metadata={"ss_network_module": "networks.lora"})
    return out


# ----------------------------------------------------------------------------- textual inversions
def build_a1111_embedding(out: str, name: str, stem: str, width: int, seed: int) -> str:
    """An A1111 ``.pt`` embedding (two vectors of ``width``) under file ``name``."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    os.makedirs(out, exist_ok=True)
    torch.save({"string_to_token": {"*": 265},
                "string_to_param": {"*": torch.randn(2, width, generator=gen)},
                "name": stem, "step": 1000, "sd_checkpoint": None, "sd_checkpoint_name": None},
               os.path.join(out, name))
    return out


# ----------------------------------------------------------------------------- IP adapters
def image_encoder(out: str, seed: int = 9) -> str:
    """A tiny CLIPVisionModelWithProjection folder (32 px, 32 dim hidden states and embeddings)."""
    from tiny_control import tiny_image_encoder

    tiny_image_encoder(seed).save_pretrained(out)
    return out


def full_clip(out: str, seed: int) -> str:
    """A tiny full ``CLIPModel`` (text and vision towers), as ``openai/clip-vit-large-patch14``
    holds one: an image encoder loads its vision half (projection_dim in both sub configs, as
    the real config.json has it)."""
    import torch
    from transformers import CLIPConfig, CLIPModel

    torch.manual_seed(seed)
    tower = dict(hidden_size=32, intermediate_size=37, num_attention_heads=4, num_hidden_layers=2,
                 projection_dim=32)
    text = dict(tower, vocab_size=1000, max_position_embeddings=77, bos_token_id=0,
                eos_token_id=2, pad_token_id=1)
    CLIPModel(CLIPConfig(text_config=text,
                         vision_config=dict(tower, image_size=32, patch_size=8),
                         projection_dim=32)).save_pretrained(out)
    return out


def full_siglip(out: str, seed: int) -> str:
    """A tiny full ``SiglipModel`` and its image processor, as ``google/siglip-so400m-*`` holds."""
    import torch
    from transformers import SiglipConfig, SiglipImageProcessor, SiglipModel

    torch.manual_seed(seed)
    tower = dict(hidden_size=32, intermediate_size=37, num_attention_heads=4, num_hidden_layers=2)
    SiglipModel(SiglipConfig(text_config=dict(tower, vocab_size=1000, bos_token_id=0,
                                              eos_token_id=2, pad_token_id=1),
                             vision_config=dict(tower, image_size=32, patch_size=8))
                ).save_pretrained(out)
    SiglipImageProcessor(size={"height": 32, "width": 32}).save_pretrained(out)
    return out


def _attn_tensors(unet: Any, cross: int, rand: Callable) -> dict[str, Any]:
    """``ip_adapter.N.to_{k,v}_ip.weight`` of every cross attention (N = 1, 3, 5 …)."""
    tensors, key = {}, 1
    for name in unet.attn_processors:
        if name.endswith("attn1.processor"):
            continue
        attn = unet.get_submodule(name[: -len(".processor")])
        hidden = attn.to_k.weight.shape[0]
        tensors[f"{key}.to_k_ip.weight"] = rand(hidden, cross)
        tensors[f"{key}.to_v_ip.weight"] = rand(hidden, cross)
        key += 2
    return tensors


def _plus_projection(cross: int, embed: int, seed: int) -> dict[str, Any]:
    """IP-Adapter Plus Resampler weights in the original (pre-diffusers) key names."""
    import torch
    from diffusers.models.embeddings import IPAdapterPlusImageProjection

    torch.manual_seed(seed)
    proj = IPAdapterPlusImageProjection(embed_dims=embed, output_dims=cross, hidden_dims=32,
                                        dim_head=64, heads=1, num_queries=4)
    out = {}
    for key, value in proj.state_dict().items():
        parts = key.split(".")
        if parts[0] != "layers":
            out[key] = value
            continue
        n, rest = parts[1], ".".join(parts[2:])
        if rest.startswith("attn.to_k"):
            v = proj.state_dict()[key.replace("to_k", "to_v")]
            out[f"layers.{n}.0.to_kv.weight"] = torch.cat([value, v])
        elif rest.startswith("attn.to_v"):
            continue
        else:
            rest = (rest.replace("ln0", "0.norm1").replace("ln1", "0.norm2")
                    .replace("attn.to_out.0", "0.to_out").replace("attn.to_q", "0.to_q")
                    .replace("ff.0", "1.0").replace("ff.1.net.0.proj", "1.1")
                    .replace("ff.1.net.2", "1.3"))
            out[f"layers.{n}.{rest}"] = value
    return out


_UNETS: dict[str, Any] = {}  # read-only UNets of the IP adapter builders, loaded once


def build_ip_adapter(model: str, out: str, name: str, seed: int, plus: bool = False) -> str:
    """An IP adapter for ``model``'s UNet under ``out/name`` (.bin or .safetensors layout)."""
    import torch

    unet = _UNETS.get(model) or _UNETS.setdefault(model, _unet(model))
    cross, embed = unet.config.cross_attention_dim, 32
    gen = torch.Generator().manual_seed(seed)
    rand = lambda *shape: torch.randn(*shape, generator=gen) * 0.5  # noqa: E731
    if plus:
        proj = _plus_projection(cross, embed, seed)
    else:
        proj = {"proj.weight": rand(4 * cross, embed), "proj.bias": rand(4 * cross),
                "norm.weight": torch.ones(cross), "norm.bias": torch.zeros(cross)}
    state = {"image_proj": proj, "ip_adapter": _attn_tensors(unet, cross, rand)}
    _save_ip(state, os.path.join(out, name))
    return out


def _save_ip(state: dict[str, dict[str, Any]], path: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if path.endswith(".safetensors"):
        from safetensors.torch import save_file

        save_file({f"{group}.{k}": v.contiguous() for group, part in state.items()
                   for k, v in part.items()}, path)
    else:
        import torch

        torch.save(state, path)


def _flat_to_bin(folder: str, src: str, dest: str) -> None:
    """Rewrite a flat ``image_proj.* / ip_adapter.*`` safetensors file as a ``.bin`` dict."""
    from safetensors.torch import load_file

    flat = load_file(os.path.join(folder, src))
    state: dict[str, dict[str, Any]] = {"image_proj": {}, "ip_adapter": {}}
    for key, value in flat.items():
        group, _, rest = key.partition(".")
        state[group][rest] = value
    _save_ip(state, os.path.join(folder, dest))
    os.remove(os.path.join(folder, src))


# ----------------------------------------------------------------------------- T2I adapters
def build_sd_t2i_adapter(out: str, seed: int) -> str:
    """A T2I adapter whose features meet the tiny sd UNet (see the module docstring)."""
    import torch
    from diffusers import T2IAdapter

    torch.manual_seed(seed)
    T2IAdapter(in_channels=3, channels=[32, 64], num_res_blocks=1, downscale_factor=16,
               adapter_type="full_adapter_xl").save_pretrained(out)
    return out


# ----------------------------------------------------------------------------- the repositories
def build_adapter_repos(models: Any, controls: dict[str, str], root: str) -> dict[str, str]:
    """Build every adapter repository under ``root``; hub id -> folder (the snapshot's files)."""
    from tiny_types import build_flux_ip_adapter, build_sd3_ip_adapter

    j = lambda *p: os.path.join(root, *p)  # noqa: E731
    sd, sdxl, kolors = models.sd, models.sdxl, models.kolors
    sd3 = controls["sd3_base"]  # what the sd3 / sd3.5 ids stand for
    repos = {
        "latent-consistency/lcm-lora-sdv1-5":
            build_kohya_lora(sd, j("lcm-sd"), "pytorch_lora_weights.safetensors", 31),
        "latent-consistency/lcm-lora-sdxl":
            build_kohya_lora(sdxl, j("lcm-sdxl"), "pytorch_lora_weights.safetensors", 32),
        "ybelkada/sd-1.5-pokemon-lora-peft":
            build_diffusers_lora(sd, j("pokemon"), "pytorch_lora_weights.safetensors", 33),
        "linoyts/Yarn_art_SD3_LoRA": build_diffusers_lora(
            sd3, j("yarn"), "pytorch_lora_weights.safetensors", 34, "transformer"),
        "ainjarts/gray_cat_sd3_lora": build_diffusers_lora(
            sd3, j("gray-cat"), "pytorch_lora_weights.safetensors", 35, "transformer"),
        "veryVANYA/ps1-style-flux": build_diffusers_lora(
            models.flux, j("ps1"), "ps1_style_flux_v1.safetensors", 36, "transformer"),
        "Duskfallcrew/IsometricDreams_TextualInversions": build_a1111_embedding(
            j("isometric"), "Isometric_Dreams-1000.pt", "Isometric_Dreams-1000", 32, 37),
    }
    collection = j("goofyai")
    for i, name in enumerate(("leonardo_illustration.safetensors", "steampunk_xl-off.safetensors")):
        build_kohya_lora(sdxl, collection, name, 38 + 2 * i, ("text_encoder", "text_encoder_2"))
    repos["goofyai/SDXL-Lora-Collection"] = collection
    repos["h94/IP-Adapter"] = _h94(sd, sdxl, j("h94"))
    kolors_ip = build_ip_adapter(kolors, j("kolors-ip"), "ip_adapter_plus_general.bin", 45, True)
    image_encoder(os.path.join(kolors_ip, "image_encoder"), 46)
    repos["Kwai-Kolors/Kolors-IP-Adapter-Plus"] = kolors_ip
    repos["openai/clip-vit-large-patch14"] = full_clip(j("clip-vit-l"), 47)
    repos["XLabs-AI/flux-ip-adapter"] = build_flux_ip_adapter(models.flux, j("xlabs"))
    instantx = build_sd3_ip_adapter(sd3, j("instantx"))
    _flat_to_bin(instantx, "ip-adapter.safetensors", "ip-adapter.bin")
    shutil.rmtree(os.path.join(instantx, "image_encoder"))  # the script gives --image-encoder
    repos["guiyrt/InstantX-SD3.5-Large-IP-Adapter-diffusers"] = instantx
    repos["google/siglip-so400m-patch14-384"] = full_siglip(j("siglip"), 53)
    for i, repo in enumerate(("TencentARC/t2iadapter_canny_sd14v1", "TencentARC/t2iadapter_canny_sd15v2",
                              "TencentARC/t2iadapter_openpose_sd14v1")):
        repos[repo] = build_sd_t2i_adapter(j("t2i", repo.split("/")[1]), 50 + i)
    return repos


def _h94(sd: str, sdxl: str, out: str) -> str:
    """``h94/IP-Adapter``: ``models/`` (sd 1.5 adapters, ViT-H image encoder) and
    ``sdxl_models/`` (sdxl adapters; the plain one with its own ViT-bigG image encoder)."""
    m, x = os.path.join(out, "models"), os.path.join(out, "sdxl_models")
    build_ip_adapter(sd, m, "ip-adapter_sd15.bin", 40)
    build_ip_adapter(sd, m, "ip-adapter-plus_sd15.safetensors", 41, plus=True)
    build_ip_adapter(sd, m, "ip-adapter-plus-face_sd15.safetensors", 42, plus=True)
    image_encoder(os.path.join(m, "image_encoder"), 9)
    build_ip_adapter(sdxl, x, "ip-adapter_sdxl.bin", 43)
    build_ip_adapter(sdxl, x, "ip-adapter-plus_sdxl_vit-h.safetensors", 44, plus=True)
    build_ip_adapter(sdxl, x, "ip-adapter-plus-face_sdxl_vit-h.safetensors", 48, plus=True)
    image_encoder(os.path.join(x, "image_encoder"), 49)
    return out


# ----------------------------------------------------------------------------- the web cache
DOCS = "https://huggingface.co/datasets/huggingface/documentation-images/resolve/main/diffusers/"
TESTING = "https://huggingface.co/datasets/YiYiXu/testing-images/resolve/main/"
#: image URLs of the adapter scripts (image seeds, \download) -> mime type of the real file
WEB_IMAGES = {
    **{DOCS + f"ip_adapter_diner{s}.png": "image/png" for s in ("", "_2")},
    **{TESTING + f"style_ziggy/img{i}.png": "image/png" for i in range(11)},
    TESTING + "women_input.png": "image/png",
    "https://huggingface.co/InstantX/SD3.5-Large-IP-Adapter/resolve/main/assets/1.jpg": "image/jpeg",
}
