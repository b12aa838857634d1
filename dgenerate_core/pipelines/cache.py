"""The process-wide object cache: pipelines and components built once per creation parameters."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Any, Callable, Hashable
from dgenerate_core.errors import UsageError

_LOG = logging.getLogger("dgenerate")

#: cache name -> most objects kept (oldest evicted first); pipelines are the heavy ones
_LIMITS = {"pipeline": 2, "vae": 4, "unet": 2, "transformer": 2, "text_encoder": 4,
           "image_processor": 4}
#: the manual's cache names (some exist only once a model has used them)
STANDARD_NAMES = ("pipeline", "unet", "vae", "text_encoder", "controlnet", "transformer",
                  "adapter", "image_encoder")


class ObjectCache:
    """A small LRU keyed by creation parameters, with hit/miss counters."""

    def __init__(self, name: str, limit: int) -> None:
        self.name = name
        self.limit = limit
        self.items: OrderedDict[Hashable, Any] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get_or_create(self, key: Hashable, factory: Callable[[], Any], label: str = "") -> Any:
        """Return the cached object for ``key``, or build it with ``factory`` and keep it."""
        if key in self.items:
            self.hits += 1
            self.items.move_to_end(key)
            _LOG.debug("cache hit: %s %s", self.name, label or key)
            return self.items[key]
        self.misses += 1
        _LOG.debug("cache miss: %s %s, loading", self.name, label or key)
        obj = factory()
        self.items[key] = obj
        while len(self.items) > self.limit:
            old, _ = self.items.popitem(last=False)
            _LOG.debug("cache evict: %s %s", self.name, old)
        return obj

    def clear(self) -> None:
        self.items.clear()


_LOCK = threading.Lock()
_CACHES: dict[str, ObjectCache] = {}


def get_cache(name: str) -> ObjectCache:
    """The named cache (created on first use)."""
    with _LOCK:
        if name not in _CACHES:
            _CACHES[name] = ObjectCache(name, _LIMITS.get(name, 4))
        return _CACHES[name]


def known_caches() -> tuple[str, ...]:
    """The names of the object caches (for ``--global-config``'s ``caches`` section)."""
    return tuple(sorted(set(_LIMITS) | set(_CACHES) | set(STANDARD_NAMES)))


def set_limits(limits: dict[str, int]) -> None:
    """Change how many objects the named caches keep (evicting the oldest at once)."""
    with _LOCK:
        for name, limit in limits.items():
            _LIMITS[name] = limit
            cache = _CACHES.get(name)
            if cache is not None:
                cache.limit = limit
                while len(cache.items) > limit:
                    cache.items.popitem(last=False)


def cache_stats() -> dict[str, dict[str, int]]:
    """Per cache: hits, misses and size."""
    return {n: {"hits": c.hits, "misses": c.misses, "size": len(c.items)}
            for n, c in sorted(_CACHES.items())}


def list_object_caches() -> dict[str, int]:
    """Cache name -> number of objects it holds (every known cache, empty ones included)."""
    names = sorted(set(_LIMITS) | set(_CACHES))
    return {n: len(_CACHES[n].items) if n in _CACHES else 0 for n in names}


def clear_object_cache(name: str | None = None) -> None:
    """Drop the objects of one cache (or of all caches) and free accelerator memory."""
    if name is not None and name not in _LIMITS and name not in _CACHES:
        raise UsageError(f'unknown object cache "{name}", known caches: '
                         + ", ".join(list_object_caches()))
    for n, c in list(_CACHES.items()):
        if name is None or n == name:
            c.clear()
    _free_memory()


def _free_memory() -> None:
    import gc
    import sys

    gc.collect()
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()
