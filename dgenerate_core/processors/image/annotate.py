"""The base of the ControlNet annotators: detect-resolution handling, the loaded network from the
object cache, and running it on the processing device."""

from __future__ import annotations

from typing import Any

from dgenerate_core.processors.base import ImageProcessor
from dgenerate_core.processors.image import weights
from dgenerate_core.processors.image.dims import parse_size
from dgenerate_core.seeds.resize import resize_image_calc
from dgenerate_core.processors.image.geometry import resample

DETECT_HELP = """
The "detect-resolution" argument is the resolution the image is resized to internal to the
processor before detection is run on it: one dimension ("detect-resolution=512") or
WIDTHxHEIGHT ("detect-resolution=1024x512"). Without it the detector runs on the input image
at its full resolution. The result is resized back to the size of the input image.

The "detect-aspect" argument keeps the aspect ratio of that resize (default true).
"""

ALIGN_HELP = """
The "detect-align" argument is the pixel alignment of the "detect-resolution" resize (default
1, no alignment).
"""

OUTPUT_HELP = """
The "output-file" argument writes a debug copy of the processed image; "output-overwrite"
overwrites it instead of numbering new copies.
"""

DEVICE_HELP = """
The "pre-resize" argument runs the processor before dgenerate resizes the image (default
false: after).

The "device" argument sets the device the network runs on (cpu, cuda, cuda:1, ...); it
defaults to --device. "model-offload" moves the network back to the CPU after each image.

""" + OUTPUT_HELP


class Annotator(ImageProcessor):
    """A detector network run on the image; subclasses define ``key``, ``load`` and ``detect``."""

    USES_DEVICE = True
    ALIGN = 1  # the size multiple the network wants its input in

    def __init__(self, detect_resolution: str | None = None, detect_aspect: bool = True,
                 detect_align: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if detect_align < 1:
            raise self.argument_error(
                f'argument "detect-align": must be at least 1, got {detect_align}')
        self.detect_resolution = parse_size(detect_resolution, "detect-resolution") \
            if detect_resolution is not None else None
        self.detect_aspect, self.detect_align = detect_aspect, detect_align

    @classmethod
    def help_text(cls, loaded_by_name: str) -> str:
        """The class docstring, then the paragraphs of the detect and device arguments."""
        import inspect

        parts = [inspect.cleandoc(cls.__doc__ or ""), DETECT_HELP]
        if ("detect_align" in inspect.signature(cls).parameters
                and "detect-align" not in cls.HIDE_ARGS):
            parts.append(ALIGN_HELP)
        if cls.USES_DEVICE:
            parts.append(DEVICE_HELP)
        else:
            parts.append(DEVICE_HELP.split("\n\nThe \"device\"")[0] + "\n" + OUTPUT_HELP)
        return "\n\n".join(p.strip() for p in parts)

    # what subclasses provide --------------------------------------------------------------
    FILES: tuple[tuple[str, str, str | None], ...] = ()  # (repo, filename, subfolder)

    def files(self) -> tuple[tuple[str, str, str | None], ...]:
        """The hub files the network is loaded from."""
        return self.FILES

    def load(self, paths: list[str]) -> Any:
        """Load the network(s) on the CPU from the local ``paths`` of ``files()``."""
        return None

    def modules(self, model: Any) -> list[Any]:
        """The torch modules of ``model`` that move to the processing device."""
        return [model] if model is not None else []

    def detect(self, model: Any, array: Any) -> Any:
        """Run on an RGB uint8 array (sized to ``ALIGN``); return an array or a PIL image."""
        raise NotImplementedError

    # the shared work ----------------------------------------------------------------------
    def hub(self, repo: str, filename: str, subfolder: str | None = None) -> str:
        """The local path of a hub file, looked up once per processor object."""
        resolved = self.__dict__.setdefault("_resolved", {})
        key = (repo, filename, subfolder)
        if key not in resolved:
            resolved[key] = weights.hub_file(repo, filename, self.label, self.local_files_only,
                                             subfolder)
        return resolved[key]

    def model(self) -> Any:
        """The loaded network, from the object cache (keyed by the files it comes from)."""
        paths = [self.hub(*f) for f in self.files()]
        key = (type(self).__name__, *(weights.file_key(p) for p in paths))
        return weights.cached(key, lambda: self.load(paths), self.loaded_by_name)

    def detect_size(self, size: tuple[int, int]) -> tuple[int, int]:
        """The size the detector runs at: detect-resolution, then the network's alignment."""
        if self.detect_resolution is not None:
            size = resize_image_calc(size, self.detect_resolution, self.detect_aspect,
                                     self.detect_align)
        if self.ALIGN > 1:
            size = tuple(max(self.ALIGN, round(v / self.ALIGN) * self.ALIGN) for v in size)
        return size[0], size[1]

    def impl_process(self, image: Any) -> Any:
        import numpy
        from PIL import Image


        rgb = image.convert("RGB")
        size = self.detect_size(rgb.size)
        work = rgb if size == rgb.size else rgb.resize(size, resample("auto", rgb.size, size))
        with weights.quiet():  # controlnet-aux warns about mediapipe, timm and torch.jit
            model = self.model()
            device = "cpu" if model is None else weights.torch_device(self.device)
            with weights.on_device(self.modules(model), device, self.model_offload, self.label):
                out = self.detect(model, numpy.asarray(work))
        if not isinstance(out, Image.Image):
            out = Image.fromarray(numpy.ascontiguousarray(out))
        out = out.convert("RGB")
        if out.size != image.size:
            out = out.resize(image.size, Image.Resampling.BILINEAR)
        return out
