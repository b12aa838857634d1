"""Help texts of the dgenerate template functions (shown by --functions-help NAME)."""

SIZE_FORMS = ('Sizes may be given as "WIDTHxHEIGHT", as "WIDTH", or as a tuple such as (700, 700).')

HELP: dict[str, str] = {
    "import_module": """
Import a Python module by its name and return it; an error if it cannot be imported.

Example: {{ import_module('math').pi }}. See also the \\import directive.""",
    "unquote": """
Split a string (or each string of an iterable) into tokens the way dgenerate reads arguments,
and return one flat list. Environment variables are not expanded.

expand=True also expands globs and ~ (the home directory); glob_hidden=True includes hidden
files in globs and glob_recursive=True lets ** match directories recursively.""",
    "quote": """
Quote a string, or each string of an iterable (joined by spaces), so dgenerate reads it back as
one argument. Strings that need no quoting are returned as they are.

double=True uses double quotes instead of single quotes. quotes=False only escapes the
characters that need it, without surrounding quotes, for placing text inside an existing string.""",
    "format_prompt": """
Turn a prompt object, or a list of them (such as last_prompts), back into quoted argument text:
"positive; negative", or just "positive" when there is no negative part.""",
    "format_size": """
Join integers with "x": (512, 512) gives "512x512".""",
    "align_size": f"""
Round a size down to a multiple of "align" in each dimension: align_size('700x700', 64) gives
'640x640'. {SIZE_FORMS}

The result is a string in the same form, or a tuple when format_size=False.""",
    "pow2_size": f"""
Round each dimension of a size to the nearest power of two: pow2_size('700x300') gives '512x256'.
{SIZE_FORMS}

The result is a string, or a tuple when format_size=False.""",
    "image_size": """
The width and height of an image file, as "WIDTHxHEIGHT", or as a tuple when format_size=False.""",
    "size_is_aligned": f"""
True when every dimension of the size is a multiple of "align". {SIZE_FORMS}""",
    "size_is_pow2": f"""
True when every dimension of the size is a power of two. {SIZE_FORMS}""",
    "format_model_type": """
The --model-type text for a model type value, e.g. {{ format_model_type(last_model_type) }}.""",
    "format_dtype": """
The --dtype text for a data type value, e.g. {{ format_dtype(last_dtype) }}.""",
    "last": """
The last item of an iterable (an error when it is empty).""",
    "first": """
The first item of an iterable (an error when it is empty).""",
    "gen_seeds": """
A list of N random seeds, as strings, ready for --seeds.""",
    "cwd": """
The current working directory, with forward slashes.""",
    "download": """
Download a file and return its path, like the \\download directive.

Without "output" the file is kept in the web cache. output='name.ext' writes that file (reused
when it already exists); output='folder/' (trailing slash) saves into that folder under the name
given by the server or the URL. overwrite=True always downloads again. text=True accepts text/*
content, which is otherwise refused because it is usually an error page.

Example: \\set model {{ download('https://example.com/model.safetensors') }}""",
    "have_feature": """
True when an optional feature is installed. Names: ncnn, gpt4all, bitsandbytes, flash-attn,
xformers, triton, sdnq; any other name is an error.""",
    "platform": """
The operating system: 'Linux', 'Darwin', 'Windows', or '' when unknown.""",
    "frange": """
Like range() for floats: frange(stop), frange(start, stop) or frange(start, stop, step); the
default step is 0.1 and values are rounded to 10 decimal places.""",
    "have_cuda": """
True when a CUDA GPU is available to torch.""",
    "have_xpu": """
True when an Intel XPU is available to torch.""",
    "have_mps": """
True when Apple's MPS backend is available to torch.""",
    "total_memory": """
The total memory of a device, in bytes or in "unit" (b, kb, mb, gb, kib, mib, gib; any case).

device: 'cpu' (system RAM), 'cuda', 'cuda:1', 'xpu', 'mps' (always 0). Without a device, the
default accelerator. Example: {% if total_memory(unit='gib') > 15 %} ... {% endif %}""",
    "default_device": """
The device dgenerate uses by default: 'cuda' when available, else 'xpu', else 'mps', else 'cpu'.""",
    "csv": """
The items joined by commas, e.g. for --sigmas: {{ csv(frange(1.0, 0.0, -0.25)) }}.""",
}
