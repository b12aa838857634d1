"""Control guidance keyword arguments of one pipeline call: ``--control-nets`` (ControlNet scale,
start, end, union mode), ``--t2i-adapters`` (scale, ``--sdxl-t2i-adapter-factors``) and the
``--ip-adapters`` images."""

from __future__ import annotations

from typing import Any, Sequence

from dgenerate_core.errors import NotSupportedYet, UsageError
from dgenerate_core.render.calls import CallBuilder
from dgenerate_core.pipelines.controlnets import CONTROLNET_PAG_CLASSES


def add_control(call: CallBuilder, job: Any, step: Any, pipe_set: Any,
                control_images: Sequence[Any] | None, size: tuple[int, int] | None) -> None:
    """Add the control arguments of one call to ``call``.

    Contract: ``call.pipe`` is ``pipe_set.get(mode)``, which is already the ControlNet / T2I
    adapter pipeline class when ``--control-nets`` / ``--t2i-adapters`` were loaded
    (``pipe_set.controls``). ``control_images`` holds one Pillow image per control model, in
    ``--control-nets`` order (for animations: the images of the current frame), resized and
    aligned by the caller; ``size`` is the output (width, height) — for a txt2img call with
    control images the caller may pass None and the first control image's size is used.
    ``step`` gives ``step["sdxl_t2i_adapter_factors"]``. Calling it with no control images and
    no control models does nothing. Raises UsageError for a count mismatch, control images
    without control models, control models without control images, T2I adapters outside
    txt2img, and NotSupportedYet when another feature (e.g. PAG) replaced the control pipeline.
    """
    controls = getattr(pipe_set, "controls", None)
    images = list(control_images or [])
    if controls is None:
        if images:
            raise UsageError("control images were given in --image-seeds, but neither "
                             "--control-nets nor --t2i-adapters was given")
        if step["sdxl_t2i_adapter_factors"] is not None:
            raise UsageError("--sdxl-t2i-adapter-factors requires --t2i-adapters")
        return
    _check_images(controls, images)
    _check_pipeline(call, controls)
    _check_image_size(call, images[0].size)
    if call.mode == "txt2img":
        width, height = size if size is not None else images[0].size
        call.optional("width", width)
        call.optional("height", height)
    if controls.kind == "t2i":
        _add_t2i(call, controls, images, step)
    else:
        _add_controlnet(call, controls, images)


def _check_images(controls: Any, images: list[Any]) -> None:
    what = "ControlNet" if controls.kind == "controlnet" else "T2I adapter"
    if not images:
        raise UsageError(f"{controls.option} requires control images in every --image-seeds "
                         f'entry, e.g. "control.png" (txt2img), or "seed.png;control=control.png" '
                         f'(img2img), or "seed.png;mask=mask.png;control=control.png" (inpaint)')
    if len(images) != controls.count:
        raise UsageError(f"{len(images)} control image(s) given for {controls.count} "
                         f"{what} model(s) of {controls.option}: give one control image per "
                         f'model, separated by commas, e.g. "c1.png, c2.png"')
    first = images[0].size
    for image in images[1:]:
        if image.size != first:
            raise UsageError(f"all control images must have the same size, got "
                             f"{first[0]}x{first[1]} and {image.size[0]}x{image.size[1]}")


def _check_image_size(call: CallBuilder, size: tuple[int, int]) -> None:
    """img2img / inpaint images (Pillow, not latents) must have the control images' size."""
    image = call.kwargs.get("image")
    first = image[0] if isinstance(image, list) and image else image
    got = getattr(first, "size", None)
    if call.mode != "txt2img" and isinstance(got, tuple) and got != size:
        raise UsageError(f"the {call.mode} image is {got[0]}x{got[1]}, the control images "
                         f"{size[0]}x{size[1]}: they must have the same size")


def _check_pipeline(call: CallBuilder, controls: Any) -> None:
    expected = controls.class_name(call.mode)
    if type(call.pipe).__name__ not in (expected, CONTROLNET_PAG_CLASSES.get(expected)):
        raise NotSupportedYet(f"{controls.option} with {type(call.pipe).__name__}")


def _one_or_list(values: list[Any]) -> Any:
    return values[0] if len(values) == 1 else values


def _add_controlnet(call: CallBuilder, controls: Any, images: list[Any]) -> None:
    uris = controls.uris
    key = "control_image" if call.takes("control_image") else "image"
    scales = [u.scale for u in uris]
    if controls.union:  # one SDXL union model, one image and mode per URI
        call.kwargs[key] = list(images)
        call.require("control_mode", [u.mode for u in uris], "--control-nets mode")
        call.kwargs["controlnet_conditioning_scale"] = scales
        call.kwargs["control_guidance_start"] = uris[0].start
        call.kwargs["control_guidance_end"] = uris[0].end
        return
    call.kwargs[key] = _one_or_list(images)
    call.kwargs["controlnet_conditioning_scale"] = _one_or_list(scales)
    call.kwargs["control_guidance_start"] = _one_or_list([u.start for u in uris])
    call.kwargs["control_guidance_end"] = _one_or_list([u.end for u in uris])
    modes = [u.mode for u in uris]
    if any(m is not None for m in modes):
        call.require("control_mode", _one_or_list(modes), "--control-nets mode")


def _add_t2i(call: CallBuilder, controls: Any, images: list[Any], step: Any) -> None:
    # one image (the pipeline repeats the adapter state per output), or one per adapter
    call.kwargs["image"] = _one_or_list(images)
    scales = [u.scale for u in controls.uris]
    call.kwargs["adapter_conditioning_scale"] = _one_or_list(scales)
    factor = step["sdxl_t2i_adapter_factors"]
    if factor is not None:
        call.require("adapter_conditioning_factor", float(factor), "--sdxl-t2i-adapter-factors")


def add_ip_adapter_images(call: CallBuilder, job: Any, step: Any, pipe_set: Any,
                          adapter_images: Sequence[Sequence[Any]] | None) -> None:
    """Add ``ip_adapter_image`` (one list of Pillow images per ``--ip-adapters`` model, in order)
    and set the adapters' scales on ``call.pipe``. UsageError when images and adapters do not
    match, or when the pipeline (e.g. a T2I adapter one) takes no IP adapter images."""
    adapters = getattr(pipe_set, "ip_adapters", None)
    groups = [list(g) for g in adapter_images or []]
    if adapters is None:
        if groups:
            raise UsageError("IP adapter images were given in --image-seeds, but no "
                             "--ip-adapters")
        return
    if not groups:
        raise UsageError('--ip-adapters requires IP adapter images in every --image-seeds '
                         'entry, e.g. "adapter: image.png" or "seed.png;adapter=image.png"')
    if len(groups) != len(adapters.uris):
        raise UsageError(f"{len(groups)} IP adapter image group(s) given for "
                         f"{len(adapters.uris)} --ip-adapters model(s): give one group per "
                         f'model, separated by commas, e.g. "adapter: a.png + b.png, c.png"')
    if pipe_set.model_type == "sd3":  # one adapter, its images are one batch, a float scale
        call.require("ip_adapter_image", groups[0][0] if len(groups[0]) == 1 else groups[0],
                     "--ip-adapters")
        call.pipe.set_ip_adapter_scale(adapters.scales[0])
        return
    call.require("ip_adapter_image", groups, "--ip-adapters")
    call.pipe.set_ip_adapter_scale(adapters.scales)
