"""The built-in prompt upscalers; importing this registers them. Their modules import torch,
transformers, dynamicprompts, spaCy, argostranslate and gpt4all only when they run."""

from dgenerate_core.prompts.upscalers import (  # noqa: F401  (each module registers its class)
    attention, dynamic, gpt4all, magicprompt, translate,
)
