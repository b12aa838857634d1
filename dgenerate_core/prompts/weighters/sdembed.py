"""The ``sd-embed`` prompt weighter: web UI syntax ``(word:1.2)``, ``[word]``, BREAK, and prompts
longer than 77 tokens in chunks, for SD 1/2, SDXL (and its refiner), SD3 and Flux. Written here
(the sd_embed project is not on the package index); the encoding follows each pipeline's own
``encode_prompt`` so that a prompt without weights gives the same embeddings.
"""

from __future__ import annotations

from typing import Any

from dgenerate_core.prompts.base import PromptWeighter, register_weighter, warn
from dgenerate_core.prompts.syntax import strip
from dgenerate_core.prompts.weighters import chunks as ch

SD_TYPES = ("sd", "pix2pix", "upscaler-x4")
SDXL_TYPES = ("sdxl", "sdxl-pix2pix")
FLUX_TYPES = ("flux", "flux-fill", "flux-kontext")
PROMPT_KEYS = ("prompt", "negative_prompt", "prompt_2", "negative_prompt_2", "prompt_3",
               "negative_prompt_3")


def take_prompts(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Remove the prompt texts and clip skip from the call; returns them."""
    taken = {key: kwargs.pop(key, None) for key in PROMPT_KEYS}
    taken["clip_skip"] = kwargs.pop("clip_skip", None)
    return taken


def convert(pipe: Any, text: str | None, tokenizer: Any) -> str:
    """Textual inversion multi-vector tokens expanded, as the pipeline itself does."""
    text = text or ""
    if hasattr(pipe, "maybe_convert_prompt") and tokenizer is not None:
        return pipe.maybe_convert_prompt(text, tokenizer)
    return text


def _dtype_of(encoder: Any) -> Any:
    return next(encoder.parameters()).dtype


class SdEmbedWeighter(PromptWeighter):
    NAMES = ("sd-embed",)
    MODEL_TYPES = SD_TYPES + SDXL_TYPES + ("s-cascade", "sd3", "sd3-pix2pix") + FLUX_TYPES
    HELP = """
    Prompt weighting in the Stable Diffusion web UI syntax for Stable Diffusion 1/2, Stable
    Diffusion XL (and its refiner), Stable Diffusion 3 and Flux, modelled on sd_embed
    (https://github.com/xhinker/sd_embed).

    "(word)" raises the weight of a word by a factor of 1.1, "((word))" by 1.21, "[word]" lowers
    it by 1.1, "(word:1.5)" sets a factor. Escape literal brackets with a backslash. "BREAK" starts
    a new 75 token chunk. Prompts longer than 77 tokens are encoded in chunks, not truncated.

    This prompt weighter supports the model types:

    --model-type sd
    --model-type pix2pix
    --model-type upscaler-x4
    --model-type sdxl
    --model-type sdxl-pix2pix
    --model-type s-cascade
    --model-type sd3
    --model-type flux
    --model-type flux-fill
    --model-type flux-kontext

    SDXL: --second-prompts goes to the second text encoder. --second-model-second-prompts is
    ignored with a warning.

    SD3: --second-prompts and --third-prompts are ignored; the main prompt goes to all three text
    encoders.

    Flux: the main prompt goes to the T5 encoder, --second-prompts (default: the main prompt,
    weighting syntax removed) to CLIP for the pooled embedding. Flux takes no negative prompt.
    """

    def apply(self, pipe: Any, kwargs: dict[str, Any], refiner: bool = False) -> None:
        taken = take_prompts(kwargs)
        if type(pipe).__name__.startswith("StableCascade"):
            self._cascade(pipe, kwargs, taken)
        elif hasattr(pipe, "text_encoder_3") or type(pipe).__name__.startswith("StableDiffusion3"):
            self._sd3(pipe, kwargs, taken)
        elif hasattr(pipe, "transformer") and hasattr(pipe, "text_encoder_2") \
                and "T5" in type(getattr(pipe, "text_encoder_2", None)).__name__:
            self._flux(pipe, kwargs, taken)
        elif hasattr(pipe, "text_encoder_2"):
            self._sdxl(pipe, kwargs, taken, refiner)
        else:
            self._sd(pipe, kwargs, taken)

    # --------------------------------------------------------------------------------- SD 1/2
    def _sd(self, pipe: Any, kwargs: dict[str, Any], taken: dict[str, Any]) -> None:
        tok, enc = pipe.tokenizer, pipe.text_encoder
        skip = taken["clip_skip"]
        layer = None if not skip else -(skip + 1)
        pos = convert(pipe, taken["prompt"], tok)
        neg = convert(pipe, taken["negative_prompt"], tok)
        count = max(ch.count_chunks(tok, pos), ch.count_chunks(tok, neg))
        embeds, _ = ch.encode_clip(enc, ch.clip_chunks(tok, pos, count), layer, True)
        negative, _ = ch.encode_clip(enc, ch.clip_chunks(tok, neg, count), layer, True)
        kwargs["prompt_embeds"] = embeds
        kwargs["negative_prompt_embeds"] = negative

    # ------------------------------------------------------------------------ Stable Cascade
    def _cascade(self, pipe: Any, kwargs: dict[str, Any], taken: dict[str, Any]) -> None:
        """Prior and decoder: the last hidden state before the final norm, padding masked, and
        the projected end token as the pooled embedding."""
        tok, enc = pipe.tokenizer, pipe.text_encoder
        skip = taken["clip_skip"]
        layer = -(skip + 1) if skip else -1
        pad = (tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id,
               tok.eos_token_id)
        pos, neg = taken["prompt"] or "", taken["negative_prompt"] or ""
        count = max(ch.count_chunks(tok, pos), ch.count_chunks(tok, neg))
        embeds, pooled = ch.encode_clip(enc, ch.clip_chunks(tok, pos, count), layer, False, pad)
        negative, neg_pooled = ch.encode_clip(enc, ch.clip_chunks(tok, neg, count), layer,
                                              False, pad)
        kwargs.update(prompt_embeds=embeds, prompt_embeds_pooled=pooled.unsqueeze(1),
                      negative_prompt_embeds=negative,
                      negative_prompt_embeds_pooled=neg_pooled.unsqueeze(1))

    # ---------------------------------------------------------------------------------- SDXL
    def _sdxl_side(self, pipe: Any, texts: tuple[str, str], count: int, layer: int) -> tuple:
        encoders = [(pipe.tokenizer, pipe.text_encoder, texts[0]),
                    (pipe.tokenizer_2, pipe.text_encoder_2, texts[1])]
        if pipe.text_encoder is None:
            encoders = encoders[1:]
        parts, pooled = [], None
        for tok, enc, text in encoders:
            embeds, pooled = ch.encode_clip(enc, ch.clip_chunks(tok, text, count), layer, False)
            parts.append(embeds)
        import torch

        return torch.cat(parts, dim=-1), pooled

    def _sdxl(self, pipe: Any, kwargs: dict[str, Any], taken: dict[str, Any],
              refiner: bool) -> None:
        import torch

        skip = taken["clip_skip"]
        layer = -(skip + 2) if skip else -2
        tok1 = pipe.tokenizer or pipe.tokenizer_2
        tok2 = pipe.tokenizer_2
        pos = convert(pipe, taken["prompt"], tok1)
        pos2 = convert(pipe, taken["prompt_2"], tok2) if taken["prompt_2"] else pos
        neg_given = taken["negative_prompt"] is not None or taken["negative_prompt_2"] is not None
        neg = convert(pipe, taken["negative_prompt"], tok1)
        neg2 = convert(pipe, taken["negative_prompt_2"], tok2) if taken["negative_prompt_2"] \
            else neg
        count = max(ch.count_chunks(t, x) for t, x in
                    ((tok1, pos), (tok2, pos2), (tok1, neg), (tok2, neg2)))
        embeds, pooled = self._sdxl_side(pipe, (pos, pos2), count, layer)
        if not neg_given and getattr(pipe.config, "force_zeros_for_empty_prompt", False):
            negative, neg_pooled = torch.zeros_like(embeds), torch.zeros_like(pooled)
        else:
            negative, neg_pooled = self._sdxl_side(pipe, (neg, neg2), count, -2)
        kwargs.update(prompt_embeds=embeds, pooled_prompt_embeds=pooled,
                      negative_prompt_embeds=negative, negative_pooled_prompt_embeds=neg_pooled)

    # ----------------------------------------------------------------------------------- SD3
    def _sd3_side(self, pipe: Any, text: str, count: int, layer: int, seq: int) -> tuple:
        import torch

        clip_parts, pooled_parts = [], []
        for tok, enc in ((pipe.tokenizer, pipe.text_encoder),
                         (pipe.tokenizer_2, pipe.text_encoder_2)):
            embeds, pooled = ch.encode_clip(enc, ch.clip_chunks(tok, text, count), layer, False)
            clip_parts.append(embeds)
            pooled_parts.append(pooled)
        clip = torch.cat(clip_parts, dim=-1)
        if pipe.text_encoder_3 is not None:
            t5 = ch.encode_t5(pipe.tokenizer_3, pipe.text_encoder_3, text, seq)
        else:
            dim = pipe.transformer.config.joint_attention_dim
            t5 = torch.zeros((1, seq, dim), dtype=clip.dtype, device=clip.device)
        clip = torch.nn.functional.pad(clip, (0, t5.shape[-1] - clip.shape[-1]))
        return torch.cat([clip, t5.to(clip.dtype)], dim=-2), torch.cat(pooled_parts, dim=-1)

    def _sd3(self, pipe: Any, kwargs: dict[str, Any], taken: dict[str, Any]) -> None:
        if taken["prompt_2"] or taken["prompt_3"]:
            warn("sd-embed: --second-prompts and --third-prompts are ignored for SD3")
        skip = taken["clip_skip"]
        layer = -(skip + 2) if skip else -2
        seq = int(kwargs.get("max_sequence_length") or 256)
        pos = convert(pipe, taken["prompt"], pipe.tokenizer)
        neg = convert(pipe, taken["negative_prompt"], pipe.tokenizer)
        count = max(ch.count_chunks(pipe.tokenizer, pos), ch.count_chunks(pipe.tokenizer, neg))
        embeds, pooled = self._sd3_side(pipe, pos, count, layer, seq)
        negative, neg_pooled = self._sd3_side(pipe, neg, count, layer, seq)
        if negative.shape[1] != embeds.shape[1]:  # T5 parts of different lengths
            embeds, negative = _pad_same(embeds, negative)
        kwargs.update(prompt_embeds=embeds, pooled_prompt_embeds=pooled,
                      negative_prompt_embeds=negative, negative_pooled_prompt_embeds=neg_pooled)

    # ---------------------------------------------------------------------------------- Flux
    def _flux(self, pipe: Any, kwargs: dict[str, Any], taken: dict[str, Any]) -> None:
        seq = int(kwargs.get("max_sequence_length") or 512)
        main = convert(pipe, taken["prompt"], pipe.tokenizer_2)
        style = convert(pipe, taken["prompt_2"], pipe.tokenizer) if taken["prompt_2"] \
            else strip(main)
        kwargs["prompt_embeds"] = ch.encode_t5(pipe.tokenizer_2, pipe.text_encoder_2, main, seq)
        kwargs["pooled_prompt_embeds"] = self._flux_pooled(pipe, style)
        if taken["negative_prompt"] or taken["negative_prompt_2"]:
            warn("sd-embed: Flux takes no negative prompt; it is ignored")

    def _flux_pooled(self, pipe: Any, text: str) -> Any:
        chunks = ch.clip_chunks(pipe.tokenizer, strip(text))[:1]
        ids = [chunks[0][0], [1.0] * len(chunks[0][0])]
        _, pooled = ch.encode_clip(pipe.text_encoder, [tuple(ids)], None, False)
        return pooled


def _pad_same(a: Any, b: Any) -> tuple[Any, Any]:
    import torch

    length = max(a.shape[1], b.shape[1])

    def pad(x: Any) -> Any:
        extra = length - x.shape[1]
        if extra <= 0:
            return x
        return torch.cat([x, torch.zeros((x.shape[0], extra, x.shape[2]), dtype=x.dtype,
                                         device=x.device)], dim=1)
    return pad(a), pad(b)


register_weighter(SdEmbedWeighter)
