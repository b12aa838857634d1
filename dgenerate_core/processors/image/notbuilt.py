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
    "adetailer": (
        "Detect features such as faces or hands with a YOLO model and re-draw them by inpainting "
        "with the last diffusion pipeline used.",
        (
            "model: str",
            "prompt: str",
            "negative-prompt: str | None = None",
            "prompt-weighter: str | None = None",
            "weight-name: str | None = None",
            "subfolder: str | None = None",
            "revision: str | None = None",
            "token: str | None = None",
            "seed: int | None = None",
            "inference-steps: int = 30",
            "guidance-scale: float = 5",
            "pag-scale: float | None = None",
            "pag-adaptive-scale: float | None = None",
            "strength: float = 0.4",
            "detector-padding: int | str = 0",
            "mask-shape: str = \"rectangle\"",
            "class-filter: int | str | list | tuple | set | None = None",
            "index-filter: int | list | tuple | set | None = None",
            "mask-padding: int | str = 32",
            "mask-blur: int = 4",
            "mask-dilation: int = 4",
            "model-masks: bool = False",
            "confidence: float = 0.3",
            "detector-device: str | None = None",
            "size: int | None = None",
            "pre-resize: bool = False",
            "device: str | None = None",
            "output-file: str | None = None",
            "output-overwrite: bool = False",
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
    "sam": (
        "Segment Anything mask generation.",
        (
            *_DETECT,
            *_COMMON,
        )),
    "u-sam": (
        "Segment Anything (Ultralytics) masks from points or boxes.",
        (
            "asset: str",
            "points: str | list | tuple | None = None",
            "boxes: str | list | tuple | None = None",
            "boxes-mask: str | None = None",
            "boxes-mask-processors: str | None = None",
            "font-size: int | None = None",
            "line-width: int | None = None",
            "line-color: str | None = None",
            "masks: bool = False",
            "outpaint: bool = False",
            *_COMMON,
        )),
    "yolo": (
        "YOLO object detection: draw the detections, or make masks from them.",
        (
            "model: str",
            "weight-name: str | None = None",
            "subfolder: str | None = None",
            "revision: str | None = None",
            "token: str | None = None",
            "font-size: int | None = None",
            "line-width: int | None = None",
            "line-color: str | None = None",
            "class-filter: int | str | list | tuple | set | None = None",
            "index-filter: int | list | tuple | set | None = None",
            "confidence: float = 0.3",
            "model-masks: bool = False",
            "masks: bool = False",
            "outpaint: bool = False",
            "detector-padding: int | str = 0",
            "mask-shape: str = \"rectangle\"",
            *_COMMON,
        )),
    "yolo-sam": (
        "YOLO detection refined into masks with Segment Anything.",
        (
            "yolo-model: str",
            "yolo-weight-name: str | None = None",
            "yolo-subfolder: str | None = None",
            "yolo-revision: str | None = None",
            "yolo-token: str | None = None",
            "sam-asset: str = \"sam_b.pt\"",
            "font-size: int | None = None",
            "line-width: int | None = None",
            "line-color: str | None = None",
            "class-filter: int | str | list | tuple | set | None = None",
            "index-filter: int | list | tuple | set | None = None",
            "confidence: float = 0.3",
            "masks: bool = False",
            "outpaint: bool = False",
            "detector-padding: int | str = 0",
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
