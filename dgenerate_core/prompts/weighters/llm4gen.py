"""The ``llm4gen`` prompt weighter (SD 1.5): its arguments are parsed and checked; running it
(the T5 RankGen encoder and the LLM4GEN cross adapter projector) is not supported yet."""

from __future__ import annotations

import os
from typing import Any

from dgenerate_core.errors import ModelError, NotSupportedYet
from dgenerate_core.prompts.base import PromptWeighter, register_weighter
from dgenerate_core.prompts.weighters.sdembed import SD_TYPES

ENCODERS = ("base-all", "large-all", "xl-all", "xl-pg19")
DTYPES = ("float32", "float16", "bfloat16")


class Llm4GenWeighter(PromptWeighter):
    NAMES = ("llm4gen",)
    MODEL_TYPES = SD_TYPES
    HELP = """
    LLM4GEN prompt weighter for Stable Diffusion 1.5 (not 2.x), see
    https://github.com/YUHANG-Ma/LLM4GEN. A T5 RankGen encoder and the LLM4GEN cross adapter
    projector (CAM) add an LLM's representation of the prompt to the CLIP embedding.

    This prompt weighter supports the model types:

    --model-type sd
    --model-type pix2pix
    --model-type upscaler-x4

    --second-prompts goes to the RankGen encoder (default: the main prompt).

    "encoder" is the RankGen variant: base-all, large-all, xl-all or xl-pg19. "projector" is a
    Hugging Face repository or a file path of the projector, with "projector-subfolder",
    "projector-revision" and "projector-weight-name". "weighter" (sd-embed or compel) weights the
    CLIP half; without --second-prompts the RankGen encoder then gets the prompt with the
    weighting syntax removed. "llm-dtype" is the precision of the encoder and projector,
    "llm-quantizer" a --quantizer URI for the encoder, "token" a Hugging Face token.

    Running this weighter is not supported yet.
    """

    def __init__(self, encoder: str = "xl-all", projector: str = "Shui-VL/LLM4GEN-models",
                 projector_subfolder: str | None = None, projector_revision: str | None = None,
                 projector_weight_name: str = "projector.pth", weighter: str | None = None,
                 llm_dtype: str = "float32", llm_quantizer: str | None = None,
                 token: str | None = None, **kw: Any) -> None:
        super().__init__(**kw)
        if encoder not in ENCODERS:
            raise ValueError('argument "encoder" must be one of: ' + ", ".join(ENCODERS))
        if llm_dtype not in DTYPES:
            raise ValueError('argument "llm-dtype" must be one of: ' + ", ".join(DTYPES))
        if weighter is not None and weighter.split(";")[0].strip() not in ("sd-embed", "compel"):
            raise ValueError('argument "weighter" must be "sd-embed" or "compel"')
        self.encoder = encoder
        self.projector = projector
        self.subfolder = projector_subfolder
        self.revision = projector_revision
        self.weight_name = projector_weight_name
        self.token = token
        self.weighter = weighter
        self.llm_dtype = llm_dtype

    @property
    def encoder_repo(self) -> str:
        """The Hugging Face repository of the RankGen encoder variant."""
        return f"kalpeshk2011/rankgen-t5-{self.encoder}"

    def projector_file(self) -> str:
        """The projector weights: a file, a file in a folder, or one from the hub (offline:
        only from the local cache)."""
        if os.path.isfile(self.projector):
            return self.projector
        parts = [self.projector] + ([self.subfolder] if self.subfolder else [])
        if os.path.isdir(self.projector):
            path = os.path.join(*parts, self.weight_name)
            if not os.path.isfile(path):
                raise ModelError(f'llm4gen: no projector file "{path}"')
            return path
        from huggingface_hub import hf_hub_download

        try:
            return hf_hub_download(self.projector, self.weight_name, subfolder=self.subfolder,
                                   revision=self.revision, token=self.token,
                                   local_files_only=self.local_files_only)
        except Exception as ex:  # hub errors (offline, missing repo or file) as one line
            raise ModelError(f'llm4gen: cannot get the projector "{self.weight_name}" from '
                             f'"{self.projector}": {type(ex).__name__}') from None

    def apply(self, pipe: Any, kwargs: dict[str, Any], refiner: bool = False) -> None:
        self.projector_file()
        raise NotSupportedYet("the llm4gen prompt weighter (the RankGen encoder and LLM4GEN "
                              "projector)")


register_weighter(Llm4GenWeighter)
