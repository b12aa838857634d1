"""Importing this registers every built-in image and latents processor and the processor
option rules."""

from dgenerate_core.processors import image, latents, rules  # noqa: F401 - they register
