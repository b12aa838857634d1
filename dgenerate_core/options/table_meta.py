"""Option table: program / script / help-listing options and the main model options."""

from __future__ import annotations

from dgenerate_core.options import values as v
from dgenerate_core.options.spec import FLAG, LIST, ONE, OPTLIST, OptionSpec, option

_META = "This is a meta argument: it cannot be used inside a configuration script."

META_OPTIONS: tuple[OptionSpec, ...] = (
    option("-h --help", FLAG, "meta", "Print this help text and exit.", implemented=True),
    option("-v --verbose", FLAG, "meta",
           "Print debugging detail such as model load and pipeline call arguments, and full "
           "tracebacks on errors.", implemented=True),
    option("--version", FLAG, "meta", "Print the dgenerate version and exit.", implemented=True),
    option("--file", LIST, "meta",
           "Run one or more configuration scripts (glob patterns allowed) in sequence instead of "
           "reading a script from a pipe. " + _META, metavar="FILE", parse=v.PATH,
           meta=True, implemented=True),
    option("--shell", FLAG, "meta",
           "Read configuration from STDIN forever, surviving errors; without a pipe this is an "
           "interactive shell where two Enters submit a command. " + _META,
           meta=True, implemented=True),
    option("--no-stdin", FLAG, "meta",
           "Never read a script from STDIN (for running dgenerate from another program). " + _META,
           meta=True, implemented=True),
    option("--console", FLAG, "meta",
           "Open the interactive Tkinter console (an editor and shell for configuration "
           "scripts). " + _META, meta=True, implemented=True),
    option("--set", LIST, "meta",
           "Set template variables before a script runs, like \\set. May be repeated; --set and "
           "--setp are applied in command line order. " + _META,
           metavar="VARIABLE=VALUE", parse=v.ASSIGNMENT, meta=True, extend=True, implemented=True),
    option("--setp", LIST, "meta",
           "Set template variables to the result of Python expressions before a script runs, like "
           "\\setp. May be repeated. " + _META,
           metavar="VARIABLE=VALUE", parse=v.ASSIGNMENT, meta=True, extend=True, implemented=True),
    option("--ranks", ONE, "meta",
           "Start N ranks (processes) of this command on this machine, one per GPU (\"auto\": "
           "one per CUDA device), splitting every invocation's generation steps between them; "
           "the files are those of one process. Like torchrun -m dgenerate_core, see "
           "docs/distributed.md. " + _META, metavar="N", parse=v.STR, meta=True, implemented=True),
    option("--plugin-modules", LIST, "meta",
           "Load plugins from module folders, .py files or importable module names; plugins may "
           "add image/latents processors, directives, template functions, prompt weighters, prompt "
           "upscalers and sub-commands.", metavar="PATH", parse=v.PATH, default=[],
           implemented=True),
    option("--sub-command", ONE, "meta",
           "Run a sub-command instead of image generation; the sub-command takes its own "
           "arguments (see --sub-command-help).", metavar="SUB_COMMAND", parse=v.STR,
           implemented=True),
    option("--sub-command-help", OPTLIST, "meta",
           "List sub-commands, or show help for the named ones. Use alone or with "
           "--plugin-modules.", metavar="SUB_COMMAND", parse=v.STR, implemented=True),
    option("-ofm --offline-mode", FLAG, "meta",
           "Never download anything: only models already in the Hugging Face cache or dgenerate's "
           "web cache may be used; anything else is an error.", implemented=True),
    option("--templates-help", OPTLIST, "meta",
           "List the template variables of the script interpreter with their types, or describe "
           "the named ones.", metavar="VARIABLE_NAME", parse=v.STR, implemented=True),
    option("--directives-help", OPTLIST, "meta",
           "List the configuration script directives, or document the named ones. Use alone or "
           "with --plugin-modules.", metavar="DIRECTIVE_NAME", parse=v.STR, implemented=True),
    option("--functions-help", OPTLIST, "meta",
           "List the template functions of configuration scripts, or document the named ones. Use "
           "alone or with --plugin-modules.", metavar="FUNCTION_NAME", parse=v.STR,
           implemented=True),
    option("-gc --global-config", ONE, "meta",
           "Read global settings (generation defaults, in-memory cache limits) from a json, yaml "
           "or toml file.", metavar="FILE", parse=v.PATH, implemented=True),
)

MODEL_OPTIONS: tuple[OptionSpec, ...] = (
    option("model_path", ONE, "model",
           "Hugging Face repository slug, Hugging Face blob link, folder on disk, or a .pt, .pth, "
           ".bin, .ckpt or .safetensors file.", metavar="model_path", parse=v.STR,
           positional=True, implemented=True),
    option("-mt --model-type", ONE, "model",
           "The kind of model to load: " + ", ".join(v.MODEL_TYPES) + ". Case-insensitive.",
           metavar="MODEL_TYPE", parse=v.enum(v.MODEL_TYPES, what="model type"), default="sd",
           implemented=True),
    option("-rev --revision", ONE, "model",
           "Git branch or tag of the Hugging Face repository to load the main model from.",
           metavar="BRANCH", parse=v.STR, default="main", implemented=True),
    option("-var --variant", ONE, "model",
           "Load weight files of this variant (e.g. fp16); component URIs that accept a variant "
           "default to it.", metavar="VARIANT", parse=v.STR, default_text="automatic",
           implemented=True),
    option("-sbf --subfolder", ONE, "model",
           "Load the main model from this subfolder of the repository or folder.",
           metavar="SUBFOLDER", parse=v.STR, implemented=True),
    option("-olc --original-config", ONE, "model",
           "Original LDM .yaml config that belongs to a single file checkpoint main model; a "
           "local diffusers model folder of the same architecture also works (fully offline).",
           metavar="FILE", parse=v.PATH, implemented=True),
    option("-olc2 --second-model-original-config", ONE, "second_model",
           "Original LDM .yaml config for a single file SDXL refiner or Stable Cascade decoder.",
           metavar="FILE", parse=v.PATH, requires_any=("sdxl_refiner", "s_cascade_decoder"),
           implemented=True),
    option("-atk --auth-token", ONE, "model",
           "Hugging Face access token for gated or private repositories.", metavar="TOKEN",
           parse=v.STR, implemented=True),
    option("-d --device", ONE, "model",
           "Torch device to run on: cpu, cuda, cuda:N, xpu, xpu:N or mps.", metavar="DEVICE",
           parse=v.DEVICE, default_text="cuda, else xpu, else mps on macOS, else cpu",
           implemented=True),
    option("-t --dtype", ONE, "model",
           "Model precision: auto, bfloat16, float16 or float32; also the default dtype of "
           "component URIs.", metavar="DTYPE", parse=v.enum(v.DTYPES, what="dtype"),
           default="auto", implemented=True),
    option("-sc --safety-checker", FLAG, "model",
           "Load the model's safety checker (if it has one); flagged images come out black.",
           implemented=True),
)
