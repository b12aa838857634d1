"""Templating order, the env namespace, template functions and filters, variables, \\setp evaluation."""

import os
import sys

import pytest

from dgenerate_core.errors import ScriptError
from dgenerate_core.script import ConfigRunner, registry
from dgenerate_core.script.functions import PYTHON_BUILTINS

from script_helpers import run


def render(text, **variables):
    runner = ConfigRunner()
    runner.variables.update(variables)
    return runner.render(text)


def test_templates_first_then_env(capsys, monkeypatch):
    monkeypatch.setenv("DG_NAME", "expanded")
    run("\\set which DG_NAME\n\\print ${{ which }} {{ env.DG_NAME }} [{{ env.DG_UNSET_X }}]\n")
    assert capsys.readouterr().out.strip() == "expanded expanded []"


def test_undefined_renders_empty_and_is_not_defined(capsys):
    run("\\print [{{ nope }}]{% if nope is not defined %}ok{% endif %}\n")
    assert capsys.readouterr().out.strip() == "[]ok"


def test_render_error_has_message():
    with pytest.raises(ScriptError, match="Template Render Error"):
        run("\\print {{ 1 / 0 }}\n")


def test_function_names_match_reference():
    registry.ensure_loaded()
    ref = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "spec", "reference-help",
                       "names-functions.txt")
    if os.path.exists(ref):
        names = open(ref).read().split()
        assert sorted(n for n, f in registry.FUNCTIONS.items() if f.builtin) == sorted(names)
    assert len(PYTHON_BUILTINS) == 46


def test_functions_and_filters():
    assert render("{{ quote('a b') }} {{ 'a b' | quote }}") == "'a b' 'a b'"
    assert render("{{ unquote('a \"b c\"') }}") == "['a', 'b c']"
    assert render("{{ format_size((512, 256)) }}") == "512x256"
    assert render("{{ align_size('700x700', 64) }} {{ align_size((70, 70), 8, format_size=False) }}") \
        == "640x640 (64, 64)"
    assert render("{{ pow2_size('500x300') }} {{ size_is_pow2('512x256') }} "
                  "{{ size_is_aligned('512', 64) }}") == "512x256 True True"
    assert render("{{ first([1, 2]) }} {{ last([1, 2]) }} {{ [3, 4] | last }}") == "1 2 4"
    assert render("{{ csv([1, 2.5]) }} {{ list(frange(0, 0.3)) }} {{ list(frange(2, 3, 0.5)) }}") \
        == "1,2.5 [0.0, 0.1, 0.2] [2.0, 2.5]"
    assert render("{{ platform() }}") in ("Linux", "Darwin", "Windows", "")
    assert render("{{ have_feature('triton') in [True, False] }}") == "True"
    assert render("{{ cwd() }}") == os.getcwd().replace(os.sep, "/")
    assert render("{{ len(gen_seeds(3)) }}") == "3"
    assert render("{{ import_module('math').floor(2.7) }}") == "2"
    assert render("{{ format_model_type('sdxl') }} {{ format_dtype('float16') }}") == "sdxl float16"
    assert render("{{ sorted([3, 1]) }} {{ abs(-2) }} {{ max(1, 5) }} {{ hex(255) }}") \
        == "[1, 3] 2 5 0xff"


def test_function_errors():
    with pytest.raises(ScriptError, match="align must be at least 1"):
        render("{{ align_size('64', 0) }}")
    with pytest.raises(ScriptError, match="empty"):
        render("{{ first([]) }}")
    with pytest.raises(ScriptError, match="unknown feature"):
        render("{{ have_feature('nope') }}")
    assert render("{{ getattr(1, '__class__').__name__ }}") == "int"  # the manual's getattr


def test_image_size(tmp_path):
    from PIL import Image

    Image.new("RGB", (40, 24)).save(tmp_path / "i.png")
    path = (tmp_path / "i.png").as_posix()
    assert render(f"{{{{ image_size('{path}') }}}}") == "40x24"


def test_device_functions_on_cpu():
    assert render("{{ default_device() }}") in ("cpu", "cuda", "xpu", "mps")
    assert float(render("{{ total_memory('cpu', unit='gib') }}")) > 0
    assert render("{{ total_memory('mps') }}") == "0"


def test_format_prompt_and_prompt_objects():
    runner, _ = run("model --prompts \"a cat; blurry\" \"a dog\"\n")
    prompts = runner.variables["last_prompts"]
    assert prompts[0].positive == "a cat" and prompts[0].negative == "blurry"
    assert prompts[1].negative is None
    assert runner.render("{{ format_prompt(last_prompts) }}") == '"a cat; blurry" "a dog"'


def test_last_variables_after_invocation():
    runner, rec = run("model --inference-steps 5 8 --guidance-scales 3 --output-size 64\n")
    v = runner.variables
    assert v["last_model_path"] == "model"
    assert v["last_inference_steps"] == [5, 8]
    assert v["last_guidance_scales"] == [3.0]
    assert v["last_output_size"] == (64, 64)
    assert v["last_images"] == ["/out/a.png"]
    assert v["last_lora_uris"] == [] and v["last_vae_uri"] is None


def test_last_variables_generated_from_option_table():
    from dgenerate_core.options import OPTIONS
    from dgenerate_core.options.reconstruct import NO_TEMPLATE, TEMPLATE_NAMES

    names = {n for n in ConfigRunner().variables if n.startswith("last_")}
    for spec in OPTIONS:
        if spec.dest not in NO_TEMPLATE:
            assert "last_" + TEMPLATE_NAMES.get(spec.dest, spec.dest) in names
    assert {"last_images", "last_animations"} <= names


def test_injected_args_variables_and_live_list():
    runner, rec = run(
        '{% if "--output-metadata" in injected_args %}'
        '\\set _ {{ injected_args.remove("--output-metadata") }}{% endif %}\n'
        "model\n",
        injected_args=["--device", "cpu", "-v", "--output-metadata"])
    assert runner.variables["injected_device"] == "cpu"
    assert runner.variables["injected_verbose"] is True
    assert rec.calls == [["model", "--device", "cpu", "-v"]]


def test_injected_args_appended_unparsed():
    _, rec = run("model --prompts x\n", injected_args=["--seeds", "1"])
    assert rec.calls[-1][-2:] == ["--seeds", "1"]


def test_meta_args_refused():
    for meta in ("--file x", "--shell", "--no-stdin", "--console", "--set a=b", "--setp a=1"):
        with pytest.raises(ScriptError, match="meta argument") as info:
            run(f"\\print a\nmodel {meta}\n")
        assert info.value.lineno == 2


def test_invocation_help_listing_lines(capsys):
    run("--directives-help set\n\n--templates-help last_images\n")
    out = capsys.readouterr().out
    assert "set:" in out and 'Name: "last_images"' in out


def test_set_variable_and_define_methods():
    runner = ConfigRunner()
    runner.define_set("a", "{{ 1 + 1 }}")
    runner.define_setp("b", "[a, 3]")
    assert runner.variables["a"] == "2" and runner.variables["b"] == ["2", 3]
    with pytest.raises(ScriptError):
        runner.set_variable("env", 1)


@pytest.mark.parametrize("expr,problem", [
    ("x = 1", "invalid expression"), ("(y := 1)", "assignment"), ("import os", "invalid expression"),
    ("print(1)", "print"),
])
def test_setp_refuses_statements(expr, problem):
    with pytest.raises(ScriptError, match="setp eval error") as info:
        run(f"\\setp v {expr}\n")
    assert problem in info.value.message


def test_setp_evaluates_honest_code():
    runner = ConfigRunner()
    runner.set_variable("paths", ["a\\b/c.png", "x/y.png"])
    runner.run_string("\\setp names [p.replace('\\\\', '/').split('/')[-1] for p in paths]\n"
                      "\\setp kind 'big' if len(names) > 1 else 'small'\n"
                      "\\setp sq {n: len(n) for n in names}\n")
    assert runner.variables["names"] == ["c.png", "y.png"]
    assert runner.variables["kind"] == "big" and runner.variables["sq"] == {"c.png": 5, "y.png": 5}


def test_setp_is_not_a_sandbox():
    """The manual's import_module is a documented feature: \\setp is evaluation, not confinement."""
    runner = ConfigRunner()
    runner.run_string("\\setp sub import_module('subprocess')\n"
                      "\\setp out sub.run(['echo', 'ran'], capture_output=True, text=True).stdout\n")
    assert runner.variables["out"].strip() == "ran"


def test_setp_eval_errors_are_script_errors():
    with pytest.raises(ScriptError, match="ZeroDivisionError"):
        run("\\setp v 1 / 0\n")
    with pytest.raises(ScriptError, match="NameError"):
        run("\\setp v undefined_name_q\n")


def test_no_torch_at_import():
    import subprocess

    code = ("import sys; from dgenerate_core.script import ConfigRunner, static_check;"
            "r = ConfigRunner(); r.run_string('\\\\set a 1\\n\\\\print {{ a }}\\n');"
            "static_check('model --inference-steps 3', 'x');"
            "print(any(m in sys.modules for m in ('torch', 'diffusers', 'transformers')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.split()[-1] == "False", out.stderr


def test_cli_listings_without_runner():
    from dgenerate_core.script import (format_directives_help, format_functions_help,
                                       format_templates_help)

    text = format_templates_help(["last_images", "injected_args"])
    assert text.startswith("Config template variables are:\n\n")
    assert "Value:" not in text
    full = format_templates_help()
    assert full.count('    Name: "') == len(ConfigRunner().variables)
    assert format_directives_help().count('    "\\') >= 45
    assert format_functions_help().count("\n    ") >= 72
    block = format_functions_help(["align_size"])
    assert block.splitlines()[0] == ("align_size(size: str | tuple, align: int, "
                                     "format_size: bool = True) -> str | tuple:")
    assert set(block.splitlines()[-1]) == {"="}


def test_version_and_help_lines(capsys):
    run("--version\n")
    assert capsys.readouterr().out.strip().startswith("dgenerate v")


def test_gen_seeds_refuses_absurd_counts_instead_of_hanging():
    runner = ConfigRunner()
    with pytest.raises(ScriptError, match="at most 1000000 seeds"):
        runner.run_string("\\print {{ gen_seeds(10**9) | length }}")
    with pytest.raises(ScriptError, match="at most 1000000 seeds"):
        runner.run_string("\\gen_seeds x 1000000000")
    runner.run_string("\\gen_seeds x 3")
    assert len(runner.variables["x"]) == 3


def test_template_error_lines_count_only_newlines_not_carriage_returns():
    """Jinja treats a lone \\r as a line end; the reported line is the script's (found by the shell fuzz test)."""
    from dgenerate_core.errors import ScriptError
    from dgenerate_core.script.templating import make_environment, render

    text = "{% for i in [1, 2] %}\n#\r0\n{% for i in [1, 2] %}"
    with pytest.raises(ScriptError) as info:
        render(make_environment(), text, {})
    assert info.value.lineno == 3
