"""Prompts: the embedded ``<name: value>`` arguments, prompt weighters (``weighters/``) and prompt
upscalers (``upscalers/``). Their registries live on the ground floor
(:mod:`dgenerate_core.prompt_registry`); the built-in classes register themselves through
:func:`register_weighter` / :func:`register_upscaler`, the same calls a plugin uses, when this
package is imported.
"""

from dgenerate_core.prompts.base import (
    PromptUpscaler, PromptWeighter, build, register_upscaler, register_weighter,
)
from dgenerate_core.prompts import upscalers, weighters  # noqa: F401, E402 - registers the built-ins

__all__ = ["PromptUpscaler", "PromptWeighter", "build", "register_upscaler", "register_weighter"]
