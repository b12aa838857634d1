"""upscaler-ncnn: NCNN upscaler models (a .param and a .bin file, e.g. upscayl's), tiled like
the upscaler processor. Needs the optional ``ncnn`` package (the ``ncnn`` extra)."""

from __future__ import annotations

import os
from typing import Any

from dgenerate_core.errors import DgenerateError
from dgenerate_core.processors.base import ImageProcessor
from dgenerate_core.processors.image import weights
from dgenerate_core.processors.image.tiles import run_tiled

MAX_TILE = 400


class NcnnUpscalerProcessor(ImageProcessor):
    """Upscale with an NCNN upscaler model (upscayl and chaiNNer compatible), in tiles.

    "model" and "param" are the model's .bin and .param files: paths or URLs (kept in the web
    cache). "tile" is the tile size (at most 400, the default; divisible by 2); 0 disables tiling
    for images up to 400 pixels. "overlap" (>= 0) is the overlap of neighbouring tiles.

    The model runs on the CPU unless "use-gpu" is true (Vulkan); "gpu-index" picks the GPU
    (default 0). --device is ignored. On the CPU, "threads" is a thread count, "auto" (all
    logical processors) or "half"; "winograd" and "sgemm" enable those convolution
    optimisations and "blocktime" (0 to 400 ms) sets the OpenMP block time; they are errors with
    "use-gpu". Unset, ncnn's defaults for the platform are used.

    Needs the ncnn package: pip install dgenerate[ncnn]. "pre-resize" runs the processor before
    dgenerate resizes the image; "output-file" writes a debug copy ("output-overwrite"
    overwrites it).
    """

    NAMES = ("upscaler-ncnn",)

    def __init__(self, model: str, param: str, use_gpu: bool = False, gpu_index: int = 0,
                 threads: int | str | None = None, tile: int = MAX_TILE, overlap: int = 8,
                 winograd: bool | None = None, sgemm: bool | None = None,
                 blocktime: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if tile < 0 or tile > MAX_TILE or tile % 2:
            raise self.argument_error(f'argument "tile": must be 0 or a multiple of 2 up to '
                                      f"{MAX_TILE}, got {tile}")
        if overlap < 0 or (tile and overlap >= tile):
            raise self.argument_error(f'argument "overlap": must be 0 or more and less than '
                                      f'"tile", got {overlap}')
        if use_gpu and any(v is not None for v in (threads, winograd, sgemm, blocktime)):
            raise self.argument_error('arguments "threads", "winograd", "sgemm" and '
                                      '"blocktime" can only be used on the CPU (without use-gpu)')
        if blocktime is not None and not 0 <= blocktime <= 400:
            raise self.argument_error(f'argument "blocktime": must be 0 to 400, got {blocktime}')
        self.model_path, self.param_path, self.use_gpu = model, param, use_gpu
        self.gpu_index, self.tile, self.overlap = gpu_index, tile, overlap
        self.threads = self._threads(threads)
        self.winograd, self.sgemm, self.blocktime = winograd, sgemm, blocktime

    def _threads(self, threads: int | str | None) -> int | None:
        count = os.cpu_count() or 1
        if threads is None:
            return None
        if str(threads).strip().lower() == "auto":
            return count
        if str(threads).strip().lower() == "half":
            return max(1, count // 2)
        try:
            value = int(threads)
        except ValueError:
            value = 0
        if value < 1:
            raise self.argument_error(f'argument "threads": expected a positive integer, '
                                      f'"auto" or "half", got "{threads}"')
        return value

    def _net(self) -> Any:
        try:
            import ncnn
        except ImportError:
            raise DgenerateError(f"{self.label}: needs the ncnn package, install it with: "
                                 "pip install dgenerate[ncnn]") from None
        model = weights.model_file(self.model_path, self.label, self.local_files_only)
        param = weights.model_file(self.param_path, self.label, self.local_files_only)

        def load() -> Any:
            net = ncnn.Net()
            net.opt.use_vulkan_compute = self.use_gpu
            if self.use_gpu:
                net.set_vulkan_device(self.gpu_index)
            if self.threads is not None:
                net.opt.num_threads = self.threads
            if self.winograd is not None:
                net.opt.use_winograd_convolution = self.winograd
            if self.sgemm is not None:
                net.opt.use_sgemm_convolution = self.sgemm
            if self.blocktime is not None:
                net.opt.openmp_blocktime = self.blocktime
            if net.load_param(param) != 0 or net.load_model(model) != 0:
                raise DgenerateError(f'{self.label}: cannot load "{param}" / "{model}"')
            return net

        key = ("ncnn", weights.file_key(model), weights.file_key(param), self.use_gpu,
               self.gpu_index, self.threads, self.winograd, self.sgemm, self.blocktime)
        return weights.cached(key, load, f"upscaler-ncnn {model}")

    def impl_process(self, image: Any) -> Any:
        net = self._net()  # a clear error line when ncnn is not installed
        import ncnn
        import numpy
        import torch
        from PIL import Image


        if not self.tile and max(image.size) > MAX_TILE:
            raise self.error(f"tile=0 only works for images up to {MAX_TILE} pixels, this one "
                             f"is {image.size[0]}x{image.size[1]}")

        def run(tile: Any) -> Any:
            extractor = net.create_extractor()
            extractor.input(net.input_names()[0], ncnn.Mat(tile[0].numpy().copy()))
            _, out = extractor.extract(net.output_names()[0])
            return torch.from_numpy(numpy.array(out))[None]

        array = numpy.asarray(image.convert("RGB"), dtype=numpy.float32) / 255.0
        tensor = torch.from_numpy(array).permute(2, 0, 1)[None].contiguous()
        probe = run(tensor[:, :, :16, :16])
        scale = probe.shape[-1] / 16.0
        tile = self.tile or max(image.size)
        out = run_tiled(run, tensor, tile, self.overlap, scale, int(probe.shape[1]))
        pixels = (out[0].permute(1, 2, 0).clamp(0, 1) * 255.0).round().to(torch.uint8).numpy()
        return Image.fromarray(pixels[:, :, :3], "RGB")


CLASSES = (NcnnUpscalerProcessor,)
