"""The console's image viewer on Xvfb: zoom, pan, coordinate mapping, context menu, bounding boxes."""

from __future__ import annotations

import pytest
from PIL import Image

from dgenerate_console.viewer import CanvasViewer, ViewerWindow, create_viewer
from dgenerate_console.viewer import geometry
from dgenerate_console.viewer.base import BBOX_CANCELLED, BBOX_STARTED
from dgenerate_console.viewer import menu as vmenu
from dgenerate_console.themes import get_theme

CONTROL, ALT, BUTTON1, BUTTON2 = 0x4, 0x8, 0x100, 0x200


def pump(root, times: int = 5) -> None:
    for _ in range(times):
        root.update()


def make_viewer(root, monkeypatch, infos, size=(600, 400), opengl="0"):
    monkeypatch.setenv("DGENERATE_CONSOLE_UI_OPENGL", opengl)
    root.geometry(f"{size[0]}x{size[1]}+0+0")
    viewer = create_viewer(root, theme=get_theme("dgenerate"), on_info=infos.append)
    viewer.pack(fill="both", expand=True)
    pump(root)
    assert viewer.surface.winfo_width() == size[0]
    return viewer


def write_image(tmp_path, size=(200, 100), color=(255, 0, 0), name="img.png"):
    path = tmp_path / name
    image = Image.new("RGB", size, color)
    image.putpixel((0, 0), (0, 255, 0))
    image.save(path)
    return str(path)


# ----- pure geometry ---------------------------------------------------------------------------

def test_geometry_clamps_fit_and_fixed_point_zoom():
    assert geometry.clamp_zoom(1000) == 80 and geometry.clamp_zoom(0.001) == 0.1
    assert geometry.fit_zoom((200, 100), (600, 400)) == 3.0
    assert geometry.fit_zoom((200, 100), (600, 400), upscale=False) == 1.0
    assert geometry.fit_zoom((1200, 100), (600, 400), upscale=False) == 0.5
    view = geometry.View((200, 100), (600, 400))
    view.fit()
    before = view.to_image(123, 77)
    view.zoom_at(7.5, 123, 77)
    assert view.zoom == 7.5
    assert view.to_image(123, 77) == pytest.approx(before)
    assert geometry.normalize_box((30, 40), (10, 5)) == (10, 5, 30, 40)
    assert geometry.format_box((451, 86, 751, 448), csv=False) == "451x86x751x448"
    assert geometry.format_box((451, 86, 751, 448), csv=True) == "451,86,751,448"
    assert geometry.format_point((123, 456), csv=False) == "123x456"


# ----- loading, zoom and pan -------------------------------------------------------------------

def test_canvas_backend_forced_by_env(tk_root, monkeypatch):
    viewer = make_viewer(tk_root, monkeypatch, [], opengl="0")
    assert isinstance(viewer, CanvasViewer) and viewer.backend == "canvas"


def test_load_fits_and_zoom_steps_clamp(tk_root, monkeypatch, tmp_path):
    viewer = make_viewer(tk_root, monkeypatch, [])
    assert viewer.path is None and viewer.image is None
    viewer.zoom_in()
    viewer.pan(5, 5)
    assert viewer.zoom == 1.0 and viewer.offset == (0, 0)   # nothing to zoom without an image
    big = write_image(tmp_path, size=(1200, 200), name="big.png")
    viewer.load(big)
    pump(tk_root)
    assert viewer.path == big
    assert viewer.zoom == pytest.approx(0.5)            # shrunk to fit 600 wide
    assert viewer.offset == pytest.approx((0, 150))      # centred vertically
    small = write_image(tmp_path)
    viewer.load(small)
    pump(tk_root)
    assert viewer.zoom == 1.0                            # a small image is not enlarged on load
    assert viewer.offset == pytest.approx((200, 150))
    viewer.zoom_to_fit()
    assert viewer.zoom == pytest.approx(3.0)
    viewer.actual_size()
    assert viewer.zoom == 1.0
    viewer.zoom_in()
    assert viewer.zoom == pytest.approx(1.2)
    viewer.zoom_out()
    viewer.zoom_out()
    assert viewer.zoom == pytest.approx(1 / 1.2)
    for _ in range(100):
        viewer.zoom_in()
    assert viewer.zoom == 80.0
    for _ in range(100):
        viewer.zoom_out()
    assert viewer.zoom == pytest.approx(0.1)


def test_keyboard_and_wheel_zoom(tk_root, monkeypatch, tmp_path):
    viewer = make_viewer(tk_root, monkeypatch, [])
    viewer.load(write_image(tmp_path))
    pump(tk_root)
    surface = viewer.surface
    surface.focus_force()
    pump(tk_root)
    surface.event_generate("<Control-equal>")
    assert viewer.zoom == pytest.approx(1.2)
    surface.event_generate("<Control-minus>")
    assert viewer.zoom == pytest.approx(1.0)
    anchor = viewer.image_coords(250, 170)
    surface.event_generate("<Button-4>", x=250, y=170)
    assert viewer.zoom == pytest.approx(1.2)
    assert viewer.image_coords(250, 170) == anchor       # the pixel under the pointer stays put
    surface.event_generate("<Button-5>", x=250, y=170)
    surface.event_generate("<Button-5>", x=250, y=170)
    assert viewer.zoom == pytest.approx(1 / 1.2)


def test_pan_method_and_drags(tk_root, monkeypatch, tmp_path):
    viewer = make_viewer(tk_root, monkeypatch, [])
    viewer.load(write_image(tmp_path))
    pump(tk_root)
    viewer.pan(10, -20)
    assert viewer.offset == pytest.approx((210, 130))
    viewer.pan(10_000, 0)                                 # clamped: part of the image stays visible
    assert viewer.offset[0] == pytest.approx(600 - 32)
    viewer.actual_size()
    viewer.zoom_to_fit()
    viewer.actual_size()
    start = viewer.offset
    surface = viewer.surface
    for press, motion, state in (("<ButtonPress-2>", "<B2-Motion>", BUTTON2),
                                 ("<ButtonPress-1>", "<B1-Motion>", CONTROL | BUTTON1),
                                 ("<ButtonPress-1>", "<B1-Motion>", ALT | BUTTON1)):
        before = viewer.offset
        surface.event_generate(press, x=100, y=100, state=state & ~(BUTTON1 | BUTTON2))
        surface.event_generate("<Motion>", x=115, y=90, state=state)
        release = "<ButtonRelease-2>" if state & BUTTON2 else "<ButtonRelease-1>"
        surface.event_generate(release, x=115, y=90, state=state)
        assert viewer.offset == pytest.approx((before[0] + 15, before[1] - 10)), motion
    assert viewer.offset != start
    assert not viewer.selecting


@pytest.mark.parametrize("zoom", [0.5, 1.0, 3.0, 17.0])
def test_coordinate_mapping_at_several_zooms(tk_root, monkeypatch, tmp_path, zoom):
    viewer = make_viewer(tk_root, monkeypatch, [])
    viewer.load(write_image(tmp_path))
    pump(tk_root)
    viewer.set_zoom(zoom)
    ox, oy = viewer.offset
    for px, py in ((0, 0), (5, 7), (199, 99), (120, 40)):
        x, y = ox + (px + 0.5) * zoom, oy + (py + 0.5) * zoom
        if 0 <= x < 600 and 0 <= y < 400:
            assert viewer.image_coords(x, y) == (px, py)
    assert viewer.image_coords(ox - 1, oy - 1) is None
    assert viewer.image_coords(ox + 200 * zoom + 1, oy) is None


def test_image_is_drawn_and_large_zoom_renders_only_the_view(tk_root, monkeypatch, tmp_path, xdisplay):
    from PIL import ImageGrab
    viewer = make_viewer(tk_root, monkeypatch, [])
    viewer.load(write_image(tmp_path, size=(1024, 1024)))
    pump(tk_root)
    assert viewer.rendered_size == (400, 400)             # fit: 0.390625 x 1024
    shot = ImageGrab.grab(xdisplay=xdisplay)
    x0, y0 = tk_root.winfo_rootx(), tk_root.winfo_rooty()
    assert shot.getpixel((x0 + 300, y0 + 200))[:3] == (255, 0, 0)
    assert shot.getpixel((x0 + 50, y0 + 200))[:3] == (0, 0, 0)
    viewer.set_zoom(80)
    pump(tk_root)
    width, height = viewer.rendered_size
    assert width <= 600 and height <= 400                 # never the 81920 x 81920 full bitmap


# ----- context menu, clipboard and bounding boxes ----------------------------------------------

def test_context_menu_copies_coordinates_and_disables_entries(tk_root, monkeypatch, tmp_path):
    viewer = make_viewer(tk_root, monkeypatch, [])
    cm = viewer.context_menu
    cm.prepare(10, 10)
    assert cm.state(vmenu.COPY_COORDS_X) == "disabled"
    assert cm.state(vmenu.COPY_BBOX_X) == "disabled"
    assert cm.state(vmenu.ZOOM_TO_FIT) == "disabled"
    assert cm.state(vmenu.COPY_PATH) == "disabled"
    assert cm.state(vmenu.LOAD_IMAGE) == "normal"
    path = write_image(tmp_path)
    viewer.load(path)
    pump(tk_root)
    viewer.set_zoom(2.0)
    ox, oy = viewer.offset
    cm.prepare(ox + 2 * 123 + 1, oy + 2 * 45 + 1)
    assert cm.state(vmenu.COPY_COORDS_X) == "normal"
    cm.invoke(vmenu.COPY_COORDS_X)
    assert tk_root.clipboard_get() == "123x45"
    cm.invoke(vmenu.COPY_COORDS_CSV)
    assert tk_root.clipboard_get() == "123,45"
    cm.prepare(ox - 5, oy - 5)                            # off the image
    assert cm.state(vmenu.COPY_COORDS_CSV) == "disabled"
    assert cm.state(vmenu.COPY_BBOX_CSV) == "normal"
    cm.invoke(vmenu.COPY_PATH)
    assert tk_root.clipboard_get() == path.replace("\\", "/")
    if vmenu.SHOW_IN_DIRECTORY in cm.labels():
        assert cm.state(vmenu.SHOW_IN_DIRECTORY) == "normal"
    cm.invoke(vmenu.ACTUAL_SIZE)
    assert viewer.zoom == 1.0
    cm.invoke(vmenu.ZOOM_TO_FIT)
    assert viewer.zoom == pytest.approx(3.0)


def test_right_click_event_posts_menu(tk_root, monkeypatch, tmp_path):
    viewer = make_viewer(tk_root, monkeypatch, [])
    viewer.load(write_image(tmp_path))
    pump(tk_root)
    viewer.surface.event_generate("<Button-3>", x=300, y=200)
    pump(tk_root)
    assert viewer.context_menu.point == (100, 50)
    assert viewer.context_menu.state(vmenu.COPY_COORDS_X) == "normal"
    viewer.context_menu.menu.unpost()


def drag(surface, start, end):
    surface.event_generate("<ButtonPress-1>", x=start[0], y=start[1])
    surface.event_generate("<Motion>", x=(start[0] + end[0]) // 2, y=(start[1] + end[1]) // 2,
                           state=BUTTON1)
    surface.event_generate("<Motion>", x=end[0], y=end[1], state=BUTTON1)
    surface.event_generate("<ButtonRelease-1>", x=end[0], y=end[1], state=BUTTON1)


@pytest.mark.parametrize("csv, expected", [(False, "10x5x30x40"), (True, "10,5,30,40")])
def test_bbox_selection_by_drag(tk_root, monkeypatch, tmp_path, csv, expected):
    infos: list[str] = []
    viewer = make_viewer(tk_root, monkeypatch, infos)
    viewer.load(write_image(tmp_path))
    pump(tk_root)
    viewer.set_zoom(2.0)
    ox, oy = viewer.offset
    label = vmenu.COPY_BBOX_CSV if csv else vmenu.COPY_BBOX_X
    viewer.context_menu.prepare(ox + 1, oy + 1)
    viewer.context_menu.invoke(label)
    assert viewer.selecting and infos[-1] == BBOX_STARTED
    surface = viewer.surface
    surface.event_generate("<ButtonPress-1>", x=int(ox + 60), y=int(oy + 80))
    surface.event_generate("<Motion>", x=int(ox + 40), y=int(oy + 30), state=BUTTON1)
    pump(tk_root, 2)
    if isinstance(viewer, CanvasViewer):
        assert len(surface.find_withtag("bbox")) == 2     # white outline under a dashed black one
        assert surface.itemcget(surface.find_withtag("bbox")[1], "dash") != ""
    surface.event_generate("<Motion>", x=int(ox + 20), y=int(oy + 10), state=BUTTON1)
    surface.event_generate("<ButtonRelease-1>", x=int(ox + 20), y=int(oy + 10), state=BUTTON1)
    assert tk_root.clipboard_get() == expected             # dragged bottom-right to top-left
    assert infos[-1] == f"Bounding box copied to clipboard: {expected}"
    assert not viewer.selecting
    pump(tk_root, 2)
    assert surface.find_withtag("bbox") == ()


def test_bbox_clamped_to_image_edges(tk_root, monkeypatch, tmp_path):
    viewer = make_viewer(tk_root, monkeypatch, [])
    viewer.load(write_image(tmp_path))
    pump(tk_root)
    viewer.start_bbox_selection(csv=False)
    drag(viewer.surface, (5, 5), (595, 395))
    assert tk_root.clipboard_get() == "0x0x200x100"


def test_escape_cancels_bbox_selection(tk_root, monkeypatch, tmp_path):
    infos: list[str] = []
    viewer = make_viewer(tk_root, monkeypatch, infos)
    viewer.load(write_image(tmp_path))
    pump(tk_root)
    tk_root.clipboard_clear()
    tk_root.clipboard_append("untouched")
    viewer.start_bbox_selection(csv=True)
    viewer.surface.focus_force()
    pump(tk_root)
    viewer.surface.event_generate("<ButtonPress-1>", x=250, y=170)
    viewer.surface.event_generate("<Motion>", x=300, y=200, state=BUTTON1)
    viewer.surface.event_generate("<Escape>")
    assert not viewer.selecting
    assert infos[-1] == BBOX_CANCELLED
    viewer.surface.event_generate("<ButtonRelease-1>", x=300, y=200, state=BUTTON1)
    assert tk_root.clipboard_get() == "untouched"


def test_load_image_dialog_and_unreadable_file(tk_root, monkeypatch, tmp_path):
    infos: list[str] = []
    viewer = make_viewer(tk_root, monkeypatch, infos)
    path = write_image(tmp_path, name="chosen.png")
    viewer.ask_open_file = lambda: path
    viewer.context_menu.prepare(0, 0)
    viewer.context_menu.invoke(vmenu.LOAD_IMAGE)
    assert viewer.path == path
    assert infos[-1] == f"Manually loaded image: {path}"
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    viewer.load(str(broken))
    assert viewer.path == path                               # the old image stays
    assert infos[-1].startswith(f'Could not load image "{broken}"')


def test_app_callback_entries_and_help(tk_root, monkeypatch, tmp_path):
    viewer = make_viewer(tk_root, monkeypatch, [])
    cm = viewer.context_menu
    cm.prepare(0, 0)
    assert "Hide Image Pane" not in cm.labels() and vmenu.MAKE_WINDOW not in cm.labels()
    calls: list[str] = []
    viewer.on_hide = lambda: calls.append("hide")
    viewer.on_make_window = lambda: calls.append("window")
    cm.prepare(0, 0)
    assert vmenu.MAKE_PANE not in cm.labels()
    cm.invoke("Hide Image Pane")
    cm.invoke(vmenu.MAKE_WINDOW)
    assert calls == ["hide", "window"]
    cm.invoke(vmenu.HELP)
    dialog = cm.help_dialog
    assert dialog is not None and dialog.title() == "Image Viewer Help"
    text = dialog.winfo_children()[0].get("1.0", "end")
    assert "Copy Bounding Box" in text and "Alt+drag" in text


# ----- state between pane and window -----------------------------------------------------------

def test_state_round_trip_between_pane_and_window(tk_root, monkeypatch, tmp_path):
    infos: list[str] = []
    pane = make_viewer(tk_root, monkeypatch, infos)
    pane.load(write_image(tmp_path))
    pump(tk_root)
    pane.set_zoom(4.0)
    pane.pan(-30, 12)
    center = pane.get_state()["center"]
    closed: list[bool] = []
    window = ViewerWindow(tk_root, theme=get_theme("dgenerate"), on_info=infos.append,
                          on_close=lambda: closed.append(True))
    window.geometry("300x300")
    window.viewer.set_state(pane.get_state())
    pump(tk_root, 10)
    moved = window.viewer
    assert moved.path == pane.path and moved.zoom == 4.0
    assert moved.get_state()["center"] == pytest.approx(center)
    assert moved.image_coords(150, 150) == pane.image_coords(300, 200)
    moved.zoom_in()
    pane.set_state(moved.get_state())
    pump(tk_root)
    assert pane.zoom == pytest.approx(4.8)
    assert pane.get_state()["center"] == pytest.approx(moved.get_state()["center"])
    window.close()
    assert closed == [True]
    window.destroy()


def test_fit_state_refits_in_the_new_view(tk_root, monkeypatch, tmp_path):
    pane = make_viewer(tk_root, monkeypatch, [])
    pane.load(write_image(tmp_path))
    pump(tk_root)
    pane.zoom_to_fit()
    other = create_viewer(tk_root, theme=get_theme("dgenerate"), on_info=print)
    other.set_state(pane.get_state())                       # not mapped yet: fit waits for a size
    other.place(x=0, y=0, width=100, height=100)
    pump(tk_root)
    assert other.zoom == pytest.approx(0.5)


def test_viewer_and_desktop_modules_never_import_torch():
    import subprocess
    import sys
    code = ("import sys, dgenerate_console.viewer, dgenerate_console.viewer.gl, "
            "dgenerate_console.desktop\n"
            "bad = [m for m in ('torch', 'diffusers', 'transformers') if m in sys.modules]\n"
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_show_in_directory_commands(monkeypatch):
    from dgenerate_console.viewer import system
    assert system.show_in_directory_command("/a/b.png", "darwin") == ["open", "-R", "/a/b.png"]
    command = system.show_in_directory_command("/a/b.png", "win32")
    assert command[0] == "explorer" and command[1].startswith("/select,")
    monkeypatch.setattr(system.shutil, "which", lambda name: None)
    assert system.show_in_directory_command("/a/b.png", "linux") is None
    monkeypatch.setattr(system.shutil, "which", lambda name: "/usr/bin/xdg-open")
    assert system.show_in_directory_command("/a/b.png", "linux") == ["/usr/bin/xdg-open", "/a"]


def test_show_in_directory_entry_enabled_only_for_existing_file(tk_root, monkeypatch, tmp_path):
    from dgenerate_console.viewer import system
    viewer = make_viewer(tk_root, monkeypatch, [])
    cm = viewer.context_menu
    monkeypatch.setattr(system.shutil, "which", lambda name: None)
    cm.prepare(0, 0)
    assert vmenu.SHOW_IN_DIRECTORY not in cm.labels()        # no file manager: entry absent
    monkeypatch.setattr(system.shutil, "which", lambda name: "/usr/bin/xdg-open")
    cm.prepare(0, 0)
    assert cm.state(vmenu.SHOW_IN_DIRECTORY) == "disabled"  # no image
    path = write_image(tmp_path)
    viewer.load(path)
    cm.prepare(0, 0)
    assert cm.state(vmenu.SHOW_IN_DIRECTORY) == "normal"
    (tmp_path / "img.png").unlink()
    cm.prepare(0, 0)
    assert cm.state(vmenu.SHOW_IN_DIRECTORY) == "disabled"


def test_canvas_zoomed_out_is_smoothed(tk_root, monkeypatch, tmp_path, xdisplay):
    """Far zoomed out, 1-pixel stripes average to grey instead of aliasing to black or white."""
    from PIL import ImageGrab
    viewer = make_viewer(tk_root, monkeypatch, [])
    path = tmp_path / "stripes.png"
    Image.frombytes("L", (1024, 1024), bytes((255 if x % 2 else 0) for _ in range(1024)
                                             for x in range(1024))).save(path)
    viewer.load(str(path))
    viewer.set_zoom(0.13)
    pump(tk_root)
    x0, y0 = tk_root.winfo_rootx(), tk_root.winfo_rooty()
    shot = ImageGrab.grab(xdisplay=xdisplay)
    reds = [shot.getpixel((x0 + x, y0 + 200))[0] for x in range(260, 340)]
    assert all(90 < red < 170 for red in reds), reds


def test_every_theme_colours_menu_and_help(tk_root, monkeypatch):
    from dgenerate_console.themes import THEMES
    viewer = make_viewer(tk_root, monkeypatch, [])
    for theme in THEMES.values():
        viewer.set_theme(theme)
        assert viewer.theme is theme
        assert str(viewer.context_menu.menu.cget("background")) == theme.background
        dialog = viewer.context_menu.show_help()
        assert str(dialog.winfo_children()[0].cget("background")) == theme.background
        dialog.destroy()
