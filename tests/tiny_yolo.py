"""Tiny YOLO detectors for tests, built offline from ultralytics' own model configs.

``build_detector`` saves a random-weight ``yolov8n.yaml`` (or ``yolov8n-seg.yaml``) model as the
.pt checkpoint ultralytics writes, which users load by path. ``build_fixed_box_detector`` saves the
same architecture whose forward answers one known box (as fractions of the input image, for
square images) with full confidence, so adetailer tests know where the detection is.
"""

from __future__ import annotations

import os

from dgenerate_core.processors.detect import ultra_env

ultra_env.import_ultralytics()  # offline, config folder in the cache, PIL.Image.open kept

from ultralytics.nn.tasks import DetectionModel  # noqa: E402


def _prepare() -> None:
    ultra_env.prepare()


def build_detector(path: str, seg: bool = False) -> str:
    """A random-weight YOLOv8n (segmentation with ``seg``) saved to ``path``."""
    _prepare()
    import torch
    from ultralytics import YOLO

    torch.manual_seed(0)
    model = YOLO("yolov8n-seg.yaml" if seg else "yolov8n.yaml")
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    model.save(path)
    return path


class FixedBoxModel(DetectionModel):
    """A YOLOv8 detection model whose predictions are one box of class 0, confidence 1."""

    fixed_box = (0.25, 0.25, 0.75, 0.75)

    def forward(self, x, *args, **kwargs):  # noqa: D401 - ultralytics' inference call
        import torch

        if isinstance(x, dict):  # training loss call: not used
            return super().forward(x, *args, **kwargs)
        batch, _, height, width = x.shape
        x1, y1, x2, y2 = self.fixed_box
        box = torch.tensor([(x1 + x2) / 2 * width, (y1 + y2) / 2 * height,
                            (x2 - x1) * width, (y2 - y1) * height], dtype=x.dtype)
        scores = torch.zeros(len(self.names), dtype=x.dtype)
        scores[0] = 1.0
        pred = torch.cat([box, scores]).view(1, -1, 1).repeat(batch, 1, 1)
        return pred.to(x.device)


def build_fixed_box_detector(path: str, box: tuple[float, float, float, float]) -> str:
    """A detector that always finds ``box`` (fractions of the square input image)."""
    _prepare()
    import torch
    from ultralytics import YOLO

    torch.manual_seed(0)
    model = YOLO("yolov8n.yaml")
    model.model.__class__ = FixedBoxModel
    model.model.fixed_box = tuple(box)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    model.save(path)
    return path


def build_sam_asset(folder: str, name: str = "mobile_sam.pt") -> str:
    """Random-weight MobileSAM saved as the ultralytics asset file (a state dict); its IoU head
    is biased so that every prompt keeps its mask (random scores fall under the threshold)."""
    _prepare()
    import torch
    from ultralytics.models.sam.build import build_mobile_sam

    torch.manual_seed(0)
    model = build_mobile_sam()
    with torch.no_grad():
        model.mask_decoder.iou_prediction_head.layers[-1].bias.fill_(5.0)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name)
    torch.save(model.state_dict(), path)
    return path


def build_named_sam_asset(path: str) -> str:
    """A random-weight ultralytics SAM asset of the architecture its file name names
    (``sam_l.pt``: SAM ViT-L, ``sam2.1_l.pt``: SAM 2.1 Hiera-L ...: ultralytics picks the
    architecture by name), with the IoU head biased like ``build_sam_asset``. Large: ViT-L is
    308M parameters (saved in fp16)."""
    _prepare()
    import torch
    from ultralytics.models.sam import build

    torch.manual_seed(0)
    name = os.path.basename(path)
    keep = build._load_checkpoint  # the builders read the name ("sam2.1" adds layers), not a file
    build._load_checkpoint = lambda model, checkpoint: model
    try:
        model = build.sam_model_map[name](name)
    finally:
        build._load_checkpoint = keep
    decoder = getattr(model, "mask_decoder", None) or model.sam_mask_decoder  # SAM / SAM 2
    with torch.no_grad():
        decoder.iou_prediction_head.layers[-1].bias.fill_(5.0)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    torch.save({k: v.half() if v.is_floating_point() and v.numel() > 4096 else v
                for k, v in model.state_dict().items()}, path)
    return path


def build_sam_hub_cache(hub_cache: str) -> str:
    """A random MobileSAM checkpoint (the controlnet-aux architecture) in the Hugging Face hub
    cache layout, as ``ybelkada/segment-anything`` ``checkpoints/sam_vit_h_4b8939.pth``, for
    the ``sam`` processor (HF_HUB_OFFLINE resolves it from the cache)."""
    import torch
    from controlnet_aux.segment_anything import sam_model_registry

    torch.manual_seed(0)
    model = sam_model_registry["vit_t"]()
    revision = "0" * 40
    repo = os.path.join(hub_cache, "models--ybelkada--segment-anything")
    folder = os.path.join(repo, "snapshots", revision, "checkpoints")
    os.makedirs(folder, exist_ok=True)
    os.makedirs(os.path.join(repo, "refs"), exist_ok=True)
    with open(os.path.join(repo, "refs", "main"), "w") as f:
        f.write(revision)
    path = os.path.join(folder, "sam_vit_h_4b8939.pth")
    torch.save(model.state_dict(), path)
    return path
