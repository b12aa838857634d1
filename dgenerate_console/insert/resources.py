"""Locate the console's data files (``resources/recipes``, ``resources/schemas``) and read them."""

from __future__ import annotations

import json
import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

ENV_VAR = "DGENERATE_CONSOLE_RESOURCES"


def resource_dir() -> Path:
    """The ``resources`` folder: ``$DGENERATE_CONSOLE_RESOURCES``, else the repository's own
    (editable install: ``<repo>/resources`` beside the packages), else the copy a wheel installs
    as data files under ``<prefix>/share/dgenerate/resources``."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override)
    candidates = (Path(__file__).resolve().parents[2] / "resources",
                  Path(sys.prefix) / "share" / "dgenerate" / "resources")
    for candidate in candidates:
        if (candidate / "recipes").is_dir() or (candidate / "desktop").is_dir():
            return candidate
    return candidates[0]


def recipes_dir() -> Path:
    return resource_dir() / "recipes"


def schemas_dir() -> Path:
    return resource_dir() / "schemas"


@lru_cache(maxsize=None)
def _load_json(path: str) -> Any:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def load_schema(name: str) -> dict[str, Any]:
    """The static JSON schema ``resources/schemas/<name>.json`` (cached, do not mutate)."""
    return _load_json(str(schemas_dir() / f"{name}.json"))
