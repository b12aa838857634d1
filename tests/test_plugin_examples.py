"""The seven example plugins under examples/plugins/ run through the user's paths, and plugin
loading reports each plugin's status, keeps loading after a failure and refuses taken names."""

import json
import os
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dgenerate_core import plugins, prompt_registry
from dgenerate_core.registries import script as script_registry
from dgenerate_core.cli import main
from dgenerate_core.errors import DgenerateError
from dgenerate_core.script import ConfigRunner

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "plugins"
FAST = ["--inference-steps", "1", "--seeds", "7", "--output-size", "64", "--device", "cpu"]


@pytest.fixture(autouse=True)
def _forget_the_plugins():
    """Each test leaves the process-wide plugin state as it found it: loaded modules, claimed
    names, directives, template functions and prompt classes (later tests compare listings and
    registries with the built-ins)."""
    saved = [(table, dict(table)) for table in (
        plugins._loaded, plugins._claimed, plugins._status, script_registry.DIRECTIVES,
        script_registry.FUNCTIONS)]
    before = set(plugins._claimed)
    yield
    for kind, name in set(plugins._claimed) - before:
        if kind in plugins.PROMPT_KINDS:
            prompt_registry.unregister(plugins.PROMPT_KINDS[kind], name)
    for table, content in saved:
        table.clear()
        table.update(content)


def ex(name: str) -> str:
    return str(EXAMPLES / f"{name}.py")


def _write(path, text):
    path.write_text(textwrap.dedent(text))
    return str(path)


def test_every_kind_has_an_example():
    """One example per kind (the gallery's own small plugin, greetings.py, sits beside them)."""
    assert {p.stem for p in EXAMPLES.glob("*.py")} >= {
        "image_processor", "latents_processor", "config_directive", "template_function",
        "sub_command", "prompt_weighter", "prompt_upscaler"}


def test_image_processor_example(tmp_path, capsys):
    src = tmp_path / "a.png"
    Image.new("RGB", (8, 8), (0, 0, 255)).save(src)
    assert main(["--plugin-modules", ex("image_processor"), "--sub-command", "image-process",
                 str(src), "-p", "example-tint;red=255;blue=0;amount=0.5",
                 "-o", str(tmp_path / "t.png")]) == 0
    with Image.open(tmp_path / "t.png") as out:
        assert out.getpixel((3, 3)) == (127, 0, 127)
    assert main(["--plugin-modules", ex("image_processor"), "--image-processor-help",
                 "example-tint"]) == 0
    assert "Blend the image with one colour." in capsys.readouterr().out


def test_latents_processor_example(capsys):
    import torch
    from types import SimpleNamespace

    from dgenerate_core.processors import hooks

    plugins.load_plugin_modules([ex("latents_processor")])
    o = SimpleNamespace(device=None, latents_post_processors=["example-scale;factor=3"])
    assert hooks.process_latents("post", o, torch.ones(1, 4, 2, 2)).max() == 3
    hooks.clear_cache()


def test_directive_and_template_function_examples(capsys):
    runner = ConfigRunner()
    runner.run_string(f"\\import_plugins {ex('config_directive')} {ex('template_function')}\n"
                      "\\example_greet world\n"
                      "\\setp x example_shout('hi', 2)\n"
                      "\\print {{ x }} {{ 'yo' | example_shout }}\n")
    out = capsys.readouterr().out
    assert "Hello, world!" in out and "HI HI YO" in out


def test_sub_command_example(capsys):
    assert main(["--plugin-modules", ex("sub_command"), "--sub-command", "example-hello",
                 "a", "b"]) == 0
    assert capsys.readouterr().out.splitlines()[-2:] == ["hello a", "hello b"]
    assert main(["--plugin-modules", ex("sub_command"), "--sub-command-help"]) == 0
    assert '"example-hello"' in capsys.readouterr().out


def test_prompt_upscaler_example(capsys):
    assert main(["--plugin-modules", ex("prompt_upscaler"), "--sub-command", "prompt-upscale",
                 "-of", "json", "--prompts", "a cat", "-u",
                 "example-suffix;suffix=sharp;variants=2;part=positive"]) == 0
    items = json.loads(capsys.readouterr().out)
    assert [i["positive"] for i in items] == ["a cat, sharp", "a cat, sharp, sharp"]


def _pixels(tiny_models, out, *args):
    assert main([tiny_models.sd, "--model-type", "sd", *FAST, "--prompts", "a cat; ugly",
                 *args, "-o", str(out)]) == 0
    [name] = os.listdir(out)
    return np.asarray(Image.open(out / name)).astype(int)


def test_prompt_weighter_example(tiny_models, tmp_path):
    plain = _pixels(tiny_models, tmp_path / "plain")
    args = ["--plugin-modules", ex("prompt_weighter"), "--prompt-weighter"]
    same = _pixels(tiny_models, tmp_path / "same", *args, "example-scale;scale=1.0")
    scaled = _pixels(tiny_models, tmp_path / "scaled", *args, "example-scale;scale=0.2")
    assert np.array_equal(plain, same) and not np.array_equal(plain, scaled)


# ------------------------------------------------------------------------- status, collisions
def test_one_bad_plugin_does_not_stop_the_others(tmp_path):
    good = _write(tmp_path / "good_plugin_x1.py", """
        from dgenerate_core.plugins import template_function

        @template_function("good_x1")
        def good(x):
            return x
    """)
    bad = _write(tmp_path / "bad_plugin_x1.py", "raise RuntimeError('boom')\n")
    missing = str(tmp_path / "missing_x1.py")
    with pytest.raises(DgenerateError) as info:
        plugins.load_plugin_modules([bad, good, missing])
    lines = str(info.value).splitlines()
    assert len(lines) == 2 and "bad_plugin_x1.py" in lines[0] and "RuntimeError: boom" in lines[0]
    assert "missing_x1.py" in lines[1]
    status = plugins.plugin_status()
    assert status[good] == ("loaded", "") and status[bad][0] == "failed"
    from dgenerate_core.registries import script as script_registry
    assert "good_x1" in script_registry.FUNCTIONS


def test_import_plugins_reports_each_failure(tmp_path):
    bad1 = _write(tmp_path / "bad_a_x2.py", "x = nope\n")
    bad2 = _write(tmp_path / "bad_b_x2.py", "def f(:\n")
    with pytest.raises(DgenerateError) as info:
        ConfigRunner().run_string(f"\\import_plugins {bad1} {bad2}\n")
    text = str(info.value)
    assert "bad_a_x2.py" in text and "NameError" in text and "bad_b_x2.py" in text
    assert "SyntaxError" in text


@pytest.mark.parametrize("body, message", [
    ("""
        from dgenerate_core.processors import ImageProcessor
        class C(ImageProcessor):
            NAMES = ("canny",)
            def impl_process(self, image):
                return image
     """, 'image processor "canny" is already provided by dgenerate (built in)'),
    ("""
        from dgenerate_core.plugins import directive
        @directive("print")
        def p(args):
            return 0
     """, 'directive "\\\\print" is already provided by dgenerate (built in)'),
    ("""
        from dgenerate_core.subcommands import SubCommand
        class S(SubCommand):
            NAMES = ("image-process",)
     """, 'sub-command "image-process" is already provided by dgenerate (built in)'),
    ("""
        from dgenerate_core.prompts import PromptWeighter
        class W(PromptWeighter):
            NAMES = ("compel",)
     """, 'prompt weighter "compel" is already provided by dgenerate (built in)'),
])
def test_builtin_names_are_refused(tmp_path, body, message):
    path = _write(tmp_path / f"taken_{abs(hash(message))}.py", body)
    with pytest.raises(DgenerateError, match="Plugin .*taken_.*" + message.replace("(", r"\(")
                       .replace(")", r"\)")):
        plugins.load_plugin_modules([path])


def test_two_plugins_with_one_name_name_both(tmp_path):
    body = """
        from dgenerate_core.prompts import PromptUpscaler
        class U(PromptUpscaler):
            NAMES = ("dup-up-x3",)
    """
    first = _write(tmp_path / "first_x3.py", body)
    second = _write(tmp_path / "second_x3.py", body)
    plugins.load_plugin_modules([first])
    with pytest.raises(DgenerateError) as info:
        plugins.load_plugin_modules([second])
    assert str(info.value) == (f'Plugin "{second}": prompt upscaler "dup-up-x3" is already '
                               f'provided by plugin "{first}"')
