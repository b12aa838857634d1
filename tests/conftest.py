"""Test-wide settings: offline hub, one torch thread, a private HOME so init.dgen is never the user's."""

import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# sdnq compiles its kernels with Inductor by default: about 35 s per model on a small CPU
os.environ["SDNQ_USE_TORCH_COMPILE"] = "0"
os.environ.setdefault("DGENERATE_WARMUP", "0")  # shells started by tests do not import torch idly

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


@pytest.fixture(scope="session")
def xdisplay():
    """A private Xvfb display for the console tests (DISPLAY is set to it for the whole session).

    Skips with a clear reason only when neither Xvfb nor an X display is available; CI installs xvfb.
    """
    import shutil

    from dgenerate_console.xvfb import XvfbUnavailable, start_xvfb

    if shutil.which("Xvfb") is None:
        if os.environ.get("DISPLAY"):
            yield os.environ["DISPLAY"]
            return
        pytest.skip("console tests need Xvfb (apt-get install -y xvfb) or an X display")
    try:
        proc, display = start_xvfb()
    except XvfbUnavailable as ex:
        pytest.fail(str(ex))
    old = os.environ.get("DISPLAY")
    os.environ["DISPLAY"] = display
    yield display
    if old is None:
        os.environ.pop("DISPLAY", None)
    else:
        os.environ["DISPLAY"] = old
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def tk_root(xdisplay):
    """A fresh Tk root on the private display, destroyed after the test."""
    import tkinter

    root = tkinter.Tk()
    yield root
    try:
        root.destroy()
    except tkinter.TclError:
        pass


@pytest.fixture(scope="session")
def tiny_types(tmp_path_factory):
    """Tiny pix2pix, upscaler, Deep Floyd, Stable Cascade, flux-fill and flux-kontext models,
    each built on first use (``tiny_types.path("if")``)."""
    try:
        from tests.tiny_types import TinyTypes
    except ImportError:  # plain `pytest`: tests/ itself is on sys.path
        from tiny_types import TinyTypes

    return TinyTypes(str(tmp_path_factory.mktemp("tiny_types")))
