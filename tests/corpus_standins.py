"""Run the upstream corpus scripts unchanged against tiny random-weight stand-in models.

How it works (the script and the program are not changed at all):

1. **A private Hugging Face hub cache.** ``build_standins(root)`` builds the tiny models of
   ``tiny_models.py`` / ``tiny_control.py`` once and lays them out as a hub cache
   (``models--ORG--NAME/snapshots/<commit>/...`` with ``refs/main``) under the repository ids the
   corpus names (``STANDINS``: ``stabilityai/stable-diffusion-xl-base-1.0`` -> the tiny SDXL,
   ``diffusers/controlnet-canny-sdxl-1.0`` -> the tiny SDXL ControlNet ...). Every weight file is
   also linked under its ``fp16`` / ``bf16`` variant names, so ``--variant fp16`` resolves. With
   ``HF_HUB_CACHE`` pointing there and ``HF_HUB_OFFLINE=1``, dgenerate's ordinary loading code
   (diffusers / transformers ``from_pretrained``, ``subfolder=``, blob links through
   ``hf_hub_download``) finds the stand-ins exactly where it would find the real models.
   Ids without a stand-in fail the way a missing download fails offline.
2. **A copy of the corpus.** The whole corpus tree (1.7 MB) is copied into a work folder once, so a
   script's neighbouring files and ``../../media`` inputs resolve; each script runs in its copied
   folder and writes its outputs there.
3. **Cheap injected arguments** (``INJECTED``), appended to every invocation of the script the way
   ``dgenerate --file script.dgen ARGS`` injects them (the last value of an option wins): the CPU,
   float32, 64x64 images (128x128 for Stable Cascade, which aligns to 128), 6 inference steps,
   one animation frame, offline mode.
4. **The environment the script asks about.** ``HF_TOKEN`` is set to a dummy (scripts ``\\exit``
   without one). ``pretend_gpu=True`` makes the template functions ``have_cuda()`` answer True and
   ``total_memory()`` 80 GiB, so scripts take their ``{% if have_cuda() ... %}`` branch (where the
   corpus sets ``--quantizer``); torch itself still has no GPU, so diffusers + bitsandbytes
   answers its one clear line there.

Each script runs in its own ``python`` process (this file's ``__main__``), with a timeout.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CORPUS = REPO.parent / "shared" / "corpus" / "upstream-examples"
if not CORPUS.is_dir():  # a checkout beside /work/shared
    CORPUS = Path("/work/shared/corpus/upstream-examples")

COMMIT = "0" * 40
VARIANTS = ("fp16", "bf16")
INJECTED = ["--device", "cpu", "--dtype", "float32", "--output-size", "64",
            "--inference-steps", "6", "--frame-end", "0", "--offline-mode"]
PRETEND_MEMORY_GIB = 80
# model types whose sizes align to more than 64 (Stable Cascade: 128) get this size instead
ALIGNED_SIZES = {"cascade": "128"}


def injected(script: str, corpus: Path | str = CORPUS) -> list[str]:
    """The injected arguments for ``script``: ``INJECTED`` with a size its model type accepts."""
    try:
        text = (Path(corpus) / script).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return list(INJECTED)
    args = list(INJECTED)
    for word, size in ALIGNED_SIZES.items():
        if word in text:
            args[args.index("--output-size") + 1] = size
    return args

# hub id -> stand-in: "NAME" is a tiny_models folder, "controls.NAME" a tiny_control folder,
# "types.NAME" a tiny_types model, "NAME/sub" a sub folder of one (a repository holding only
# that component)
SD = "sd"
STANDINS: dict[str, str] = {
    **{repo: SD for repo in (
        "stable-diffusion-v1-5/stable-diffusion-v1-5", "CompVis/stable-diffusion-v1-4",
        "stabilityai/stable-diffusion-2", "stabilityai/stable-diffusion-2-1",
        "Lykon/dreamshaper-8", "Lykon/DreamShaper", "Yntec/3DRendering",
        "wavymulder/collage-diffusion", "Duskfallcrew/isometric-dreams-sd-1-5")},
    "stabilityai/stable-diffusion-2-inpainting": "sd_inpaint",
    "stabilityai/stable-diffusion-xl-base-1.0": "sdxl",
    "diffusers/stable-diffusion-xl-1.0-inpainting-0.1": "sdxl",
    "stabilityai/stable-diffusion-xl-refiner-1.0": "sdxl_refiner",
    "latent-consistency/lcm-sdxl": "sdxl/unet",
    "stabilityai/stable-diffusion-3-medium-diffusers": "controls.sd3_base",
    "stabilityai/stable-diffusion-3.5-large": "controls.sd3_base",
    "Kwai-Kolors/Kolors-diffusers": "kolors",
    "black-forest-labs/FLUX.1-schnell": "flux",
    "black-forest-labs/FLUX.1-dev": "flux",
    "black-forest-labs/FLUX.1-Fill-dev": "types.flux-fill",
    "black-forest-labs/FLUX.1-Kontext-dev": "types.flux-kontext",
    **{f"DeepFloyd/IF-I-{size}-v1.0": "types.if" for size in ("M", "L", "XL")},
    **{f"DeepFloyd/IF-II-{size}-v1.0": "types.ifs" for size in ("M", "L")},
    "stabilityai/stable-cascade-prior": "types.s-cascade",
    "stabilityai/stable-cascade": "types.s-cascade-decoder",
    "stabilityai/sd-x2-latent-upscaler": "types.upscaler-x2",
    "stabilityai/stable-diffusion-x4-upscaler": "types.upscaler-x4",
    "timbrooks/instruct-pix2pix": "types.pix2pix",
    "diffusers/sdxl-instructpix2pix-768": "types.sdxl-pix2pix",
    "madebyollin/sdxl-vae-fp16-fix": "vae",
    "lllyasviel/sd-controlnet-canny": "controls.sd",
    "lllyasviel/sd-controlnet-openpose": "controls.sd",
    "thibaud/controlnet-sd21-canny-diffusers": "controls.sd",
    "thibaud/controlnet-sd21-openpose-diffusers": "controls.sd",
    "diffusers/controlnet-canny-sdxl-1.0": "controls.sdxl",
    "diffusers/controlnet-depth-sdxl-1.0": "controls.sdxl",
    "thibaud/controlnet-openpose-sdxl-1.0": "controls.sdxl",
    "xinsir/controlnet-union-sdxl-1.0": "controls.sdxl_union",
    "InstantX/SD3-Controlnet-Canny": "controls.sd3",
    "InstantX/SD3-Controlnet-Pose": "controls.sd3",
    "InstantX/FLUX.1-dev-Controlnet-Canny": "controls.flux",
    "InstantX/FLUX.1-dev-Controlnet-Union": "controls.flux_union",
    # Union Pro 2.0 dropped the mode embedding (num_mode null): a plain Flux ControlNet
    "Shakker-Labs/FLUX.1-dev-ControlNet-Union-Pro-2.0": "controls.flux",
    # the sd T2I adapters (TencentARC/t2iadapter_*) are in tiny_adapters.build_adapter_repos
    "TencentARC/t2i-adapter-canny-sdxl-1.0": "controls.t2i_sdxl",
    "TencentARC/t2i-adapter-openpose-sdxl-1.0": "controls.t2i_sdxl",
}
# sub folders the real repositories hold twice (a lite model beside the full one): the same tiny one
ALIAS_SUBFOLDERS = {"stabilityai/stable-cascade-prior": {"prior_lite": "prior"},
                    "stabilityai/stable-cascade": {"decoder_lite": "decoder"}}


@dataclass
class StandIns:
    """Where the stand-ins are: the tiny models' root and the hub cache built from them."""

    root: str
    hub_cache: str
    repos: dict[str, str] = field(default_factory=dict)  # hub id -> local folder linked
    web: dict[str, str] = field(default_factory=dict)  # URL -> stand-in file (web cache)


@dataclass
class Result:
    """What one script run gave."""

    script: str
    status: int | None  # None: timed out
    stdout: str
    stderr: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.status == 0

    def first_error(self) -> str:
        """The line that says what went wrong (dgenerate's error line, else the last line)."""
        if self.status is None:
            return "timed out"
        if self.ok:
            return ""
        lines = [ln.strip() for ln in self.stderr.splitlines() if ln.strip()]
        for line in reversed(lines):
            if "error:" in line.lower() or line.startswith(("Traceback", "dgenerate:")):
                return line
        for line in reversed(lines):
            if not line.startswith(("Warning", "warnings.warn", "  ")) and "it/s]" not in line:
                return line
        return f"exit status {self.status}"

    def reason(self) -> str:
        """The error without its script location and quoted values: what groups failures."""
        line = self.first_error()
        line = re.sub(r"^(Config Error: )?[^:\s]+\.dgen:\d+: ", "", line)
        line = re.sub(r"^dgenerate: error: ", "", line)
        if "is not supported yet" in line:
            return line
        return re.sub(r'"[^"]*"', '"…"', line)


# ----------------------------------------------------------------------------- the hub cache
def _link_tree(src: str, dest: str, variants: bool = True) -> None:
    """Mirror ``src`` into ``dest`` with symlinks, adding fp16 / bf16 variant names of weights."""
    for folder, _, files in os.walk(src):
        out = os.path.join(dest, os.path.relpath(folder, src))
        os.makedirs(out, exist_ok=True)
        for name in files:
            target = os.path.join(folder, name)
            os.symlink(target, os.path.join(out, name))
            stem, ext = os.path.splitext(name)
            if variants and ext in (".safetensors", ".bin") and "." not in stem:
                for variant in VARIANTS:
                    os.symlink(target, os.path.join(out, f"{stem}.{variant}{ext}"))


def _add_repo(hub_cache: str, repo: str, folder: str, variants: bool = True) -> None:
    base = os.path.join(hub_cache, "models--" + repo.replace("/", "--"))
    os.makedirs(os.path.join(base, "refs"), exist_ok=True)
    with open(os.path.join(base, "refs", "main"), "w") as f:
        f.write(COMMIT)
    snapshot = os.path.join(base, "snapshots", COMMIT)
    _link_tree(folder, snapshot, variants)
    for alias, sub in ALIAS_SUBFOLDERS.get(repo, {}).items():
        _link_tree(os.path.join(folder, sub), os.path.join(snapshot, alias))


def _resolve(spec: str, models: dict[str, str], controls: dict[str, str], types: object) -> str:
    head, _, sub = spec.partition("/")
    if head.startswith("types."):
        folder = types.path(head.removeprefix("types."))
    else:
        table = controls if head.startswith("controls.") else models
        folder = table[head.removeprefix("controls.")]
    return os.path.join(folder, sub) if sub else folder


# Bingsu/adetailer's detector files: face / hand ones always find the middle of the image (so
# the adetailer pass inpaints), the segmenting ones are random YOLOv8n-seg models
ADETAILER_REPO = "Bingsu/adetailer"
ADETAILER_BOXES = ("face_yolov8n.pt", "face_yolov8s.pt", "hand_yolov8n.pt", "person_yolov8n-seg.pt",
                   "deepfashion2_yolov8s-seg.pt")


def _annotators(hub_cache: str) -> None:
    """The processor weights (lllyasviel/Annotators ...) and the adetailer detectors."""
    from tiny_processors import build as build_annotators
    from tiny_processors import hub_path
    from tiny_yolo import build_detector, build_fixed_box_detector, build_sam_hub_cache

    build_annotators(hub_cache)
    build_sam_hub_cache(hub_cache)
    for name in ADETAILER_BOXES:
        path = hub_path(hub_cache, ADETAILER_REPO, name)
        if "-seg" in name:
            build_detector(path, seg=True)
        else:
            build_fixed_box_detector(path, (0.25, 0.25, 0.75, 0.75))


def _adapters(hub_cache: str, models: object, controls: dict[str, str], root: str
              ) -> dict[str, str]:
    """The LoRA, textual inversion, IP adapter, image encoder and sd T2I adapter repositories
    (``tiny_adapters.build_adapter_repos``) in the hub cache."""
    from tiny_adapters import build_adapter_repos

    repos = build_adapter_repos(models, controls, root)
    for repo, folder in repos.items():  # adapter repositories hold no fp16 / bf16 variants
        _add_repo(hub_cache, repo, folder, variants=False)
    return repos


# the prompt upscalers' causal language models (tiny_llm), each of its repository's architecture:
# the magicprompt default (GPT-2) and the Phi-3 mini a magicprompt script names
LLM_STANDINS = {"Gustavosta/MagicPrompt-Stable-Diffusion": "build_gpt2",
                "failspy/Phi-3-mini-128k-instruct-abliterated-v3": "build_phi3"}


def _llms(hub_cache: str, root: str) -> dict[str, str]:
    import tiny_llm

    repos = {}
    for repo, builder in LLM_STANDINS.items():
        repos[repo] = getattr(tiny_llm, builder)(os.path.join(root, builder.removeprefix("build_")))
        _add_repo(hub_cache, repo, repos[repo], variants=False)
    return repos


# model files the corpus' processors name by URL (dgenerate fetches them through its web cache):
# URL -> a tiny_processors builder of the same spandrel architecture, in the released layout
WEB_STANDINS = {
    "https://github.com/Sanster/models/releases/download/add_big_lama/big-lama.pt":
        "lama_inpainter",
    "https://github.com/xinntao/Real-ESRGAN/releases/download/v0.2.5.0/realesr-general-x4v3.pth":
        "compact_upscaler",
    "https://github.com/JingyunLiang/SwinIR/releases/download/v0.0/"
    "001_classicalSR_DIV2K_s48w8_SwinIR-M_x4.pth": "swinir_upscaler",
    **{f"https://github.com/TNTwise/SPAN-ncnn-vulkan/raw/master/custom_models/"
       f"4xNomos8k_span_otf_medium.{ext}": f"ncnn_upscaler_{ext}" for ext in ("bin", "param")},
}

# ultralytics' SAM assets (u-sam, yolo-sam) and MAT: the real architectures are large (SAM ViT-L
# 308M parameters, SAM 2.1 Hiera-L 224M; ultralytics picks the architecture by file name), so
# they are built only on request (``heavy=True``: about 45 s and 1.1 GB)
SAM_ASSETS_URL = "https://github.com/ultralytics/assets/releases/download/v8.3.0"
HEAVY_WEB_STANDINS = {
    **{f"{SAM_ASSETS_URL}/{name}": "build_named_sam_asset" for name in ("sam_l.pt", "sam2.1_l.pt")},
    # MAT (spandrel-extra-arches): one fixed size, 62M parameters, 120 MB
    "https://github.com/Sanster/models/releases/download/add_mat/Places_512_FullData_G.pth":
        "mat_inpainter",
}


def _web_files(root: str, table: dict[str, str]) -> dict[str, str]:
    """The files behind a URL table (URL -> path), built under ``root/web-files``."""
    import tiny_processors
    import tiny_yolo

    def ncnn_param(path: str) -> str:  # the .param file the .bin builder writes beside it
        tiny_processors.ncnn_upscaler(os.path.splitext(path)[0] + ".bin")
        return path

    extra = {"ncnn_upscaler_bin": tiny_processors.ncnn_upscaler,
             "ncnn_upscaler_param": ncnn_param}
    out = {}
    for url, builder in table.items():
        folder = os.path.join(root, "web-files", builder.removesuffix("_bin").removesuffix(
            "_param"))
        os.makedirs(folder, exist_ok=True)
        make = extra.get(builder) or getattr(tiny_processors, builder, None) \
            or getattr(tiny_yolo, builder)
        out[url] = make(os.path.join(folder, url.rsplit("/", 1)[-1]))
    return out


def _add_heavy(root: str, standins: "StandIns", done: str) -> "StandIns":
    missing = {u: b for u, b in HEAVY_WEB_STANDINS.items() if u not in standins.web}
    if missing:
        if str(HERE) not in sys.path:
            sys.path.insert(0, str(HERE))
        standins.web.update(_web_files(root, missing))
        with open(done, "w") as f:
            json.dump({"repos": standins.repos, "web": standins.web}, f, indent=1)
    return standins


def _web_entry(web: str, url: str, mime: str, place: Callable[[str], None]) -> None:
    """One entry of dgenerate's web cache folder ``web`` as a download leaves it (the folder
    ``webcache.entry_key(url)``, the file under the URL's name, ``.entry.json``); ``place(path)``
    puts the file there. An entry already there is kept."""
    from dgenerate_core import webcache  # this file also runs as a script, before REPO is on the path

    folder = os.path.join(web, webcache.entry_key(url))
    name = url.rsplit("/", 1)[-1]
    if os.path.exists(os.path.join(folder, webcache.ENTRY_FILE)):
        return
    os.makedirs(folder, exist_ok=True)
    place(os.path.join(folder, name))
    with open(os.path.join(folder, webcache.ENTRY_FILE), "w", encoding="utf-8") as f:
        json.dump({"url": url, "file": name, "mime": mime, "time": time.time()}, f)


def fill_web_cache(standins: StandIns, home: str) -> None:
    """The run's web cache (``$DGENERATE_CACHE/web`` of ``script_env``): the model files the
    processor scripts name by URL (``standins.web``) and stand-in images for the image URLs the
    adapter scripts download (``tiny_adapters.WEB_IMAGES``). The scripts name https URLs of
    github / huggingface that a loopback server cannot answer without editing them, and run in
    offline mode: so dgenerate takes its cache-hit path, the one every run after the first
    download takes."""
    from PIL import Image

    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    from tiny_adapters import WEB_IMAGES

    web = os.path.join(home, "dgenerate-cache", "web")
    for url, path in standins.web.items():
        _web_entry(web, url, "application/octet-stream", lambda dest, path=path: os.symlink(path, dest))
    for i, (url, mime) in enumerate(WEB_IMAGES.items()):
        noise = Image.effect_noise((64, 64), 20 + 5 * i).convert("RGB")
        _web_entry(web, url, mime, noise.save)


def build_standins(root: str, models: object = None, heavy: bool = False) -> StandIns:
    """Build the tiny models (unless ``models``, a ``TinyModels``, is given), their control models
    and the hub cache under ``root`` (reused when already complete); ``heavy`` adds the large
    SAM assets (``HEAVY_WEB_STANDINS``)."""
    root = os.path.abspath(root)
    hub_cache = os.path.join(root, "hub")
    done = os.path.join(root, "standins.json")
    if os.path.exists(done):
        with open(done) as f:
            saved = json.load(f)
        found = StandIns(root, hub_cache, saved.get("repos", saved), saved.get("web", {}))
        return _add_heavy(root, found, done) if heavy else found
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    from tiny_control import build_controls
    from tiny_models import build_all
    from tiny_types import TinyTypes

    models = models or build_all(os.path.join(root, "models"))
    controls = build_controls(models, os.path.join(root, "controls"))
    model_dirs = {k: v for k, v in vars(models).items() if isinstance(v, str)}
    control_dirs = {k: v for k, v in vars(controls).items() if isinstance(v, str)}
    types = TinyTypes(os.path.join(root, "types"))
    shutil.rmtree(hub_cache, ignore_errors=True)
    repos = {}
    for repo, spec in STANDINS.items():
        repos[repo] = _resolve(spec, model_dirs, control_dirs, types)
        _add_repo(hub_cache, repo, repos[repo])
    _annotators(hub_cache)
    repos.update(_adapters(hub_cache, models, control_dirs, os.path.join(root, "adapters")))
    repos.update(_llms(hub_cache, os.path.join(root, "llms")))
    web = _web_files(root, WEB_STANDINS)
    with open(done, "w") as f:
        json.dump({"repos": repos, "web": web}, f, indent=1)
    built = StandIns(root, hub_cache, repos, web)
    return _add_heavy(root, built, done) if heavy else built


# ----------------------------------------------------------------------------- running scripts
def corpus_scripts() -> list[str]:
    """Every corpus script, relative to the corpus folder, sorted."""
    return sorted(str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*.dgen"))


def copy_corpus(work: str) -> str:
    """The corpus copied under ``work`` (once), with stand-in media; returns the copy's folder."""
    dest = os.path.join(work, "corpus")
    if not os.path.isdir(dest):
        shutil.copytree(CORPUS, dest + ".tmp")
        standin_media(os.path.join(dest + ".tmp", "media"))
        os.rename(dest + ".tmp", dest)
    return dest


def media_names() -> list[str]:
    """The files of the corpus' ``media/`` folder that scripts name (the folder is not shipped)."""
    found = set()
    for path in CORPUS.rglob("*.dgen"):
        found.update(re.findall(r"media/([A-Za-z0-9_.-]+\.[A-Za-z0-9]+)", path.read_text("utf-8")))
    return sorted(found)


def standin_media(folder: str, size: int = 64) -> None:
    """Small images under the names the scripts use: gradients with a bright square, masks as a
    white square on black, ``.gif`` files as three-frame animations."""
    from PIL import Image, ImageDraw

    os.makedirs(folder, exist_ok=True)
    for name in media_names():
        mask = "mask" in name
        frames = []
        for i in range(3 if name.endswith(".gif") else 1):
            img = Image.new("RGB", (size, size), (0, 0, 0) if mask else (40 + 60 * i, 90, 160))
            draw = ImageDraw.Draw(img)
            if not mask:
                for y in range(size):
                    draw.line([(0, y), (size, y)], fill=(40 + 60 * i, 90 + y * 2, 160 - y))
            draw.rectangle([size // 4 + 4 * i, size // 4, 3 * size // 4, 3 * size // 4],
                           fill=(255, 255, 255) if mask else (230, 200, 120))
            frames.append(img)
        target = os.path.join(folder, name)
        if len(frames) > 1:
            frames[0].save(target, save_all=True, append_images=frames[1:], duration=100, loop=0)
        else:
            frames[0].save(target)


def script_env(standins: StandIns, home: str) -> dict[str, str]:
    """The environment of a script run: the stand-in hub cache, offline, a private home."""
    env = dict(os.environ)
    env.update(HF_HUB_CACHE=standins.hub_cache, HF_HUB_OFFLINE="1", HF_TOKEN="standin-token",
               HOME=home, DGENERATE_CACHE=os.path.join(home, "dgenerate-cache"),
               SDNQ_USE_TORCH_COMPILE="0", OMP_NUM_THREADS="1", TOKENIZERS_PARALLELISM="false",
               YOLO_OFFLINE="1", PYTHONPATH=os.pathsep.join(
                   [str(REPO)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]))
    env.pop("HF_HOME", None)
    return env


def run_script(script: str, standins: StandIns, work: str, pretend_gpu: bool = False,
               timeout: float = 300, extra: list[str] | None = None) -> Result:
    """Run one corpus script (relative path) unchanged in its copied folder."""
    copy = Path(copy_corpus(work)) / script
    home = os.path.join(work, "home")
    os.makedirs(home, exist_ok=True)
    fill_web_cache(standins, home)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--boot"]
    cmd += ["--pretend-gpu"] if pretend_gpu else []
    cmd += ["--file", copy.name] + injected(script) + list(extra or [])
    t0 = time.perf_counter()
    try:
        done = subprocess.run(cmd, cwd=copy.parent, env=script_env(standins, home),
                              capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
        status, out, err = done.returncode, done.stdout, done.stderr
    except subprocess.TimeoutExpired as e:
        status = None
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        err = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else (e.stderr or "")
    return Result(script, status, out, err, time.perf_counter() - t0)


def uses_quantizer(script: str) -> bool:
    """Whether the script sets a quantizer (``--quantizer`` or a ``quantizer=`` URI argument)."""
    text = (CORPUS / script).read_text(encoding="utf-8")
    return "--quantizer" in text or "quantizer=" in text or "\\set quantizer" in text


# model-based image processors and the processors that run models (issue 13)
MODEL_PROCESSORS = ("openpose", "midas", "zoe", "leres", "normal-bae", "hed", "pidi", "teed",
                    "anyline", "lineart", "lineart-anime", "lineart-standard", "mlsd", "upscaler",
                    "upscaler-ncnn", "inpaint", "patchmatch", "yolo", "sam", "u-sam", "yolo-sam",
                    "adetailer", "interposer")
_PROCESSOR_NAME = re.compile(r"(?<![\w/.-])(" + "|".join(map(re.escape, MODEL_PROCESSORS))
                             + r")(?=[;\"'\s]|$)", re.M)


def uses_model_processors(script: str) -> bool:
    """Whether the script names a model-based image processor (as a processor URI word: not a
    path, a repository id or ``--output-path inpaint``), the interposer or ``--adetailer-*``."""
    text = "\n".join(line for line in (CORPUS / script).read_text(encoding="utf-8").splitlines()
                     if not line.lstrip().startswith("#"))
    text = re.sub(r"--output-path\s+\S+", "", text)
    return bool(_PROCESSOR_NAME.search(text)) or "--adetailer" in text


# ----------------------------------------------------------------------------- many scripts
def run_scripts(scripts: list[str], standins: StandIns, work: str, pretend_gpu: bool = False,
                timeout: float = 300, on_result=None, extra: list[str] | None = None
                ) -> list[Result]:
    """Run many scripts, each in its own process forked from one that imported torch, diffusers
    and transformers once (seconds per script instead of the imports each time)."""
    copy = copy_corpus(work)
    home = os.path.join(work, "home")
    logs = os.path.join(work, "logs")
    os.makedirs(home, exist_ok=True)
    os.makedirs(logs, exist_ok=True)
    fill_web_cache(standins, home)
    listing = os.path.join(work, "scripts.json")
    with open(listing, "w") as f:
        json.dump({"corpus": copy, "scripts": scripts, "logs": logs, "timeout": timeout,
                   "args": list(extra or []), "pretend_gpu": pretend_gpu}, f)
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--zygote", listing],
                            env=script_env(standins, home), stdout=subprocess.PIPE,
                            stderr=open(os.path.join(logs, "zygote.err"), "w"), text=True,
                            stdin=subprocess.DEVNULL)
    results = []
    for line in proc.stdout:
        if not line.startswith("{"):
            continue
        row = json.loads(line)
        base = os.path.join(logs, row["log"])
        result = Result(row["script"], row["status"], _read(base + ".out"), _read(base + ".err"),
                        row["seconds"])
        results.append(result)
        if on_result is not None:
            on_result(result)
    proc.wait()
    return results


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def _preload() -> None:
    """Import what every script needs, once, before forking."""
    import diffusers
    import torch
    import transformers

    torch.set_num_threads(1)
    for name in ("StableDiffusionPipeline", "StableDiffusionXLPipeline", "FluxPipeline",
                 "StableDiffusion3Pipeline", "KolorsPipeline", "AutoencoderKL",
                 "UNet2DConditionModel"):
        getattr(diffusers, name)
    for name in ("CLIPTextModel", "CLIPTextModelWithProjection", "T5EncoderModel"):
        getattr(transformers, name)
    from dgenerate_core import cli, script  # noqa: F401
    from dgenerate_core.pipelines import load  # noqa: F401
    from dgenerate_core.render import execute  # noqa: F401


def _child(script: str, corpus: str, log: str, args: list[str], pretend: bool) -> None:
    """In the forked child: run one script with stdout / stderr in log files, then exit."""
    status = 70
    try:
        path = Path(corpus) / script
        os.chdir(path.parent)
        for fd, ext in ((1, ".out"), (2, ".err")):
            handle = os.open(log + ext, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(handle, fd)
            os.close(handle)
        sys.stdout = open(1, "w", closefd=False, buffering=1)
        sys.stderr = open(2, "w", closefd=False, buffering=1)
        status = _boot((["--pretend-gpu"] if pretend else []) + ["--file", path.name] + args)
    except SystemExit as e:
        status = e.code if isinstance(e.code, int) else 1
    except BaseException:  # noqa: BLE001 - report it as the child's output
        import traceback

        traceback.print_exc()
        status = 71
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


def _wait(pid: int, timeout: float) -> int | None:
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            return None
        time.sleep(0.05)


def _zygote(listing: str) -> int:
    with open(listing) as f:
        job = json.load(f)
    _preload()
    for i, script in enumerate(job["scripts"]):
        log = os.path.join(job["logs"], f"{i:03d}")
        t0 = time.perf_counter()
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            _child(script, job["corpus"], log, injected(script, job["corpus"]) + job["args"],
                   job["pretend_gpu"])
        status = _wait(pid, job["timeout"])
        print(json.dumps({"script": script, "status": status, "log": f"{i:03d}",
                          "seconds": round(time.perf_counter() - t0, 2)}), flush=True)
    return 0


# ----------------------------------------------------------------------------- the child process
def _pretend_gpu() -> None:
    """have_cuda() True and total_memory() 80 GiB for the script's templates (torch unchanged)."""
    from dgenerate_core.script import registry
    from dgenerate_core.script.functions import UNITS

    registry.ensure_loaded()
    registry.builtin_function("have_cuda", lambda: True, "stand-in: a GPU is present")
    registry.builtin_function(
        "total_memory",
        lambda device=None, unit="b": PRETEND_MEMORY_GIB * 1024 ** 3 / UNITS[str(unit).lower()],
        "stand-in: 80 GiB")


def _boot(argv: list[str]) -> int:
    if "--pretend-gpu" in argv:
        argv.remove("--pretend-gpu")
        _pretend_gpu()
    from dgenerate_core.cli import main

    return main(argv)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--boot"]:
        sys.path.insert(0, str(REPO))
        sys.exit(_boot(sys.argv[2:]))
    if sys.argv[1:2] == ["--zygote"]:
        sys.path.insert(0, str(REPO))
        sys.exit(_zygote(sys.argv[2]))
    print("usage: corpus_standins.py --boot [--pretend-gpu] DGENERATE_ARGS  (see tools/corpus_report.py)")
    sys.exit(2)
