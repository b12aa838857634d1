"""Finding and loading YOLO and SAM weights: local files, URLs (through the web cache, Hugging
Face blob links through the hub cache), Hugging Face repositories (``weight-name``,
``subfolder``, ``revision``, ``token``); ``--offline-mode`` only reads caches. Loaded models are
kept in the object cache ("yolo", "sam")."""

from __future__ import annotations

import os
from typing import Any

from dgenerate_core import webcache
from dgenerate_core.errors import ModelError
from dgenerate_core.pipelines.cache import get_cache
from dgenerate_core.pipelines.source import hf_cache_dir, load_errors, localize
from dgenerate_core.processors.detect import ultra_env

#: where ultralytics publishes its SAM assets; DGENERATE_ULTRALYTICS_ASSETS overrides it
ASSETS_URL = "https://github.com/ultralytics/assets/releases/download/v8.3.0"
SAM_ASSETS = ("sam_l.pt", "sam_b.pt", "mobile_sam.pt", "sam2_t.pt", "sam2_s.pt", "sam2_b.pt",
              "sam2_l.pt", "sam2.1_t.pt", "sam2.1_s.pt", "sam2.1_b.pt", "sam2.1_l.pt")


def resolve_weights(model: str, weight_name: str | None = None, subfolder: str | None = None,
                    revision: str | None = None, token: str | None = None,
                    offline: bool = False, what: str = "model") -> str:
    """A local file path for a model argument."""
    if model.lower().startswith(("http://", "https://")):
        return localize(model, what, offline, token)
    local = os.path.expanduser(model)
    if os.path.isdir(local):
        name = weight_name or ""
        path = os.path.join(local, subfolder or "", name)
        if not name or not os.path.isfile(path):
            raise ModelError(f'{what} "{model}": give "weight-name", the weights file in the '
                             "folder" if not name else f'{what} "{model}": no file {path}')
        return path
    if os.path.isfile(local):
        return local
    if "/" in model and not model.startswith((".", "/")) and model.count("/") == 1:
        if not weight_name:
            raise ModelError(f'{what} "{model}": a Hugging Face repository needs "weight-name", '
                             "the name of the weights file in it")
        from huggingface_hub import hf_hub_download

        with load_errors(what, model, offline):
            return hf_hub_download(model, weight_name, subfolder=subfolder or None,
                                   revision=revision or None, token=token,
                                   local_files_only=offline, cache_dir=hf_cache_dir())
    raise ModelError(f'{what} "{model}": no such file, URL or Hugging Face repository')


def load_yolo(path: str, what: str = "model") -> Any:
    """An ultralytics ``YOLO`` for a local weights file (cached per absolute path and mtime)."""
    path = os.path.abspath(path)
    key = ("yolo", path, os.path.getmtime(path))

    def build() -> Any:
        ultra_env.import_ultralytics()
        from ultralytics import YOLO

        with load_errors(what, path):
            return YOLO(path, task=None)
    return get_cache("yolo").get_or_create(key, build, path)


def sam_asset_name(asset: str, what: str = "asset") -> str:
    """``sam_b`` or ``sam_b.pt`` -> ``sam_b.pt``; anything else is a one-line error."""
    name = asset.strip()
    if not name.endswith(".pt"):
        name += ".pt"
    if name not in SAM_ASSETS:
        raise ModelError(f'{what} "{asset}": not an ultralytics SAM asset, use one of: '
                         + ", ".join(SAM_ASSETS))
    return name


def load_sam(asset: str, offline: bool = False, what: str = "asset") -> Any:
    """An ultralytics ``SAM`` for an asset name, its weights fetched through the web cache."""
    name = sam_asset_name(asset, what)
    base = os.environ.get("DGENERATE_ULTRALYTICS_ASSETS", "").strip() or ASSETS_URL
    url = f"{base.rstrip('/')}/{name}"
    try:
        cached = webcache.fetch(url, offline=offline)
    except Exception as ex:  # network or offline miss: one line
        raise ModelError(f'{what} "{asset}": {ex}') from None
    # ultralytics picks the SAM architecture from the file name: keep the asset's name
    path = cached
    if os.path.basename(cached) != name:
        folder = os.path.join(os.path.dirname(cached), "asset")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, name)
        if not os.path.exists(path):
            import shutil

            shutil.copyfile(cached, path)
    key = ("sam", url, os.path.getmtime(cached))

    def build() -> Any:
        ultra_env.import_ultralytics()
        from ultralytics import SAM

        with load_errors(what, asset):
            return SAM(path)
    return get_cache("sam").get_or_create(key, build, name)


def _remote(model: str) -> bool:
    """A URL or a Hugging Face repository id that is not a local file or folder."""
    if model.lower().startswith(("http://", "https://")):
        return True
    return not os.path.exists(os.path.expanduser(model)) and model.count("/") == 1 \
        and not model.startswith((".", "/", "~"))


class LazyYolo:
    """A YOLO model argument checked now and loaded on first use: building a processor (which
    option validation does for every URI) reads no network and loads no weights."""

    def __init__(self, model: str, weight_name: str | None, subfolder: str | None,
                 revision: str | None, token: str | None, offline: bool, what: str) -> None:
        self.args = (model, weight_name, subfolder, revision, token, offline, what)
        self.path: str | None = None
        if _remote(model):
            if not model.lower().startswith(("http://", "https://")) and not weight_name:
                raise ModelError(f'{what} "{model}": a Hugging Face repository needs '
                                 '"weight-name", the name of the weights file in it')
        else:
            self.path = resolve_weights(*self.args)
        self._model: Any = None

    def get(self) -> Any:
        if self._model is None:
            if self.path is None:
                self.path = resolve_weights(*self.args)
            self._model = load_yolo(self.path, self.args[-1])
        return self._model


class LazySam:
    """An ultralytics SAM asset name checked now, fetched and loaded on first use."""

    def __init__(self, asset: str, offline: bool, what: str) -> None:
        sam_asset_name(asset, what)
        self.args = (asset, offline, what)
        self._model: Any = None

    def get(self) -> Any:
        if self._model is None:
            self._model = load_sam(*self.args)
        return self._model
