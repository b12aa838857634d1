"""The built-in config directives, grouped by theme; importing this package registers them."""

from dgenerate_core.script.directives import (  # noqa: F401
    caches, civitai, filesystem, helps, image_process, process, prompt_upscale, to_diffusers,
    variables,
    web,
)
