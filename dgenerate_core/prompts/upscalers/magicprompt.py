"""The ``magicprompt`` prompt upscaler: any transformers causal language model continues or
rewrites the prompt (default: the MagicPrompt GPT-2 fine-tune). torch and transformers are
imported when the model is loaded."""

from __future__ import annotations

from typing import Any

from dgenerate_core.errors import ModelError
from dgenerate_core.quantizers.configs import transformers_quantization
from dgenerate_core.pipelines.device import default_device
from dgenerate_core.prompts.base import register_upscaler
from dgenerate_core.prompts.upscalers.llm import LLMUpscaler, quiet_transformers

DTYPES = ("float32", "float16", "bfloat16")


class MagicPromptUpscaler(LLMUpscaler):
    NAMES = ("magicprompt",)
    NEEDS = ("transformers",)
    HELP = """
    Upscale prompts with MagicPrompt or any other causal language model that transformers can
    run: a Hugging Face repository or a folder on disk ("model").

    "part" picks the parts to act on: "both", "positive" or "negative". "dtype" is float32,
    float16 or bfloat16. "seed" makes the output repeatable. "variations" prompts are produced
    per prompt (each one more generation step).

    "max-length" is the most new tokens generated; "temperature", "top-k" and "top-p" are the
    sampling settings (top-k 1 is greedy).

    "system" is a system instruction (for models with a chat template); "preamble" is put before
    the prompt and removed from the output. "remove-prompt" removes the original prompt from the
    output, "prepend-prompt" puts it in front of the output.

    "batch" and "max-batch" (None: unlimited) control how many prompts the model processes at
    once. "quantizer" is a --quantizer URI for loading the model.

    "block-regex" (case-insensitive) regenerates an output that matches it, up to
    "max-attempts" times. "smart-truncate" removes an unfinished last sentence (spaCy).
    "cleanup-config" is a .json, .toml or .yaml file of substitutions and python functions run
    over the output after the built-in cleanup.

    "device" is the device to run on (default: --device).
    """

    def __init__(self, model: str = "Gustavosta/MagicPrompt-Stable-Diffusion",
                 dtype: str = "float32", seed: int | None = None, variations: int = 1,
                 max_length: int = 100, temperature: float = 0.7, top_k: int = 50,
                 top_p: float = 1.0, system: str | None = None, preamble: str | None = None,
                 remove_prompt: bool = False, prepend_prompt: bool = False, batch: bool = True,
                 max_batch: int | None = 50, quantizer: str | None = None,
                 block_regex: str | None = None, max_attempts: int = 10,
                 smart_truncate: bool = False, cleanup_config: str | None = None,
                 device: str | None = None, **kw: Any) -> None:
        super().__init__(variations=variations, max_length=max_length, temperature=temperature,
                         system=system, preamble=preamble, remove_prompt=remove_prompt,
                         prepend_prompt=prepend_prompt, block_regex=block_regex,
                         max_attempts=max_attempts, smart_truncate=smart_truncate,
                         cleanup_config=cleanup_config, **kw)
        if dtype not in DTYPES:
            raise ValueError('argument "dtype" must be one of: ' + ", ".join(DTYPES))
        if max_batch is not None and max_batch < 1:
            raise ValueError('argument "max-batch" must be at least 1 or None')
        self.quantizer = quantizer
        if quantizer:
            self._quantization()  # checks the URI now
        self.model_path = model
        self.dtype = dtype
        self.seed = seed
        self.top_k = top_k
        self.top_p = top_p
        self.batch_size = (max_batch or 10 ** 9) if batch else 1
        self._device = device
        self._loaded: tuple[Any, Any] | None = None

    def _quantization(self) -> dict[str, Any]:
        """``from_pretrained`` keywords for ``quantizer=`` (the quantizers package)."""
        if not self.quantizer:
            return {}
        return transformers_quantization(self.quantizer, 'magicprompt "quantizer"')

    @property
    def device(self) -> str:
        """``device=``, else --device, else the best device here."""
        return self._device or self.default_device or default_device()

    def _load(self) -> tuple[Any, Any]:
        if self._loaded is None:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer

            quiet_transformers()
            try:
                tok = AutoTokenizer.from_pretrained(self.model_path,
                                                    local_files_only=self.local_files_only)
                model = AutoModelForCausalLM.from_pretrained(
                    self.model_path, dtype=getattr(torch, self.dtype),
                    local_files_only=self.local_files_only, **self._quantization())
            except (OSError, ValueError) as ex:
                first = str(ex).strip().splitlines()[0] if str(ex).strip() else ""
                raise ModelError(f'magicprompt: cannot load the model "{self.model_path}": '
                                 f"{first}") from None
            if tok.pad_token is None:
                tok.pad_token = tok.eos_token
            tok.padding_side = "left"
            if not self.quantizer:  # quantized models are placed by their config
                model.to(self.device)
            model.eval()
            self._loaded = (tok, model)
        return self._loaded

    def _encode(self, tok: Any, texts: list[str]) -> tuple[Any, bool]:
        chat = bool(getattr(tok, "chat_template", None)) and self.system is not None
        if not chat:
            return tok(texts, return_tensors="pt", padding=True), False
        rendered = [tok.apply_chat_template(
            [{"role": "system", "content": self.system}, {"role": "user", "content": t}],
            tokenize=False, add_generation_prompt=True) for t in texts]
        return tok(rendered, return_tensors="pt", padding=True, add_special_tokens=False), True

    def generate(self, inputs: list[str], count: int) -> list[list[str]]:
        import torch

        tok, model = self._load()
        out: list[list[str]] = []
        with torch.random.fork_rng(devices=[]):
            if self.seed is not None:
                torch.manual_seed(self.seed)
            for start in range(0, len(inputs), self.batch_size):
                out += self._batch(tok, model, inputs[start:start + self.batch_size], count)
        return out

    def _batch(self, tok: Any, model: Any, texts: list[str], count: int) -> list[list[str]]:
        import torch

        encoded, chat = self._encode(tok, texts)
        encoded = {k: v.to(self.device) for k, v in encoded.items()}
        with torch.no_grad():
            seqs = model.generate(**encoded, do_sample=True, temperature=self.temperature,
                                  top_k=self.top_k, top_p=self.top_p,
                                  max_new_tokens=self.max_length, num_return_sequences=count,
                                  pad_token_id=tok.pad_token_id)
        width = encoded["input_ids"].shape[1]
        results = []
        for i, text in enumerate(texts):
            gens = []
            for seq in seqs[i * count:(i + 1) * count]:
                new = tok.decode(seq[width:], skip_special_tokens=True)
                gens.append(new if chat else f"{text}{new}")
            results.append(gens)
        return results


register_upscaler(MagicPromptUpscaler)
