"""The image processors that need downloaded models and are not built yet: their names, URI
arguments (as the reference program documents them, so help and the console match) and a line
about each. Using one raises ``NotSupportedYet``."""

from __future__ import annotations

_COMMON = ("pre-resize: bool = False", "device: str | None = None", "output-file: str | None = None",
           "output-overwrite: bool = False", "model-offload: bool = False")
_DETECT = ("detect-resolution: str | None = None", "detect-aspect: bool = True", "detect-align: int = 1")
_DETECT_NO_ALIGN = _DETECT[:2]

# name -> (description, "argument: type = default" lines)
NOT_BUILT: dict[str, tuple[str, tuple[str, ...]]] = {
    "leres": (
        "LeReS depth estimation, for ControlNet guidance images.",
        (
            "threshold-near: int = 0",
            "threshold-far: int = 0",
            "boost: bool = False",
            *_DETECT_NO_ALIGN,
            *_COMMON,
        )),
}
