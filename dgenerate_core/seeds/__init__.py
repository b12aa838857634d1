"""The ``--image-seeds`` grammar (``parse``, ``adapters``), its meaning next to the control and
IP-adapter options (``rules``), resize arithmetic (``resize``) and streamed loading (``load``).

Only ``load`` touches Pillow and PyAV; nothing here imports torch at module level.
"""

from dgenerate_core.seeds.parse import ImageSeedSpec, parse_image_seed
from dgenerate_core.seeds.resize import resize_image_calc

__all__ = ["ImageSeedSpec", "parse_image_seed", "resize_image_calc"]
