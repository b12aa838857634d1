"""dgenerate: batch image generation on Hugging Face diffusers, driven by .dgen scripts.

This package must stay cheap to import: nothing here may import torch or diffusers.
"""

__version__ = "5.0.0"
