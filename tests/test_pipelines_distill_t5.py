"""``--text-encoders + DistillT5EncoderModel;model=...`` for Flux (issue 14): a T5 encoder with a
projection to the transformer's text width, loaded through the user's code path."""

import os

import numpy as np
from PIL import Image

from dgenerate_core.cli import main


def _tiny_distill_t5(folder, tiny_models):
    import torch
    from transformers import T5Config, T5TokenizerFast

    from dgenerate_core.pipelines.distill_t5 import distill_t5_class

    tok = T5TokenizerFast.from_pretrained(os.path.join(tiny_models.flux, "tokenizer_2"))
    torch.manual_seed(5)
    config = T5Config(vocab_size=max(256, len(tok)), d_model=16, d_ff=24, d_kv=8, num_layers=1,
                      num_heads=2, relative_attention_num_buckets=8, dropout_rate=0.0,
                      feed_forward_proj="gated-gelu", is_encoder_decoder=False, use_cache=False,
                      pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id,
                      distill_projection_dim=32)  # the tiny flux joint attention width
    distill_t5_class()(config).save_pretrained(folder)
    return str(folder)


def test_flux_with_a_distill_t5_encoder(tiny_models, tmp_path):
    encoder = _tiny_distill_t5(tmp_path / "distill_t5", tiny_models)
    common = [tiny_models.flux, "--model-type", "flux", "--output-size", "32",
              "--inference-steps", "1", "--seeds", "3", "--prompts", "a cat"]
    assert main([*common, "-o", str(tmp_path / "plain")]) == 0
    assert main([*common, "--text-encoders", "+", f"DistillT5EncoderModel;model={encoder}",
                 "-o", str(tmp_path / "distill")]) == 0
    name = "s_3_g_5-0_i_1_step_1.png"
    plain = np.asarray(Image.open(tmp_path / "plain" / name), dtype=np.float32)
    distill = np.asarray(Image.open(tmp_path / "distill" / name), dtype=np.float32)
    assert np.abs(plain - distill).max() > 0  # the other encoder conditioned the image
