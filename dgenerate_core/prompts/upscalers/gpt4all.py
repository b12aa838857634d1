"""The ``gpt4all`` prompt upscaler: GGUF language models through the gpt4all package (the
``gpt4all`` extra, gpt4all==2.8.2), on the CPU or a GPU backend."""

from __future__ import annotations

import os
from typing import Any

from dgenerate_core.errors import ModelError
from dgenerate_core.prompts.base import register_upscaler
from dgenerate_core.prompts.upscalers.llm import LLMUpscaler
from dgenerate_core.webcache import fetch

DEFAULT_MODEL = ("https://huggingface.co/failspy/Phi-3-mini-128k-instruct-abliterated-v3-GGUF/"
                 "resolve/main/Phi-3-mini-128k-instruct-abliterated-v3_q4.gguf")
COMPUTE = ("cpu", "gpu", "kompute", "cuda", "amd", "nvidia")


class Gpt4AllUpscaler(LLMUpscaler):
    NAMES = ("gpt4all",)
    NEEDS = ("gpt4all",)
    HELP = """
    Upscale prompts with a GGUF language model run by gpt4all (install the gpt4all extra).

    "model" is a GGUF file or an URL of one (downloaded once). "part", "variations",
    "max-length", "temperature", "top-k", "top-p", "min-p", "system", "preamble",
    "remove-prompt", "prepend-prompt", "block-regex", "max-attempts", "smart-truncate" and
    "cleanup-config" work as for magicprompt.

    "compute" is the gpt4all device: cpu, gpu (Metal on ARM64 macOS, else kompute), kompute,
    cuda, amd or nvidia. "context-tokens" is the context size the model was trained with.
    """

    def __init__(self, model: str = DEFAULT_MODEL, variations: int = 1, max_length: int = 100,
                 temperature: float = 0.7, top_k: int = 40, top_p: float = 0.4,
                 min_p: float = 0.0, system: str | None = None, preamble: str | None = None,
                 remove_prompt: bool = False, prepend_prompt: bool = False,
                 compute: str | None = "cpu", block_regex: str | None = None,
                 max_attempts: int = 10, context_tokens: int = 2048,
                 smart_truncate: bool = False, cleanup_config: str | None = None,
                 **kw: Any) -> None:
        super().__init__(variations=variations, max_length=max_length, temperature=temperature,
                         system=system, preamble=preamble, remove_prompt=remove_prompt,
                         prepend_prompt=prepend_prompt, block_regex=block_regex,
                         max_attempts=max_attempts, smart_truncate=smart_truncate,
                         cleanup_config=cleanup_config, **kw)
        if compute is not None and compute not in COMPUTE:
            raise ValueError('argument "compute" must be one of: ' + ", ".join(COMPUTE))
        self.model_path = model
        self.top_k, self.top_p, self.min_p = top_k, top_p, min_p
        self.compute = compute or "cpu"
        self.context_tokens = context_tokens
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            from gpt4all import GPT4All

            path = self.model_path
            if path.startswith(("http://", "https://")):
                path = fetch(path, offline=self.local_files_only)
            if not os.path.isfile(path):
                raise ModelError(f'gpt4all: no GGUF model file "{path}"')
            self._model = GPT4All(os.path.basename(path), model_path=os.path.dirname(path),
                                  allow_download=False, device=self.compute,
                                  n_ctx=self.context_tokens)
        return self._model

    def generate(self, inputs: list[str], count: int) -> list[list[str]]:
        model = self._load()
        out = []
        for text in inputs:
            gens = []
            for _ in range(count):
                with model.chat_session(system_prompt=self.system or ""):
                    gens.append(model.generate(text, max_tokens=self.max_length,
                                               temp=self.temperature, top_k=self.top_k,
                                               top_p=self.top_p, min_p=self.min_p))
            out.append(gens)
        return out


register_upscaler(Gpt4AllUpscaler)
