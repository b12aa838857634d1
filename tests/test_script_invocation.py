"""End to end: a script runs real invocations of a tiny SD model and sees the last_* variables."""

import os

import pytest

from dgenerate_core.errors import ScriptError
from dgenerate_core.script import ConfigRunner


@pytest.fixture
def sd_model(tiny_models):
    pytest.importorskip("dgenerate_core.invoke")
    return tiny_models.sd


def test_invocation_sets_last_variables(sd_model, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    script = f"""
\\set model {sd_model}
{{{{ model }}}}
--model-type sd
--inference-steps 1
--output-size 64
--seeds 7
--prompts "a red cube; blurry"
--output-path out

\\print {{{{ last_inference_steps }}}} {{{{ format_size(last_output_size) }}}} {{{{ last_seeds }}}}
\\print {{{{ last_prompts[0].positive }}}} | {{{{ last_prompts[0].negative }}}}
{{% for image in last_images %}}
\\print IMAGE {{{{ quote(image) }}}}
{{% endfor %}}
"""
    runner = ConfigRunner(injected_args=["--device", "cpu"])
    runner.run_string(script)
    lines = capsys.readouterr().out.splitlines()
    assert "[1] 64x64 [7]" in lines
    assert "a red cube | blurry" in lines
    images = runner.variables["last_images"]
    assert len(images) == 1 and os.path.isabs(images[0]) and os.path.isfile(images[0])
    assert any(line.startswith("IMAGE ") and line.endswith(os.path.basename(images[0]))
               for line in lines)
    assert runner.variables["last_model_path"] == sd_model
    assert runner.variables["last_device"] == "cpu"


def test_invocation_error_names_line(sd_model, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScriptError) as info:
        ConfigRunner().run_string(f"\\print start\n{sd_model} --inference-steps 0 --no-such 1\n")
    assert info.value.lineno == 2
