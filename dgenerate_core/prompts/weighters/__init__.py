"""The built-in prompt weighters; importing this registers them (``compel``, ``sd-embed``,
``llm4gen``). Their modules import torch, compel and transformers only inside methods."""

from dgenerate_core.prompts.weighters import compel_weighter, llm4gen, sdembed  # noqa: F401  (registers)
