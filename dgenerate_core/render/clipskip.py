"""Clip skip on transformers 5: diffusers reaches a CLIP encoder's ``text_model``."""

from __future__ import annotations

from typing import Any


def clip_text_model_alias(pipe: Any) -> None:
    """diffusers 0.42 reaches ``text_encoder.text_model.final_layer_norm`` for clip skip, which
    transformers 5 flattened away; alias the encoder as its own ``text_model`` (not a
    registered submodule, so weights and state dicts are unchanged). Every pipeline call that
    passes ``clip_skip`` (the main call, the adetailer inpaint calls) does this first."""
    for name in ("text_encoder", "text_encoder_2"):
        encoder = getattr(pipe, name, None)
        if encoder is not None and hasattr(encoder, "final_layer_norm") \
                and not hasattr(encoder, "text_model"):
            encoder.__dict__["text_model"] = encoder
