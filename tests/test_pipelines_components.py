"""--vae, --unet, --transformer, --text-encoders, --loras, --textual-inversions, VAE tiling/slicing."""

from __future__ import annotations

import pytest
import torch

from dgenerate_core.errors import ModelError, UsageError
from dgenerate_core.pipelines import load_pipelines, text_encoder_help

try:
    from tests.tiny_models import opts, run
except ImportError:  # plain `pytest`
    from tiny_models import opts, run


def _first_param(module):
    return next(iter(module.state_dict().values())).clone()


def _same_weights(a, b) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_vae_uri_replaces_the_vae(tiny_models):
    from diffusers import AutoencoderKL

    plain = load_pipelines(opts(tiny_models.sd))
    pset = load_pipelines(opts(tiny_models.sd, vae=f"AutoencoderKL;model={tiny_models.vae}"))
    expected = AutoencoderKL.from_pretrained(tiny_models.vae)
    assert _same_weights(pset.base.vae, expected)
    assert not _same_weights(plain.base.vae, expected)
    assert pset.get("img2img").vae is pset.base.vae
    run(pset.get("txt2img"), "txt2img")


def test_vae_dtype_argument(tiny_models):
    pset = load_pipelines(opts(tiny_models.sd, vae=f"AutoencoderKL;model={tiny_models.vae};dtype=bfloat16"))
    assert pset.base.vae.dtype == torch.bfloat16
    assert pset.base.unet.dtype == torch.float32


def test_vae_subfolder_argument(tiny_models):
    pset = load_pipelines(opts(tiny_models.sd, vae=f"AutoencoderKL;model={tiny_models.sdxl};subfolder=vae"))
    assert pset.base.vae.config.scaling_factor == pytest.approx(0.13025)


def test_unet_uri(tiny_models):
    pset = load_pipelines(opts(tiny_models.sd, unet=f"{tiny_models.sd_inpaint};subfolder=unet"))
    assert pset.base.unet.config.in_channels == 9
    run(pset.get("inpaint"), "inpaint")


def test_transformer_uri(tiny_models):
    from diffusers import FluxTransformer2DModel

    # the flux transformer re-saved with other weights
    torch.manual_seed(5)
    pset = load_pipelines(opts(tiny_models.flux, "flux", transformer=f"{tiny_models.flux};subfolder=transformer"))
    expected = FluxTransformer2DModel.from_pretrained(tiny_models.flux, subfolder="transformer")
    assert _same_weights(pset.base.transformer, expected)


def test_unet_and_transformer_model_type_rules(tiny_models):
    with pytest.raises(UsageError, match="--transformer is only supported for --model-type sd3 and flux"):
        load_pipelines(opts(tiny_models.sd, transformer=tiny_models.flux))
    with pytest.raises(UsageError, match="--unet cannot be used with --model-type sd3"):
        load_pipelines(opts(tiny_models.sd3, "sd3", unet=tiny_models.sd))


def test_text_encoders_plus_null_and_uri(tiny_models):
    uri = f"T5EncoderModel;model={tiny_models.flux};subfolder=text_encoder_2"
    pset = load_pipelines(opts(tiny_models.sd3, "sd3", text_encoders=["+", "+", uri]))
    assert type(pset.base.text_encoder_3).__name__ == "T5EncoderModel"
    from transformers import T5EncoderModel

    assert _same_weights(pset.base.text_encoder_3,
                         T5EncoderModel.from_pretrained(tiny_models.flux, subfolder="text_encoder_2"))
    no_t5 = load_pipelines(opts(tiny_models.sd3, "sd3", text_encoders=["+", "+", "null"]))
    assert no_t5.base.text_encoder_3 is None
    assert no_t5.base.text_encoder is not None
    run(no_t5.get("txt2img"), "txt2img")


def test_text_encoder_help(tiny_models):
    text = text_encoder_help(load_pipelines(opts(tiny_models.sd3, "sd3")).base)
    assert text.splitlines()[0] == "Text encoder type help:"
    assert "0 = CLIPTextModelWithProjection" in text and "2 = T5EncoderModel" in text


def test_text_encoders_errors(tiny_models):
    with pytest.raises(UsageError, match="3 values given, but this model type has 1 text encoder"):
        load_pipelines(opts(tiny_models.sd, text_encoders=["+", "+", "+"]))
    with pytest.raises(UsageError, match='unknown text encoder class "Nope"'):
        load_pipelines(opts(tiny_models.sd, text_encoders=[f"Nope;model={tiny_models.sd}"]))
    with pytest.raises(ModelError, match="no such file"):
        load_pipelines(opts(tiny_models.sd, text_encoders=[f"CLIPTextModel;model=x.safetensors;mode=clip-l"]))


def test_lora_changes_unet_weights(tiny_models):
    plain = load_pipelines(opts(tiny_models.sd))
    base_unet = {k: v.clone() for k, v in plain.base.unet.state_dict().items()}
    pset = load_pipelines(opts(tiny_models.sd, loras=[tiny_models.lora]))
    assert pset is not plain
    changed = [k for k, v in pset.base.unet.state_dict().items() if not torch.equal(v, base_unet[k])]
    assert any("to_q" in k for k in changed)
    # the cached plain model was not touched by fusing
    assert all(torch.equal(v, base_unet[k]) for k, v in plain.base.unet.state_dict().items())
    assert not any("lora" in k for k in pset.base.unet.state_dict())  # fused, adapters dropped
    run(pset.get("txt2img"), "txt2img")


def test_lora_scale_and_fuse_scale(tiny_models):
    def q_weight(**kw):
        unet = load_pipelines(opts(tiny_models.sd, **kw)).base.unet
        return unet.down_blocks[1].attentions[0].transformer_blocks[0].attn1.to_q.weight.detach().clone()

    base = q_weight()
    full = q_weight(loras=[tiny_models.lora]) - base
    half = q_weight(loras=[f"{tiny_models.lora};scale=0.5"]) - base
    fused_half = q_weight(loras=[tiny_models.lora], lora_fuse_scale=0.5) - base
    assert full.abs().max() > 0
    assert torch.allclose(half, full * 0.5, atol=1e-5)
    assert torch.allclose(fused_half, full * 0.5, atol=1e-5)


def test_lora_folder_with_weight_name(tiny_models):
    import os

    folder = os.path.dirname(tiny_models.lora)
    pset = load_pipelines(opts(tiny_models.sd, loras=[f"{folder};weight-name=pytorch_lora_weights.safetensors"]))
    assert pset.base is not None


def test_lora_uri_errors(tiny_models):
    with pytest.raises(UsageError, match='--loras ".*": unknown argument "bogus"'):
        load_pipelines(opts(tiny_models.sd, loras=[f"{tiny_models.lora};bogus=1"]))
    with pytest.raises(UsageError, match='argument "scale" must be a number'):
        load_pipelines(opts(tiny_models.sd, loras=[f"{tiny_models.lora};scale=big"]))


def test_textual_inversion_sd(tiny_models):
    pset = load_pipelines(opts(tiny_models.sd, textual_inversions=[tiny_models.textual_inversion]))
    tok = pset.base.tokenizer
    assert "<tiny-ti>" in tok.get_vocab()
    plain = load_pipelines(opts(tiny_models.sd))
    assert "<tiny-ti>" not in plain.base.tokenizer.get_vocab()
    assert len(tok) == len(plain.base.tokenizer) + 2  # a 2-vector embedding: <tiny-ti>, <tiny-ti>_1
    from safetensors.torch import load_file

    vectors = load_file(tiny_models.textual_inversion)["<tiny-ti>"]
    emb = pset.base.text_encoder.get_input_embeddings().weight
    assert torch.equal(emb[tok.convert_tokens_to_ids("<tiny-ti>")], vectors[0])
    run(pset.get("txt2img"), "txt2img", prompt="a <tiny-ti> cat")


def test_textual_inversion_token_argument(tiny_models):
    pset = load_pipelines(opts(tiny_models.sd, textual_inversions=[f"{tiny_models.textual_inversion};token=<mine>"]))
    assert "<mine>" in pset.base.tokenizer.get_vocab()


def test_textual_inversion_sdxl_default_token(tiny_models):
    pset = load_pipelines(opts(tiny_models.sdxl, "sdxl", textual_inversions=[tiny_models.textual_inversion_sdxl]))
    assert "tiny_sdxl_ti" in pset.base.tokenizer.get_vocab()
    assert "tiny_sdxl_ti" in pset.base.tokenizer_2.get_vocab()
    run(pset.get("txt2img"), "txt2img", prompt="a tiny_sdxl_ti cat")


def test_vae_tiling_and_slicing(tiny_models):
    pset = load_pipelines(opts(tiny_models.sd, vae_tiling=True, vae_slicing=True))
    assert pset.base.vae.use_tiling and pset.base.vae.use_slicing
    again = load_pipelines(opts(tiny_models.sd))
    assert again is pset  # not a creation parameter: same cached pipelines, flags switched off
    assert not again.base.vae.use_tiling and not again.base.vae.use_slicing


def test_safety_checker_off_by_default(tiny_models):
    pset = load_pipelines(opts(tiny_models.sd))
    assert pset.base.safety_checker is None
    assert pset.get("img2img").safety_checker is None


def test_safety_checker_flag_on_a_model_without_one(tiny_models):
    # --safety-checker keeps the model's own checker; the tiny model has none, so no effect
    pset = load_pipelines(opts(tiny_models.sd, safety_checker=True))
    assert pset is not load_pipelines(opts(tiny_models.sd))
    assert pset.base.safety_checker is None
    run(pset.get("txt2img"), "txt2img")


def test_refiner_text_encoders(tiny_models):
    uri = f"CLIPTextModelWithProjection;model={tiny_models.sdxl};subfolder=text_encoder_2"
    pset = load_pipelines(opts(tiny_models.sdxl, "sdxl", sdxl_refiner=tiny_models.sdxl_refiner,
                               second_model_text_encoders=["+", uri]))
    from transformers import CLIPTextModelWithProjection

    expected = CLIPTextModelWithProjection.from_pretrained(tiny_models.sdxl, subfolder="text_encoder_2")
    assert _same_weights(pset.refiner("txt2img").text_encoder_2, expected)


def test_single_file_vae_takes_its_config_from_the_main_model(tiny_models, tmp_path):
    from diffusers import AutoencoderKL

    try:
        from tests.tiny_models import vae_to_single_file
    except ImportError:
        from tiny_models import vae_to_single_file

    path = vae_to_single_file(tiny_models.vae, str(tmp_path / "my vae.safetensors"))
    pset = load_pipelines(opts(tiny_models.sd, vae=f"AutoencoderKL;model={path}", offline_mode=True))
    assert _same_weights(pset.base.vae, AutoencoderKL.from_pretrained(tiny_models.vae))
    with pytest.raises(UsageError, match='argument "subfolder" cannot be used with a single file'):
        load_pipelines(opts(tiny_models.sd, vae=f"AutoencoderKL;model={path};subfolder=vae"))


def test_textual_inversion_flux_uses_the_clip_encoder(tiny_models):
    pset = load_pipelines(opts(tiny_models.flux, "flux", textual_inversions=[tiny_models.textual_inversion_sdxl]))
    assert "tiny_sdxl_ti" in pset.base.tokenizer.get_vocab()
    assert "tiny_sdxl_ti" not in pset.base.tokenizer_2.get_vocab()
    run(pset.get("txt2img"), "txt2img", prompt="a tiny_sdxl_ti cat")


def test_kolors_chatglm_text_encoder_uri(tiny_models):
    uri = f"ChatGLMModel;model={tiny_models.kolors};subfolder=text_encoder"
    pset = load_pipelines(opts(tiny_models.kolors, "kolors", text_encoders=[uri]))
    assert type(pset.base.text_encoder).__name__ == "ChatGLMModel"
    assert text_encoder_help(pset.base).splitlines()[2] == "    0 = ChatGLMModel"
    run(pset.get("txt2img"), "txt2img")


def test_flux_lora_changes_transformer(tiny_models):
    plain = load_pipelines(opts(tiny_models.flux, "flux"))
    before = plain.base.transformer.transformer_blocks[0].attn.to_q.weight.detach().clone()
    pset = load_pipelines(opts(tiny_models.flux, "flux", loras=[tiny_models.lora_flux]))
    after = pset.base.transformer.transformer_blocks[0].attn.to_q.weight
    assert not torch.equal(before, after)
    assert torch.equal(before, plain.base.transformer.transformer_blocks[0].attn.to_q.weight)
    run(pset.get("img2img"), "img2img")


def test_variant_is_inherited_by_the_unet_uri(tiny_models, tmp_path):
    plain = load_pipelines(opts(tiny_models.sd))
    plain.base.save_pretrained(str(tmp_path / "fp16"), variant="fp16")
    pset = load_pipelines(opts(str(tmp_path / "fp16"), variant="fp16",
                               unet=f"{tmp_path / 'fp16'};subfolder=unet"))
    assert _same_weights(pset.base.unet, plain.base.unet)
    with pytest.raises(ModelError, match=r'--unet ".*": cannot load it: .*fp16'):
        load_pipelines(opts(str(tmp_path / "fp16"), variant="fp16",
                            unet=f"{tiny_models.sd};subfolder=unet"))
