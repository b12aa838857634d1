"""Every user mistake while loading is one clear line (ModelError / UsageError), never a traceback."""

from __future__ import annotations

import pytest

from dgenerate_core.errors import DgenerateError, ModelError, NotSupportedYet, UsageError
from dgenerate_core.pipelines import load_pipelines

try:
    from tests.tiny_models import opts
except ImportError:  # plain `pytest`
    from tiny_models import opts


def _one_line(err: pytest.ExceptionInfo) -> str:
    text = str(err.value)
    assert "\n" not in text and text
    return text


def test_missing_model_path(tmp_path):
    with pytest.raises(ModelError) as err:
        load_pipelines(opts(str(tmp_path / "nothing-here")))
    assert _one_line(err) == f'model_path "{tmp_path / "nothing-here"}": no such file or folder'


def test_no_model_path():
    with pytest.raises(UsageError, match="no model_path given"):
        load_pipelines(opts(None))


def test_unknown_repo_offline_mode():
    with pytest.raises(ModelError) as err:
        load_pipelines(opts("nobody/no-such-model", offline_mode=True))
    assert "--offline-mode" in _one_line(err) and "nobody/no-such-model" in str(err.value)


def test_unknown_repo_without_network():
    with pytest.raises(ModelError) as err:
        load_pipelines(opts("nobody/no-such-model"))
    assert _one_line(err).startswith('model_path "nobody/no-such-model": ')


def test_folder_that_is_not_a_model(tmp_path):
    with pytest.raises(ModelError) as err:
        load_pipelines(opts(str(tmp_path)))
    assert _one_line(err).startswith(f'model_path "{tmp_path}": cannot load it: ')


def test_bad_variant(tiny_models):
    with pytest.raises(ModelError) as err:
        load_pipelines(opts(tiny_models.sd, variant="fp16"))
    assert _one_line(err).startswith(f'model_path "{tiny_models.sd}": ')


@pytest.mark.parametrize("uri,message", [
    ("AutoencoderKL;model=x;;", 'stray ";" delimiter'),
    ("AutoencoderKL;modelx", 'argument "modelx" is missing a value assignment'),
    ("AutoencoderKL;model=", 'argument "model" is missing its value'),
    ("AutoencoderKL;model=a;model=b", 'argument "model" given twice'),
    ("AutoencoderKL;model=a;scale=1", 'unknown argument "scale", valid arguments: model, revision'),
    ("AutoencoderKL", 'the "model" argument is required'),
    ("Autoencoder;model=x", 'unknown VAE class "Autoencoder"'),
    ("AutoencoderKL;model=x;dtype=float64", 'invalid dtype "float64"'),
    ("AutoencoderTiny;model=x.safetensors", "only AutoencoderKL can be loaded from a single file"),
    ("AutoencoderKL;model='unclosed", "unterminated ' quote"),
])
def test_malformed_vae_uris(tiny_models, uri, message):
    with pytest.raises(UsageError) as err:
        load_pipelines(opts(tiny_models.sd, vae=uri))
    assert _one_line(err).startswith(f'--vae "{uri}": ') and message in str(err.value)


def test_missing_vae_model(tiny_models, tmp_path):
    with pytest.raises(ModelError, match=r'--vae "AutoencoderKL;model=.*": no such file or folder: .*none$'):
        load_pipelines(opts(tiny_models.sd, vae=f"AutoencoderKL;model={tmp_path}/none"))


def test_missing_lora_and_ti(tiny_models, tmp_path):
    with pytest.raises(ModelError, match=r'--loras ".*none.safetensors": no such file or folder$'):
        load_pipelines(opts(tiny_models.sd, loras=[f"{tmp_path}/none.safetensors"]))
    with pytest.raises(ModelError, match=r"--textual-inversions .*cannot load it"):
        load_pipelines(opts(tiny_models.sd, textual_inversions=[tiny_models.vae]))


def test_offload_on_cpu_warns_once_and_goes_on(tiny_models):
    """The example scripts choose offloading when no GPU is present: on the CPU it has no
    effect, so it is a warning (once per flag and process), not an error."""
    import logging

    from dgenerate_core.pipelines import load

    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("dgenerate")
    logger.addHandler(handler)
    load._WARNED.clear()
    try:
        for _ in range(2):
            pset = load_pipelines(opts(tiny_models.sd, model_cpu_offload=True))
            load_pipelines(opts(tiny_models.sd, model_sequential_offload=True))
    finally:
        logger.removeHandler(handler)
    warnings = [r.getMessage() for r in records if r.levelno == logging.WARNING]
    assert warnings == [
        "WARNING: --model-cpu-offload has no effect on the CPU (--device cpu), ignoring it",
        "WARNING: --model-sequential-offload has no effect on the CPU (--device cpu), ignoring it"]
    assert pset.device == "cpu"
    assert not hasattr(pset.base, "_offload_gpu_id")  # no accelerate hooks were installed


def test_refiner_only_for_sdxl(tiny_models):
    with pytest.raises(UsageError, match="--sdxl-refiner cannot be used with --model-type sd,"):
        load_pipelines(opts(tiny_models.sd, sdxl_refiner=tiny_models.sdxl_refiner))


def test_refiner_uri_errors(tiny_models, tmp_path):
    with pytest.raises(UsageError, match='--sdxl-refiner ".*": unknown argument "scale"'):
        load_pipelines(opts(tiny_models.sdxl, "sdxl", sdxl_refiner=f"{tiny_models.sdxl_refiner};scale=1"))
    with pytest.raises(ModelError, match="--sdxl-refiner .*no such file or folder"):
        load_pipelines(opts(tiny_models.sdxl, "sdxl", sdxl_refiner=str(tmp_path / "none")))


def test_kolors_single_file(tiny_models):
    with pytest.raises(UsageError, match="--model-type kolors cannot be loaded from a single file"):
        load_pipelines(opts(tiny_models.sd_single_file, "kolors"))


def test_original_config_needs_single_file(tiny_models):
    with pytest.raises(UsageError, match="--original-config can only be used with a single file"):
        load_pipelines(opts(tiny_models.sd, original_config="x.yaml"))


def test_url_not_in_web_cache_offline():
    with pytest.raises(ModelError) as err:
        load_pipelines(opts("https://example.com/model.safetensors", offline_mode=True))
    assert _one_line(err).startswith('model_path "https://example.com/model.safetensors": Offline mode')


def test_hf_blob_link_not_cached_offline(tiny_models):
    link = "https://huggingface.co/nobody/nothing/blob/main/model.safetensors"
    with pytest.raises(ModelError, match=f'model_path "{link}": not found in the Hugging Face cache'):
        load_pipelines(opts(link, offline_mode=True))


def test_bad_device_and_dtype(tiny_models):
    with pytest.raises(UsageError, match='--device: invalid device "gpu"'):
        load_pipelines(opts(tiny_models.sd, device="gpu"))
    with pytest.raises(DgenerateError, match='--device "cuda:1": cuda is not available'):
        load_pipelines(opts(tiny_models.sd, device="cuda:1"))
    with pytest.raises(UsageError, match='--dtype: invalid dtype "float64"'):
        load_pipelines(opts(tiny_models.sd, dtype="float64"))


def test_bad_unet_quantizer(tiny_models):
    with pytest.raises(UsageError, match='--unet quantizer= "bnb;bits=5": argument "bits" must be 4 or 8'):
        load_pipelines(opts(tiny_models.sd, unet=f"{tiny_models.sd};subfolder=unet;quantizer='bnb;bits=5'"))


def test_offload_flags_are_exclusive(tiny_models):
    with pytest.raises(UsageError, match="--model-sequential-offload and --model-cpu-offload cannot"):
        load_pipelines(opts(tiny_models.sd, model_cpu_offload=True, model_sequential_offload=True))
    with pytest.raises(UsageError, match="--second-model-sequential-offload and "
                                         "--second-model-cpu-offload cannot"):
        load_pipelines(opts(tiny_models.sdxl, "sdxl", sdxl_refiner=tiny_models.sdxl_refiner,
                            second_model_cpu_offload=True, second_model_sequential_offload=True))


def test_textual_inversion_unsupported_model_type(tiny_models):
    with pytest.raises(UsageError, match="--textual-inversions: --model-type sd3 does not support"):
        load_pipelines(opts(tiny_models.sd3, "sd3", textual_inversions=[tiny_models.textual_inversion]))


def test_second_model_text_encoders_need_refiner(tiny_models):
    with pytest.raises(UsageError, match="--second-model-text-encoders needs --sdxl-refiner or --s-cascade-decoder"):
        load_pipelines(opts(tiny_models.sdxl, "sdxl", second_model_text_encoders=["+"]))
