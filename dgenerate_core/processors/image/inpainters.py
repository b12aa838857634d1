"""inpaint (spandrel inpainting models such as LaMa and MAT) and patchmatch (content aware
fill): fill the white area of a mask."""

from __future__ import annotations

from typing import Any

from dgenerate_core.errors import ModelError
from dgenerate_core.processors.image import weights
from dgenerate_core.processors.image.masks import _ChainUser
from dgenerate_core.processors.image.upscaler import cached_spandrel, parse_dtype
from dgenerate_core.processors.image.patchmatch import inpaint

PAIR_HELP = """
This processor needs either a mask or a subject image, through the "mask" or "image" argument
(they are mutually exclusive). With "mask" the incoming image is the subject to inpaint and
"mask" a grayscale mask: white (255) is filled, black (0) is kept. With "image" the incoming
image is the mask and "image" the subject. Either is a file path or a URL (downloaded into the
web cache) and is resized to the size of the incoming image when it differs.

"mask-processors" and "image-processors" are processor chains run on the "mask" / "image"
argument first (quote the value, e.g. mask-processors="invert 'dilate;size=5'"); they run on
"device" and follow "model-offload".
"""

COMMON_HELP = """
"pre-resize" runs the processor before dgenerate resizes the image. "output-file" writes a
debug copy of the result ("output-overwrite" overwrites it).
"""


class _MaskedFill(_ChainUser):
    """The shared mask / image argument pair."""

    def __init__(self, mask: str | None = None, mask_processors: str | None = None,
                 image: str | None = None, image_processors: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if (mask is None) == (image is None):
            raise self.argument_error('exactly one of the arguments "mask" and "image" is '
                                      "required (they are mutually exclusive)")
        self.mask, self.image = mask, image
        self.mask_chain = self._chain(mask_processors, "mask-processors")
        self.image_chain = self._chain(image_processors, "image-processors")

    @classmethod
    def help_text(cls, loaded_by_name: str) -> str:
        import inspect

        return "\n\n".join(p.strip() for p in (inspect.cleandoc(cls.__doc__ or ""), PAIR_HELP,
                                                COMMON_HELP))

    def pair(self, incoming: Any) -> tuple[Any, Any]:
        """(subject RGB, hole mask as an HxW bool array), both of the incoming image's size."""
        import numpy
        from PIL import Image

        if self.mask is not None:
            subject = incoming.convert("RGB")
            mask = self._load(self.mask, self.mask_chain, "mask")
        else:
            mask = incoming
            subject = self._load(self.image, self.image_chain, "image").convert("RGB")
        size = incoming.size
        if subject.size != size:
            subject = subject.resize(size, Image.Resampling.LANCZOS)
        mask = mask.convert("L")
        if mask.size != size:
            mask = mask.resize(size, Image.Resampling.NEAREST)
        return subject, numpy.asarray(mask) > 127


class InpaintProcessor(_MaskedFill):
    """Inpaint the white area of a mask with an inpainting model architecture spandrel supports
    (LaMa, MAT, ...): AI based filling of missing or masked areas.

    The "model" argument is the model file: a path, an HTTP(S) URL (kept in the web cache) or a
    Hugging Face blob link. "dtype" is float32 or float16 (float16 only where the architecture
    supports it; otherwise a warning and float32). "device" sets the device the model runs on
    (default --device); "model-offload" moves it back to the CPU after each image.
    """

    NAMES = ("inpaint",)

    def __init__(self, model: str, mask: str | None = None, mask_processors: str | None = None,
                 image: str | None = None, image_processors: str | None = None,
                 dtype: str = "float32", **kwargs: Any) -> None:
        super().__init__(mask, mask_processors, image, image_processors, **kwargs)
        self.model_path, self.dtype = model, parse_dtype(dtype, self)

    def descriptor(self) -> Any:
        label = f'image processor "{self.loaded_by_name}"'
        descriptor, path = cached_spandrel(self.model_path, self.dtype, label,
                                           self.local_files_only)
        if descriptor.purpose != "Inpainting":
            raise ModelError(f'{label}: "{path}" is a {descriptor.architecture.name} '
                             f"{descriptor.purpose} model, not an inpainting model")
        return descriptor

    def impl_process(self, image: Any) -> Any:
        import numpy
        import torch
        from PIL import Image

        subject, hole = self.pair(image)
        if not hole.any():
            return subject
        descriptor = self.descriptor()
        device = weights.torch_device(self.device)
        pixels = numpy.asarray(subject, dtype=numpy.float32) / 255.0
        height, width = hole.shape
        with weights.on_device([descriptor], device, self.model_offload, self.label):
            dtype = descriptor.dtype
            tensor = torch.from_numpy(pixels).permute(2, 0, 1)[None].to(device, dtype)
            mask = torch.from_numpy(hole.astype(numpy.float32))[None, None].to(device, dtype)
            tensor, mask = _padded(descriptor, tensor, mask)
            out = descriptor(tensor, mask)[0, :, :height, :width]
            out = out.float().permute(1, 2, 0).clamp(0, 1).cpu()
            filled = (out * 255.0).round().to(torch.uint8).numpy()
        result = numpy.asarray(subject).copy()
        result[hole] = filled[hole]  # the kept area stays exactly as it was
        return Image.fromarray(result, "RGB")


def _padded(descriptor: Any, image: Any, mask: Any) -> tuple[Any, Any]:
    """Image and mask padded on the right and bottom to the size the architecture needs (MAT:
    squares of multiples of 512; LaMa: multiples of 8): the image repeats its edge, the mask
    keeps the padding (black). The caller crops the output back."""
    import torch.nn.functional as F

    height, width = mask.shape[-2:]
    pad_w, pad_h = descriptor.size_requirements.get_padding(width, height)
    if not pad_w and not pad_h:
        return image, mask
    return (F.pad(image, (0, pad_w, 0, pad_h), mode="replicate"),
            F.pad(mask, (0, pad_w, 0, pad_h), value=0.0))


class PatchmatchProcessor(_MaskedFill):
    """Inpaint the white area of a mask with the PatchMatch algorithm (content aware fill,
    pyramidical, no neural network).

    "patch-size" is the patch size of the algorithm (odd, >= 3): larger patches can give better
    coherence but are slower. "seed" makes the result reproducible.
    """

    NAMES = ("patchmatch",)

    def __init__(self, mask: str | None = None, mask_processors: str | None = None,
                 image: str | None = None, image_processors: str | None = None,
                 patch_size: int = 5, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(mask, mask_processors, image, image_processors, **kwargs)
        if patch_size < 3:
            raise self.argument_error(f'argument "patch-size": must be at least 3, '
                                      f"got {patch_size}")
        self.patch_size, self.seed = patch_size, seed

    def impl_process(self, image: Any) -> Any:
        import numpy
        from PIL import Image


        subject, hole = self.pair(image)
        array = inpaint(numpy.asarray(subject), hole, self.patch_size, self.seed)
        return Image.fromarray(array, "RGB")


CLASSES = (InpaintProcessor, PatchmatchProcessor)
