"""Calling a diffusers inpaint pipeline on one adetailer region."""

from __future__ import annotations

import inspect
from typing import Any, Callable

from dgenerate_core.errors import DgenerateError
from dgenerate_core.processors.detect.adetailer import Inpaint, Region

_SIGNATURES: dict[type, frozenset[str]] = {}


def takes(pipe: Any, name: str) -> bool:
    """Whether the pipeline's ``__call__`` takes keyword ``name``."""
    cls = type(pipe)
    if cls not in _SIGNATURES:
        _SIGNATURES[cls] = frozenset(inspect.signature(cls.__call__).parameters)
    return name in _SIGNATURES[cls]


def inpainter(pipe: Any, kwargs: dict[str, Any],
              control: Callable[[Region, tuple[int, int]], Any] | None = None,
              label: str = "adetailer") -> Inpaint:
    """An ``Inpaint`` calling ``pipe`` with ``kwargs`` plus the region's image, mask and size
    (and its control image, from ``control``)."""
    def run(image: Any, mask: Any, target: tuple[int, int], region: Region) -> Any:
        call = dict(kwargs)
        call.update(image=image, mask_image=mask)
        for key, value in (("width", target[0]), ("height", target[1])):
            if takes(pipe, key):
                call[key] = value
        if control is not None:
            call["control_image"] = control(region, target)
        call["num_images_per_prompt"] = 1
        try:
            return pipe(**call).images[0]
        except ValueError as ex:
            text = str(ex).strip().splitlines()
            raise DgenerateError(f"{label}: {type(pipe).__name__}: "
                                 f"{text[0] if text else type(ex).__name__}") from ex
    return run
