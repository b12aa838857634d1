"""Stable Cascade (``--model-type s-cascade``): the prior turns the prompt (and the image seed
images, used as an image / style prompt, never as a noised seed) into image embeddings, then
the ``--s-cascade-decoder`` pipeline turns those into images (usage.md §11)."""

from __future__ import annotations

from typing import Any, Callable

from dgenerate_core.errors import UsageError
from dgenerate_core.render.calls import CallBuilder, add_common, add_prompts
from dgenerate_core.render.prompted import clean, weigh, weighter_uri

#: the decoder's defaults (manual: --second-model-inference-steps, --second-model-guidance-scales)
DECODER_STEPS = 10
DECODER_GUIDANCE = 0.0


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value


def run_cascade(job: Any, step: Any, seed: Any, batch: int, generator: Callable[[], Any],
                progress: Callable[[int], Any], call_pipe: Callable[[Any, dict], Any]) -> Any:
    """Prior then decoder for one step; returns the decoder's images (or latents)."""
    pset = job.pset
    prior = pset.get("txt2img")
    pset.set_scheduler(prior, step["schedulers"], "--schedulers")
    call = CallBuilder(prior, pset.accepts, "s-cascade", "txt2img" if seed is None else "img2img")
    add_prompts(call, clean(step["prompts"]), None, None)
    weighted = bool(weighter_uri(job, step, False))
    add_common(call, step, job.opts, generator(), batch, progress(int(step["inference_steps"])),
               weighted=weighted)
    width, height = job.txt2img_size
    call.require("width", width, "--output-size")
    call.require("height", height, "--output-size")
    if seed is not None and seed.images:
        if seed.latents:
            raise UsageError(f'--image-seeds "{seed.spec.text}": Stable Cascade cannot perform '
                             f"img2img from latents, give images as its image prompt")
        call.kwargs["images"] = list(seed.images)
    if weighted:
        weigh(job, step, prior, call.kwargs, second_model=False)
    embeddings = call_pipe(prior, call.kwargs).image_embeddings
    return _decode(job, step, embeddings, generator, progress, call_pipe)


def _decode(job: Any, step: Any, embeddings: Any, generator: Callable[[], Any],
            progress: Callable[[int], Any], call_pipe: Callable[[Any, dict], Any]) -> Any:
    pset = job.pset
    decoder = pset.decoder
    pset.set_scheduler(decoder, step["second_model_schedulers"], "--second-model-schedulers")
    call = CallBuilder(decoder, pset.accepts, "s-cascade", "decoder")
    add_prompts(call, clean(step["second_model_prompts"] or step["prompts"]), None, None)
    steps = int(_or(step["second_model_inference_steps"], DECODER_STEPS))
    unet = getattr(decoder, "decoder", None)
    if unet is not None and hasattr(embeddings, "to"):
        # the decoder may run in another dtype than the prior (the corpus: a bfloat16 prior and
        # "stabilityai/stable-cascade;dtype=float16"); diffusers does not cast for it
        embeddings = embeddings.to(unet.dtype)
    call.kwargs.update(image_embeddings=embeddings, num_inference_steps=steps,
                       guidance_scale=float(_or(step["second_model_guidance_scales"],
                                                DECODER_GUIDANCE)),
                       generator=generator())
    call.optional("callback_on_step_end", progress(steps))
    if weighter_uri(job, step, True):
        weigh(job, step, decoder, call.kwargs, second_model=True)
    if job.output.latents:
        call.kwargs["output_type"] = "latent"
        return call_pipe(decoder, call.kwargs).images
    return list(call_pipe(decoder, call.kwargs).images)
