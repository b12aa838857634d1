"""``--text-encoders "Class;model=FILE;mode=..."``: monolithic (ComfyUI / CivitAI style) text
encoder checkpoints, one ``.safetensors`` file holding a whole CLIP or T5 encoder without its
config (usage.md §10.9).

The mode names the architecture family (activation, projection, T5 gating); the sizes (width,
layers, feed forward width, vocabulary, positions, projection width, T5 heads) are read from the
weights, so every checkpoint of the family loads. CLIP heads are width / 64 (every real CLIP),
or width / 8 for widths that are no multiple of 64 (test-sized models).
"""

from __future__ import annotations

import re
from typing import Any

from dgenerate_core.errors import UsageError

#: mode -> (family, encoder classes it can load, CLIP activation)
MODES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "clip-l": ("clip", ("CLIPTextModel", "CLIPTextModelWithProjection"), "quick_gelu"),
    "clip-l-sd3": ("clip", ("CLIPTextModelWithProjection",), "quick_gelu"),
    "clip-l-sd35-large": ("clip", ("CLIPTextModelWithProjection",), "quick_gelu"),
    "clip-g-sd3": ("clip", ("CLIPTextModelWithProjection",), "gelu"),
    "clip-g-sd35-large": ("clip", ("CLIPTextModelWithProjection",), "gelu"),
    "t5-xxl": ("t5", ("T5EncoderModel",), ""),
    "t5-xxl-sd3": ("t5", ("T5EncoderModel",), ""),
}


def check_mode(mode: str, cls_name: str, uri: Any) -> str:
    """The canonical mode, or the URI's error naming the modes / the classes that fit."""
    value = mode.strip().lower()
    if value not in MODES:
        raise uri.fail(f'unknown mode "{mode}", use one of: ' + ", ".join(MODES))
    if cls_name not in MODES[value][1]:
        raise uri.fail(f'mode "{value}" loads ' + " or ".join(MODES[value][1])
                       + f", not {cls_name}")
    return value


def _strip(state: dict[str, Any]) -> dict[str, Any]:
    """Keys without a ``text_model.`` / ``transformer.`` wrapper prefix."""
    out = {}
    for key, value in state.items():
        for prefix in ("text_model.", "transformer.text_model.", "transformer."):
            if key.startswith(prefix):
                key = key[len(prefix):]
                break
        out[key] = value
    return out


def _count(state: dict[str, Any], pattern: str) -> int:
    found = {int(m.group(1)) for k in state for m in [re.match(pattern, k)] if m}
    return max(found) + 1 if found else 0


def _clip_config(state: dict[str, Any], act: str) -> Any:
    from transformers import CLIPTextConfig

    vocab, width = state["embeddings.token_embedding.weight"].shape
    heads = width // 64 if width % 64 == 0 else max(1, width // 8)
    proj = state.get("text_projection.weight")
    return CLIPTextConfig(
        vocab_size=int(vocab), hidden_size=int(width),
        intermediate_size=int(state["encoder.layers.0.mlp.fc1.weight"].shape[0]),
        num_hidden_layers=_count(state, r"encoder\.layers\.(\d+)\."), num_attention_heads=heads,
        max_position_embeddings=int(state["embeddings.position_embedding.weight"].shape[0]),
        projection_dim=int(proj.shape[0]) if proj is not None else int(width), hidden_act=act,
        eos_token_id=2)  # pool at the highest token id: CLIP's end token


def _t5_config(state: dict[str, Any]) -> Any:
    from transformers import T5Config

    vocab, width = state["shared.weight"].shape
    buckets, heads = state["encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"].shape
    inner = state["encoder.block.0.layer.0.SelfAttention.q.weight"].shape[0]
    return T5Config(
        vocab_size=int(vocab), d_model=int(width), num_heads=int(heads),
        d_kv=int(inner) // int(heads), relative_attention_num_buckets=int(buckets),
        d_ff=int(state["encoder.block.0.layer.1.DenseReluDense.wi_0.weight"].shape[0]),
        num_layers=_count(state, r"encoder\.block\.(\d+)\."), feed_forward_proj="gated-gelu",
        is_encoder_decoder=False, use_cache=False, dropout_rate=0.0)


def load_mode_checkpoint(path: str, cls: Any, mode: str, dtype: Any, raw: str) -> Any:
    """Build ``cls`` for the checkpoint at ``path`` and load its weights (no random init)."""
    from accelerate import init_empty_weights
    from safetensors.torch import load_file

    family, _, act = MODES[mode]
    state = _strip(load_file(path))
    if family == "t5" and "shared.weight" not in state and "encoder.embed_tokens.weight" in state:
        state["shared.weight"] = state["encoder.embed_tokens.weight"]
    try:
        config = _clip_config(state, act) if family == "clip" else _t5_config(state)
    except KeyError as e:
        raise UsageError(f'--text-encoders "{raw}": the file is no {mode} checkpoint '
                         f"(no {e.args[0]})") from e
    with init_empty_weights(include_buffers=False):
        model = cls(config)
    wanted = model.state_dict()
    if family == "t5":
        state.setdefault("encoder.embed_tokens.weight", state["shared.weight"])
    missing = [k for k in wanted if k not in state]
    if missing:
        raise UsageError(f'--text-encoders "{raw}": the {mode} checkpoint lacks '
                         + ", ".join(missing[:3]) + (" ..." if len(missing) > 3 else ""))
    model.load_state_dict({k: state[k].to(dtype) for k in wanted}, strict=False, assign=True)
    model.tie_weights()
    return model.eval()
