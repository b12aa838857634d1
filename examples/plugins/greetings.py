"""An example plugin (examples/plugins/use_plugin.dgen loads it): a config directive, a template
function and an image processor, each registered by what it derives from or is decorated with."""

from typing import Any

from dgenerate_core.plugins import directive, template_function
from dgenerate_core.processors import ImageProcessor


@directive("greet")
def greet(args: list[str]) -> int:
    """Print a greeting for each argument.

    \\greet NAME [NAME ...]
    """
    for name in args:
        print(f"Hello, {name}!")
    return 0


@template_function("shout")
def shout(text: str, times: int = 1) -> str:
    """Upper-case TEXT and repeat it TIMES times."""
    return " ".join([text.upper()] * times)


class FrameProcessor(ImageProcessor):
    """Draw a coloured frame around the image.

    "width" is the frame's width in pixels.
    """

    NAMES = ("frame",)

    def __init__(self, width: int = 4, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if width < 1:
            raise self.argument_error(f'argument "width": at least 1, got {width}')
        self.width = width

    def impl_process(self, image):
        from PIL import ImageOps

        return ImageOps.expand(image.crop((self.width, self.width, image.width - self.width,
                                           image.height - self.width)),
                               border=self.width, fill=(200, 40, 40))
