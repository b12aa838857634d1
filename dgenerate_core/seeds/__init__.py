"""The ``--image-seeds`` grammar (``parse``), resize arithmetic (``resize``) and loading (``load``).

Only ``load`` touches Pillow; nothing here imports torch.
"""

from dgenerate_core.seeds.parse import ImageSeedSpec, parse_image_seed
from dgenerate_core.seeds.resize import resize_image_calc

__all__ = ["ImageSeedSpec", "parse_image_seed", "resize_image_calc"]
