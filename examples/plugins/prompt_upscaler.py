"""Example prompt upscaler plugin: ``--prompt-upscalers "example-suffix;suffix=masterpiece"``."""

from typing import Any

from dgenerate_core.prompts import PromptUpscaler


class SuffixUpscaler(PromptUpscaler):
    """Append a suffix to each prompt; with "variants" > 1, one prompt per count of suffixes."""

    NAMES = ("example-suffix",)
    HELP = __doc__

    def __init__(self, suffix: str = "highly detailed", variants: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # part, local_files_only, default_device, loaded_by_name
        self.suffix = suffix
        self.variants = variants

    def upscale_texts(self, texts: list[str]) -> list[list[str]]:
        return [[text + (", " + self.suffix) * (i + 1) for i in range(self.variants)]
                for text in texts]
