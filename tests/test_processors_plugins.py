"""Processor and sub-command plugins loaded with --plugin-modules / \\import_plugins."""

import textwrap

import pytest
from PIL import Image

from dgenerate_core.cli import main
from dgenerate_core.errors import UsageError
from dgenerate_core.processors import hooks
from dgenerate_core.processors.registry import processor_classes
from dgenerate_core.subcommands.image_process import image_process

PLUGIN = textwrap.dedent('''
    from typing import Any
    from dgenerate_core.processors import ImageProcessor, LatentsProcessor
    from dgenerate_core.subcommands import SubCommand


    class TintProcessor(ImageProcessor):
        """Fill the image with one colour."""

        NAMES = ["tint", "tint-alias"]

        def __init__(self, red: int, green: int = 0, scale: float | None = None,
                     tags: list | None = None, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            if red > 255:
                raise self.argument_error(f'argument "red": at most 255, got {red}')
            self.color = (red, green, 0)
            self.tags = tags

        def impl_process(self, image):
            from PIL import Image
            return Image.new("RGB", image.size, self.color)


    class StagesProcessor(ImageProcessor):
        """Reference style: crop before the resize, mirror after it."""

        NAMES = "stages"

        def impl_pre_resize(self, image, resize_resolution):
            return image.crop((0, 0, 4, 4))

        def impl_post_resize(self, image):
            from PIL import ImageOps
            return ImageOps.mirror(image)


    class HiddenProcessor(ImageProcessor):
        NAMES = "hidden-one"
        HIDDEN = True

        def impl_process(self, image):
            return image


    class AddProcessor(LatentsProcessor):
        """Add a constant."""

        NAMES = "add"

        def __init__(self, value: float = 1.0, **kwargs):
            super().__init__(**kwargs)
            self.value = value

        def impl_process(self, pipeline, latents):
            return latents + self.value


    class Hello(SubCommand):
        """Say hello to the arguments."""

        NAMES = ["hello"]

        def __call__(self):
            print("hello", *self.args, self.local_files_only)
            return 3
''')


@pytest.fixture(autouse=True)
def _forget_plugins(monkeypatch):
    """Plugins loaded here do not leak into other tests."""
    from dgenerate_core import plugins

    monkeypatch.setattr(plugins, "_loaded", dict(plugins._loaded))
    yield
    hooks.clear_cache()


@pytest.fixture
def plugin(tmp_path):
    path = tmp_path / "my_plugin.py"
    path.write_text(PLUGIN)
    return str(path)


def test_plugin_processors_listed_documented_and_used(plugin, tmp_path, capsys):
    assert main(["--plugin-modules", plugin, "--image-processor-help"]) == 0
    listing = capsys.readouterr().out
    assert '    "tint"' in listing and '    "tint-alias"' in listing and "hidden-one" not in listing
    assert main(["--plugin-modules", plugin, "--image-processor-help", "tint"]) == 0
    doc = capsys.readouterr().out
    assert "        red: int\n        green: int = 0\n        scale: float | None = None" in doc
    assert "Fill the image with one colour." in doc
    src = tmp_path / "a.png"
    Image.new("RGB", (8, 8)).save(src)
    assert main(["--sub-command", "image-process", str(src), "--plugin-modules", plugin, "-p",
                 "tint;red=200;green=9;tags=[1, 2]", "-o", str(tmp_path / "t.png")]) == 0
    with Image.open(tmp_path / "t.png") as out:
        assert out.getpixel((3, 3)) == (200, 9, 0)
    assert "hidden-one" in processor_classes("image", include_hidden=True)


def test_plugin_argument_errors_name_the_plugin(plugin, tmp_path, capsys):
    from dgenerate_core import plugins
    from types import SimpleNamespace

    plugins.load_plugin_modules([plugin])
    o = SimpleNamespace(device=None, post_processors=["tint;red=300"])
    with pytest.raises(UsageError, match='--post-processors: image processor "tint": argument '
                                         '"red": at most 255'):
        hooks.process_images("post", o, [Image.new("RGB", (2, 2))], pre_resize=False)
    o = SimpleNamespace(device=None, post_processors=["tint-alias"])
    with pytest.raises(UsageError, match='image processor "tint-alias": missing required '
                                         'argument "red"'):
        hooks.process_images("post", o, [Image.new("RGB", (2, 2))], pre_resize=False)


def test_plugin_latents_processor_and_sub_command(plugin, capsys):
    import torch
    from types import SimpleNamespace

    assert main(["--plugin-modules", plugin, "--latents-processor-help", "add"]) == 0
    assert "        value: float = 1.0" in capsys.readouterr().out
    o = SimpleNamespace(device=None, latents_post_processors=["add;value=2", "scale;factor=3"])
    assert hooks.process_latents("post", o, torch.zeros(1, 4, 2, 2)).max() == 6
    assert main(["--plugin-modules", plugin, "--sub-command-help"]) == 0
    assert '    "hello"' in capsys.readouterr().out
    assert main(["--sub-command", "hello", "a", "b", "--plugin-modules", plugin, "-ofm"]) == 3
    assert capsys.readouterr().out.strip() == "hello a b -ofm True"


def test_reference_style_stage_hooks(plugin, tmp_path):
    from PIL import ImageOps

    src = Image.new("RGB", (16, 8))
    src.putpixel((0, 0), (255, 0, 0))
    src.save(tmp_path / "s.png")
    [out] = image_process([str(tmp_path / "s.png"), "--plugin-modules", plugin, "-p", "stages",
                           "-r", "8", "-o", str(tmp_path / "o.png")]).images
    with Image.open(out) as im:
        expected = ImageOps.mirror(src.crop((0, 0, 4, 4)).resize((8, 8), Image.Resampling.BICUBIC))
        assert im.size == (8, 8) and im.tobytes() == expected.tobytes()
