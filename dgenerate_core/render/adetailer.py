"""``--adetailer-detectors``: the image seed is detailed by each detector in turn -- detect,
mask, crop, inpaint with the invocation's inpaint pipeline, paste back (the algorithm lives in
``processors.detect.adetailer``). Per-detector URI arguments override the ``--adetailer-*``
options (one value of each per step: they are product axes) and the prompt."""

from __future__ import annotations

import logging
from typing import Any

from dgenerate_core.errors import UsageError
from dgenerate_core.processors.detect import adetailer as algo
from dgenerate_core.processors.detect import detections as det
from dgenerate_core.processors.detect import inpaint as inp
from dgenerate_core.processors.detect import load
from dgenerate_core.processors.image.dims import parse_padding
from dgenerate_core.render.calls import CallBuilder, add_common, add_micro_conditioning, add_prompts
from dgenerate_core.render.clipskip import clip_text_model_alias
from dgenerate_core.render.control import add_control
from dgenerate_core.render.plan import DEFAULT_STRENGTH, split_prompt
from dgenerate_core.render.prompted import clean, weigh, weighter_uri
from dgenerate_core.uri import parse_uri

_LOG = logging.getLogger("dgenerate")
OPTION = "--adetailer-detectors"
KEYS = ("revision", "subfolder", "weight-name", "token", "class-filter", "index-filter",
        "detector-padding", "mask-padding", "mask-shape", "mask-blur", "model-masks",
        "mask-dilation", "confidence", "prompt", "negative-prompt", "device", "size")


def enabled(opts: Any) -> bool:
    return bool(getattr(opts, "adetailer_detectors", None))


def _items(text: str) -> list[str]:
    """``0,hand`` / ``[0, "hand"]`` / ``(1, 3)`` -> the raw items."""
    body = text.strip()
    if body[:1] in "[(" and body[-1:] in "])":
        body = body[1:-1]
    return [item.strip() for item in body.split(",") if item.strip()]


def class_filter(text: str, uri: str) -> set:
    """Class ids (unquoted integers) and names (anything else; quoted digits stay names)."""
    out: set = set()
    for item in _items(text):
        if item[:1] in "\"'" and item[-1:] == item[:1] and len(item) > 1:
            out.add(item[1:-1])
        else:
            out.add(int(item) if item.isdigit() else item)
    if not out:
        raise UsageError(f'{OPTION} "{uri}": argument "class-filter" is empty')
    return out


def index_filter(text: str, uri: str) -> set:
    try:
        out = {int(item) for item in _items(text)}
    except ValueError:
        raise UsageError(f'{OPTION} "{uri}": argument "index-filter": expected integers >= 0, '
                         f'got "{text}"') from None
    if not out or min(out) < 0:
        raise UsageError(f'{OPTION} "{uri}": argument "index-filter": expected integers >= 0, '
                         f'got "{text}"')
    return out


def _settings(parsed: Any, step: Any, opts: Any, uri: str) -> algo.Settings:
    """The step's ``--adetailer-*`` values, overridden by the URI's arguments."""
    def pad(key: str, dest: str) -> tuple[int, int, int, int]:
        text = parsed.get(key)
        return parse_padding(text, key) if text is not None else step[dest] or (
            (32,) * 4 if key == "mask-padding" else (0,) * 4)

    shape = parsed.get("mask-shape") or step["adetailer_mask_shapes"] or "rectangle"
    try:
        shape = det.mask_shape(shape, "mask-shape")
    except ValueError as ex:
        raise UsageError(f'{OPTION} "{uri}": {ex}') from None
    blur = parsed.get_int("mask-blur", step["adetailer_mask_blurs"])
    dilation = parsed.get_int("mask-dilation", step["adetailer_mask_dilations"])
    classes = parsed.get("class-filter")
    indices = parsed.get("index-filter")
    return algo.Settings(
        mask_shape=shape, detector_padding=pad("detector-padding", "adetailer_detector_paddings"),
        mask_padding=pad("mask-padding", "adetailer_mask_paddings"),
        mask_blur=4 if blur is None else blur, mask_dilation=4 if dilation is None else dilation,
        model_masks=bool(parsed.get_bool("model-masks", bool(opts.adetailer_model_masks))),
        size=parsed.get_int("size", step["adetailer_sizes"]),
        class_filter=class_filter(classes, uri) if classes is not None
        else (opts.adetailer_class_filter or None),
        index_filter=index_filter(indices, uri) if indices is not None
        else (opts.adetailer_index_filter or None),
        confidence=parsed.get_float("confidence", 0.3))


def _detector(parsed: Any, opts: Any) -> Any:
    offline = bool(getattr(opts, "offline_mode", False))
    path = load.resolve_weights(parsed.path, parsed.get("weight-name"), parsed.get("subfolder"),
                                parsed.get("revision"),
                                parsed.get("token") or getattr(opts, "auth_token", None),
                                offline, f"{OPTION} model")
    return load.load_yolo(path, f"{OPTION} model")


def _prompt(parsed: Any, step: Any) -> str:
    """The step's prompt with the URI's "prompt" / "negative-prompt" replacing its halves."""
    positive, negative = split_prompt(step["prompts"])
    positive = parsed.get("prompt", positive)
    negative = parsed.get("negative-prompt", negative)
    return positive if negative is None else f"{positive}; {negative}"


def _control(job: Any, step: Any, seed: Any, pipe: Any, image_size: tuple[int, int]) -> Any:
    """Control images per region: cropped to the region (``--adetailer-crop-control-image``,
    when their size is the image's), else resized to the region's processing size."""
    from PIL import Image

    if job.pset.controls is None:
        return None
    controls = list(seed.control_images or [])
    crop = bool(getattr(job.opts, "adetailer_crop_control_image", False))
    if crop and any(c.size != image_size for c in controls):
        _LOG.warning("--adetailer-crop-control-image: the control image size differs from the "
                     "input image size, resizing the control image instead of cropping it")
        crop = False

    def for_region(region: algo.Region, target: tuple[int, int]) -> Any:
        images = [(c.crop(region.box) if crop else c).resize(target, Image.Resampling.LANCZOS)
                  for c in controls]
        call = CallBuilder(pipe, job.pset.accepts, job.pset.model_type, "inpaint")
        add_control(call, job, step, job.pset, images, target)
        return call.kwargs.pop("control_image", call.kwargs.pop("image", None)), call.kwargs
    return for_region


def _base_call(job: Any, step: Any, pipe: Any, prompt: str, generator: Any) -> dict[str, Any]:
    call = CallBuilder(pipe, job.pset.accepts, job.pset.model_type, "inpaint")
    add_prompts(call, clean(prompt), clean(step["second_prompts"]), clean(step["third_prompts"]))
    weighted = bool(weighter_uri(job, step, False))
    add_common(call, step, job.opts, generator, 1, None, weighted=weighted)
    add_micro_conditioning(call, step, refiner=False)
    strength = step["image_seed_strengths"]
    call.optional("strength", DEFAULT_STRENGTH if strength is None else strength)
    if weighted:  # the detailing pass weighs its prompt like the generation it details
        weigh(job, step, pipe, call.kwargs, second_model=False)
    return call.kwargs


def inpainter(job: Any, step: Any, seed: Any, pipe: Any, kwargs: dict[str, Any],
              image_size: tuple[int, int]) -> algo.Inpaint:
    if "clip_skip" in kwargs:
        clip_text_model_alias(pipe)
    control = _control(job, step, seed, pipe, image_size)
    if control is None:
        return inp.inpainter(pipe, kwargs, label=OPTION)

    def run(image: Any, mask: Any, target: tuple[int, int], region: algo.Region) -> Any:
        control_image, extra = control(region, target)
        merged = {**kwargs, **extra}
        return inp.inpainter(pipe, merged, lambda r, t: control_image, OPTION)(
            image, mask, target, region)
    return run


def detail_image(job: Any, step: Any, seed: Any, pipe: Any, image: Any, generator: Any) -> Any:
    """One output: ``image`` detailed by every detector in turn."""
    for uri in job.opts.adetailer_detectors:
        parsed = parse_uri(uri, KEYS, OPTION)
        settings = _settings(parsed, step, job.opts, uri)
        kwargs = _base_call(job, step, pipe, _prompt(parsed, step), generator)
        inpaint = inpainter(job, step, seed, pipe, kwargs, image.size)
        device = parsed.get("device") or job.pset.device
        image = algo.run(_detector(parsed, job.opts), image, settings, inpaint, device)
    return image
