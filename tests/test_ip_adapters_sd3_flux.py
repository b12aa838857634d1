"""IP adapters for Flux (issue 14): one adapter in the XLabs layout with a --image-encoder,
loaded into the tiny Flux transformer and used through the command line."""

import os

import numpy as np
import pytest
from PIL import Image

from dgenerate_core.cli import main

try:
    from tests.tiny_control import tiny_image_encoder
    from tests.tiny_types import build_flux_ip_adapter
except ImportError:  # plain `pytest`
    from tiny_control import tiny_image_encoder
    from tiny_types import build_flux_ip_adapter

FAST = ["--inference-steps", "1", "--seeds", "7", "--output-size", "32", "--prompts", "a cat"]


@pytest.fixture(scope="module")
def flux_ip(tiny_models, tmp_path_factory):
    root = tmp_path_factory.mktemp("flux_ip")
    encoder = str(root / "encoder")
    tiny_image_encoder().save_pretrained(encoder)
    for name, size in (("a", 40), ("b", 24)):
        Image.effect_noise((size, size), 80 if name == "a" else 20).convert("RGB").save(
            root / f"{name}.png")
    return {"adapter": build_flux_ip_adapter(tiny_models.flux, str(root / "adapter")),
            "encoder": encoder, "a": str(root / "a.png"), "b": str(root / "b.png")}


def _image(folder):
    (name,) = os.listdir(folder)
    return np.asarray(Image.open(os.path.join(folder, name)), dtype=np.float32)


def test_flux_ip_adapter_conditions_the_image(tiny_models, flux_ip, tmp_path):
    common = [tiny_models.flux, "--model-type", "flux", *FAST]
    adapter = ["--ip-adapters", flux_ip["adapter"], "--image-encoder", flux_ip["encoder"]]
    assert main([*common, "-o", str(tmp_path / "plain")]) == 0
    assert main([*common, *adapter, "--image-seeds", f"adapter: {flux_ip['a']}",
                 "-o", str(tmp_path / "a")]) == 0
    assert main([*common, *adapter, "--image-seeds", f"adapter: {flux_ip['b']}",
                 "-o", str(tmp_path / "b")]) == 0
    plain, a, b = (_image(tmp_path / n) for n in ("plain", "a", "b"))
    assert np.abs(plain - a).max() > 0 and np.abs(a - b).max() > 0


def test_flux_ip_adapter_needs_an_image_encoder(tiny_models, flux_ip, tmp_path, capsys):
    assert main([tiny_models.flux, "--model-type", "flux", *FAST, "--ip-adapters",
                 flux_ip["adapter"], "--image-seeds", f"adapter: {flux_ip['a']}",
                 "-o", str(tmp_path)]) != 0
    assert "--ip-adapters with Flux requires --image-encoder" in capsys.readouterr().err


def test_sd3_ip_adapter_with_its_bundled_siglip_encoder(tiny_models, flux_ip, tmp_path):
    try:
        from tests.tiny_types import build_sd3_ip_adapter
    except ImportError:  # plain `pytest`
        from tiny_types import build_sd3_ip_adapter

    adapter = build_sd3_ip_adapter(tiny_models.sd3, str(tmp_path / "sd3_ip"))
    common = [tiny_models.sd3, "--model-type", "sd3", *FAST]
    assert main([*common, "-o", str(tmp_path / "plain")]) == 0
    for name in ("a", "b"):
        assert main([*common, "--ip-adapters", adapter, "--image-seeds",
                     f"adapter: {flux_ip[name]}", "-o", str(tmp_path / name)]) == 0
    plain, a, b = (_image(tmp_path / n) for n in ("plain", "a", "b"))
    assert np.abs(plain - a).max() > 0 and np.abs(a - b).max() > 0


def test_sd3_and_flux_take_one_ip_adapter(tiny_models, flux_ip, tmp_path, capsys):
    assert main([tiny_models.sd3, "--model-type", "sd3", *FAST, "--ip-adapters",
                 flux_ip["adapter"], flux_ip["adapter"], "--image-seeds",
                 f"adapter: {flux_ip['a']}, {flux_ip['b']}", "-o", str(tmp_path)]) != 0
    assert "--model-type sd3 supports only one --ip-adapters model" in capsys.readouterr().err
