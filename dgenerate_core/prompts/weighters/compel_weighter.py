"""The ``compel`` prompt weighter: InvokeAI syntax through the compel package (``syntax=sdwui``
translates web UI syntax first). SD 1/2, SDXL (and its refiner) and Flux; compel is imported
when a prompt is first weighted."""

from __future__ import annotations

from typing import Any

from dgenerate_core.prompts.base import PromptWeighter, register_weighter, warn
from dgenerate_core.prompts.syntax import to_compel
from dgenerate_core.prompts.weighters.chunks import encoder_device
from dgenerate_core.prompts.weighters.sdembed import FLUX_TYPES, SD_TYPES, SDXL_TYPES, take_prompts


class CompelWeighter(PromptWeighter):
    NAMES = ("compel",)
    NEEDS = ("compel",)
    MODEL_TYPES = SD_TYPES + SDXL_TYPES + ("s-cascade",) + FLUX_TYPES
    HELP = """
    Prompt weighting in the InvokeAI syntax through the compel library, for Stable Diffusion 1/2,
    Stable Diffusion XL (and its refiner) and Flux: "(picking apricots)++" or
    "(picking apricots)1.3". Long prompts are encoded in chunks.

    syntax=sdwui translates Stable Diffusion web UI syntax ("((word))", "(word:1.3)") to compel
    syntax first. The weighting is compel's own, so prompts written for other programs may need
    adjusting.

    See: https://github.com/damian0815/compel

    This prompt weighter supports the model types:

    --model-type sd
    --model-type pix2pix
    --model-type upscaler-x4
    --model-type sdxl
    --model-type sdxl-pix2pix
    --model-type s-cascade
    --model-type flux
    --model-type flux-fill
    --model-type flux-kontext

    --second-prompts is supported for SDXL and Flux. --second-model-second-prompts is ignored with
    a warning. For Flux, the main prompt goes to the T5 encoder and the second prompt (style
    prompt) to the CLIP encoder for the pooled embedding. --clip-skips is not used by compel.
    """

    def __init__(self, syntax: str = "compel", **kw: Any) -> None:
        super().__init__(**kw)
        if syntax not in ("compel", "sdwui"):
            raise ValueError('argument "syntax" must be "compel" or "sdwui"')
        self.syntax = syntax
        self._cache: dict[int, Any] = {}

    def _text(self, text: str | None) -> str | None:
        if text is None:
            return None
        return to_compel(text) if self.syntax == "sdwui" else text

    def _wrapper(self, pipe: Any, kind: str) -> Any:
        key = id(pipe)
        if key not in self._cache:
            import compel

            encoder = pipe.text_encoder if getattr(pipe, "text_encoder", None) is not None \
                else pipe.text_encoder_2
            device = str(encoder_device(encoder))
            if kind == "cascade":
                made = compel.Compel(
                    tokenizer=pipe.tokenizer, text_encoder=pipe.text_encoder,
                    returned_embeddings_type=compel.ReturnedEmbeddingsType
                    .LAST_HIDDEN_STATES_NORMALIZED,
                    requires_pooled=True, truncate_long_prompts=False, device=device)
            elif kind == "refiner":
                made = compel.Compel(
                    tokenizer=pipe.tokenizer_2, text_encoder=pipe.text_encoder_2,
                    returned_embeddings_type=compel.ReturnedEmbeddingsType
                    .PENULTIMATE_HIDDEN_STATES_NON_NORMALIZED,
                    requires_pooled=True, truncate_long_prompts=False, device=device)
            else:
                manager = compel.DiffusersTextualInversionManager(pipe) \
                    if hasattr(pipe, "maybe_convert_prompt") else None
                made = {"sd": compel.CompelForSD, "sdxl": compel.CompelForSDXL,
                        "flux": compel.CompelForFlux}[kind](
                    pipe, textual_inversion_manager=manager, device=device)
            self._cache[key] = made
        return self._cache[key]

    def apply(self, pipe: Any, kwargs: dict[str, Any], refiner: bool = False) -> None:
        taken = take_prompts(kwargs)
        if taken["clip_skip"]:
            warn("compel: --clip-skips is not used by the compel prompt weighter")
        pos, neg = self._text(taken["prompt"]) or "", self._text(taken["negative_prompt"])
        pos2, neg2 = self._text(taken["prompt_2"]), self._text(taken["negative_prompt_2"])
        if getattr(pipe, "text_encoder", True) is None:
            self._refiner(pipe, kwargs, pos2 or pos, neg2 or neg)
            return
        name = type(pipe).__name__
        if name.startswith("StableCascade"):
            self._pooled_pair(pipe, "cascade", kwargs, pos, neg)
            return
        if name.startswith(("StableDiffusion3", "Kolors")):
            raise ValueError(f"the compel prompt weighter does not support {name}")
        if "Flux" in name:
            out = self._wrapper(pipe, "flux")(pos, style_prompt=pos2, negative_prompt=neg,
                                              negative_style_prompt=neg2)
            kwargs.update(prompt_embeds=out.embeds, pooled_prompt_embeds=out.pooled_embeds)
            if neg:
                kwargs.update(negative_prompt_embeds=out.negative_embeds,
                              negative_pooled_prompt_embeds=out.negative_pooled_embeds)
            return
        if hasattr(pipe, "text_encoder_2"):
            out = self._wrapper(pipe, "sdxl")(pos, style_prompt=pos2, negative_prompt=neg or "",
                                              negative_style_prompt=neg2)
            kwargs.update(prompt_embeds=out.embeds, pooled_prompt_embeds=out.pooled_embeds,
                          negative_prompt_embeds=out.negative_embeds,
                          negative_pooled_prompt_embeds=out.negative_pooled_embeds)
            return
        out = self._wrapper(pipe, "sd")(pos, negative_prompt=neg or "")
        kwargs.update(prompt_embeds=out.embeds, negative_prompt_embeds=out.negative_embeds)

    def _pooled_pair(self, pipe: Any, kind: str, kwargs: dict[str, Any], pos: str,
                     neg: str | None) -> None:
        """Stable Cascade prior / decoder: embeddings and ``*_pooled`` (batch, 1, dim)."""
        made = self._wrapper(pipe, kind)
        embeds, pooled = made(pos)
        negative, neg_pooled = made(neg or "")
        if embeds.shape[1] != negative.shape[1]:
            [embeds, negative] = made.pad_conditioning_tensors_to_same_length([embeds, negative])
        kwargs.update(prompt_embeds=embeds, prompt_embeds_pooled=pooled.unsqueeze(1),
                      negative_prompt_embeds=negative,
                      negative_prompt_embeds_pooled=neg_pooled.unsqueeze(1))

    def _refiner(self, pipe: Any, kwargs: dict[str, Any], pos: str, neg: str | None) -> None:
        made = self._wrapper(pipe, "refiner")
        embeds, pooled = made(pos)
        negative, neg_pooled = made(neg or "")
        if embeds.shape[1] != negative.shape[1]:
            [embeds, negative] = made.pad_conditioning_tensors_to_same_length([embeds, negative])
        kwargs.update(prompt_embeds=embeds, pooled_prompt_embeds=pooled,
                      negative_prompt_embeds=negative.to(embeds.dtype),
                      negative_pooled_prompt_embeds=neg_pooled)


register_weighter(CompelWeighter)
