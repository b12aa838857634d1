"""The image processors that need downloaded models and are not built yet: their names, URI
arguments (as the reference program documents them, so help and the console match) and a line
about each. Using one raises ``NotSupportedYet``."""

from __future__ import annotations

_COMMON = ("pre-resize: bool = False", "device: str | None = None", "output-file: str | None = None",
           "output-overwrite: bool = False", "model-offload: bool = False")
_COMMON_CPU = ("pre-resize: bool = False", "output-file: str | None = None",
               "output-overwrite: bool = False")
_DETECT = ("detect-resolution: str | None = None", "detect-aspect: bool = True", "detect-align: int = 1")
_DETECT_NO_ALIGN = _DETECT[:2]

# name -> (description, "argument: type = default" lines)
NOT_BUILT: dict[str, tuple[str, tuple[str, ...]]] = {
    "anyline": (
        "Anyline line art detection, for ControlNet guidance images.",
        (
            "gaussian-sigma: float = 2.0",
            "intensity-threshold: int = 2",
            *_DETECT,
            *_COMMON,
        )),
    "hed": (
        "HED soft edge detection, for ControlNet guidance images.",
        (
            "scribble: bool = False",
            "safe: bool = False",
            *_DETECT,
            *_COMMON,
        )),
    "inpaint": (
        "Inpaint the masked area of the image with a diffusion inpainting model.",
        (
            "model: str",
            "mask: str | None = None",
            "mask-processors: str | None = None",
            "image: str | None = None",
            "image-processors: str | None = None",
            "dtype: str = \"float32\"",
            *_COMMON,
        )),
    "leres": (
        "LeReS depth estimation, for ControlNet guidance images.",
        (
            "threshold-near: int = 0",
            "threshold-far: int = 0",
            "boost: bool = False",
            *_DETECT_NO_ALIGN,
            *_COMMON,
        )),
    "lineart": (
        "Line art detection, for ControlNet guidance images.",
        (
            "course: bool = False",
            *_DETECT,
            *_COMMON,
        )),
    "lineart-anime": (
        "Anime line art detection, for ControlNet guidance images.",
        (
            *_DETECT,
            *_COMMON,
        )),
    "lineart-standard": (
        "Line art extraction without a neural network, for ControlNet guidance images.",
        (
            "gaussian-sigma: float = 6.0",
            "intensity-threshold: int = 8",
            *_DETECT,
            *_COMMON_CPU,
        )),
    "midas": (
        "MiDaS depth (or normal map) estimation, for ControlNet guidance images.",
        (
            "normals: bool = False",
            "alpha: float = 6.283185307179586",
            "background-threshold: float = 0.1",
            *_DETECT_NO_ALIGN,
            *_COMMON,
        )),
    "mlsd": (
        "M-LSD straight line detection, for ControlNet guidance images.",
        (
            "threshold-score: float = 0.1",
            "threshold-distance: float = 0.1",
            *_DETECT,
            *_COMMON,
        )),
    "normal-bae": (
        "BAE surface normal estimation, for ControlNet guidance images.",
        (
            *_DETECT_NO_ALIGN,
            *_COMMON,
        )),
    "openpose": (
        "OpenPose body, hand and face pose detection, for ControlNet guidance images.",
        (
            "include-body: bool = True",
            "include-hand: bool = False",
            "include-face: bool = False",
            *_DETECT,
            *_COMMON,
        )),
    "patchmatch": (
        "Fill the masked area with PatchMatch (no diffusion).",
        (
            "mask: str | None = None",
            "mask-processors: str | None = None",
            "image: str | None = None",
            "image-processors: str | None = None",
            "patch-size: int = 5",
            "seed: int | None = None",
            *_COMMON,
        )),
    "pidi": (
        "PiDiNet soft edge detection, for ControlNet guidance images.",
        (
            "apply-filter: bool = False",
            "safe: bool = False",
            *_DETECT,
            *_COMMON,
        )),
    "teed": (
        "TEED edge detection, for ControlNet guidance images.",
        (
            "safe: bool = True",
            *_DETECT_NO_ALIGN,
            *_COMMON,
        )),
    "upscaler": (
        "Upscale with an ESRGAN style model file, URL or Hugging Face repository, in tiles.",
        (
            "model: str",
            "tile: int | str = 512",
            "overlap: int = 32",
            "scale: int | None = None",
            "force-tiling: bool = False",
            "dtype: str = \"float32\"",
            *_COMMON,
        )),
    "zoe": (
        "ZoeDepth depth estimation, for ControlNet guidance images.",
        (
            "gamma-corrected: bool = False",
            *_DETECT_NO_ALIGN,
            *_COMMON,
        )),
}
