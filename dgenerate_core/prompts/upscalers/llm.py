"""What the LLM prompt upscalers (``magicprompt``, ``gpt4all``) share: the prompt given to the
model (system, preamble), turning its output into a prompt (preamble / prompt removal, prepend,
cleanup), and regenerating outputs that match ``block-regex``."""

from __future__ import annotations

import re
from typing import Any, Callable

from dgenerate_core.prompts.base import PromptUpscaler, warn
from dgenerate_core.prompts.upscalers import cleanup


def quiet_transformers() -> None:
    """No loading progress bars from transformers (dgenerate reports loading with -v)."""
    import transformers

    transformers.utils.logging.disable_progress_bar()


class LLMUpscaler(PromptUpscaler):
    """Common arguments and post-processing; subclasses implement :meth:`generate`."""

    COMBINE = "zip"

    def __init__(self, variations: int = 1, max_length: int = 100, temperature: float = 0.7,
                 system: str | None = None, preamble: str | None = None,
                 remove_prompt: bool = False, prepend_prompt: bool = False,
                 block_regex: str | None = None, max_attempts: int = 10,
                 smart_truncate: bool = False, cleanup_config: str | None = None,
                 **kw: Any) -> None:
        super().__init__(**kw)
        if variations < 1:
            raise ValueError('argument "variations" must be at least 1')
        if max_length < 1:
            raise ValueError('argument "max-length" must be at least 1')
        if max_attempts < 1:
            raise ValueError('argument "max-attempts" must be at least 1')
        if temperature <= 0:
            raise ValueError('argument "temperature" must be greater than 0')
        try:
            self.block = re.compile(block_regex, re.IGNORECASE) if block_regex else None
        except re.error as ex:
            raise ValueError(f'argument "block-regex": {ex}') from None
        self.variations = variations
        self.max_length = max_length
        self.temperature = temperature
        self.system = system
        self.preamble = preamble
        self.remove_prompt = remove_prompt
        self.prepend_prompt = prepend_prompt
        self.max_attempts = max_attempts
        self.smart_truncate = smart_truncate
        self.operations: list[Callable[[str], str]] = (
            cleanup.load_config(cleanup_config) if cleanup_config else [])

    # -------------------------------------------------------------------- to and from the model
    def model_input(self, prompt: str) -> str:
        """The text the model continues (system prompts are handled by chat templates)."""
        return f"{self.preamble} {prompt}" if self.preamble else prompt

    def finish(self, prompt: str, generated: str) -> str:
        """Model output -> the upscaled prompt."""
        text = generated
        if self.preamble and text.lstrip().startswith(self.preamble):
            text = text.lstrip()[len(self.preamble):]
        if self.remove_prompt:
            text = text.replace(prompt, " ", 1)
        if self.smart_truncate:
            text = cleanup.smart_truncate(text)
        text = cleanup.basic(text)
        for op in self.operations:
            text = str(op(text))
        if self.prepend_prompt and not text.startswith(prompt):
            text = f"{prompt} {text}"
        return text.strip() or prompt

    def generate(self, inputs: list[str], count: int) -> list[list[str]]:  # pragma: no cover
        """For each input, ``count`` generated texts."""
        raise NotImplementedError

    # ------------------------------------------------------------------------------ the loop
    def upscale_texts(self, texts: list[str]) -> list[list[str]]:
        raw = self.generate([self.model_input(t) for t in texts], self.variations)
        results = [[self.finish(t, g) for g in gens] for t, gens in zip(texts, raw)]
        if self.block is not None:
            self._unblock(texts, results)
        return results

    def _unblock(self, texts: list[str], results: list[list[str]]) -> None:
        for attempt in range(self.max_attempts):
            todo = [(i, j) for i, outs in enumerate(results) for j, out in enumerate(outs)
                    if self.block.search(out)]
            if not todo:
                return
            again = self.generate([self.model_input(texts[i]) for i, _ in todo], 1)
            for (i, j), gens in zip(todo, again):
                results[i][j] = self.finish(texts[i], gens[0])
        if any(self.block.search(o) for outs in results for o in outs):
            warn(f"{self.name}: block-regex still matches after {self.max_attempts} attempts; "
                 "the last output is used")
