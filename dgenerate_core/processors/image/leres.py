"""The leres annotator: LeReS depth estimation on controlnet-aux's networks (a ResNeXt-101
depth network and, for ``boost``, the pix2pix merge network of monocular depth boosting).

controlnet-aux's own loader is not used: it parses ``sys.argv`` for the pix2pix options, picks
its GPU from ``torch.cuda.is_available()`` and cannot move the merge network between devices.
Both networks are built here (on the meta device, then filled from the files) and are plain
torch modules that move with ``device`` and ``model-offload``.
"""

from __future__ import annotations

from typing import Any

from dgenerate_core.errors import ModelError
from dgenerate_core.processors.image import weights
from dgenerate_core.processors.image.annotate import Annotator
from dgenerate_core.processors.image.weights import ANNOTATORS

DEPTH_FILE = "res101.pth"
MERGE_FILE = "latest_net_G.pth"


def _filled(make: Any, state: dict, path: str, label: str, what: str) -> Any:
    """The module ``make()`` built on the meta device, allocated on the CPU in float32 and
    loaded strictly from ``state`` (so no random initialisation runs first). A file that does
    not fit the network is one error line naming it."""
    import torch

    with torch.device("meta"):
        module = make()
    module = module.to_empty(device="cpu").float()
    wanted = module.state_dict()
    missing = [k for k in wanted if k not in state]
    wrong = [k for k in wanted if k in state and tuple(state[k].shape) != tuple(wanted[k].shape)]
    if missing or wrong:
        first = (missing or wrong)[0]
        raise ModelError(f'{label or "leres"}: "{path}" is not a {what} checkpoint: '
                         + (f"{len(missing)} of its weights are missing" if missing
                            else f"{len(wrong)} of its weights have the wrong shape")
                         + f" (first: {first})")
    module.load_state_dict(state, strict=False)
    return module.eval()


def load_depth(path: str, label: str = "") -> Any:
    """RelDepthModel(resnext101) from a LeReS checkpoint ({"depth_model": "module."-prefixed})."""
    from controlnet_aux.leres.leres.multi_depth_model_woauxi import RelDepthModel
    from controlnet_aux.leres.leres.net_tools import strip_prefix_if_present

    checkpoint = weights.load_torch_file(path)
    state = checkpoint.get("depth_model") if isinstance(checkpoint, dict) else None
    if state is None:
        raise ModelError(f'{label or "leres"}: "{path}" is not a LeReS checkpoint '
                         '(no "depth_model" state dict)')
    return _filled(lambda: RelDepthModel(backbone="resnext101"),
                   strip_prefix_if_present(state, "module."), path, label, "LeReS depth")


def merge_network() -> Any:
    """The merge network class: what controlnet-aux's Pix2Pix4DepthModel does at test time
    (``set_input``, ``test``, ``get_current_visuals``), as a torch module with its U-Net."""
    import torch
    from controlnet_aux.leres.pix2pix.models import networks

    class MergeNetwork(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            # networks.define_G(2, 1, 64, "unet_1024", "none") without its random init
            self.netG = networks.UnetGenerator(2, 1, 10, 64,
                                               norm_layer=networks.get_norm_layer("none"),
                                               use_dropout=False)
            self.real_A = self.fake_B = None

        def set_input(self, outer: Any, inner: Any) -> None:
            pair = [torch.from_numpy(a).float()[None, None] for a in (outer, inner)]
            pair = [(t - t.min()) / (t.max() - t.min()) * 2 - 1 for t in pair]
            self.real_A = torch.cat(pair, 1).to(next(self.netG.parameters()).device)

        def test(self) -> None:
            with torch.no_grad():
                self.fake_B = self.netG(self.real_A)

        def get_current_visuals(self) -> dict:
            # the cached network keeps no image tensors (on the GPU) between calls
            visuals, self.real_A, self.fake_B = {"fake_B": self.fake_B}, None, None
            return visuals

    return MergeNetwork


def load_merge(path: str, label: str = "") -> Any:
    """The pix2pix merge network from ``latest_net_G.pth`` (the U-Net's own state dict)."""
    state = weights.load_torch_file(path)
    if not isinstance(state, dict):
        raise ModelError(f'{label or "leres"}: "{path}" is not a pix2pix merge network checkpoint')
    return _filled(merge_network(), {"netG." + k: v for k, v in state.items()}, path, label,
                   "pix2pix merge network")


BOOST_MIN_SIDE = 192


def boost_input(array: Any) -> Any:
    """The image enlarged (aspect kept, 64-aligned) until its long side is at least
    ``BOOST_MIN_SIDE``: controlnet-aux's resolution search for boost fails on smaller images
    (its loop never runs). Its networks see 448 pixels or more anyway; the result is resized
    back to the input size."""
    import cv2

    h, w = array.shape[:2]
    if max(h, w) >= BOOST_MIN_SIDE:
        return array
    k = BOOST_MIN_SIDE / max(h, w)
    size = tuple(max(64, round(v * k / 64) * 64) for v in (w, h))
    return cv2.resize(array, size, interpolation=cv2.INTER_CUBIC)


class LeresProcessor(Annotator):
    """LeReS depth detector.

    The "threshold-near" argument is the near threshold, think the low threshold of canny: a
    percentage (0 to 100) of the depth range; everything nearer than it is drawn as near as
    the nearest point (white).

    The "threshold-far" argument is the far threshold, think the high threshold of canny: a
    percentage (0 to 100) of the depth range; everything farther than it is removed as
    background (black).

    The "boost" argument determines if monocular depth boost is used (the pix2pix merge network
    of double estimation, much slower).

    Weights: lllyasviel/Annotators res101.pth, and latest_net_G.pth for "boost".
    """

    NAMES = ("leres",)
    ALIGN = 64
    HIDE_ARGS = ("detect-align",)  # the reference lists no detect-align for leres

    def __init__(self, threshold_near: int = 0, threshold_far: int = 0, boost: bool = False,
                 detect_resolution: str | None = None, detect_aspect: bool = True,
                 **kwargs: Any) -> None:
        super().__init__(detect_resolution, detect_aspect, **kwargs)
        for name, value in (("threshold-near", threshold_near), ("threshold-far", threshold_far)):
            if not 0 <= value <= 100:
                raise self.argument_error(
                    f'argument "{name}": must be a percentage from 0 to 100, got {value}')
        self.near, self.far, self.boost = threshold_near, threshold_far, boost

    def model(self) -> Any:
        """(depth network, merge network or None): each its own object cache entry, so leres
        with and without boost share the depth network."""
        def cached(load: Any, path: str) -> Any:
            return weights.cached(("LeresProcessor", weights.file_key(path)),
                                  lambda: load(path, self.label), self.loaded_by_name)

        depth = cached(load_depth, self.hub(ANNOTATORS, DEPTH_FILE, None))
        merge = cached(load_merge, self.hub(ANNOTATORS, MERGE_FILE, None)) if self.boost else None
        return depth, merge

    def modules(self, model: Any) -> list[Any]:
        return [m for m in model if m is not None]

    def detect(self, model: Any, array: Any) -> Any:
        from controlnet_aux.leres import LeresDetector

        if self.boost:
            array = boost_input(array)
        n = min(array.shape[0], array.shape[1])
        return LeresDetector(*model)(array, thr_a=self.near, thr_b=self.far, boost=self.boost,
                                     detect_resolution=n, image_resolution=n, output_type="np")


CLASSES = (LeresProcessor,)
