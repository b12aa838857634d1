"""Quantization backends (bitsandbytes, sdnq) for UNets, transformers, text encoders, ControlNets
and language models, through diffusers' and transformers' own quantization configs.

``registry``, ``plan`` and ``helptext`` are pure; ``configs`` imports torch / diffusers /
transformers inside its functions only.
"""

from dgenerate_core.quantizers.configs import (
    QuantizerUnavailable, import_bitsandbytes_offline, library_of, pipeline_config,
    pipeline_quantization, to_config,
    transformers_quantization,
)
from dgenerate_core.quantizers.helptext import format_quantizer_help
from dgenerate_core.quantizers.plan import QuantPlan, component_quantizer, make_plan
from dgenerate_core.quantizers.registry import (
    BACKENDS, DEFAULT_MAP, SUBMODULES, Quantizer, backend_names, find_backend, parse_map,
    parse_quantizer,
)

__all__ = [
    "BACKENDS", "DEFAULT_MAP", "SUBMODULES", "QuantPlan", "Quantizer", "QuantizerUnavailable",
    "backend_names", "component_quantizer", "find_backend", "format_quantizer_help", "import_bitsandbytes_offline", "library_of",
    "make_plan", "parse_map", "pipeline_quantization", "parse_quantizer", "pipeline_config", "to_config",
    "transformers_quantization",
]
