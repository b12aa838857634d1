"""PatchMatch inpainting (content aware fill) in numpy: an image pyramid, on each level nearest
neighbour fields found by propagation and random search, then patch voting."""

from __future__ import annotations

from typing import Any

ITERATIONS = 5


def _dilate(mask: Any, radius: int) -> Any:
    import cv2
    import numpy

    if radius <= 0:
        return mask.copy()
    kernel = numpy.ones((2 * radius + 1, 2 * radius + 1), numpy.uint8)
    return cv2.dilate(mask.astype(numpy.uint8), kernel) > 0


class _Level:
    """One pyramid level: the image, its hole, the target pixels and the valid sources."""

    def __init__(self, image: Any, hole: Any, radius: int) -> None:
        import numpy

        self.image, self.hole, self.r = image, hole, radius
        height, width = hole.shape
        self.targets = numpy.nonzero(_dilate(hole, radius))
        valid = ~_dilate(hole, radius)
        border = numpy.zeros_like(valid)
        border[radius:height - radius, radius:width - radius] = True
        self.valid = valid & border
        self.sources = numpy.stack(numpy.nonzero(self.valid), 1)

    def distance(self, ty: Any, tx: Any, sy: Any, sx: Any) -> Any:
        import numpy

        r, padded = self.r, self._padded
        total = numpy.zeros(ty.shape, numpy.float32)
        for dy in range(-r, r + 1):
            for dx in range(-r, r + 1):
                diff = padded[ty + dy + r, tx + dx + r] - padded[sy + dy + r, sx + dx + r]
                total += numpy.einsum("ij,ij->i", diff, diff)
        return total

    def refresh(self) -> None:
        import numpy

        self._padded = numpy.pad(self.image, ((self.r, self.r), (self.r, self.r), (0, 0)),
                                 mode="edge")

    def usable(self, sy: Any, sx: Any) -> Any:
        height, width = self.hole.shape
        inside = (sy >= 0) & (sy < height) & (sx >= 0) & (sx < width)
        out = inside.copy()
        out[inside] = self.valid[sy[inside], sx[inside]]
        return out


def _improve(level: _Level, nnf: Any, best: Any, ty: Any, tx: Any, cy: Any, cx: Any) -> None:
    ok = level.usable(cy, cx)
    if not ok.any():
        return
    d = level.distance(ty[ok], tx[ok], cy[ok], cx[ok])
    index = ok.nonzero()[0]
    better = d < best[index]
    chosen = index[better]
    best[chosen] = d[better]
    nnf[0][ty[chosen], tx[chosen]] = cy[ok][better]
    nnf[1][ty[chosen], tx[chosen]] = cx[ok][better]


def _iterate(level: _Level, nnf: Any, rng: Any) -> None:
    """One PatchMatch pass: propagation from the four neighbours, then random search."""
    import numpy

    ty, tx = level.targets
    level.refresh()
    best = level.distance(ty, tx, nnf[0][ty, tx], nnf[1][ty, tx])
    height, width = level.hole.shape
    for dy, dx in ((-1, 0), (0, -1), (1, 0), (0, 1)):
        ny, nx = numpy.clip(ty + dy, 0, height - 1), numpy.clip(tx + dx, 0, width - 1)
        _improve(level, nnf, best, ty, tx, nnf[0][ny, nx] - dy, nnf[1][ny, nx] - dx)
    radius = max(height, width)
    while radius >= 1:
        cy = nnf[0][ty, tx] + rng.integers(-radius, radius + 1, ty.shape)
        cx = nnf[1][ty, tx] + rng.integers(-radius, radius + 1, tx.shape)
        _improve(level, nnf, best, ty, tx, cy, cx)
        radius //= 2


def _vote(level: _Level, nnf: Any) -> None:
    """Each hole pixel becomes the mean of the pixels the matched patches covering it give it."""
    import numpy

    hy, hx = numpy.nonzero(level.hole)
    height, width = level.hole.shape
    total = numpy.zeros((hy.size, level.image.shape[2]), numpy.float32)
    count = numpy.zeros(hy.size, numpy.float32)
    r = level.r
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            qy, qx = hy - dy, hx - dx
            ok = (qy >= 0) & (qy < height) & (qx >= 0) & (qx < width)
            sy, sx = nnf[0][qy[ok], qx[ok]] + dy, nnf[1][qy[ok], qx[ok]] + dx
            total[ok] += level.image[sy, sx]
            count[ok] += 1
    level.image[hy, hx] = total / numpy.maximum(count, 1)[:, None]


def _random_nnf(level: _Level, rng: Any) -> Any:
    import numpy

    height, width = level.hole.shape
    ys, xs = numpy.mgrid[0:height, 0:width]
    nnf = [ys.copy(), xs.copy()]
    ty, tx = level.targets
    pick = level.sources[rng.integers(0, len(level.sources), ty.shape)]
    nnf[0][ty, tx], nnf[1][ty, tx] = pick[:, 0], pick[:, 1]
    return nnf


def _upsample(nnf: Any, level: _Level, rng: Any) -> Any:
    """The coarser field scaled to this level; invalid entries get random sources."""
    import cv2
    import numpy

    height, width = level.hole.shape
    fresh = _random_nnf(level, rng)
    ty, tx = level.targets
    up = [cv2.resize(f.astype(numpy.float32) * 2, (width, height),
                     interpolation=cv2.INTER_NEAREST).astype(numpy.int64) for f in nnf]
    cy, cx = up[0][ty, tx], up[1][ty, tx]
    ok = level.usable(cy, cx)
    fresh[0][ty[ok], tx[ok]], fresh[1][ty[ok], tx[ok]] = cy[ok], cx[ok]
    return fresh


def inpaint(image: Any, hole: Any, patch_size: int = 5, seed: int | None = None) -> Any:
    """Fill ``hole`` (HxW bool) of ``image`` (HxWx3 uint8); returns a new uint8 array."""
    import cv2
    import numpy

    rng = numpy.random.default_rng(seed)
    r = max(1, patch_size // 2)
    if not hole.any():
        return image.copy()
    images, holes = [image.astype(numpy.float32)], [hole]
    while min(holes[-1].shape) >= 8 * patch_size:
        h, w = holes[-1].shape
        images.append(cv2.resize(images[-1], (w // 2, h // 2), interpolation=cv2.INTER_AREA))
        holes.append(cv2.resize(holes[-1].astype(numpy.float32), (w // 2, h // 2),
                                interpolation=cv2.INTER_AREA) > 0)
    nnf = None
    filled = None
    for img, msk in zip(reversed(images), reversed(holes)):
        img = img.copy()
        if filled is None:  # the coarsest level starts from a smooth (Telea) fill
            seed_fill = cv2.inpaint(img.clip(0, 255).astype(numpy.uint8),
                                    msk.astype(numpy.uint8), 3, cv2.INPAINT_TELEA)
            img[msk] = seed_fill[msk]
        else:
            up = cv2.resize(filled, (msk.shape[1], msk.shape[0]), interpolation=cv2.INTER_LINEAR)
            img[msk] = up[msk]
        level = _Level(img, msk, r)
        if len(level.sources) == 0:
            filled = img
            continue
        nnf = _random_nnf(level, rng) if nnf is None else _upsample(nnf, level, rng)
        for _ in range(ITERATIONS):
            _iterate(level, nnf, rng)
            _vote(level, nnf)
        filled = level.image
    out = image.copy()
    out[hole] = filled[hole].clip(0, 255).round().astype(numpy.uint8)
    return out
