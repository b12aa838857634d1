"""Weighted CLIP / T5 token chunks and their encoding (torch imported lazily).

A prompt becomes token ids with one weight each (web UI syntax, :mod:`..syntax`), cut into chunks
of ``max_length - 2`` tokens; each chunk is ``[bos] tokens [eos] [pad ...]`` like the tokenizer's own
``padding="max_length"`` output, so a prompt of one chunk without weights encodes exactly like the
pipeline's own prompt encoding. Chunks are encoded one by one and joined along the sequence.
"""

from __future__ import annotations

from typing import Any

from dgenerate_core.prompts.syntax import BREAK, parse


def weighted_tokens(tokenizer: Any, text: str) -> list[list[tuple[int, float]]]:
    """Token ids with weights, as a list of BREAK separated pieces (no special tokens)."""
    pieces: list[list[tuple[int, float]]] = [[]]
    for segment, weight in parse(text):
        if weight == BREAK:
            pieces.append([])
            continue
        if not segment.strip():
            continue
        ids = tokenizer(segment, add_special_tokens=False, truncation=False)["input_ids"]
        pieces[-1].extend((int(i), float(weight)) for i in ids)
    return pieces


def clip_chunks(tokenizer: Any, text: str, min_chunks: int = 1) -> list[tuple[list, list]]:
    """``[(ids, weights), ...]`` chunks of ``model_max_length`` tokens (at least
    ``min_chunks``; extra chunks encode the empty prompt)."""
    size = int(getattr(tokenizer, "model_max_length", 77) or 77)
    if size > 1024:
        size = 77
    body = size - 2
    bos, eos = tokenizer.bos_token_id, tokenizer.eos_token_id
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos
    chunks: list[tuple[list, list]] = []
    for piece in weighted_tokens(tokenizer, text):
        for start in range(0, max(len(piece), 1), body):
            part = piece[start:start + body]
            ids = [bos] + [i for i, _ in part] + [eos]
            weights = [1.0] + [w for _, w in part] + [1.0]
            ids += [pad] * (size - len(ids))
            weights += [1.0] * (size - len(weights))
            chunks.append((ids, weights))
    empty = ([bos, eos] + [pad] * (size - 2), [1.0] * size)
    while len(chunks) < min_chunks:
        chunks.append(empty)
    return chunks


def count_chunks(tokenizer: Any, text: str | None) -> int:
    return len(clip_chunks(tokenizer, text or ""))


def apply_weights(embeds: Any, weights: list[float]) -> Any:
    """Scale each token's distance from the chunk's last (padding) embedding by its weight;
    unchanged when every weight is 1."""
    import torch

    if all(w == 1.0 for w in weights):
        return embeds
    w = torch.tensor(weights, dtype=embeds.dtype, device=embeds.device).view(1, -1, 1)
    anchor = embeds[:, -1:, :]
    return anchor + (embeds - anchor) * w


def encoder_device(encoder: Any) -> Any:
    """Where the encoder's inputs go (the offload hook's device when it is offloaded)."""
    from diffusers.utils.torch_utils import get_module_execution_device

    return get_module_execution_device(encoder)


def encode_clip(encoder: Any, chunks: list[tuple[list, list]], hidden_layer: int | None,
                final_norm: bool, pad_eos: tuple[int, int] | None = None) -> tuple[Any, Any]:
    """Encode chunks; returns (embeds joined on the sequence, the first chunk's pooled output).

    ``hidden_layer`` None takes the last hidden state, else ``hidden_states[hidden_layer]``
    (``final_norm`` applies the final layer norm to it, as SD 1.x clip skip does). With
    ``pad_eos`` (the padding and end token ids) the padding is masked (as Stable Cascade
    encodes)."""
    import torch

    device = encoder_device(encoder)
    parts, pooled = [], None
    for ids, weights in chunks:
        tensor = torch.tensor([ids], device=device)
        extra = {}
        if pad_eos is not None:
            end = _end(ids, *pad_eos)
            extra["attention_mask"] = torch.tensor([[1] * end + [0] * (len(ids) - end)],
                                                   device=device)
        with torch.no_grad():
            out = encoder(tensor, output_hidden_states=hidden_layer is not None, **extra)
        if hidden_layer is None:
            hidden = out[0]
        else:
            hidden = out.hidden_states[hidden_layer]
            if final_norm:
                model = getattr(encoder, "text_model", encoder)
                hidden = model.final_layer_norm(hidden)
        if pooled is None:
            pooled = out.text_embeds if hasattr(out, "text_embeds") else out.pooler_output
        parts.append(apply_weights(hidden, weights))
    return torch.cat(parts, dim=1), pooled


def _end(ids: list[int], pad_id: int, eos_id: int) -> int:
    """The length of a chunk without its trailing padding (the end token kept)."""
    end = len(ids)
    while end > 1 and ids[end - 1] == pad_id:
        end -= 1
    if pad_id == eos_id:  # the end token looks like padding: keep one
        end += 1
    return max(2, min(end, len(ids)))


def encode_t5(tokenizer: Any, encoder: Any, text: str, max_length: int) -> Any:
    """T5 embeddings of ``text``: weighted tokens (weight times embedding), ``</s>``, padded to
    ``max_length`` (longer prompts are kept whole, not truncated)."""
    import torch

    pieces = weighted_tokens(tokenizer, text)
    tokens = [t for piece in pieces for t in piece]
    ids = [i for i, _ in tokens] + [tokenizer.eos_token_id]
    weights = [w for _, w in tokens] + [1.0]
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    ids += [pad] * (max_length - len(ids))
    weights += [1.0] * (max_length - len(weights))
    device = encoder_device(encoder)
    with torch.no_grad():
        embeds = encoder(torch.tensor([ids], device=device), output_hidden_states=False)[0]
    if any(w != 1.0 for w in weights):
        w = torch.tensor(weights, dtype=embeds.dtype, device=device).view(1, -1, 1)
        embeds = embeds * w
    return embeds
