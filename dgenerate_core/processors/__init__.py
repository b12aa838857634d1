"""Image and latents processors: the plugin interface (``base``), argument typing (``args``),
classes by name (``registry``), ``+`` chains (``chains``), the render hooks (``hooks``), help
(``helptext``) and schemas for the console (``schema``).

Importing this package imports no torch, numpy or cv2: they are imported when processors run.
"""

from dgenerate_core.processors.base import (
    ImageProcessor, LatentsProcessor, ProcessorArgumentError, ProcessorError,
)

from dgenerate_core.processors import catalog  # noqa: F401,E402 - registers the built-ins

__all__ = ["ImageProcessor", "LatentsProcessor", "ProcessorArgumentError", "ProcessorError"]
