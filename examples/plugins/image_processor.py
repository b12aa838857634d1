"""Example image processor plugin: ``--post-processors "example-tint;red=200"``.

dgenerate --plugin-modules examples/plugins/image_processor.py --image-processor-help example-tint
"""

from typing import Any

from dgenerate_core.processors import ImageProcessor


class TintProcessor(ImageProcessor):
    """Blend the image with one colour.

    "red", "green" and "blue" are 0 to 255; "amount" is 0 (no change) to 1 (only the colour).
    """

    NAMES = ("example-tint",)

    def __init__(self, red: int = 255, green: int = 0, blue: int = 0, amount: float = 0.5,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not 0.0 <= amount <= 1.0:
            raise self.argument_error(f'argument "amount": 0 to 1, got {amount}')
        self.color = (red, green, blue)
        self.amount = amount

    def impl_process(self, image):
        from PIL import Image  # heavy imports inside methods keep loading fast

        return Image.blend(image.convert("RGB"), Image.new("RGB", image.size, self.color),
                           self.amount)
