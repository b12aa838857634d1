"""The processor plugin interface: :class:`ImageProcessor` and :class:`LatentsProcessor`.

A processor is a class with ``NAMES`` (the URI names it answers to) whose constructor keyword
arguments ARE its URI arguments (``aperture_size: int = 3`` is ``aperture-size``); its help is the
class docstring plus the argument list generated from the signature. The arguments every image
processor has (``pre-resize``, ``output-file``, ``output-overwrite``, and with ``USES_DEVICE``
``device`` and ``model-offload``) are taken by the base constructor: subclasses pass ``**kwargs``
on to it. Nothing here imports torch, numpy or cv2.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

from dgenerate_core.errors import DgenerateError, UsageError
from dgenerate_core.media import atomic
from dgenerate_core.media.images import save_image
from dgenerate_core.registries.plugin_kinds import register_base


class ProcessorError(DgenerateError):
    """A processor that failed on its input (one line naming the processor)."""


class ProcessorArgumentError(UsageError):
    """A bad URI argument value, raised from a processor constructor."""


class _Processor:
    """What image and latents processors share: names, hidden arguments, errors."""

    NAMES: ClassVar[tuple[str, ...] | list[str] | str] = ()
    HIDDEN: ClassVar[bool] = False
    USES_DEVICE: ClassVar[bool] = False
    HIDE_ARGS: ClassVar[tuple[str, ...]] = ()
    KIND: ClassVar[str] = ""

    def __init__(self, loaded_by_name: str = "", device: str | None = None,
                 model_offload: bool = False, local_files_only: bool = False) -> None:
        self.loaded_by_name = loaded_by_name or self.names()[0]
        self.device = device
        self.model_offload = model_offload
        self.local_files_only = local_files_only

    @classmethod
    def names(cls) -> list[str]:
        """``NAMES`` as a list (a plain string is one name)."""
        return [cls.NAMES] if isinstance(cls.NAMES, str) else list(cls.NAMES)

    @classmethod
    def hidden_args(cls) -> set[str]:
        """Hyphenated argument names left out of help (still accepted unless device-less)."""
        hidden = set(cls.HIDE_ARGS) | {"local-files-only"}
        if not cls.USES_DEVICE:
            hidden |= {"device", "model-offload"}
        return hidden

    @classmethod
    def refused_args(cls) -> set[str]:
        """Arguments a processor without ``USES_DEVICE`` does not take."""
        return set() if cls.USES_DEVICE else {"device", "model-offload"}

    @classmethod
    def help_text(cls, loaded_by_name: str) -> str:
        """The description shown under the argument list (the class docstring by default)."""
        import inspect

        return inspect.cleandoc(cls.__doc__ or "").strip()

    @property
    def label(self) -> str:
        """How errors name this processor: ``image processor "name"``."""
        return f'{self.KIND} processor "{self.loaded_by_name}"'

    def argument_error(self, message: str) -> ProcessorArgumentError:
        """An error for a bad argument value, to ``raise`` from the constructor."""
        return ProcessorArgumentError(message)

    def error(self, message: str) -> ProcessorError:
        """A one-line runtime error naming this processor."""
        return ProcessorError(f'{self.KIND} processor "{self.loaded_by_name}": {message}')


class ImageProcessor(_Processor):
    """Base of image processors: implement ``impl_process(image) -> image`` (PIL images)."""

    KIND = "image"

    def __init__(self, loaded_by_name: str = "", pre_resize: bool = False,
                 device: str | None = None, output_file: str | None = None,
                 output_overwrite: bool = False, model_offload: bool = False,
                 local_files_only: bool = False) -> None:
        super().__init__(loaded_by_name, device, model_offload, local_files_only)
        self.pre_resize = pre_resize
        self.output_file = output_file
        self.output_overwrite = output_overwrite

    def impl_process(self, image: Any) -> Any:
        """Return the processed image (a new PIL image, or ``image`` itself when unchanged)."""
        raise NotImplementedError

    def impl_pre_resize(self, image: Any, resize_resolution: Any) -> Any:
        """Reference-style hook, called before every resize (processors that define it and
        ``impl_post_resize`` instead of ``impl_process`` decide their stage themselves)."""
        return image

    def impl_post_resize(self, image: Any) -> Any:
        """Reference-style hook, called after every resize."""
        return image

    def _stage_hooks(self) -> bool:
        cls = type(self)
        return cls.impl_process is ImageProcessor.impl_process and (
            cls.impl_pre_resize is not ImageProcessor.impl_pre_resize
            or cls.impl_post_resize is not ImageProcessor.impl_post_resize)

    def process(self, image: Any, pre_resize: bool | None = None) -> Any:
        """Run on ``image`` when ``pre_resize`` is this processor's stage (None: always)."""
        if self._stage_hooks():
            result = image
            if pre_resize is not False:
                result = self.impl_pre_resize(result, None)
            if pre_resize is not True:
                result = self.impl_post_resize(result)
        elif pre_resize is not None and pre_resize != self.pre_resize:
            return image
        else:
            result = self.impl_process(image)
        if self.output_file and result is not image:
            self._write_debug(result)
        return result

    def _write_debug(self, image: Any) -> None:
        """Write the ``output-file`` debug copy; without overwrite a free ``_N`` name is used."""
        path = os.path.expanduser(self.output_file)
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)

        temp = atomic.temp_path(folder or ".", os.path.basename(path))
        try:
            save_image(image, temp)
            stem, ext = os.path.splitext(path)
            number = 0
            while True:  # without overwrite a free ``_N`` name, claimed without a race
                try:
                    atomic.publish(temp, path, self.output_overwrite)
                    break
                except FileExistsError:
                    number += 1
                    path = f"{stem}_{number}{ext}"
        finally:
            atomic.discard(temp)


class LatentsProcessor(_Processor):
    """Base of latents processors: implement ``impl_process(pipeline, latents) -> latents``."""

    KIND = "latents"

    def impl_process(self, pipeline: Any, latents: Any) -> Any:
        raise NotImplementedError

    def process(self, pipeline: Any, latents: Any) -> Any:
        """Return processed latents (a torch tensor of the same layout)."""
        return self.impl_process(pipeline, latents)


register_base("image processor", ImageProcessor)
register_base("latents processor", LatentsProcessor)
