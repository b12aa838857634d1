r"""\image_process: the image-process sub-command as a config directive (sets last_images and
last_animations)."""

from __future__ import annotations

from dgenerate_core.registries.script import builtin
from dgenerate_core.subcommands.image_process import image_process


@builtin("image_process", r"""
Alias for: --sub-command image-process

Run image processors on images, animated images and videos (files, globs or URLs), resizing them
if asked, and write the results:

    \image_process INPUT ... [-p PROCESSOR_URI ...] [-o OUTPUT ...] [-r WxH] [-na] [-al N]
                   [-ff FRAME_FORMAT] [-ox] [-d DEVICE] [-fs N] [-fe N] [-nf | -naf]

Without -o the result is written next to the input as NAME_processed_N.EXT. On success it sets
last_images and last_animations to the files written. See \image_process --help.
""", once=True)
def _image_process(ctx, args: list[str]) -> int:
    result = image_process(args, "\\image_process", "\\image_process",
                           offline=getattr(ctx, "offline", False))
    if isinstance(result, int):
        return result
    ctx.variables["last_images"] = list(result.images)
    ctx.variables["last_animations"] = list(result.animations)
    return 0
