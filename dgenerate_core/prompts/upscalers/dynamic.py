"""The ``dynamicprompts`` prompt upscaler: combinatorial ``{a|b}`` expansion, or N random
variations, with optional wildcard files (the dynamicprompts package, imported when used)."""

from __future__ import annotations

import os
from typing import Any

from dgenerate_core.prompts.base import PromptUpscaler, register_upscaler


class DynamicPromptsUpscaler(PromptUpscaler):
    NAMES = ("dynamicprompts",)
    NEEDS = ("dynamicprompts",)
    COMBINE = "product"
    HELP = """
    Expand prompts with the dynamicprompts library: "a {red|blue} {car|boat}" becomes four
    prompts, each one more generation step. See: https://github.com/adieyal/dynamicprompts

    The "part" argument picks the parts of the prompt to act on: "both", "positive" or
    "negative".

    "random" produces "variations" random prompts from the possibilities instead of every
    combination; "seed" makes them repeatable. "variations" may only be given with random=true
    (default 1).

    "wildcards" is a folder of wildcard files for the __name__ syntax.
    """

    def __init__(self, random: bool = False, seed: int | None = None,
                 variations: int | None = None, wildcards: str | None = None,
                 **kw: Any) -> None:
        super().__init__(**kw)
        if variations is not None and not random:
            raise ValueError('argument "variations" can only be used with random=true')
        if variations is not None and variations < 1:
            raise ValueError('argument "variations" must be at least 1')
        if wildcards is not None and not os.path.isdir(wildcards):
            raise ValueError(f'argument "wildcards": "{wildcards}" is not a folder')
        self.random = random
        self.seed = seed
        self.variations = variations or 1
        self.wildcards = wildcards

    def _generator(self) -> Any:
        from dynamicprompts.generators import (
            CombinatorialPromptGenerator, RandomPromptGenerator,
        )
        from dynamicprompts.wildcards.wildcard_manager import WildcardManager

        manager = WildcardManager(self.wildcards) if self.wildcards else WildcardManager()
        if self.random:
            return RandomPromptGenerator(wildcard_manager=manager, seed=self.seed)
        return CombinatorialPromptGenerator(wildcard_manager=manager)

    def upscale_texts(self, texts: list[str]) -> list[list[str]]:
        generator = self._generator()
        results = []
        for text in texts:
            if self.random:
                seeds = None if self.seed is None else \
                    [self.seed + i for i in range(self.variations)]
                out = generator.generate(text, num_images=self.variations, seeds=seeds)
            else:
                out = generator.generate(text, max_prompts=None)
            results.append([str(p) for p in out] or [text])
        return results


register_upscaler(DynamicPromptsUpscaler)
