"""Example prompt weighter plugin (Stable Diffusion 1/2 only):
``--prompt-weighter "example-scale;scale=1.1"`` multiplies the prompt embeddings.
"""

from typing import Any

from dgenerate_core.prompts import PromptWeighter


class ScaleWeighter(PromptWeighter):
    """Encode the prompts with the pipeline's own text encoder and scale the embeddings.

    "scale" 1.0 gives the same image as no prompt weighter.
    """

    NAMES = ("example-scale",)
    MODEL_TYPES = ("sd",)
    HELP = __doc__

    def __init__(self, scale: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # model_type, local_files_only, default_device
        self.scale = scale

    def apply(self, pipe: Any, kwargs: dict[str, Any], refiner: bool = False) -> None:
        prompt = kwargs.pop("prompt", None) or ""
        negative = kwargs.pop("negative_prompt", None) or ""
        clip_skip = kwargs.pop("clip_skip", None)
        positive, negative_embeds = pipe.encode_prompt(
            prompt, pipe.device, 1, True, negative, clip_skip=clip_skip)
        kwargs.update(prompt_embeds=positive * self.scale,
                      negative_prompt_embeds=negative_embeds * self.scale)
