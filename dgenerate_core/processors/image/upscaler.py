"""upscaler: chaiNNer compatible upscaler models through spandrel (the architecture is detected
from the state dict), run in overlapping tiles."""

from __future__ import annotations

import logging
from typing import Any

from dgenerate_core.errors import ModelError
from dgenerate_core.processors.base import ImageProcessor
from dgenerate_core.processors.image import weights
from dgenerate_core.pipelines.source import first_line
from dgenerate_core.processors.image.tiles import run_tiled

_LOG = logging.getLogger("dgenerate")
DTYPES = ("float32", "float16")


def load_spandrel(path: str, label: str) -> Any:
    """A spandrel model descriptor for the model file ``path`` (on the CPU, eval mode)."""

    with weights.quiet():
        import spandrel

        _install_extra_arches()
        try:
            state = weights.load_torch_file(path)
            return spandrel.ModelLoader().load_from_state_dict(state).eval()
        except spandrel.UnsupportedModelError:
            raise ModelError(f'{label}: "{path}" is not a model architecture spandrel '
                             "supports") from None
        except (OSError, RuntimeError, ValueError, KeyError) as ex:
            raise ModelError(f'{label}: cannot load "{path}": {first_line(ex)}') from None


def _install_extra_arches() -> None:
    """Add spandrel-extra-arches' architectures (MAT, ...) to spandrel's registry, once, when
    that package is installed (the processors extra installs it)."""
    try:
        import spandrel_extra_arches
    except ImportError:
        return
    spandrel_extra_arches.install(ignore_duplicates=True)


def parse_dtype(dtype: str, processor: ImageProcessor) -> str:
    value = dtype.strip().lower()
    if value not in DTYPES:
        raise processor.argument_error(f'argument "dtype": expected float32 or float16, '
                                       f'got "{dtype}"')
    return value


def cached_spandrel(model: str, dtype: str, label: str, local_files_only: bool) -> tuple[Any, str]:
    """The spandrel model of a ``model=`` argument in ``dtype`` (object cache), and its file."""
    path = weights.model_file(model, label, local_files_only)

    def load() -> Any:
        descriptor = load_spandrel(path, label)
        return descriptor.to(model_dtype(descriptor, dtype, label))

    return weights.cached(("spandrel", weights.file_key(path), dtype), load,
                          f"spandrel {path}"), path


def model_dtype(descriptor: Any, dtype: str, label: str) -> Any:
    """The torch dtype to run ``descriptor`` in: float16 only where the architecture allows."""
    import torch

    if dtype == "float16" and not descriptor.supports_half:
        _LOG.warning("%s: the %s architecture does not support float16, using float32", label,
                     descriptor.architecture.name)
        return torch.float32
    return torch.float16 if dtype == "float16" else torch.float32


class UpscalerProcessor(ImageProcessor):
    """Tiled upscaling with chaiNNer compatible upscaler models (spandrel).

    The "model" argument is a chaiNNer compatible model file on disk (such as one from
    https://openmodeldb.info/), an HTTP(S) URL of a raw model file (kept in the web cache), or a
    Hugging Face blob link. The architecture is detected from the weights.

    "tile" is the tile size (divisible by 2, default 512); "auto" picks it from free GPU memory
    (512 on the CPU) and 0 disables tiling. "overlap" (>= 0, default 32) is the overlap of
    neighbouring tiles in pixels, blended linearly.

    "scale" (>= 1) sets the output scale regardless of the model's scale: each tile output is
    resized to it. Without it the model's scale is used.

    "force-tiling" tiles models whose architecture discourages external tiling (SCUNet,
    MixDehazeNet); they run on the whole image by default.

    "dtype" is float32 or float16 (float16 only where the architecture supports it; a warning
    falls back to float32).

    "pre-resize" runs the processor before dgenerate resizes the image. "device" sets the device
    (default --device); "model-offload" moves the model back to the CPU after each image.
    "output-file" writes a debug copy of the result ("output-overwrite" overwrites it).
    """

    NAMES = ("upscaler",)
    USES_DEVICE = True

    def __init__(self, model: str, tile: int | str = 512, overlap: int = 32,
                 scale: int | None = None, force_tiling: bool = False, dtype: str = "float32",
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tile = self._parse_tile(tile)
        if overlap < 0:
            raise self.argument_error(f'argument "overlap": must be 0 or more, got {overlap}')
        if scale is not None and scale < 1:
            raise self.argument_error(f'argument "scale": must be 1 or more, got {scale}')
        if self.tile not in ("auto", 0) and overlap >= self.tile:
            raise self.argument_error(f'argument "overlap" ({overlap}) must be less than "tile" '
                                      f"({self.tile})")
        self.model_path, self.overlap, self.scale = model, overlap, scale
        self.force_tiling, self.dtype = force_tiling, parse_dtype(dtype, self)

    def _parse_tile(self, tile: int | str) -> int | str:
        if isinstance(tile, str):
            if tile.strip().lower() == "auto":
                return "auto"
            try:
                tile = int(tile)
            except ValueError:
                raise self.argument_error(f'argument "tile": expected an integer or "auto", '
                                          f'got "{tile}"') from None
        if tile < 0 or tile % 2:
            raise self.argument_error(f'argument "tile": must be 0 or a positive multiple of 2, '
                                      f"got {tile}")
        return tile

    def descriptor(self) -> Any:
        label = f'image processor "{self.loaded_by_name}"'
        descriptor, path = cached_spandrel(self.model_path, self.dtype, label,
                                           self.local_files_only)
        if descriptor.purpose == "Inpainting":
            raise ModelError(f'{label}: "{path}" is an inpainting model, not an upscaler')
        return descriptor

    def _tile_size(self, device: str, image_size: tuple[int, int]) -> int:
        if self.tile != "auto":
            return self.tile or max(image_size)
        import torch

        if device.startswith("cuda"):
            free, _ = torch.cuda.mem_get_info(torch.device(device))
            return max(128, min(1024, int((free / 2 ** 30) ** 0.5 * 256) // 2 * 2))
        return 512

    def impl_process(self, image: Any) -> Any:
        import numpy
        import torch
        from PIL import Image
        from spandrel import ModelTiling


        descriptor = self.descriptor()
        device = weights.torch_device(self.device)
        mode = "L" if descriptor.input_channels == 1 else "RGB"
        array = numpy.asarray(image if image.mode == mode else image.convert(mode))
        pixels = torch.from_numpy(array.reshape(array.shape[0], array.shape[1], -1))
        tile = self._tile_size(device, image.size)
        if descriptor.tiling != ModelTiling.SUPPORTED and not self.force_tiling:
            tile = max(image.size)  # internal tiling, or tiling discouraged: the whole image
        scale = float(self.scale or descriptor.scale)
        with weights.on_device([descriptor], device, self.model_offload, self.label):
            tensor = pixels.permute(2, 0, 1).contiguous()[None].to(device, descriptor.dtype)
            out = run_tiled(descriptor, tensor.div_(255.0), tile, self.overlap, scale,
                            descriptor.output_channels)
            out = out[0].clamp_(0, 1).mul_(255.0).round_().to(torch.uint8)
            result = out.permute(1, 2, 0).contiguous().numpy()
        if result.shape[2] == 1:
            return Image.fromarray(result[:, :, 0], "L").convert("RGB")
        return Image.fromarray(result[:, :, :3], "RGB")


CLASSES = (UpscalerProcessor,)
