"""Tiny random-weight diffusers models built offline for tests (recipes: shared/notes/tiny-models.md).

``build_all(root)`` writes, under ``root``: diffusers folders ``sd``, ``sd_inpaint``, ``sdxl``,
``sdxl_refiner``, ``sd3``, ``flux``, ``kolors``; a VAE folder ``vae``; a LoRA file made with peft
(``lora/pytorch_lora_weights.safetensors``); textual-inversion embeddings (``ti/tiny_ti.safetensors``
for SD, ``ti/tiny sdxl ti.safetensors`` for SDXL) and ``sd_single.safetensors``, the sd model in
the original LDM single-file layout.  Every builder seeds torch, so the models are deterministic.
"""

from __future__ import annotations

import inspect
import json
import os
import types
from dataclasses import dataclass
from typing import Any

CORPUS = """a photo of a cat sitting on a red chair, highly detailed, 4k, studio lighting
an astronaut riding a horse on the moon, digital art, trending on artstation
a painting of a squirrel eating a burger in the style of van gogh
portrait of a woman with blue eyes, oil painting, dramatic light, masterpiece, best quality
landscape with mountains and a lake at sunset, photorealistic, cinematic, 8k
a dog running in a green field, bokeh, 35mm photograph, sharp focus, close up
blurry, low quality, deformed, ugly, bad anatomy, watermark, text, jpeg artifacts, lowres
abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 .,;:!?'"-()[]{}<>/\\|@#$%^&*_+=~`
""".split("\n")

CLIP_SPLIT = r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"""


@dataclass
class TinyModels:
    """Paths of the tiny models (what the ``tiny_models`` fixture returns)."""

    root: str
    sd: str
    sd_inpaint: str
    sdxl: str
    sdxl_refiner: str
    sd3: str
    flux: str
    kolors: str
    vae: str
    lora: str
    textual_inversion: str
    textual_inversion_sdxl: str
    sd_single_file: str
    lora_flux: str
    seconds: float = 0.0


# ----------------------------------------------------------------------------- tokenizers
def _clip_tokenizer_files(folder: str) -> None:
    """A CLIP-layout byte-level BPE (vocab.json, merges.txt) trained on a tiny corpus."""
    from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, trainers

    alphabet = pre_tokenizers.ByteLevel.alphabet()
    tok = Tokenizer(models.BPE(unk_token="<|endoftext|>", end_of_word_suffix="</w>",
                               continuing_subword_prefix=""))
    tok.normalizer = normalizers.Sequence(
        [normalizers.NFC(), normalizers.Replace(Regex(r"\s+"), " "), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(CLIP_SPLIT), behavior="removed", invert=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False)])
    trainer = trainers.BpeTrainer(vocab_size=len(alphabet) + 486, min_frequency=1,
                                  initial_alphabet=alphabet, end_of_word_suffix="</w>",
                                  show_progress=False)
    tok.train_from_iterator(CORPUS * 5, trainer)
    merges = [m if isinstance(m, str) else " ".join(m)
              for m in json.loads(tok.to_str())["model"]["merges"]]
    vocab: dict[str, int] = {}
    for suffix in ("", "</w>"):
        for ch in alphabet:
            vocab.setdefault(ch + suffix, len(vocab))
    for m in merges:
        vocab.setdefault(m.replace(" ", ""), len(vocab))
    vocab["<|startoftext|>"] = len(vocab)
    vocab["<|endoftext|>"] = len(vocab)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(folder, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "\n".join(merges) + "\n")


def _t5_tokenizer_files(folder: str) -> None:
    """A T5-layout Unigram tokenizer.json (pad=0, eos=1, unk=2), no sentencepiece needed."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.Unigram())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.WhitespaceSplit(),
        pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")])
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.train_from_iterator(CORPUS * 5, trainers.UnigramTrainer(
        vocab_size=400, special_tokens=["<pad>", "</s>", "<unk>"], unk_token="<unk>",
        show_progress=False, max_piece_length=8))
    tok.post_processor = processors.TemplateProcessing(
        single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", 1)])
    os.makedirs(folder, exist_ok=True)
    tok.save(os.path.join(folder, "tokenizer.json"))
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "T5Tokenizer", "model_max_length": 512, "eos_token": "</s>",
                   "unk_token": "<unk>", "pad_token": "<pad>", "extra_ids": 0,
                   "additional_special_tokens": []}, f)


class _Tokenizers:
    """Builds each tokenizer's files once per root folder."""

    def __init__(self, work: str) -> None:
        self.work = work

    def clip(self, pad_token: str = "<|endoftext|>") -> Any:
        from transformers import CLIPTokenizer

        folder = os.path.join(self.work, "_clip_bpe")
        if not os.path.exists(os.path.join(folder, "vocab.json")):
            _clip_tokenizer_files(folder)
        return CLIPTokenizer.from_pretrained(folder, model_max_length=77, pad_token=pad_token)

    def t5(self) -> Any:
        from transformers import T5TokenizerFast

        folder = os.path.join(self.work, "_t5_unigram")
        if not os.path.exists(os.path.join(folder, "tokenizer.json")):
            _t5_tokenizer_files(folder)
        return T5TokenizerFast.from_pretrained(folder)

    def chatglm(self) -> Any:
        import sentencepiece as spm
        from diffusers.pipelines.kolors import ChatGLMTokenizer

        folder = os.path.join(self.work, "_chatglm_spm")
        prefix = os.path.join(folder, "tokenizer")
        if not os.path.exists(prefix + ".model"):
            os.makedirs(folder, exist_ok=True)
            corpus = os.path.join(folder, "corpus.txt")
            with open(corpus, "w") as f:
                f.write("\n".join(CORPUS * 20))
            spm.SentencePieceTrainer.train(
                input=corpus, model_prefix=prefix, vocab_size=400, model_type="unigram",
                hard_vocab_limit=False, character_coverage=1.0, byte_fallback=True, bos_id=1,
                eos_id=2, unk_id=0, pad_id=-1, minloglevel=2)
        return ChatGLMTokenizer(vocab_file=prefix + ".model")


# ----------------------------------------------------------------------------- components
def _clip_config(tok: Any, **kw: Any) -> Any:
    from transformers import CLIPTextConfig

    base = dict(bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                pad_token_id=tok.pad_token_id, hidden_size=32, intermediate_size=37,
                layer_norm_eps=1e-05, num_attention_heads=4, num_hidden_layers=2,
                vocab_size=max(1000, len(tok)), hidden_act="gelu", projection_dim=32,
                max_position_embeddings=77)
    base.update(kw)
    return CLIPTextConfig(**base)


def _t5_encoder(tok: Any) -> Any:
    from transformers import T5Config, T5EncoderModel

    return T5EncoderModel(T5Config(
        vocab_size=max(256, len(tok)), d_model=32, d_ff=37, d_kv=8, num_layers=2, num_heads=4,
        relative_attention_num_buckets=8, dropout_rate=0.0, feed_forward_proj="gated-gelu",
        is_encoder_decoder=False, use_cache=False, pad_token_id=tok.pad_token_id,
        eos_token_id=tok.eos_token_id))


def tiny_vae(latent_channels: int = 4, flow: bool = False, **kw: Any) -> Any:
    """AutoencoderKL with 4 levels: vae_scale_factor 8 like the real models."""
    from diffusers import AutoencoderKL

    args: dict[str, Any] = dict(
        in_channels=3, out_channels=3, block_out_channels=[8, 8, 16, 16],
        down_block_types=["DownEncoderBlock2D"] * 4, up_block_types=["UpDecoderBlock2D"] * 4,
        layers_per_block=1, latent_channels=latent_channels, norm_num_groups=4, sample_size=64)
    if flow:
        args.update(use_quant_conv=False, use_post_quant_conv=False, shift_factor=0.0609,
                    scaling_factor=1.5035)
    args.update(kw)
    return AutoencoderKL(**args)


def _sd_unet(in_channels: int = 4) -> Any:
    from diffusers import UNet2DConditionModel

    return UNet2DConditionModel(
        block_out_channels=(32, 64), layers_per_block=2, sample_size=8, in_channels=in_channels,
        out_channels=4, down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), cross_attention_dim=32,
        attention_head_dim=8)


def _sdxl_unet(cross_dim: int, add_dim: int, in_channels: int = 4) -> Any:
    from diffusers import UNet2DConditionModel

    return UNet2DConditionModel(
        block_out_channels=(32, 64), layers_per_block=2, sample_size=8, in_channels=in_channels,
        out_channels=4, down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), attention_head_dim=(2, 4),
        use_linear_projection=True, addition_embed_type="text_time", addition_time_embed_dim=8,
        transformer_layers_per_block=(1, 2), projection_class_embeddings_input_dim=add_dim,
        cross_attention_dim=cross_dim)


def _sdxl_scheduler() -> Any:
    from diffusers import EulerDiscreteScheduler

    return EulerDiscreteScheduler(beta_start=0.00085, beta_end=0.012, steps_offset=1,
                                  beta_schedule="scaled_linear", timestep_spacing="leading")


# ----------------------------------------------------------------------------- pipelines
def build_sd(toks: _Tokenizers, inpaint: bool = False) -> Any:
    import torch
    from diffusers import PNDMScheduler, StableDiffusionInpaintPipeline, StableDiffusionPipeline
    from transformers import CLIPTextModel

    torch.manual_seed(0)
    tok = toks.clip()
    sched = PNDMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                          skip_prk_steps=True, steps_offset=1, set_alpha_to_one=False)
    cls = StableDiffusionInpaintPipeline if inpaint else StableDiffusionPipeline
    return cls(vae=tiny_vae(scaling_factor=0.18215), text_encoder=CLIPTextModel(_clip_config(tok)),
               tokenizer=tok, unet=_sd_unet(9 if inpaint else 4), scheduler=sched,
               safety_checker=None, feature_extractor=None, requires_safety_checker=False)


def build_sdxl(toks: _Tokenizers) -> Any:
    import torch
    from diffusers import StableDiffusionXLPipeline
    from transformers import CLIPTextModel, CLIPTextModelWithProjection

    torch.manual_seed(0)
    tok, tok2 = toks.clip(), toks.clip(pad_token="!")
    # text_encoder_2 wider than text_encoder, as in the real model (single-file loading needs it)
    return StableDiffusionXLPipeline(
        vae=tiny_vae(scaling_factor=0.13025, force_upcast=False),
        text_encoder=CLIPTextModel(_clip_config(tok)), tokenizer=tok,
        text_encoder_2=CLIPTextModelWithProjection(_clip_config(tok2, hidden_size=64)),
        tokenizer_2=tok2, unet=_sdxl_unet(32 + 64, 6 * 8 + 32), scheduler=_sdxl_scheduler())


def build_sdxl_refiner(toks: _Tokenizers) -> Any:
    import torch
    from diffusers import StableDiffusionXLImg2ImgPipeline
    from transformers import CLIPTextModelWithProjection

    torch.manual_seed(0)
    tok2 = toks.clip(pad_token="!")
    return StableDiffusionXLImg2ImgPipeline(
        vae=tiny_vae(scaling_factor=0.13025, force_upcast=False), text_encoder=None,
        tokenizer=None, text_encoder_2=CLIPTextModelWithProjection(_clip_config(tok2, hidden_size=64)),
        tokenizer_2=tok2, unet=_sdxl_unet(64, 5 * 8 + 32), scheduler=_sdxl_scheduler(),
        requires_aesthetics_score=True, force_zeros_for_empty_prompt=False)


def build_sd3(toks: _Tokenizers) -> Any:
    import torch
    from diffusers import FlowMatchEulerDiscreteScheduler, SD3Transformer2DModel, StableDiffusion3Pipeline
    from transformers import CLIPTextModelWithProjection

    torch.manual_seed(0)
    tok, tok3 = toks.clip(pad_token="!"), toks.t5()
    transformer = SD3Transformer2DModel(
        sample_size=8, patch_size=2, in_channels=16, num_layers=1, attention_head_dim=8,
        num_attention_heads=4, caption_projection_dim=32, joint_attention_dim=32,
        pooled_projection_dim=64, out_channels=16)
    # 16 latent channels like the real SD3 VAE: the SD3 inpaint pipeline insists on it
    return StableDiffusion3Pipeline(
        transformer=transformer, scheduler=FlowMatchEulerDiscreteScheduler(shift=3.0),
        vae=tiny_vae(latent_channels=16, flow=True),
        text_encoder=CLIPTextModelWithProjection(_clip_config(tok)), tokenizer=tok,
        text_encoder_2=CLIPTextModelWithProjection(_clip_config(tok)), tokenizer_2=tok,
        text_encoder_3=_t5_encoder(tok3), tokenizer_3=tok3)


def build_flux(toks: _Tokenizers) -> Any:
    import torch
    from diffusers import FlowMatchEulerDiscreteScheduler, FluxPipeline, FluxTransformer2DModel
    from transformers import CLIPTextModel

    torch.manual_seed(0)
    tok, tok2 = toks.clip(), toks.t5()
    transformer = FluxTransformer2DModel(
        patch_size=1, in_channels=16, num_layers=1, num_single_layers=1, attention_head_dim=16,
        num_attention_heads=2, joint_attention_dim=32, pooled_projection_dim=32,
        axes_dims_rope=[4, 4, 8], guidance_embeds=False)
    sched = FlowMatchEulerDiscreteScheduler(shift=1.0, use_dynamic_shifting=False,
                                            base_shift=0.5, max_shift=1.15)
    return FluxPipeline(transformer=transformer, scheduler=sched, vae=tiny_vae(flow=True),
                        text_encoder=CLIPTextModel(_clip_config(tok)), tokenizer=tok,
                        text_encoder_2=_t5_encoder(tok2), tokenizer_2=tok2)


def build_kolors(toks: _Tokenizers) -> Any:
    import torch
    from diffusers import KolorsPipeline
    from diffusers.pipelines.kolors import ChatGLMModel
    from diffusers.pipelines.kolors.text_encoder import ChatGLMConfig

    torch.manual_seed(0)
    tok = toks.chatglm()
    te = ChatGLMModel(ChatGLMConfig(
        num_layers=2, padded_vocab_size=tok.vocab_size + 16, hidden_size=32, ffn_hidden_size=37,
        kv_channels=8, num_attention_heads=4, seq_length=256, multi_query_attention=True,
        multi_query_group_num=2, original_rope=True, use_cache=True))
    # ChatGLMModel allocates with torch.empty (garbage, NaN images): initialise every weight
    with torch.no_grad():
        for name, prm in te.named_parameters():
            if "layernorm" in name:
                prm.fill_(1.0)
            else:
                prm.normal_(0.0, 0.02)
    return KolorsPipeline(vae=tiny_vae(scaling_factor=0.13025, force_upcast=False), text_encoder=te,
                          tokenizer=tok, unet=_sdxl_unet(32, 6 * 8 + 32),
                          scheduler=_sdxl_scheduler(), force_zeros_for_empty_prompt=False)


# ----------------------------------------------------------------------------- extras
def build_lora_file(folder: str) -> str:
    """A peft LoRA for the sd UNet (random A and B, so it changes the output)."""
    import torch
    from diffusers import StableDiffusionPipeline
    from diffusers.utils import convert_state_dict_to_diffusers
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    torch.manual_seed(1)
    unet = _sd_unet()
    unet.add_adapter(LoraConfig(r=4, lora_alpha=4, init_lora_weights=False,
                                target_modules=["to_q", "to_k", "to_v", "to_out.0"]))
    layers = convert_state_dict_to_diffusers(get_peft_model_state_dict(unet))
    StableDiffusionPipeline.save_lora_weights(folder, unet_lora_layers=layers,
                                              safe_serialization=True)
    return os.path.join(folder, "pytorch_lora_weights.safetensors")


def build_flux_lora_file(folder: str, flux_folder: str) -> str:
    """A peft LoRA for the flux transformer (random A and B)."""
    import torch
    from diffusers import FluxPipeline, FluxTransformer2DModel
    from diffusers.utils import convert_state_dict_to_diffusers
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    torch.manual_seed(4)
    transformer = FluxTransformer2DModel.from_pretrained(flux_folder, subfolder="transformer")
    transformer.add_adapter(LoraConfig(r=4, lora_alpha=4, init_lora_weights=False,
                                       target_modules=["to_q", "to_k", "to_v"]))
    layers = convert_state_dict_to_diffusers(get_peft_model_state_dict(transformer))
    FluxPipeline.save_lora_weights(folder, transformer_lora_layers=layers, safe_serialization=True)
    return os.path.join(folder, "pytorch_lora_weights.safetensors")


def build_textual_inversions(folder: str) -> tuple[str, str]:
    """An SD embedding (diffusers layout, token ``<tiny-ti>``) and an SDXL one (clip_l/clip_g)."""
    import torch
    from safetensors.torch import save_file

    torch.manual_seed(2)
    os.makedirs(folder, exist_ok=True)
    sd = os.path.join(folder, "tiny_ti.safetensors")
    save_file({"<tiny-ti>": torch.randn(2, 32)}, sd)
    sdxl = os.path.join(folder, "tiny sdxl ti.safetensors")
    save_file({"clip_l": torch.randn(2, 32), "clip_g": torch.randn(2, 64)}, sdxl)
    return sd, sdxl


def build_vae_folder(folder: str) -> str:
    """A stand-alone AutoencoderKL folder (other weights than the models' own VAEs)."""
    import torch

    torch.manual_seed(3)
    tiny_vae(scaling_factor=0.18215).save_pretrained(folder)
    return folder


# ----------------------------------------------------------------------------- single file
_RESNET = [("norm1", "in_layers.0"), ("conv1", "in_layers.2"), ("norm2", "out_layers.0"),
           ("conv2", "out_layers.3"), ("time_emb_proj", "emb_layers.1"),
           ("conv_shortcut", "skip_connection")]


def _unet_prefixes(sd: dict, cfg: dict) -> list[tuple[str, str]]:
    lpb, n = cfg["layers_per_block"], len(cfg["block_out_channels"])
    pre = [("time_embedding.linear_1.", "time_embed.0."), ("time_embedding.linear_2.", "time_embed.2."),
           ("conv_in.", "input_blocks.0.0."), ("conv_norm_out.", "out.0."), ("conv_out.", "out.2."),
           ("mid_block.resnets.0.", "middle_block.0."), ("mid_block.attentions.0.", "middle_block.1."),
           ("mid_block.resnets.1.", "middle_block.2.")]
    for i in range(n):
        for j in range(lpb):
            idx = 1 + i * (lpb + 1) + j
            pre += [(f"down_blocks.{i}.resnets.{j}.", f"input_blocks.{idx}.0."),
                    (f"down_blocks.{i}.attentions.{j}.", f"input_blocks.{idx}.1.")]
        if i < n - 1:
            pre.append((f"down_blocks.{i}.downsamplers.0.conv.", f"input_blocks.{(i + 1) * (lpb + 1)}.0.op."))
        up_attn = any(k.startswith(f"up_blocks.{i}.attentions.") for k in sd)
        for j in range(lpb + 1):
            idx = i * (lpb + 1) + j
            pre += [(f"up_blocks.{i}.resnets.{j}.", f"output_blocks.{idx}.0."),
                    (f"up_blocks.{i}.attentions.{j}.", f"output_blocks.{idx}.1.")]
        if i < n - 1:
            pre.append((f"up_blocks.{i}.upsamplers.0.",
                        f"output_blocks.{i * (lpb + 1) + lpb}.{2 if up_attn else 1}."))
    return pre


def _unet_to_ldm(sd: dict, cfg: dict) -> dict:
    """diffusers UNet keys -> original ``model.diffusion_model.*`` keys (SD 1.x layout)."""
    pre, out = _unet_prefixes(sd, cfg), {}
    for key, value in sd.items():
        for a, b in pre:
            if key.startswith(a):
                rest = key[len(a):]
                if ".resnets." in a:
                    for x, y in _RESNET:
                        if rest.startswith(x + "."):
                            rest = y + rest[len(x):]
                out["model.diffusion_model." + b + rest] = value
                break
        else:
            raise KeyError(f"unmapped unet key {key}")
    return out


def _vae_to_ldm(sd: dict, cfg: dict) -> dict:
    """diffusers AutoencoderKL keys -> original ``first_stage_model.*`` keys."""
    n = len(cfg["block_out_channels"])
    pre = [("encoder.conv_norm_out.", "encoder.norm_out."), ("decoder.conv_norm_out.", "decoder.norm_out.")]
    for part in ("encoder", "decoder"):
        pre += [(f"{part}.mid_block.resnets.0.", f"{part}.mid.block_1."),
                (f"{part}.mid_block.resnets.1.", f"{part}.mid.block_2."),
                (f"{part}.mid_block.attentions.0.", f"{part}.mid.attn_1.")]
    for i in range(n):
        pre += [(f"encoder.down_blocks.{i}.resnets.", f"encoder.down.{i}.block."),
                (f"encoder.down_blocks.{i}.downsamplers.0.", f"encoder.down.{i}.downsample."),
                (f"decoder.up_blocks.{i}.resnets.", f"decoder.up.{n - 1 - i}.block."),
                (f"decoder.up_blocks.{i}.upsamplers.0.", f"decoder.up.{n - 1 - i}.upsample.")]
    attn = [("group_norm.", "norm."), ("to_q.", "q."), ("to_k.", "k."), ("to_v.", "v."),
            ("to_out.0.", "proj_out.")]
    out = {}
    for key, value in sd.items():
        new = next((b + key[len(a):] for a, b in pre if key.startswith(a)), key)
        new = new.replace("conv_shortcut", "nin_shortcut")
        if ".mid.attn_1." in new:
            head, tail = new.split(".mid.attn_1.")
            for a, b in attn:
                if tail.startswith(a):
                    tail = b + tail[len(a):]
            new = head + ".mid.attn_1." + tail
            if tail.endswith("weight") and value.ndim == 2:
                value = value.reshape(*value.shape, 1, 1)  # linear -> 1x1 conv
        out["first_stage_model." + new] = value
    return out


def _load_component(folder: str, sub: str) -> tuple[dict, dict]:
    from safetensors.torch import load_file

    path = os.path.join(folder, sub)
    sd: dict = {}
    for name in os.listdir(path):
        if name.endswith(".safetensors"):
            sd.update(load_file(os.path.join(path, name)))
    with open(os.path.join(path, "config.json")) as f:
        return sd, json.load(f)


def vae_to_single_file(folder: str, out_path: str) -> str:
    """Write a diffusers AutoencoderKL folder as one LDM-layout ``.safetensors`` file."""
    from safetensors.torch import load_file, save_file

    sd = load_file(os.path.join(folder, "diffusion_pytorch_model.safetensors"))
    with open(os.path.join(folder, "config.json")) as f:
        ckpt = _vae_to_ldm(sd, json.load(f))
    save_file({k: v.contiguous() for k, v in ckpt.items()}, out_path)
    return out_path


def to_single_file(folder: str, out_path: str) -> str:
    """Write the sd diffusers folder as one LDM-layout ``.safetensors`` checkpoint."""
    from safetensors.torch import save_file

    ckpt = _unet_to_ldm(*_load_component(folder, "unet"))
    ckpt.update(_vae_to_ldm(*_load_component(folder, "vae")))
    text, _ = _load_component(folder, "text_encoder")
    for key, value in text.items():  # transformers 5 drops the "text_model." prefix
        key = key if key.startswith(("text_model.", "text_projection")) else "text_model." + key
        ckpt["cond_stage_model.transformer." + key] = value
    save_file({k: v.contiguous() for k, v in ckpt.items()}, out_path)
    return out_path


def build_all(root: str) -> TinyModels:
    """Build and save every tiny model under ``root``; returns their paths."""
    import time

    t0 = time.perf_counter()
    os.makedirs(root, exist_ok=True)
    toks = _Tokenizers(root)
    paths: dict[str, str] = {}
    builders = {"sd": build_sd, "sd_inpaint": lambda t: build_sd(t, inpaint=True),
                "sdxl": build_sdxl, "sdxl_refiner": build_sdxl_refiner, "sd3": build_sd3,
                "flux": build_flux, "kolors": build_kolors}
    for name, build in builders.items():
        paths[name] = os.path.join(root, name)
        build(toks).save_pretrained(paths[name])
    ti, ti_sdxl = build_textual_inversions(os.path.join(root, "ti"))
    single = os.path.join(root, "sd_single.safetensors")
    to_single_file(paths["sd"], single)
    return TinyModels(root=root, vae=build_vae_folder(os.path.join(root, "vae")),
                      lora=build_lora_file(os.path.join(root, "lora")), textual_inversion=ti,
                      textual_inversion_sdxl=ti_sdxl, sd_single_file=single,
                      lora_flux=build_flux_lora_file(os.path.join(root, "lora_flux"), paths["flux"]),
                      seconds=time.perf_counter() - t0, **paths)


# ----------------------------------------------------------------------------- test helpers
def opts(model_path: str, model_type: str = "sd", **kw: Any) -> types.SimpleNamespace:
    """A RenderOptions stand-in with the dests load_pipelines reads."""
    kw.setdefault("device", "cpu")
    return types.SimpleNamespace(model_path=model_path, model_type=model_type, **kw)


def init_image(size: int = 64) -> Any:
    import numpy as np
    from PIL import Image

    a = np.linspace(0, 255, size * size * 3, dtype=np.float32).reshape(size, size, 3)
    return Image.fromarray(a.astype(np.uint8))


def mask_image(size: int = 64) -> Any:
    import numpy as np
    from PIL import Image

    m = np.zeros((size, size), dtype=np.uint8)
    m[size // 4: 3 * size // 4, size // 4: 3 * size // 4] = 255
    return Image.fromarray(m).convert("RGB")


def run(pipe: Any, mode: str, **kw: Any) -> Any:
    """One 64x64, 2 step generation; returns the image as a float array (asserted finite)."""
    import numpy as np
    import torch

    pipe.set_progress_bar_config(disable=True)
    call: dict[str, Any] = dict(prompt="a cat", num_inference_steps=2, output_type="np",
                                generator=torch.Generator("cpu").manual_seed(0))
    if mode != "txt2img":
        call.update(image=init_image(), strength=0.8)
    if mode == "inpaint":
        call.update(mask_image=mask_image())
    if "height" in inspect.signature(type(pipe).__call__).parameters:
        call.update(height=64, width=64)  # Flux img2img would render at its default size
    call.update(kw)
    out = pipe(**call).images[0]
    assert out.shape == (64, 64, 3)
    assert np.isfinite(out).all()
    return out


if __name__ == "__main__":  # python -m tests.tiny_models OUT_DIR
    import sys

    models = build_all(os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "tiny_models"))
    print(f"built in {models.seconds:.2f} s: {models}")
