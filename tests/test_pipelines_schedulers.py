"""--scheduler URIs: swap by class name with config overrides, help and helpargs, errors."""

from __future__ import annotations

import pytest

from dgenerate_core.errors import UsageError
from dgenerate_core.pipelines import load_pipelines, scheduler_help
from dgenerate_core.pipelines.uris import parse_value

try:
    from tests.tiny_models import opts, run
except ImportError:  # plain `pytest`
    from tiny_models import opts, run


@pytest.fixture
def sd(tiny_models):
    pset = load_pipelines(opts(tiny_models.sd))
    pipe = pset.get("txt2img")
    yield pset, pipe
    pset.set_scheduler(pipe, None)


def test_swap_with_override_keeps_model_config(sd):
    pset, pipe = sd
    pset.set_scheduler(pipe, "EulerDiscreteScheduler;prediction-type=v_prediction")
    assert type(pipe.scheduler).__name__ == "EulerDiscreteScheduler"
    assert pipe.scheduler.config.prediction_type == "v_prediction"
    assert pipe.scheduler.config.beta_schedule == "scaled_linear"  # cloned from the model
    assert pipe.scheduler.config.beta_end == pytest.approx(0.012)
    run(pipe, "txt2img")
    pset.set_scheduler(pipe, None)
    assert type(pipe.scheduler).__name__ == "PNDMScheduler"


def test_clone_config_false_uses_class_defaults(sd):
    pset, pipe = sd
    pset.set_scheduler(pipe, "DDIMScheduler;clone-config=false;num-train-timesteps=500")
    assert pipe.scheduler.config.beta_schedule == "linear"
    assert pipe.scheduler.config.num_train_timesteps == 500


def test_value_types(sd):
    pset, pipe = sd
    pset.set_scheduler(pipe, "DPMSolverMultistepScheduler;use-karras-sigmas=true;solver-order=3;"
                             "thresholding=False;sample-max-value=2.5;variance-type=None")
    cfg = pipe.scheduler.config
    assert cfg.use_karras_sigmas is True and cfg.solver_order == 3 and cfg.thresholding is False
    assert cfg.sample_max_value == 2.5 and cfg.variance_type is None
    run(pipe, "txt2img")
    assert parse_value("[1, 2]") == [1, 2] and parse_value("1,2.5") == [1, 2.5]
    assert parse_value("linear") == "linear"


def test_every_mode_swaps_independently(sd):
    pset, pipe = sd
    img2img = pset.get("img2img")
    pset.set_scheduler(pipe, "UniPCMultistepScheduler")
    pset.set_scheduler(img2img, "EulerAncestralDiscreteScheduler")
    assert type(pipe.scheduler).__name__ == "UniPCMultistepScheduler"
    run(img2img, "img2img")
    pset.set_scheduler(img2img, None)
    assert type(img2img.scheduler).__name__ == "PNDMScheduler"


def test_name_prefix_matches(sd):
    pset, pipe = sd
    pset.set_scheduler(pipe, "LCM")
    assert type(pipe.scheduler).__name__ == "LCMScheduler"


def test_unknown_and_incompatible_names(sd, tiny_models):
    pset, pipe = sd
    with pytest.raises(UsageError, match='scheduler named "Bogus" is not a valid compatible scheduler, '
                                         'options are: "DDIMScheduler"'):
        pset.set_scheduler(pipe, "Bogus")
    flux = load_pipelines(opts(tiny_models.flux, "flux"))
    with pytest.raises(UsageError, match='"FlowMatchEulerDiscreteScheduler"'):
        flux.set_scheduler(flux.get("txt2img"), "DDIMScheduler")


def test_bad_arguments(sd):
    pset, pipe = sd
    with pytest.raises(UsageError, match='unknown argument "nope", valid arguments: clone-config, '
                                         'num-train-timesteps'):
        pset.set_scheduler(pipe, "DDIMScheduler;nope=1")
    with pytest.raises(UsageError, match="missing a value assignment"):
        pset.set_scheduler(pipe, "DDIMScheduler;eta")
    with pytest.raises(UsageError, match="cannot be used here"):
        pset.set_scheduler(pipe, "help")
    assert type(pipe.scheduler).__name__ == "PNDMScheduler"


def test_help_lists_compatible_schedulers(sd):
    _, pipe = sd
    text = scheduler_help(pipe)
    assert text.startswith(f'Compatible schedulers for "{pipe._dgenerate_model_path}" are:')
    assert '    "EulerDiscreteScheduler"' in text and '    "PNDMScheduler"' in text
    assert "FlowMatch" not in text and "num-train-timesteps" not in text


def test_helpargs_lists_arguments(sd):
    _, pipe = sd
    text = scheduler_help(pipe, with_args=True, model_name="tiny")
    assert text.startswith('Compatible schedulers for "tiny" are:')
    block = text.split("PNDMScheduler:")[1].split("Scheduler:")[0]
    assert "clone-config: bool = True" in block
    assert "skip-prk-steps: bool = False" in block
    assert "num-train-timesteps: int = 1000" in block
    assert "trained-betas: list | None = None" in block
    assert "prediction-type: str = epsilon" in block


def test_enum_like_arguments_are_validated(sd):
    pset, pipe = sd
    with pytest.raises(UsageError, match='invalid value "x_prediction" for argument "prediction-type" of '
                                         'scheduler "PNDMScheduler", valid options are: epsilon, v_prediction'):
        pset.set_scheduler(pipe, "PNDMScheduler;prediction-type=x_prediction")
    pset.set_scheduler(pipe, "DPMSolverMultistepScheduler;variance-type=none;algorithm-type=sde-dpmsolver++")
    assert pipe.scheduler.config.algorithm_type == "sde-dpmsolver++"


def test_flux_help(tiny_models):
    flux = load_pipelines(opts(tiny_models.flux, "flux"))
    assert '"FlowMatchEulerDiscreteScheduler"' in scheduler_help(flux.get("txt2img"))
