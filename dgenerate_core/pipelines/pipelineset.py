"""PipelineSet: the loaded main model (and refiner) and its txt2img / img2img / inpaint pipelines."""

from __future__ import annotations

import contextlib
import inspect
import logging
from typing import Any, Callable, Iterator

from dgenerate_core.errors import ModelError, UsageError
from dgenerate_core.pipelines.kolors_pipelines import pipeline_class
from dgenerate_core.pipelines.modeltypes import ModelTypeInfo
from dgenerate_core.pipelines.schedulers import original_scheduler, remember_original, set_scheduler

_LOG = logging.getLogger("dgenerate")

_REFINER_CLASSES = {"txt2img": "StableDiffusionXLImg2ImgPipeline",
                    "img2img": "StableDiffusionXLImg2ImgPipeline",
                    "inpaint": "StableDiffusionXLInpaintPipeline"}


def derive(base: Any, cls_name: str, place: Callable[[Any], None] | None,
           **extra: Any) -> Any:
    """``base`` itself when it is of class ``cls_name``, else a ``from_pipe`` sibling sharing weights
    (``extra``: more components, e.g. ``controlnet=``)."""
    if type(base).__name__ == cls_name and not extra:
        return base
    cls = pipeline_class(cls_name)
    if "requires_aesthetics_score" in inspect.signature(cls.__init__).parameters \
            and "requires_aesthetics_score" not in base.config:
        extra["requires_aesthetics_score"] = wants_aesthetics_score(base)
    # from_pipe casts every (shared) module to torch_dtype, float32 when not given
    with same_dtype_cast_allowed(base):
        pipe = cls.from_pipe(base, scheduler=original_scheduler(base), torch_dtype=base.dtype,
                             **extra)
    remember_original(pipe, original_scheduler(base))
    object.__setattr__(pipe, "_dgenerate_model_path", getattr(base, "_dgenerate_model_path", None))
    if place is not None:
        place(pipe)
    return pipe


@contextlib.contextmanager
def same_dtype_cast_allowed(base: Any) -> Iterator[None]:
    """Let ``from_pipe`` "cast" quantized diffusers models (sdnq) to the dtype they already have:
    diffusers refuses any dtype in ``to()`` on a quantized model, even its own. Integer weights
    are never cast by ``to(dtype)``; the float parts are in ``base.dtype`` already."""
    hidden = [m for m in base.components.values() if getattr(m, "is_quantized", False)
              and getattr(m, "dtype", None) == base.dtype and hasattr(m, "config")]
    for module in hidden:
        module.is_quantized = False
    try:
        yield
    finally:
        for module in hidden:
            module.is_quantized = True


def wants_aesthetics_score(pipe: Any) -> bool:
    """True when the SDXL UNet was trained with aesthetic scores (a refiner): its added time
    embedding takes 5 time ids, not 6; a txt2img pipeline loaded from a refiner model does not
    keep the model's ``requires_aesthetics_score``."""
    unet = getattr(pipe, "unet", None)
    encoder = getattr(pipe, "text_encoder_2", None)
    linear = getattr(getattr(unet, "add_embedding", None), "linear_1", None)
    per_id = getattr(getattr(unet, "config", None), "addition_time_embed_dim", None)
    if linear is None or not per_id or encoder is None:
        return False
    return linear.in_features - int(encoder.config.projection_dim) == 5 * int(per_id)


class PipelineSet:
    """The pipelines of one loaded model; ``get(mode)`` builds each mode once."""

    def __init__(self, base: Any, info: ModelTypeInfo, model_path: str, device: str, dtype: Any,
                 refiner: Any = None, place: Callable[[Any], None] | None = None,
                 place_refiner: Callable[[Any], None] | None = None) -> None:
        self.base = base
        self.info = info
        self.model_type = info.name
        self.model_path = model_path
        self.device = device
        self.dtype = dtype
        self._refiner_base = refiner
        self._place, self._place_refiner = place, place_refiner
        self._pipes: dict[str, Any] = {}
        self._refiners: dict[str, Any] = {}
        self.controls: Any = None  # pipelines.controlnets.Controls of the current invocation
        self._control_pipes: dict[str, Any] = {}
        self.ip_adapters: Any = None  # pipelines.ipadapters.IPAdapters loaded into the base
        self._ip_adapters_key: Any = None

    def get(self, mode: str) -> Any:
        """The pipeline for 'txt2img', 'img2img' or 'inpaint' (NotSupportedYet where none exists)."""
        if self.controls is not None:
            return self._get_control(mode)
        cls_name = self.info.class_name(mode)
        if mode in self._pipes:
            return self._pipes[mode]
        self._check_inpaint_only(mode)
        self._pipes[mode] = derive(self.base, cls_name, self._place)
        return self._pipes[mode]

    def set_controls(self, controls: Any) -> None:
        """Use these ControlNets / T2I adapters (None: none) for the pipelines ``get`` returns."""
        old = self.controls.key if self.controls is not None else None
        if controls is None or controls.key != old:
            self._control_pipes.clear()
        self.controls = controls

    def forget_derived(self) -> None:
        """Drop the pipelines built from the base (they are built again on the next ``get``)."""
        self._pipes.clear()
        self._control_pipes.clear()

    def _get_control(self, mode: str) -> Any:
        if mode not in self._control_pipes:
            cls_name = self.controls.class_name(mode)
            self._check_inpaint_only(mode)
            component = "adapter" if self.controls.kind == "t2i" else "controlnet"
            pipe = derive(self.base, cls_name, self._place, **{component: self.controls.model})
            if self._place is None and self.device != "cpu":
                pipe.to(self.device)
            self._control_pipes[mode] = pipe
        return self._control_pipes[mode]

    def _check_inpaint_only(self, mode: str) -> None:
        unet = getattr(self.base, "unet", None)
        channels = getattr(getattr(unet, "config", None), "in_channels", 4)
        if mode != "inpaint" and channels == 9:
            raise ModelError(f'model "{self.model_path}" is an inpainting model: it can only be used '
                             "with an image seed that has a mask")

    @property
    def has_refiner(self) -> bool:
        """True with an SDXL refiner (a Stable Cascade decoder is no refiner)."""
        return self._refiner_base is not None and self.model_type != "s-cascade"

    @property
    def decoder(self) -> Any:
        """The Stable Cascade decoder pipeline (None for other model types)."""
        return self._refiner_base if self.model_type == "s-cascade" else None

    def refiner(self, mode: str) -> Any:
        """The SDXL refiner pipeline for ``mode`` (img2img class, or inpaint), or None."""
        if not self.has_refiner:
            return None
        cls_name = _REFINER_CLASSES[mode]
        if cls_name not in self._refiners:
            self._refiners[cls_name] = derive(self._refiner_base, cls_name, self._place_refiner)
        return self._refiners[cls_name]

    def set_scheduler(self, pipe: Any, uri: str | None, option: str = "--scheduler") -> None:
        """Swap ``pipe``'s scheduler for the URI's (None = the model's own); UsageError if invalid."""
        set_scheduler(pipe, uri, option)

    @staticmethod
    def accepts(pipe: Any, kwarg: str) -> bool:
        """True when the pipeline's ``__call__`` takes ``kwarg``."""
        return kwarg in inspect.signature(type(pipe).__call__).parameters

    def pipelines(self) -> list[Any]:
        """Every pipeline built so far (main and refiner)."""
        return [self.base, *self._pipes.values(), *self._control_pipes.values(), *(
            [self._refiner_base] if self._refiner_base is not None else []), *self._refiners.values()]

    def set_vae_options(self, tiling: bool, slicing: bool) -> None:
        """Enable or disable VAE tiling and slicing on the main and refiner VAEs."""
        for pipe in (self.base, self._refiner_base):
            vae = getattr(pipe, "vae", None) if pipe is not None else None
            if vae is None:
                continue
            for flag, on, off in ((tiling, "enable_tiling", "disable_tiling"),
                                  (slicing, "enable_slicing", "disable_slicing")):
                method = getattr(vae, on if flag else off, None)
                if method is not None:
                    method()
                elif flag:
                    raise UsageError(f"--vae-{'tiling' if on.endswith('tiling') else 'slicing'}: "
                                     f"the VAE {type(vae).__name__} does not support it")
