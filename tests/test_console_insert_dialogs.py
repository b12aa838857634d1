"""The Insert dialogs on a real Tk display (Xvfb): menus, recipe form, pickers, URI builders,
image seed builder and path dialogs, driven programmatically."""

import os
import subprocess
import sys
import tkinter as tk

import pytest

from dgenerate_core.options import find_option
from dgenerate_core.script.tokens import shell_split
from dgenerate_core.uri import parse_uri
from dgenerate_console.insert import build_insert_menus, open_recipe_dialog
from dgenerate_console.insert.imageseed import ImageSeedDialog
from dgenerate_console.insert.menus import open_code_dialog, open_uri_entry
from dgenerate_console.insert.paths import insert_path
from dgenerate_console.insert.pickers import open_picker
from dgenerate_console.insert.uris import open_uri_dialog


def pump(root, times=5):
    for _ in range(times):
        root.update()


def menu_labels(root, menu):
    return [menu.entrycget(i, "label") for i in range(menu.index("end") + 1)]


def test_edit_menu_gets_the_insert_cascades(tk_root):
    edit = tk.Menu(tk_root, tearoff=False)
    build_insert_menus(edit, tk_root, lambda _t: None, os.getcwd)
    assert menu_labels(tk_root, edit) == ["Insert Code", "Insert URI", "Insert Path"]
    subs = [tk_root.nametowidget(edit.entrycget(i, "menu")) for i in range(3)]
    assert menu_labels(tk_root, subs[0]) == ["Recipe", "Argument", "Directive", "Function"]
    assert menu_labels(tk_root, subs[1]) == [
        "Image Seed URI", "Karras Scheduler URI", "Image Processor URI",
        "Latents Processor URI", "Prompt Upscaler URI", "Prompt Weighter URI", "Sub Model URI",
        "Quantizer URI"]
    assert menu_labels(tk_root, subs[2]) == [
        "File Path (Open)", "File Path (Save)", "Directory Path"]


def test_menu_entry_opens_the_karras_scheduler_dialog(tk_root):
    edit = tk.Menu(tk_root, tearoff=False)
    build_insert_menus(edit, tk_root, lambda _t: None, os.getcwd)
    uri_menu = tk_root.nametowidget(edit.entrycget(1, "menu"))
    before = set(tk_root.winfo_children())
    uri_menu.invoke(1)
    pump(tk_root)
    opened = [w for w in set(tk_root.winfo_children()) - before if isinstance(w, tk.Toplevel)]
    assert [w.title() for w in opened] == ["Insert Karras Scheduler URI"]
    assert str(opened[0].transient()) == str(tk_root)


def test_recipe_form_labels_are_option_names_and_insert_the_command(tk_root):
    inserted = []
    dialog = open_recipe_dialog(tk_root, inserted.append, os.getcwd)
    pump(tk_root)
    assert dialog.title() == "Insert Recipe"
    assert dialog.recipe_titles()[0] == "Stable Diffusion 1.5"
    labels = dialog.field_labels()
    assert labels[0] == "Model Path / HF Slug"
    for label in labels[1:]:
        for part in label.split(" | "):   # a choice among options shows all their names
            name = part.split()[0]          # "--control-nets scale": a URI argument
            assert find_option(name).long == name
    dialog.set_field("--inference-steps", "40")
    dialog.set_field("--vae-tiling", True)
    dialog.set_field("--prompts", "a cat; blurry")
    dialog.set_field("Model Path / HF Slug", "/models/my model")
    text = dialog.command_text()
    assert text.split("\n") == [
        "'/models/my model'", "--vae-tiling", "--inference-steps 40", "--guidance-scales 5",
        "--gen-seeds 1", "--output-path output", "--output-size 512x512",
        '--prompts "a cat; blurry"']
    assert dialog.insert_and_close() is True
    assert inserted == [text]
    assert not dialog.winfo_exists()


def test_recipe_with_a_bad_value_stays_open_with_the_reason(tk_root):
    inserted = []
    dialog = open_recipe_dialog(tk_root, inserted.append, os.getcwd)
    dialog.select_recipe("Flux Dev")
    assert "--transformer" in dialog.field_labels()
    assert dialog.get_field("Model Path / HF Slug") == "black-forest-labs/FLUX.1-dev"
    dialog.set_field("--output-size", "huge")
    dialog.set_field("--guidance-scales", "lots")
    assert dialog.insert_and_close() is False
    assert inserted == [] and dialog.winfo_exists()
    assert "--guidance-scales" in dialog.error_var.get()
    assert "--output-size" in dialog.error_var.get()


def test_recipe_build_uri_button_fills_the_scheduler_field(tk_root):
    dialog = open_recipe_dialog(tk_root, lambda _t: None, os.getcwd)
    dialog.select_recipe("Stable Diffusion XL")
    builder = dialog.field_row("--schedulers").build_uri()
    assert builder.title() == "Insert Karras Scheduler URI"
    builder.select("EulerDiscreteScheduler")
    builder.set_arg("prediction-type", "v_prediction")
    builder.set_arg("use-karras-sigmas", "true")
    assert builder.insert_and_close()
    value = dialog.get_field("--schedulers")
    assert value == "EulerDiscreteScheduler;prediction-type=v_prediction;use-karras-sigmas=true"
    assert f"--schedulers {value}" in dialog.command_text().split("\n")


def test_recipe_submodel_button_opens_the_matching_builder(tk_root):
    dialog = open_recipe_dialog(tk_root, lambda _t: None, os.getcwd)
    builder = dialog.field_row("--loras").build_uri()
    assert builder.name == "lora"
    builder.set_concept("my loras/style.safetensors")
    builder.set_arg("scale", "0.7")
    builder.insert_and_close()
    argv = shell_split(dialog.command_text().replace("\n", " "), env=False, expand=False)
    uri = argv[argv.index("--loras") + 1]
    assert parse_uri(uri).path == "my loras/style.safetensors"
    assert parse_uri(uri).args == {"scale": "0.7"}


def test_escape_closes_a_dialog(tk_root):
    dialog = open_recipe_dialog(tk_root, lambda _t: None, os.getcwd)
    pump(tk_root)
    dialog.event_generate("<Escape>")
    pump(tk_root)
    assert not dialog.winfo_exists()


@pytest.mark.parametrize("kind, name, text, help_part", [
    ("argument", "--inference-steps", "--inference-steps",
     find_option("--inference-steps").help[:40]),
    ("directive", "\\set", "\\set", "variable"),
    ("function", "format_size", "format_size()", '"x"'),
])
def test_pickers_show_help_and_insert(tk_root, kind, name, text, help_part):
    inserted = []
    picker = open_picker(tk_root, kind, inserted.append)
    picker.select(name)
    pump(tk_root)
    assert help_part in picker.help_text()
    picker.insert_and_close()
    assert inserted == [text]


def test_argument_picker_lists_every_option(tk_root):
    from dgenerate_core.options import OPTIONS

    picker = open_code_dialog(tk_root, "argument", lambda _t: None, os.getcwd)
    assert list(picker.items) == [o.long for o in OPTIONS if not o.positional]


def test_karras_scheduler_dialog_builds_the_manual_example(tk_root):
    inserted = []
    dialog = open_uri_dialog(tk_root, "scheduler", inserted.append)
    assert dialog.title() == "Insert Karras Scheduler URI"
    assert len(dialog.chooser.cget("values")) == 18
    dialog.select("DDIMScheduler")
    assert dialog.get_arg("beta-schedule") == "linear"
    dialog.set_arg("beta-schedule", "scaled_linear")
    dialog.set_arg("prediction-type", "v_prediction")
    dialog.set_arg("num-train-timesteps", "1000")  # the default: left out
    dialog.insert_and_close()
    assert inserted == ["DDIMScheduler;beta-schedule=scaled_linear;prediction-type=v_prediction"]


FAKE_PROCESSORS = {
    "canny": {"help": "Canny edges.", "args": [
        {"name": "lower", "type": "int", "default": 50, "optional": True, "options": None},
        {"name": "threshold-algo", "type": "str", "default": None, "optional": True,
         "options": ["otsu", "triangle", "median"]},
        {"name": "pre-resize", "type": "bool", "default": False, "optional": True,
         "options": None}]},
    "crop": {"help": "Crop to a box.", "args": [
        {"name": "box", "type": "str", "default": None, "optional": False, "options": None}]},
}


def test_processor_dialog_from_a_schema(tk_root):
    inserted = []
    dialog = open_uri_dialog(tk_root, "image-processor", inserted.append,
                             schemas=FAKE_PROCESSORS)
    assert dialog.title() == "Insert Image Processor URI"
    dialog.set_arg("threshold-algo", "otsu")
    dialog.set_arg("pre-resize", "true")
    assert dialog.uri_text() == "canny;threshold-algo=otsu;pre-resize=true"
    dialog.select("crop")
    assert dialog.insert_and_close() is False
    assert 'argument "box" is required' in dialog.error_var.get()
    dialog.set_arg("box", "0,0,10,10")
    dialog.insert_and_close()
    assert inserted == ["crop;box=0,0,10,10"]


def test_processor_dialogs_use_the_processor_schema_module(tk_root):
    from dgenerate_core.processors.schema import processor_schemas

    inserted = []
    dialog = open_uri_entry(tk_root, "image-processor", inserted.append, os.getcwd)
    assert list(dialog.chooser.cget("values")) == list(processor_schemas("image"))
    dialog.select("canny")
    dialog.set_arg("lower", "60")
    dialog.set_arg("blur", "true")
    dialog.insert_and_close()
    assert inserted == ["canny;lower=60;blur=true"]
    dialog = open_uri_entry(tk_root, "latents-processor", inserted.append, os.getcwd)
    assert dialog.title() == "Insert Latents Processor URI"
    dialog.select("noise")
    dialog.set_arg("seed", "x")
    assert dialog.insert_and_close() is False
    dialog.set_arg("seed", "7")
    dialog.insert_and_close()
    assert inserted[-1] == "noise;seed=7"


@pytest.mark.parametrize("kind, name, args, expected", [
    ("quantizer", "bnb", {"bits": "4", "bits4-quant-type": "nf4"}, "bnb;bits=4;bits4-quant-type=nf4"),
    ("quantizer", "sdnq", {"type": "int4"}, "sdnq;type=int4"),
    ("prompt-weighter", "compel", {"syntax": "sdwui"}, "compel;syntax=sdwui"),
    ("prompt-upscaler", "dynamicprompts", {"random": "true", "variations": "3"},
     "dynamicprompts;random=true;variations=3"),
])
def test_static_schema_dialogs(tk_root, kind, name, args, expected):
    inserted = []
    dialog = open_uri_dialog(tk_root, kind, inserted.append)
    dialog.select(name)
    for key, value in args.items():
        dialog.set_arg(key, value)
    dialog.insert_and_close()
    assert inserted == [expected]


def test_submodel_dialog_quotes_for_the_script(tk_root):
    inserted = []
    dialog = open_uri_dialog(tk_root, "submodel", inserted.append)
    assert dialog.title() == "Insert Sub Model URI"
    dialog.select("vae")
    dialog.set_concept("AutoencoderKL")
    dialog.set_arg("model", "my vaes/sdxl vae")
    dialog.set_arg("dtype", "float16")
    dialog.insert_and_close()
    (token,) = shell_split(inserted[0], env=False, expand=False)
    parsed = parse_uri(token)
    assert parsed.path == "AutoencoderKL"
    assert parsed.args == {"model": "my vaes/sdxl vae", "dtype": "float16"}


def test_transformer_submodel_with_a_nested_quantizer(tk_root):
    inserted = []
    dialog = open_uri_dialog(tk_root, "submodel", inserted.append, initial="transformer")
    dialog.set_concept("black-forest-labs/FLUX.1-dev")
    dialog.set_arg("subfolder", "transformer")
    dialog.set_arg("quantizer", "bnb;bits=4")
    dialog.insert_and_close()
    (token,) = shell_split(inserted[0], env=False, expand=False)
    parsed = parse_uri(token)
    assert parsed.args == {"subfolder": "transformer", "quantizer": "bnb;bits=4"}


def test_image_seed_dialog(tk_root):
    inserted = []
    dialog = open_uri_entry(tk_root, "image-seed", inserted.append, os.getcwd)
    assert isinstance(dialog, ImageSeedDialog) and dialog.title() == "Insert Image Seed URI"
    dialog.set_field("image", "my photo.png")
    dialog.set_field("mask", "mask.png")
    dialog.set_field("control", "c1.png, c2.png")
    dialog.set_field("resize", "512x512")
    dialog.set_field("aspect", "false")
    dialog.set_field("frame-end", "10")
    assert dialog.uri_text() == (
        "my photo.png;mask=mask.png;control=c1.png, c2.png;resize=512x512;aspect=false;"
        "frame-end=10")
    dialog.set_field("resize", "500")
    assert dialog.insert_and_close() is False
    assert "not divisible by 8" in dialog.error_var.get()
    dialog.set_field("resize", "512")
    dialog.insert_and_close()
    from dgenerate_core.seeds.parse import parse_image_seed

    (token,) = shell_split(inserted[0], env=False, expand=False)
    spec = parse_image_seed(token, exists=lambda _p: True, control_models=2)
    assert spec.images == ("my photo.png",) and spec.masks == ("mask.png",)
    assert spec.controls == ("c1.png", "c2.png") and spec.resize == (512, 512)
    assert spec.aspect is False and spec.frame_end == 10


def test_image_seed_adapter_and_latents_only_forms(tk_root):
    dialog = ImageSeedDialog(tk_root, lambda _t: None)
    dialog.set_field("adapter", "a.png + b.png")
    dialog.set_field("control", "ctl.png")
    assert dialog.uri_text() == "adapter: a.png + b.png;control=ctl.png"
    assert dialog.problems() == []
    dialog.set_field("adapter", "")
    dialog.set_field("control", "")
    assert dialog.problems() != []
    dialog.set_field("latents", "l1.pt, l2.pt")
    assert dialog.uri_text() == "latents: l1.pt, l2.pt"


def _answer_file_dialog(root, name, widget=".__tk_filedialog"):
    """Type ``name`` into Tk's own file dialog once it is up, and press Enter (None: cancel)."""

    def answer():
        if not root.tk.call("winfo", "exists", widget):
            root.after(50, answer)
            return
        if name is None:
            root.tk.call(f"{widget}.contents.f2.cancel", "invoke")
        elif widget == ".__tk_choosedir":
            root.tk.call("::tk::dialog::file::chooseDir::Done", widget)
        else:
            entry = f"{widget}.contents.f2.ent"
            root.tk.call(entry, "delete", 0, "end")
            root.tk.call(entry, "insert", 0, name)
            root.tk.call("::tk::dialog::file::ActivateEnt", widget)

    root.after(100, answer)


def test_insert_path_dialogs_start_in_cwd_and_quote(tk_root, tmp_path):
    folder = tmp_path / "my images"
    folder.mkdir()
    (folder / "it's.png").write_bytes(b"")
    inserted = []
    cwd = lambda: str(folder)  # noqa: E731
    _answer_file_dialog(tk_root, "it's.png")
    text = insert_path(tk_root, "open", inserted.append, cwd)
    assert shell_split(text, env=True, expand=True) == [str(folder / "it's.png")]
    _answer_file_dialog(tk_root, "new file.dgen")
    insert_path(tk_root, "save", inserted.append, cwd)
    _answer_file_dialog(tk_root, "", widget=".__tk_choosedir")
    insert_path(tk_root, "dir", inserted.append, cwd)
    _answer_file_dialog(tk_root, None)
    assert insert_path(tk_root, "open", inserted.append, cwd) is None
    assert [shell_split(t, env=True, expand=True) for t in inserted] == [
        [str(folder / "it's.png")], [str(folder / "new file.dgen")], [str(folder)]]


def test_insert_package_never_imports_torch():
    code = (
        "import sys\n"
        "import dgenerate_console.insert as ins\n"
        "from dgenerate_console.insert import (fieldwidgets, imageseed, menus, paths, pickers,\n"
        "    recipe_dialog, recipes, uris)\n"
        "recipes.load_recipes(); uris.schema_for('scheduler'); pickers.argument_items()\n"
        "pickers.directive_items(); pickers.function_items()\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'diffusers', 'transformers')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_recipe_field_help_and_wheel_scrolling(tk_root):
    dialog = open_recipe_dialog(tk_root, lambda _t: None, os.getcwd)
    pump(tk_root, 10)
    row = dialog.field_row("--vae")
    row.label.event_generate("<Enter>")
    pump(tk_root)
    assert dialog.help.get("1.0", "end-1c") == "--vae: " + find_option("--vae").help
    assert dialog.form.canvas.yview()[0] == 0.0
    for _ in range(5):
        row.widget.event_generate("<Button-5>")
    pump(tk_root)
    assert dialog.form.canvas.yview()[0] > 0.0


def test_return_inserts_from_a_picker(tk_root):
    inserted = []
    picker = open_picker(tk_root, "directive", inserted.append)
    picker.select("\\print")
    pump(tk_root)
    picker.chooser.focus_force()
    pump(tk_root)
    picker.chooser.event_generate("<Return>")
    pump(tk_root)
    assert inserted == ["\\print"]


def test_recipe_image_seed_button_fills_the_field(tk_root):
    dialog = open_recipe_dialog(tk_root, lambda _t: None, os.getcwd)
    dialog.select_recipe("Flux Fill Dev")
    assert dialog.field_row("--image-seeds").field.optional is False
    builder = dialog.field_row("--image-seeds").build_image_seed()
    builder.set_field("image", "photo.png")
    builder.set_field("mask", "mask.png")
    builder.insert_and_close()
    assert dialog.get_field("--image-seeds") == "photo.png;mask=mask.png"
    assert "--image-seeds photo.png;mask=mask.png" in dialog.command_text().split("\n")


def test_dependent_fields_are_greyed_until_their_switch_is_on(tk_root):
    dialog = open_recipe_dialog(tk_root, lambda _t: None, os.getcwd)
    dialog.select_recipe("Stable Diffusion XL (no refiner)")
    intervals = dialog.field_row("--deep-cache-intervals")
    assert intervals.get() == "5" and not intervals.enabled()
    assert "--deep-cache-intervals" not in dialog.command_text()
    dialog.set_field("--deep-cache", True)
    pump(tk_root)
    assert intervals.enabled()
    dialog.set_field("--deep-cache-intervals", "3")
    dialog.set_field("--model-cpu-offload | --model-sequential-offload", "--model-cpu-offload")
    dialog.set_field("--control-nets", "diffusers/controlnet-canny-sdxl-1.0")
    dialog.set_field("--control-nets scale", "0.5")
    lines = dialog.command_text().split("\n")
    for line in ["--deep-cache", "--deep-cache-intervals 3", "--deep-cache-branch-ids 1",
                 "--model-cpu-offload", "--control-nets diffusers/controlnet-canny-sdxl-1.0;scale=0.5"]:
        assert line in lines
    dialog.set_field("--deep-cache", False)
    pump(tk_root)
    assert not intervals.enabled()
    assert "--deep-cache-intervals 3" not in dialog.command_text()


def test_recipe_form_plain_labels_no_conflicting_default_ok_cancel_and_select_on_focus(tk_root):
    inserted = []
    dialog = open_recipe_dialog(tk_root, inserted.append, os.getcwd)
    pump(tk_root, 10)
    assert dialog.field_row("--inference-steps").label.cget("text") == "Inference steps (optional)"
    assert dialog.field_row("--vae").label.cget("text") == "VAE (optional)"
    dialog.set_field("--seeds", "7 8")  # the pre-filled --gen-seeds 1 gives way
    pump(tk_root)
    text = dialog.command_text()
    assert "--seeds 7 8" in text and "--gen-seeds" not in text and not dialog.problems()
    assert not dialog.field_row("--gen-seeds").enabled()
    dialog.set_field("--seeds", "")
    assert "--gen-seeds 1" in dialog.command_text()
    entry = dialog.field_row("--inference-steps").widget
    entry.focus_force()
    pump(tk_root)
    assert entry.selection_present() and entry.selection_get() == "30"
    assert [dialog.ok_button.cget("text"), dialog.cancel_button.cget("text")] == ["OK", "Cancel"]
    dialog.cancel_button.invoke()
    assert inserted == [] and not dialog.winfo_exists()


def test_uri_form_help_is_never_clipped(tk_root):
    dialog = open_uri_entry(tk_root, "scheduler", lambda _t: None, os.getcwd)
    dialog.update()
    for name in list(dialog.schemas):
        dialog.select(name)
        dialog.update()
        shown = int(dialog.help.cget("height"))
        lines = dialog.help.count("1.0", "end", "displaylines")
        assert (lines[0] if isinstance(lines, tuple) else lines) <= shown, name
    dialog.close()
