"""Option table: seeds, output and batching, image seeds and processors, guidance, denoising."""

from __future__ import annotations

from dgenerate_core.options import values as v
from dgenerate_core.options.spec import FLAG, LIST, ONE, OPTLIST, PIX2PIX_TYPES, OptionSpec, option

_IS = ("image_seeds",)

SEED_OPTIONS: tuple[OptionSpec, ...] = (
    option("-se --seeds", LIST, "seeds",
           "Seeds to try in turn, for reproducible output. Cannot be combined with --gen-seeds.",
           metavar="SEED", parse=v.INT, product=True, default_text="one random seed",
           implemented=True),
    option("-sei --seeds-to-images", FLAG, "seeds",
           "Use seed N for image seed N (wrapping around) instead of trying every seed with "
           "every image seed.", requires_any=_IS, implemented=True),
    option("-gse --gen-seeds", ONE, "seeds",
           "Try this many random seeds. Cannot be combined with --seeds.", metavar="COUNT",
           parse=v.INT_POS, product=True, implemented=True),
)

OUTPUT_OPTIONS: tuple[OptionSpec, ...] = (
    option("-bs --batch-size", ONE, "output",
           "Number of images generated together per set of parameters (>= 1).",
           metavar="INTEGER", parse=v.INT_POS, default=1, implemented=True),
    option("-bgs --batch-grid-size", ONE, "output",
           "Combine a batch into one grid image of COLUMNSxROWS instead of numbered files.",
           metavar="SIZE", parse=v.SIZE, implemented=True),
    option("-s --output-size", ONE, "output",
           "Output size WIDTHxHEIGHT (or one integer for a square), divisible by 8; input images "
           "are resized to it, keeping their aspect ratio unless --no-aspect.", metavar="SIZE",
           parse=v.SIZE8,
           default_text="512x512 for sd, 1024x1024 for sdxl, kolors, sd3, flux and s-cascade, "
                        "64x64 for if; the input image size with --image-seeds",
           implemented=True),
    option("-na --no-aspect", FLAG, "output",
           "Resize input images to exactly --output-size, ignoring their aspect ratio.",
           implemented=True),
    option("-o --output-path", ONE, "output",
           "Folder for generated files; created if missing.", metavar="PATH", parse=v.PATH,
           default="./output", implemented=True),
    option("-op --output-prefix", ONE, "output",
           "Prefix (followed by an underscore) for every generated file name.",
           metavar="PREFIX", parse=v.STR, implemented=True),
    option("-ox --output-overwrite", FLAG, "output",
           "Overwrite existing files instead of adding a _duplicate_N suffix.", implemented=True),
    option("-oc --output-configs", FLAG, "output",
           "Write a configuration script next to every output that reproduces it.",
           implemented=True),
    option("-om --output-metadata", FLAG, "output",
           "Embed the reproducing configuration in PNG or JPEG output metadata.",
           implemented=True),
    option("-oam --output-auto1111-metadata", FLAG, "output",
           "Embed Automatic1111-compatible generation parameters in PNG or JPEG output.",
           implemented=True),
    option("-af --animation-format", ONE, "output",
           "Animation output format: mp4, png, apng, gif, webp, or frames (frames only).",
           metavar="FORMAT", parse=v.enum(v.ANIMATION_FORMATS, what="animation format"),
           default="mp4", implemented=True),
    option("-if --image-format", ONE, "output",
           "Format of static images (a Pillow writable extension such as png, jpg, webp), or "
           "pt, pth, safetensors to save latents.", metavar="FORMAT",
           parse=v.enum(v.IMAGE_FORMATS, what="image format"), default="png", implemented=True),
    option("-nf --no-frames", FLAG, "output",
           "Write only the animation file, not the individual frames.", implemented=True),
    option("-fs --frame-start", ONE, "output",
           "First frame (zero-based, inclusive) of animated inputs to process.",
           metavar="FRAME_NUMBER", parse=v.INT_NONNEG, default=0, implemented=True),
    option("-fe --frame-end", ONE, "output",
           "Last frame (zero-based, inclusive) of animated inputs to process.",
           metavar="FRAME_NUMBER", parse=v.INT_NONNEG, default_text="the last frame",
           implemented=True),
)

IMAGE_SEED_OPTIONS: tuple[OptionSpec, ...] = (
    option("-is --image-seeds", LIST, "image_seeds",
           "Input images, each rendered separately: 'img.png' (img2img), 'img.png;mask.png' "
           "(inpaint), with keywords mask=, control=, resize=, aspect=, floyd=, latents=.",
           metavar="SEED", parse=v.STR, implemented=True),
    option("-sip --seed-image-processors", LIST, "image_seeds",
           "Image processor URIs for the img2img images; '+' separates the chains of "
           "successive images.", metavar="PROCESSOR_URI", parse=v.URI, requires_any=_IS,
           implemented=True),
    option("-mip --mask-image-processors", LIST, "image_seeds",
           "Image processor URIs for the inpaint masks; '+' separates chains.",
           metavar="PROCESSOR_URI", parse=v.URI, requires_any=_IS, implemented=True),
    option("-cip --control-image-processors", LIST, "image_seeds",
           "Image processor URIs for the control images; '+' separates chains.",
           metavar="PROCESSOR_URI", parse=v.URI, requires_any=_IS, implemented=True),
    option("--image-processor-help", OPTLIST, "image_seeds",
           "List the image processors, or document the named ones. Use alone or with "
           "--plugin-modules.", metavar="PROCESSOR_NAME", parse=v.STR, implemented=True),
    option("-pp --post-processors", LIST, "image_seeds",
           "Image processor URIs applied in order to every generated image before it is saved.",
           metavar="PROCESSOR_URI", parse=v.URI, implemented=True),
)

GUIDANCE_OPTIONS: tuple[OptionSpec, ...] = (
    option("-iss --image-seed-strengths", LIST, "guidance",
           "img2img / inpaint strengths in [0, 1] to try in turn: low keeps the image, 1 "
           "ignores it.", metavar="FLOAT", parse=v.FLOAT_UNIT,
           product=True, default=[0.8], requires_any=_IS, implemented=True),
    option("-uns --upscaler-noise-levels", LIST, "guidance",
           "Noise levels (>= 0) added before upscaling, tried in turn (upscaler-x4, ifs, "
           "ifs-img2img).", metavar="INTEGER", parse=v.INT_NONNEG, product=True,
           model_types=("upscaler-x4", "ifs", "ifs-img2img"),
           default_text="20 for upscaler-x4, 250 for ifs and ifs-img2img", implemented=True),
    option("-gs --guidance-scales", LIST, "guidance",
           "Classifier-free guidance scales (>= 0) to try in turn.", metavar="FLOAT",
           parse=v.FLOAT_NONNEG, product=True, default=[5.0], implemented=True),
    option("-igs --image-guidance-scales", LIST, "guidance",
           "Image guidance scales (>= 1) for pix2pix model types, tried in turn.",
           metavar="FLOAT", parse=v.float_range(1.0), product=True, default=[1.5],
           model_types=PIX2PIX_TYPES, requires_any=_IS, implemented=True),
    option("-gr --guidance-rescales", LIST, "guidance",
           "Guidance rescale factors (>= 0) to try in turn; passed only when given.",
           metavar="FLOAT", parse=v.FLOAT_NONNEG, product=True, default_text="not passed",
           implemented=True),
    option("-ifs --inference-steps", LIST, "guidance",
           "Numbers of denoising steps (> 0) to try in turn.", metavar="INTEGER",
           parse=v.INT_POS, product=True, default=[30], implemented=True),
    option("-ds --denoising-start", ONE, "denoising",
           "Start denoising at this fraction in [0, 1] of the timesteps (continue from noisy "
           "latents).", metavar="FLOAT", parse=v.FLOAT_UNIT, implemented=True),
    option("-de --denoising-end", ONE, "denoising",
           "Stop denoising at this fraction in [0, 1] of the timesteps, leaving noisy latents.",
           metavar="FLOAT", parse=v.FLOAT_UNIT, implemented=True),
)
