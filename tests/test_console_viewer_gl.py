"""The OpenGL image viewer backend (PyOpenGL + pyopengltk) on Xvfb's Mesa, when it can run here."""

from __future__ import annotations

import pytest
from PIL import Image, ImageGrab

from dgenerate_console.viewer import CanvasViewer, create_viewer, opengl_wanted
from dgenerate_console.viewer import gl as vgl

from dgenerate_console.themes import get_theme


def pump(root, times=8):
    for _ in range(times):
        root.update()


def test_env_variable_parsing(monkeypatch):
    monkeypatch.delenv("DGENERATE_CONSOLE_UI_OPENGL", raising=False)
    assert opengl_wanted()
    for value in ("0", "false", "OFF"):
        monkeypatch.setenv("DGENERATE_CONSOLE_UI_OPENGL", value)
        assert not opengl_wanted()
    monkeypatch.setenv("DGENERATE_CONSOLE_UI_OPENGL", "1")
    assert opengl_wanted()


def test_missing_pyopengltk_falls_back_to_canvas(tk_root, monkeypatch, caplog):
    import sys
    import dgenerate_console.viewer as viewer_package
    monkeypatch.setenv("DGENERATE_CONSOLE_UI_OPENGL", "1")
    monkeypatch.setitem(sys.modules, "pyopengltk", None)   # as if the extra were not installed
    monkeypatch.setattr(vgl, "_PROBE", {})
    monkeypatch.setattr(viewer_package, "_logged", set())
    assert vgl.opengl_unavailable_reason(tk_root).startswith(vgl.NOT_INSTALLED)
    with caplog.at_level("INFO", logger="dgenerate_console.viewer"):
        for _ in range(3):
            viewer = create_viewer(tk_root, theme=get_theme("dgenerate"), on_info=print)
            assert isinstance(viewer, CanvasViewer)
    records = [r for r in caplog.records if "OpenGL is not usable" in r.getMessage()]
    assert len(records) == 1 and records[0].levelname == "INFO"   # logged once


def test_failing_gl_context_warns_and_uses_canvas(tk_root, monkeypatch, caplog):
    import dgenerate_console.viewer as viewer_package
    monkeypatch.setenv("DGENERATE_CONSOLE_UI_OPENGL", "1")
    monkeypatch.setattr(vgl, "_PROBE", {tk_root.winfo_screen(): "glXCreateNewContext failed"})
    monkeypatch.setattr(viewer_package, "_logged", set())
    with caplog.at_level("INFO", logger="dgenerate_console.viewer"):
        viewer = create_viewer(tk_root, theme=get_theme("dgenerate"), on_info=print)
    assert isinstance(viewer, CanvasViewer)
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert "glXCreateNewContext failed" in caplog.records[0].getMessage()


@pytest.fixture
def gl_viewer(tk_root, monkeypatch):
    monkeypatch.setenv("DGENERATE_CONSOLE_UI_OPENGL", "1")
    reason = vgl.opengl_unavailable_reason(tk_root)
    if reason is not None:
        pytest.skip(f"OpenGL cannot run on this display: {reason}")
    tk_root.geometry("600x400+0+0")
    infos: list[str] = []
    viewer = create_viewer(tk_root, theme=get_theme("dgenerate"), on_info=infos.append)
    viewer.pack(fill="both", expand=True)
    pump(tk_root)
    viewer.infos = infos
    return viewer


def test_gl_viewer_draws_texture_with_zoom_transform(gl_viewer, tk_root, tmp_path, xdisplay):
    assert isinstance(gl_viewer, vgl.GLViewer) and gl_viewer.backend == "opengl"
    path = tmp_path / "quad.png"
    image = Image.new("RGB", (200, 100), (255, 0, 0))
    image.paste((0, 0, 255), (100, 0, 200, 100))           # right half blue
    image.save(path)
    gl_viewer.load(str(path))
    pump(tk_root)
    assert gl_viewer.surface.texture is not None and not gl_viewer.surface.texture_dirty
    x0, y0 = tk_root.winfo_rootx(), tk_root.winfo_rooty()
    shot = ImageGrab.grab(xdisplay=xdisplay)
    assert shot.getpixel((x0 + 250, y0 + 200))[:3] == (255, 0, 0)
    assert shot.getpixel((x0 + 350, y0 + 200))[:3] == (0, 0, 255)
    assert shot.getpixel((x0 + 150, y0 + 200))[:3] == (0, 0, 0)
    texture = gl_viewer.surface.texture
    gl_viewer.zoom_to_fit()                                # 3x: the red half fills the left of the view
    pump(tk_root)
    assert gl_viewer.surface.texture == texture            # uploaded once, zoom is a transform
    shot = ImageGrab.grab(xdisplay=xdisplay)
    assert shot.getpixel((x0 + 20, y0 + 200))[:3] == (255, 0, 0)
    assert shot.getpixel((x0 + 580, y0 + 200))[:3] == (0, 0, 255)


def test_gl_viewer_bbox_and_state_to_canvas(gl_viewer, tk_root, tmp_path, monkeypatch):
    path = tmp_path / "img.png"
    Image.new("RGB", (200, 100), (0, 128, 0)).save(path)
    gl_viewer.load(str(path))
    pump(tk_root)
    gl_viewer.start_bbox_selection(csv=True)
    surface = gl_viewer.surface
    surface.event_generate("<ButtonPress-1>", x=210, y=160)
    surface.event_generate("<Motion>", x=260, y=190, state=0x100)
    pump(tk_root, 2)
    assert gl_viewer.selection_rect() == (210, 160, 260, 190)
    surface.event_generate("<ButtonRelease-1>", x=260, y=190, state=0x100)
    assert tk_root.clipboard_get() == "10,10,60,40"
    gl_viewer.set_zoom(2.5)
    monkeypatch.setenv("DGENERATE_CONSOLE_UI_OPENGL", "0")
    canvas = create_viewer(tk_root, theme=get_theme("dgenerate"), on_info=print)
    canvas.set_state(gl_viewer.get_state())
    canvas.pack(fill="both", expand=True)
    gl_viewer.pack_forget()
    pump(tk_root)
    assert isinstance(canvas, CanvasViewer)
    assert canvas.zoom == 2.5 and canvas.path == str(path)
    assert canvas.get_state()["center"] == pytest.approx(gl_viewer.get_state()["center"])


def test_gl_viewers_come_and_go(gl_viewer, tk_root, tmp_path, xdisplay):
    """Moving between pane and window makes and destroys GL viewers; each frees its context."""
    path = tmp_path / "img.png"
    Image.new("RGB", (64, 64), (255, 255, 0)).save(path)
    gl_viewer.pack_forget()
    for _ in range(6):
        viewer = create_viewer(tk_root, theme=get_theme("dgenerate"), on_info=print)
        viewer.pack(fill="both", expand=True)
        viewer.load(str(path))
        pump(tk_root)
        assert viewer.surface.context_created
        surface = viewer.surface
        viewer.destroy()
        assert not surface.context_created and surface.texture is None
    last = create_viewer(tk_root, theme=get_theme("dgenerate"), on_info=print)
    last.pack(fill="both", expand=True)
    last.load(str(path))
    pump(tk_root)
    x0, y0 = tk_root.winfo_rootx(), tk_root.winfo_rooty()
    assert ImageGrab.grab(xdisplay=xdisplay).getpixel((x0 + 300, y0 + 200))[:3] == (255, 255, 0)


def test_gl_zoomed_out_is_smoothed(gl_viewer, tk_root, tmp_path, xdisplay):
    """Far zoomed out, 1-pixel stripes average to grey (mipmaps), instead of aliasing to black or white."""
    path = tmp_path / "stripes.png"
    stripes = Image.new("L", (1024, 1024), 0)
    stripes.paste(255, (0, 0, 1024, 1024), Image.frombytes("L", (1024, 1024), bytes(
        (255 if x % 2 else 0) for _ in range(1024) for x in range(1024))))
    stripes.convert("RGB").save(path)
    gl_viewer.load(str(path))
    pump(tk_root)
    gl_viewer.set_zoom(0.13)
    pump(tk_root)
    x0, y0 = tk_root.winfo_rootx(), tk_root.winfo_rooty()
    shot = ImageGrab.grab(xdisplay=xdisplay)
    reds = [shot.getpixel((x0 + x, y0 + 200))[0] for x in range(260, 340)]
    assert all(90 < red < 170 for red in reds), reds
