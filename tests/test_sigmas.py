"""--sigmas and --sdxl-refiner-sigmas: CSV and ``expr:`` values reach the scheduler."""

import os

import numpy as np
import pytest
from PIL import Image

from dgenerate_core.cli import main
from dgenerate_core.errors import UsageError
from dgenerate_core.render.sigmas import base_sigmas, resolve

EULER = ["--scheduler", "EulerDiscreteScheduler", "--output-size", "64", "--seeds", "3"]


def _euler():
    from diffusers import EulerDiscreteScheduler

    return EulerDiscreteScheduler(beta_schedule="scaled_linear", beta_start=0.00085,
                                  beta_end=0.012)


def _image(folder):
    (name,) = [f for f in os.listdir(folder) if f.endswith(".png")]
    with Image.open(os.path.join(folder, name)) as im:
        return np.asarray(im, dtype=np.float32)


def test_csv_and_expressions_resolve():
    sched = _euler()
    assert resolve("3, 2.5,1", sched, 9, "--sigmas") == [3.0, 2.5, 1.0]
    plain = base_sigmas(sched, 4)
    assert len(plain) == 4 and plain[-1] > 0  # the scheduler's trailing zero is not part of it
    assert resolve("expr: sigmas * 0.5", sched, 4, "--sigmas") == pytest.approx(plain * 0.5)
    assert resolve("expr: np.linspace(1, 0.1, 3)", sched, 4, "--sigmas") == \
        pytest.approx([1.0, 0.55, 0.1])


@pytest.mark.parametrize("text, message", [
    ("expr: nope * 2", "name 'nope' is not defined"),
    ("expr: 'abc'", "not a list of numbers"),
    ("expr: sigmas[:0]", "no sigmas"),
    ("expr: sigmas * np.inf", "finite"),
])
def test_bad_expressions_name_the_option(text, message):
    with pytest.raises(UsageError) as info:
        resolve(text, _euler(), 4, "--sdxl-refiner-sigmas")
    assert str(info.value).startswith(f'--sdxl-refiner-sigmas "{text}"')
    assert message in str(info.value)


def test_bad_csv_is_rejected_when_parsing(capsys):
    assert main(["model", "--sigmas", "1,x"]) != 0
    assert "--sigmas" in capsys.readouterr().err


def test_identity_expression_gives_the_plain_image_and_csv_changes_it(tiny_models, tmp_path,
                                                                       capsys):
    runs = {"plain": [], "same": ["--sigmas", "expr: sigmas"],
            "scaled": ["--sigmas", "expr: sigmas * 0.5"], "csv": ["--sigmas", "9,3,1"]}
    images = {}
    for name, extra in runs.items():
        out = tmp_path / name
        rc = main([tiny_models.sd, *EULER, "--inference-steps", "3", *extra, "-o", str(out), "-v"])
        assert rc == 0
        images[name] = _image(out)
    log = capsys.readouterr().out
    assert "sigmas: [9.0, 3.0, 1.0]" in log
    assert np.abs(images["plain"] - images["same"]).max() <= 1
    assert np.abs(images["plain"] - images["scaled"]).mean() > 1
    assert np.abs(images["plain"] - images["csv"]).mean() > 1


def test_scheduler_without_sigmas_is_a_user_error(tiny_models, tmp_path, capsys):
    rc = main([tiny_models.sd, "--output-size", "64", "--inference-steps", "2",
               "--sigmas", "1,0.5", "-o", str(tmp_path)])
    assert rc == 1
    err = capsys.readouterr().err
    assert "--sigmas: the scheduler PNDMScheduler does not support custom sigmas" in err


def test_refiner_sigmas_reach_the_refiner(tiny_models, tmp_path, capsys):
    rc = main([tiny_models.sdxl, "--model-type", "sdxl", "--sdxl-refiner",
               tiny_models.sdxl_refiner, "--output-size", "64", "--inference-steps", "2",
               "--sdxl-refiner-edit", "-hnf", "0.5", "--sdxl-refiner-sigmas", "5,2,1,0.5",
               "-v", "-o", str(tmp_path)])
    assert rc == 0
    refiner_call = capsys.readouterr().out.split("Calling StableDiffusionXLImg2ImgPipeline")[-1]
    assert "sigmas: [5.0, 2.0, 1.0, 0.5]" in refiner_call
    assert "num_inference_steps: 4" in refiner_call


def test_flux_expression_uses_the_unshifted_schedule(tiny_models, tmp_path, capsys):
    rc = main([tiny_models.flux, "--model-type", "flux", "--output-size", "64",
               "--inference-steps", "2", "--sigmas", "expr: sigmas * 0.5", "-v",
               "-o", str(tmp_path)])
    assert rc == 0
    assert "sigmas: [0.5, 0.25]" in capsys.readouterr().out
