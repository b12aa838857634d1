"""Test-wide settings: offline hub, one torch thread, a private HOME so init.dgen is never the user's."""

import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import pytest


def pytest_configure(config):
    try:
        import torch
    except ImportError:  # pragma: no cover
        return
    torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _private_home(tmp_path_factory, monkeypatch):
    """Every test gets its own HOME and DGENERATE_CACHE so nothing touches the real user files."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    monkeypatch.setenv("DGENERATE_CACHE", str(home / ".cache" / "dgenerate"))
    yield


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory):
    """Tiny random-weight sd, sdxl, sdxl_refiner, sd3, flux, kolors pipelines (+ vae, lora, TI) on disk."""
    try:
        from tests.tiny_models import build_all
    except ImportError:  # plain `pytest`: tests/ itself is on sys.path
        from tiny_models import build_all

    return build_all(str(tmp_path_factory.mktemp("tiny_models")))
