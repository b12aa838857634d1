"""``--sub-command image-process`` and its argument parser (shared with ``\\image_process``)."""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from dgenerate_core.errors import UsageError
from dgenerate_core.registries.subcommands import register_sub_command
from dgenerate_core.subcommands.base import SubCommand
from dgenerate_core.subcommands.image_process_run import Settings, Written, run
from dgenerate_core import plugins

DESCRIPTION = """Run image processors on images, animated images and videos (files, globs or
URLs), optionally resizing them, and write the results. Animated inputs are processed frame by
frame into an animation file and/or one file per frame."""


class _Parser(argparse.ArgumentParser):
    """argparse that raises ``UsageError`` instead of exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")

    def exit(self, status: int = 0, message: str | None = None) -> None:  # type: ignore[override]
        if message:
            print(message, file=sys.stderr)
        raise _HelpShown(status)


class _HelpShown(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def _size(text: str) -> tuple[int, int]:
    parts = text.lower().split("x")
    try:
        values = [int(p) for p in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(f'expected WIDTHxHEIGHT or one integer, got "{text}"')
    if len(values) == 1:
        values *= 2
    if len(values) != 2 or min(values) < 1:
        raise argparse.ArgumentTypeError(f'expected WIDTHxHEIGHT or one integer, got "{text}"')
    return values[0], values[1]


def _int(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f'expected an integer, got "{text}"') from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value
    return parse


def build_parser(prog: str) -> argparse.ArgumentParser:
    """The argument parser of image-process (prog is the name shown in errors and help)."""
    p = _Parser(prog=prog, description=DESCRIPTION, allow_abbrev=False)
    p.add_argument("input", nargs="+",
                   help="Images, animated images or videos: files, globs or URLs.")
    p.add_argument("-p", "--processors", nargs="+", metavar="PROCESSOR_URI", default=[],
                   help="Image processor URIs, run in order (see --image-processor-help).")
    p.add_argument("--plugin-modules", nargs="+", metavar="PATH", default=[],
                   help="Plugin modules that may add image processors.")
    p.add_argument("-o", "--output", nargs="+", metavar="OUTPUT",
                   help="Output files or folders (ending in /): one per input, or one folder.")
    p.add_argument("-ff", "--frame-format", default="png", metavar="FRAME_FORMAT",
                   help="Image format of the frames of animated inputs (default png).")
    p.add_argument("-ox", "--output-overwrite", action="store_true",
                   help="Overwrite existing files instead of adding a _duplicate_N suffix.")
    p.add_argument("-r", "--resize", type=_size, metavar="WIDTHxHEIGHT",
                   help="Resize the images (aspect correct unless -na), best resampling.")
    p.add_argument("-na", "--no-aspect", action="store_true",
                   help="Resize to exactly --resize, ignoring the aspect ratio.")
    p.add_argument("-al", "--align", type=_int(1), default=1,
                   help="Align the size down to a multiple of this many pixels (default 1).")
    p.add_argument("-d", "--device", help="Device for processors that use one (default: the "
                                          "system's default device).")
    p.add_argument("-fs", "--frame-start", type=_int(0), default=0, metavar="FRAME_NUMBER",
                   help="First frame of animated inputs to process (0-based, inclusive).")
    p.add_argument("-fe", "--frame-end", type=_int(0), metavar="FRAME_NUMBER",
                   help="Last frame of animated inputs to process (inclusive).")
    frames = p.add_mutually_exclusive_group()
    frames.add_argument("-nf", "--no-frames", action="store_true",
                        help="Write only the animation file of animated inputs.")
    frames.add_argument("-naf", "--no-animation-file", action="store_true",
                        help="Write only the frames of animated inputs.")
    p.add_argument("-ofm", "--offline-mode", action="store_true",
                   help="Download nothing; URLs must be in the web cache.")
    p.add_argument("-v", "--verbose", action="store_true", help="Verbose output.")
    return p


def parse_settings(args: Sequence[str], prog: str, prefix: str,
                   offline: bool = False) -> Settings | int:
    """Parse arguments into :class:`Settings`; the exit status when ``--help`` was printed."""
    parser = build_parser(prog)
    try:
        ns = parser.parse_args(list(args))
    except _HelpShown as shown:
        return shown.status
    if ns.plugin_modules:
        plugins.load_plugin_modules(ns.plugin_modules)
    return Settings(inputs=ns.input, processors=ns.processors, outputs=ns.output,
                    frame_format=ns.frame_format.lower().lstrip("."),
                    overwrite=ns.output_overwrite, resize=ns.resize, no_aspect=ns.no_aspect,
                    align=ns.align, device=ns.device, frame_start=ns.frame_start,
                    frame_end=ns.frame_end, no_frames=ns.no_frames,
                    no_animation_file=ns.no_animation_file,
                    offline=offline or ns.offline_mode, prefix=prefix)


def image_process(args: Sequence[str], prog: str = "image-process", prefix: str = "image-process",
                  offline: bool = False) -> Written | int:
    """Run image-process on ``args``: what was written, or the status after ``--help``."""
    settings = parse_settings(args, prog, prefix, offline)
    if isinstance(settings, int):
        return settings
    return run(settings)


@register_sub_command
class ImageProcessSubCommand(SubCommand):
    """Run image processors from the command line, like the \\image_process config directive.

    Examples:

        dgenerate --sub-command image-process my-photo.jpg -o my-photo-canny.jpg -p canny

        dgenerate --sub-command image-process my-video.mp4 -o out/ -p mirror "canny;blur=true"

    See: dgenerate --sub-command image-process --help
    """

    NAMES = ("image-process",)

    def __call__(self) -> int:
        result = image_process(self.args, "dgenerate --sub-command image-process",
                               "image-process", self.local_files_only)
        return result if isinstance(result, int) else 0
