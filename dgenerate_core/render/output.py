"""Writing the outputs of one generation step: images (or a batch grid), ``.dgen`` configs and
embedded ``DgenerateConfig`` metadata; every file written is announced with ``events.emit``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Sequence

from dgenerate_core import __version__, events
from dgenerate_core.errors import DgenerateError
from dgenerate_core.media.atomic import Pending
from dgenerate_core.render.naming import animation_base_name, step_base_name
from dgenerate_core.render.plan import AXES, Step
from dgenerate_core.media.animations import AnimationWriter
from dgenerate_core.media.images import make_grid, save_image
from dgenerate_core.media.tensors import save_latents
from dgenerate_core.options import OPTIONS, to_argv
from dgenerate_core.options.reconstruct import quote

CONFIG_HEADER = f"#! dgenerate {__version__}"
#: options never written into a step's reproducing config
_DROP = ("gen_seeds", "seeds_to_images", "output_configs", "output_metadata", "verbose")


@dataclass
class OutputSettings:
    """Where and how the images of an invocation are written."""

    folder: str
    prefix: str | None = None
    overwrite: bool = False
    image_format: str = "png"
    configs: bool = False
    metadata: bool = False
    include_schedulers: bool = False
    grid: tuple[int, int] | None = None
    animation_format: str = "mp4"
    no_frames: bool = False
    auto1111: bool = False

    @property
    def latents(self) -> bool:
        """True for a tensor ``--image-format``: latents are saved instead of images."""
        return self.image_format in ("pt", "pth", "safetensors")

    @property
    def write_animation_file(self) -> bool:
        return self.animation_format != "frames"

    @property
    def write_frames(self) -> bool:
        return not self.no_frames or not self.write_animation_file


def make_output_folder(folder: str) -> None:
    """Create the output folder; a path that cannot be a folder is one user error line."""
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as ex:
        raise DgenerateError(f'--output-path: cannot create the folder "{folder}": '
                             f'{ex.strerror or ex}') from ex


def step_options(opts: Any, step: Step, frame: int | None = None) -> Any:
    """A copy of ``opts`` that reproduces exactly this step (one value per axis); with
    ``frame`` (absolute, 0-based) only that frame of an animated image seed."""
    single = opts.copy()
    if frame is not None:
        for dest in ("frame_start", "frame_end"):
            setattr(single, dest, frame)
            single.explicit.add(dest)
    for dest in _DROP:
        if hasattr(single, dest):
            setattr(single, dest, False if isinstance(getattr(single, dest), bool) else None)
            single.explicit.discard(dest)
    for dest in AXES:
        value = step[dest]
        if value is None or (dest == "prompts" and value == "" and dest not in opts.explicit):
            continue
        setattr(single, dest, [value])
        single.explicit.add(dest)
    if step.image_seed is not None:
        single.image_seeds = [step.image_seed]
        single.explicit.add("image_seeds")
    return single


def _lines(argv: Sequence[str]) -> list[list[str]]:
    """Group an argument list into lines: the model path, then one option with its values each."""
    names = {name for spec in OPTIONS for name in spec.names}
    lines: list[list[str]] = []
    for token in argv:
        if not lines or token.split("=", 1)[0] in names and token.startswith("-"):
            lines.append([token])
        else:
            lines[-1].append(token)
    return lines


def config_text(opts: Any, step: Step, frame: int | None = None) -> str:
    """The ``.dgen`` script that reproduces one generation step (or one frame of it)."""
    argv = to_argv(step_options(opts, step, frame))
    lines = [" ".join(quote(t) for t in line) for line in _lines(argv)]
    body = " \\\n".join(lines)
    return f"{CONFIG_HEADER}\n\n{body}\n"


def _write_text(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def _write_one(image: Any, base: str, settings: OutputSettings, config: str | None,
               a1111: str | None = None) -> str:
    with_config = settings.configs and config is not None
    exts = [settings.image_format] + ([".dgen"] if with_config else [])
    pending = Pending.create(settings.folder, base, exts)
    try:
        if a1111 is not None:
            save_image(image, pending.temps[0], a1111, key="parameters")
        else:
            save_image(image, pending.temps[0], config if settings.metadata else None)
        if with_config:
            _write_text(pending.temps[1], config)
        written = os.path.abspath(pending.publish(base, settings.overwrite))
    finally:
        pending.discard()
    events.emit("image", path=written)
    return written


def grid_or_batch(images: Sequence[Any], settings: OutputSettings) -> list[Any]:
    """The batch as written: one grid image with ``--batch-grid-size``, else the images."""
    if settings.grid is not None:
        columns, rows = settings.grid
        if columns * rows < len(images):
            raise DgenerateError(f"--batch-grid-size {columns}x{rows} has room for "
                                 f"{columns * rows} images, the batch has {len(images)}")
        return [make_grid(images, columns, rows)]
    return list(images)


def write_step_images(images: Sequence[Any], step: Step, opts: Any, settings: OutputSettings,
                      frame: int | None = None, frame_number: int | None = None,
                      a1111: str | None = None) -> list[str]:
    """Write the images of one step or animation frame (and their configs); returns the
    absolute image paths. ``frame`` is the index in the output, ``frame_number`` the
    absolute input frame the config reproduces; ``a1111`` is Automatic1111 metadata text."""
    make_output_folder(settings.folder)
    config = None
    if settings.configs or settings.metadata:
        config = config_text(opts, step, frame_number if frame is not None else None)
    outputs = grid_or_batch(images, settings)
    written: list[str] = []
    for index, image in enumerate(outputs):
        batch_index = index if len(outputs) > 1 else None
        base = step_base_name(step, step.number, settings.prefix, settings.include_schedulers,
                              batch_index, frame)
        written.append(_write_one(image, base, settings, config, a1111))
    return written


class AnimationOutputs:
    """The animation file(s) of one step, written while its frames are rendered: one file per
    batch index (or one of grids with ``--batch-grid-size``). Files are reserved and opened on
    the first frame; :meth:`close` finishes them and returns their absolute paths."""

    def __init__(self, step: Step, opts: Any, settings: OutputSettings, fps: float) -> None:
        self.step, self.opts, self.settings, self.fps = step, opts, settings, fps
        self.writers: list[Any] = []
        self.paths: list[str] = []
        self.config: str | None = None

    def _open(self, count: int) -> None:
        settings = self.settings
        make_output_folder(settings.folder)
        self.config = config_text(self.opts, self.step) if settings.configs else None
        exts = [settings.animation_format] + ([".dgen"] if self.config is not None else [])
        for index in range(count):
            base = animation_base_name(self.step, self.step.number, settings.prefix,
                                       settings.include_schedulers,
                                       index if count > 1 else None)
            pending = Pending.create(settings.folder, base, exts)
            self.paths.append((base, pending))
            self.writers.append(AnimationWriter(pending.temps[0], self.fps))

    def add(self, outputs: Sequence[Any]) -> None:
        """Append one frame: the step's outputs for it (already grids with a grid size)."""
        if not self.writers:
            self._open(len(outputs))
        for writer, image in zip(self.writers, outputs):
            writer.add(image)

    def close(self) -> list[str]:
        """Finish every file (and its ``.dgen``), move them into place; announce and return the
        absolute paths."""
        written: list[str] = []
        try:
            for writer, (base, pending) in zip(self.writers, self.paths):
                writer.close()
                if self.config is not None:
                    _write_text(pending.temps[1], self.config)
                written.append(os.path.abspath(pending.publish(base, self.settings.overwrite)))
                events.emit("animation", path=written[-1])
        finally:
            self.abort()
        return written

    def abort(self) -> None:
        """Close the files after an error and remove them (nothing half-written is kept)."""
        for writer in self.writers:
            try:
                writer.close()
            except Exception:  # noqa: BLE001 - the original error matters, not this one
                pass
        for _, pending in self.paths:
            pending.discard()
        self.writers, self.paths = [], []


def write_animations(frames: Sequence[Sequence[Any]], step: Step, opts: Any,
                     settings: OutputSettings, fps: float) -> list[str]:
    """Write the animation file(s) of one step from its per-frame outputs (already grids when
    ``--batch-grid-size``): one file per batch index; returns the absolute paths."""
    animation = AnimationOutputs(step, opts, settings, fps)
    for outputs in frames:
        animation.add(outputs)
    return animation.close()


def write_step_latents(latents: Any, step: Step, opts: Any, settings: OutputSettings,
                       frame: int | None = None, frame_number: int | None = None) -> list[str]:
    """Save the output latents of one step (or animation frame ``frame``, whose absolute input
    frame is ``frame_number``), one file per batch item (``_latent_N``)."""
    make_output_folder(settings.folder)
    config = config_text(opts, step, frame_number if frame is not None else None) \
        if settings.configs else None
    count = int(latents.shape[0])
    written: list[str] = []
    for index in range(count):
        base = step_base_name(step, step.number, settings.prefix, settings.include_schedulers,
                              index if count > 1 else None, frame, batch_tag="latent")
        exts = [settings.image_format] + ([".dgen"] if config is not None else [])
        pending = Pending.create(settings.folder, base, exts)
        try:
            save_latents(latents[index], pending.temps[0])
            if config is not None:
                _write_text(pending.temps[1], config)
            path = pending.publish(base, settings.overwrite)
        finally:
            pending.discard()
        written.append(os.path.abspath(path))
    return written
