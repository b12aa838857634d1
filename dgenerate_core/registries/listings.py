"""The ``--*-help`` listing options, plain data (``dgenerate_core.script.listings`` prints them).
"""

from __future__ import annotations

# listings of subsystems that are not built yet: the names the reference program offers
REFERENCE_NAMES: dict[str, tuple[str, tuple[str, ...]]] = {
    "--image-processor-help": ("image processors", (
        "adetailer", "anyline", "canny", "crop", "crop-to-mask", "dilate", "flip",
        "gaussian-blur", "grayscale", "hed", "inpaint", "invert", "leres", "letterbox", "lineart",
        "lineart-anime", "lineart-standard", "midas", "mirror", "mlsd", "normal-bae", "openpose",
        "outpaint-mask", "paste", "patchmatch", "pidi", "posterize", "resize", "sam", "solarize",
        "teed", "u-sam", "upscaler", "yolo", "yolo-sam", "zoe")),
    "--latents-processor-help": ("latents processors", ("interposer", "noise", "scale")),
    "--prompt-weighter-help": ("prompt weighters", ("compel", "llm4gen", "sd-embed")),
    "--prompt-upscaler-help": ("prompt upscalers", (
        "attention", "dynamicprompts", "magicprompt", "translate")),
    "--quantizer-help": ("quantizers", ("bnb", "sdnq")),
    "--sub-command-help": ("sub-commands", (
        "auto1111-metadata", "civitai-links", "image-process", "prompt-upscale", "to-diffusers")),
}
SCRIPT_LISTINGS = ("--directives-help", "--functions-help", "--templates-help")
LISTINGS = SCRIPT_LISTINGS + tuple(REFERENCE_NAMES)
