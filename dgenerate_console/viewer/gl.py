"""OpenGL backend (the ``console_ui_opengl`` extra: PyOpenGL + pyopengltk).

The image is uploaded once as a texture; zoom and pan are a transform of one textured quad.
"""

from __future__ import annotations

import contextlib
import io
import sys
import tkinter as tk
from typing import Any

from dgenerate_console.viewer.base import ImageViewer

_PROBE: dict[str, str | None] = {}
NOT_INSTALLED = "PyOpenGL / pyopengltk unavailable"


def opengl_unavailable_reason(widget: tk.Misc) -> str | None:
    """Why the OpenGL viewer cannot run on this display (None when it can); probed once per display."""
    screen = widget.winfo_screen()
    if screen not in _PROBE:
        _PROBE[screen] = _probe(screen)
    return _PROBE[screen]


def _probe(screen: str) -> str | None:
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            from pyopengltk import OpenGLFrame  # noqa: F401
            from OpenGL import GL  # noqa: F401
    except Exception as error:  # ImportError, or PyOpenGL failing to find libGL
        return f"{NOT_INSTALLED} ({type(error).__name__}: {error})"
    if sys.platform.startswith("linux"):
        return _probe_glx(screen)
    return None


def _probe_glx(screen: str) -> str | None:
    """Make (and drop) a GLX context on the display without a window."""
    try:
        from OpenGL import GL, GLX
        from pyopengltk import linux
    except Exception as error:
        return f"GLX unavailable ({type(error).__name__}: {error})"
    display = linux.XOpenDisplay(screen.encode("utf-8"))
    if not display:
        return f"cannot open X display {screen}"
    try:
        count = GL.GLint(0)
        configs = GLX.glXChooseFBConfig(display, 0, (GL.GLint * len(linux.fbatt))(*linux.fbatt), count)
        if count.value < 1:
            return "no GLX framebuffer configuration"
        context = GLX.glXCreateNewContext(display, configs[0], GLX.GLX_RGBA_TYPE, None, GL.GL_TRUE)
        if not context:
            return "glXCreateNewContext failed"
        GLX.glXDestroyContext(display, context)
        return None
    except Exception as error:
        return f"GLX context failed ({type(error).__name__}: {error})"


def _surface_class() -> type:
    """The OpenGLFrame subclass drawing one viewer (built lazily: pyopengltk imports OpenGL)."""
    from OpenGL import GL
    from pyopengltk import OpenGLFrame

    class GLSurface(OpenGLFrame):
        """pyopengltk frame whose drawing is driven by the owning viewer."""

        def __init__(self, master: tk.Misc, viewer: GLViewer, **kw: Any) -> None:
            super().__init__(master, **kw)
            self.viewer = viewer
            self.texture: int | None = None
            self.texture_dirty = False
            self.mipmapped = False
            self.width, self.height = kw.get("width", 1), kw.get("height", 1)

        def tkMap(self, evt: Any) -> None:  # noqa: N802 (pyopengltk's name)
            with contextlib.redirect_stdout(io.StringIO()):
                super().tkMap(evt)
            self.viewer._schedule_render()

        def tkResize(self, evt: Any) -> None:  # noqa: N802
            self.width, self.height = evt.width, evt.height
            self.viewer._schedule_render()

        def tkExpose(self, evt: Any) -> None:  # noqa: N802
            self.viewer._schedule_render()

        def initgl(self) -> None:
            GL.glClearColor(0.0, 0.0, 0.0, 1.0)

        def redraw(self) -> None:
            self.viewer._draw_gl(GL)

        def destroy(self) -> None:
            """Drop the texture, the GLX context and pyopengltk's X connection, then the widget."""
            if self.context_created and sys.platform.startswith("linux"):
                _release_glx(self)
                self.context_created = False
            super().destroy()

        def draw_now(self) -> None:
            """Draw one frame if the context exists and the frame is on screen."""
            if not self.context_created or not self.winfo_ismapped():
                return
            self.tkMakeCurrent()
            self.redraw()
            self.tkSwapBuffers()

    return GLSurface


def _release_glx(surface: Any) -> None:
    """Free what pyopengltk's Linux frame allocates and never frees (one context and display each)."""
    from OpenGL import GL, GLX
    from pyopengltk import linux

    display = getattr(surface, "_OpenGLFrame__window", None)
    context = getattr(surface, "_OpenGLFrame__context", None)
    if not display:
        return
    try:
        if context:
            if surface.texture is not None and surface.winfo_ismapped():
                surface.tkMakeCurrent()
                GL.glDeleteTextures([surface.texture])
            GLX.glXMakeCurrent(display, 0, None)
            GLX.glXDestroyContext(display, context)
        linux._x11lib.XCloseDisplay(display)
    except Exception:  # the X connection may already be gone at exit
        pass
    surface.texture = None


class GLViewer(ImageViewer):
    """The image viewer drawn with OpenGL through pyopengltk."""

    backend = "opengl"

    def _make_surface(self) -> tk.Widget:
        return _surface_class()(self, self, width=400, height=400, takefocus=1)

    def _image_changed(self) -> None:
        self.surface.texture_dirty = True

    def _render(self) -> None:
        self.surface.draw_now()

    def _draw_gl(self, GL: Any) -> None:  # noqa: N803 (the OpenGL.GL module)
        """Clear, then draw the image quad and the selection outline under an ortho transform."""
        surface = self.surface
        width, height = max(1, surface.width), max(1, surface.height)
        GL.glViewport(0, 0, width, height)
        GL.glMatrixMode(GL.GL_PROJECTION)
        GL.glLoadIdentity()
        GL.glOrtho(0, width, height, 0, -1, 1)
        GL.glMatrixMode(GL.GL_MODELVIEW)
        GL.glLoadIdentity()
        GL.glClear(GL.GL_COLOR_BUFFER_BIT)
        if self._image is None:
            return
        if surface.texture_dirty or surface.texture is None:
            self._upload_texture(GL)
        self._draw_quad(GL)
        rect = self.selection_rect()
        if rect is not None:
            self._draw_outline(GL, rect)

    def _upload_texture(self, GL: Any) -> None:  # noqa: N803
        surface = self.surface
        if surface.texture is not None:
            GL.glDeleteTextures([surface.texture])
        image = self._image.convert("RGBA")
        limit = int(GL.glGetIntegerv(GL.GL_MAX_TEXTURE_SIZE))
        if max(image.size) > limit:
            image.thumbnail((limit, limit))
        surface.texture = int(GL.glGenTextures(1))
        GL.glBindTexture(GL.GL_TEXTURE_2D, surface.texture)
        GL.glPixelStorei(GL.GL_UNPACK_ALIGNMENT, 1)
        GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_WRAP_S, GL.GL_CLAMP_TO_EDGE)
        GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_WRAP_T, GL.GL_CLAMP_TO_EDGE)
        GL.glTexImage2D(GL.GL_TEXTURE_2D, 0, GL.GL_RGBA, image.width, image.height, 0,
                        GL.GL_RGBA, GL.GL_UNSIGNED_BYTE, image.tobytes())
        surface.mipmapped = bool(GL.glGenerateMipmap)   # GL 3.0+: smooth when zoomed far out
        if surface.mipmapped:
            GL.glGenerateMipmap(GL.GL_TEXTURE_2D)
        surface.texture_dirty = False

    def _draw_quad(self, GL: Any) -> None:  # noqa: N803
        iw, ih = self._view.image_size
        GL.glPushMatrix()
        GL.glTranslated(self._view.ox, self._view.oy, 0)
        GL.glScaled(self._view.zoom, self._view.zoom, 1)
        GL.glEnable(GL.GL_TEXTURE_2D)
        GL.glEnable(GL.GL_BLEND)
        GL.glBlendFunc(GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA)
        GL.glBindTexture(GL.GL_TEXTURE_2D, self.surface.texture)
        magnify = GL.GL_NEAREST if self._view.zoom >= 1 else GL.GL_LINEAR
        GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_MAG_FILTER, magnify)
        minify = GL.GL_LINEAR_MIPMAP_LINEAR if self.surface.mipmapped else GL.GL_LINEAR
        GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_MIN_FILTER, minify)
        GL.glColor4f(1, 1, 1, 1)
        GL.glBegin(GL.GL_QUADS)
        for (u, v) in ((0, 0), (1, 0), (1, 1), (0, 1)):
            GL.glTexCoord2f(u, v)
            GL.glVertex2f(u * iw, v * ih)
        GL.glEnd()
        GL.glDisable(GL.GL_TEXTURE_2D)
        GL.glDisable(GL.GL_BLEND)
        GL.glPopMatrix()

    def _draw_outline(self, GL: Any, rect: tuple[float, float, float, float]) -> None:  # noqa: N803
        x0, y0, x1, y1 = (v + 0.5 for v in rect)
        for color, stipple in (((1, 1, 1), False), ((0, 0, 0), True)):
            if stipple:
                GL.glEnable(GL.GL_LINE_STIPPLE)
                GL.glLineStipple(4, 0x5555)
            GL.glColor3f(*color)
            GL.glBegin(GL.GL_LINE_LOOP)
            for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1)):
                GL.glVertex2f(x, y)
            GL.glEnd()
            GL.glDisable(GL.GL_LINE_STIPPLE)
