"""zoe: ZoeDepth depth estimation for ControlNet guidance images, on controlnet-aux's ZoeDepth
network (a MiDaS BEiT-L core with metric bins and attractors) loaded from lllyasviel/Annotators
ZoeD_M12_N.pt.

The network is built here rather than by controlnet-aux's ``ZoeDetector.from_pretrained`` (which
downloads by itself and loads with ``strict=False``): its parameters are made on the meta device
(no 345M-parameter random initialisation) and the checkpoint's tensors are assigned to them, so
a file that lacks weights the network runs is one clear error instead of silent noise.
"""

from __future__ import annotations

from typing import Any

from dgenerate_core.errors import ModelError
from dgenerate_core.pipelines.source import load_errors
from dgenerate_core.processors.image.annotate import Annotator
from dgenerate_core.processors.image.weights import ANNOTATORS, load_torch_file

GAMMA = 2.2
# the BEiT classifier that MiDaS never runs (its features come from forward_features hooks):
# a checkpoint saved without it still loads
_UNUSED = ("core.core.pretrained.model.head.", "core.core.pretrained.model.fc_norm.")


def build_network() -> Any:
    """ZoeDepth (ZoeD_M12_N: DPT_BEiT_L_384 core, 384x512 working size) with its parameters on
    the meta device and its buffers computed; nothing is downloaded (MiDaS is not pretrained)."""
    from accelerate import init_empty_weights
    from controlnet_aux.zoe.zoedepth.models.zoedepth.zoedepth_v1 import ZoeDepth
    from controlnet_aux.zoe.zoedepth.utils.config import get_config

    config = get_config("zoedepth", "infer")  # use_pretrained_midas: False
    with init_empty_weights(include_buffers=False):
        return ZoeDepth.build_from_config(config)


def load_network(path: str, label: str) -> Any:
    """The ZoeDepth network with the weights of the checkpoint ``path`` (a torch pickle holding
    ``{"model": state_dict}``, or the state dict itself), in float32 on the CPU."""
    import torch

    with load_errors(label, path):
        state = load_torch_file(path)
        state = state.get("model", state) if isinstance(state, dict) else state
        if not isinstance(state, dict):
            raise ModelError(f'{label}: "{path}" is not a ZoeDepth checkpoint')
        model = build_network()
        # relative_position_index is computed by timm >= 1.0 (older checkpoints store it)
        state = {k: (v.float() if v.is_floating_point() else v) for k, v in state.items()
                 if isinstance(v, torch.Tensor) and "relative_position_index" not in k}
        _check_shapes(model, state, path, label)
        torch.nn.Module.load_state_dict(model, state, strict=False, assign=True)
    _check_complete(model, path, label)
    return model.eval()


def _check_shapes(model: Any, state: dict[str, Any], path: str, label: str) -> None:
    """A tensor of the file whose shape is not the network's is an error naming it."""
    for name, tensor in model.state_dict().items():
        if name in state and state[name].shape != tensor.shape:
            raise ModelError(f'{label}: "{path}" is not a ZoeDepth checkpoint: {name} has shape '
                             f"{tuple(state[name].shape)}, the network needs "
                             f"{tuple(tensor.shape)}")


def _check_complete(model: Any, path: str, label: str) -> None:
    """Zero the unused classifier when the file lacks it; any other missing weight is an error."""
    import torch

    missing = [name for name, p in model.named_parameters() if p.is_meta]
    needed = [name for name in missing if not name.startswith(_UNUSED)]
    if needed:
        raise ModelError(f'{label}: "{path}" is not a ZoeDepth checkpoint: {len(needed)} of its '
                         f"weights are missing (first: {needed[0]})")
    for name in missing:
        owner, _, attr = name.rpartition(".")
        module = model.get_submodule(owner)
        meta = getattr(module, attr)
        setattr(module, attr, torch.nn.Parameter(torch.zeros(meta.shape), requires_grad=False))


def depth_image(depth: Any, gamma_corrected: bool = False) -> Any:
    """The metric depth (H x W floats) as a uint8 image, near bright: the 2nd..85th percentile
    range spread over 0..255 and inverted, then optionally gamma 2.2 (controlnet-aux's mapping)."""
    import numpy

    vmin, vmax = numpy.percentile(depth, 2), numpy.percentile(depth, 85)
    span = vmax - vmin
    depth = 1.0 - (depth - vmin) / (span if span > 0 else 1.0)
    if gamma_corrected:
        depth = numpy.power(numpy.clip(depth, 0.0, None), GAMMA)
    return (depth * 255.0).clip(0, 255).astype(numpy.uint8)


class ZoeProcessor(Annotator):
    """ZoeDepth depth detector: a high quality depth map (near is bright) for ControlNet
    guidance images.

    The "gamma-corrected" argument applies gamma correction (2.2) to the depth map, which darkens
    the middle distances. The network resizes its input itself (to 384 pixels high or 512 wide,
    aspect kept). Weights: lllyasviel/Annotators ZoeD_M12_N.pt.
    """

    NAMES = ("zoe",)
    HIDE_ARGS = ("detect-align",)  # the reference has none (the network resizes by itself)
    FILES = ((ANNOTATORS, "ZoeD_M12_N.pt", None),)

    def __init__(self, gamma_corrected: bool = False, detect_resolution: str | None = None,
                 detect_aspect: bool = True, **kwargs: Any) -> None:
        super().__init__(detect_resolution, detect_aspect, **kwargs)
        self.gamma_corrected = gamma_corrected

    def load(self, paths: list[str]) -> Any:
        return load_network(paths[0], self.label)

    def detect(self, model: Any, array: Any) -> Any:
        import torch

        device = next(model.parameters()).device
        pixels = torch.from_numpy(array).to(device).permute(2, 0, 1)[None].float() / 255.0
        depth = model.infer(pixels)[0, 0].float().cpu().numpy()
        return depth_image(depth, self.gamma_corrected)


CLASSES = (ZoeProcessor,)
