"""``--inpaint-crop``: inpaint a padded crop around the mask at full resolution and paste it back.

1. crop the image and mask to the mask's bounding box plus padding (clamped to the image);
2. resize the crop to ``--output-size`` (width fixed, aspect kept), else align it to 8;
3. inpaint; 4. paste every output back onto the original: plainly, feathered over N pixels
(``-icf``), or through the mask so only masked pixels change (``-icm``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dgenerate_core.errors import UsageError
from dgenerate_core.seeds.resize import resize_image_calc
from dgenerate_core.seeds.load import LoadedSeed

CROP_DESTS = ("inpaint_crop", "inpaint_crop_paddings", "inpaint_crop_masked",
              "inpaint_crop_feathers")
DEFAULT_PADDING = (32, 32, 32, 32)


def crop_enabled(opts: Any) -> bool:
    """True when any inpaint crop option is given (each implies ``--inpaint-crop``)."""
    return any(getattr(opts, dest, None) for dest in CROP_DESTS)


@dataclass
class CropJob:
    """The cropped seed given to the pipeline, and how to paste its outputs back."""

    seed: Any                       # LoadedSeed of the crop
    original: Any                   # the uncropped image
    box: tuple[int, int, int, int]  # left, top, right, bottom in the original
    mask: Any                       # the uncropped mask
    feather: int | None = None
    masked: bool = False


def crop_box(mask: Any, padding: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """The mask's bounding box grown by ``padding`` (left, top, right, bottom), clamped."""
    bbox = mask.point(lambda v: 255 if v > 127 else 0).getbbox()
    if bbox is None:
        raise UsageError("--inpaint-crop: the inpaint mask is empty (no white pixels)")
    left, top, right, bottom = padding
    width, height = mask.size
    return (max(0, bbox[0] - left), max(0, bbox[1] - top), min(width, bbox[2] + right),
            min(height, bbox[3] + bottom))


def prepare(seed: Any, padding: tuple[int, int, int, int] | None, feather: int | None,
            masked: bool, output_size: tuple[int, int] | None, align: int = 8) -> CropJob:
    """Crop a loaded (not resized) inpaint seed for the pipeline."""
    from PIL import Image

    if seed.spec.batched:
        raise UsageError(f'--image-seeds "{seed.spec.text}": Inpaint batching via '
                         f'--image-seeds batching syntax is not supported with --inpaint-crop, '
                         f'but you may use --batch-size')
    if seed.masks is None:
        raise UsageError(f'--inpaint-crop needs an inpaint mask in --image-seeds '
                         f'"{seed.spec.text}"')
    image, mask = seed.images[0], seed.masks[0]
    box = crop_box(mask, padding or DEFAULT_PADDING)
    size = (box[2] - box[0], box[3] - box[1])
    target = resize_image_calc(size, output_size, True, align)
    crop_image = image.crop(box).resize(target, Image.Resampling.LANCZOS)
    crop_mask = mask.crop(box).resize(target, Image.Resampling.LANCZOS)
    controls = [c.crop(box).resize(target, Image.Resampling.LANCZOS)
                for c in seed.control_images] if seed.control_images else None
    cropped = LoadedSeed(seed.spec, [crop_image], [crop_mask], seed.raw_latents, controls,
                         seed.adapter_images)
    return CropJob(cropped, image, box, mask, feather, masked)


def _feather_mask(size: tuple[int, int], feather: int) -> Any:
    """An alpha mask that fades from opaque to transparent over ``feather`` px at the edges."""
    import numpy as np
    from PIL import Image

    width, height = size
    xs = np.minimum(np.arange(width), np.arange(width)[::-1]) + 1
    ys = np.minimum(np.arange(height), np.arange(height)[::-1]) + 1
    distance = np.minimum.outer(ys, xs).astype(np.float32)
    alpha = np.clip(distance / max(feather, 1), 0.0, 1.0) * 255.0
    return Image.fromarray(alpha.astype(np.uint8), "L")


def paste_back(job: CropJob, outputs: list[Any]) -> list[Any]:
    """Every output resized to the crop box and pasted onto a copy of the original image."""
    from PIL import Image

    size = (job.box[2] - job.box[0], job.box[3] - job.box[1])
    alpha = None
    if job.masked:
        alpha = job.mask.crop(job.box)
    elif job.feather:
        alpha = _feather_mask(size, job.feather)
    pasted = []
    for output in outputs:
        result = job.original.copy()
        result.paste(output.convert("RGB").resize(size, Image.Resampling.LANCZOS),
                     job.box[:2], alpha)
        pasted.append(result)
    return pasted
