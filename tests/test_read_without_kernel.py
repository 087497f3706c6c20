"""A notebook read without a kernel shows every plot.

GitHub, nbviewer, ``jupyter nbconvert --to html`` and JupyterLab before "Run All" have no kernel, so a
live widget's output is only a reference to state that is gone. Each widget output therefore also
stores its first frame as ``image/png`` (``nnlib.widgets.with_picture``), and no notebook stores widget
state (with it, nbconvert's HTML would load the widget libraries from a CDN and show the widget, not the
picture). The browser test opens the un-run notebooks in JupyterLab (``test_browser.py``).
"""
import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest
from ipywidgets import FloatSlider

from _notebook_outputs import WIDGET_VIEW, png_size, widget_outputs
from nnlib import widgets
from nnlib.player import playground
from nnlib.plots.start import WavePlot

ROOT = Path(__file__).resolve().parent.parent
LEARNER = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SOLUTIONS = sorted((ROOT / "notebooks" / "solutions").glob("[0-9][0-9]_*.ipynb"))


def test_a_live_widget_carries_the_frame_it_shows():
    slider = FloatSlider(value=1.0, min=0.5, max=3.0)
    w = widgets.LiveWidget(WavePlot(), {"frequency": slider}, threaded=False)
    bundle = w._repr_mimebundle_()
    assert bundle["text/plain"] == "WavePlot(frequency=1.0)"  # what nbval compares
    assert WIDGET_VIEW in bundle  # the live widget, where a kernel is
    first = base64.b64decode(bundle["image/png"])
    assert first == w.image.value and png_size(first) == (600, 250)  # figsize (6, 2.5) at 100 dpi
    slider.value = 2.0  # displayed again later, it shows the frame it shows now
    again = base64.b64decode(w._repr_mimebundle_()["image/png"])
    assert again == w.image.value and again != first


def test_the_playground_carries_its_picture():
    w = playground(dataset="circles", hidden_layers=1, width=2)
    bundle = w._repr_mimebundle_()
    assert bundle["text/plain"].startswith("PlayerWidget(PlaygroundPlot(")
    assert base64.b64decode(bundle["image/png"]) == w.live.image.value


def test_a_bundle_without_a_picture_is_left_as_it_is():
    assert widgets.with_picture({"text/plain": "x"}, b"") == {"text/plain": "x"}
    assert widgets.with_picture(None, b"png") is None  # a closed widget's bundle


@pytest.mark.parametrize("path", LEARNER + SOLUTIONS, ids=lambda p: str(p.relative_to(ROOT / "notebooks")))
def test_every_stored_widget_output_shows_a_picture(path):
    outputs = list(widget_outputs(path))
    assert outputs, f"{path.name}: no widget output found (executed?)"
    for i, out in outputs:
        assert "image/png" in out["data"], f"{path.name}: code cell {i}'s widget output stores no picture"
        width, height = png_size(base64.b64decode(out["data"]["image/png"]))
        assert width >= 300 and height >= 150, f"{path.name}: code cell {i}'s picture is {width}x{height}"
    assert "widgets" not in json.loads(path.read_text())["metadata"], (
        f"{path.name} stores widget state: nbconvert's HTML would then load the widgets from a CDN")


def test_html_export_holds_every_figure_and_widget_picture(tmp_path):
    """``jupyter nbconvert --to html`` of every learner notebook, offline: every picture embedded."""
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", "--output-dir", str(tmp_path),
                    *map(str, LEARNER)], check=True, capture_output=True, timeout=300)
    for path in LEARNER:
        html = (tmp_path / f"{path.stem}.html").read_text()
        nb = json.loads(path.read_text())
        pictures = sum("image/png" in out.get("data", {}) for c in nb["cells"] for out in c.get("outputs", []))
        widgets_shown = len(list(widget_outputs(path)))
        embedded = html.count('src="data:image/png;base64,')
        assert embedded == pictures and pictures >= widgets_shown > 0, (
            f"{path.name}: {embedded} pictures in the HTML, the notebook stores {pictures} "
            f"({widgets_shown} of them widgets)")
        # nothing of the widget manager: no widget view to render, no script fetched for it
        assert WIDGET_VIEW not in html and "html-manager" not in html


def test_an_executed_html_export_without_widget_state_holds_the_widget_pictures(tmp_path):
    """``nbconvert --execute`` stores the widgets' state by default, and its HTML then loads the widget
    manager from a CDN instead of showing the picture; the README's command turns that off."""
    path = ROOT / "notebooks" / "00_start_here.ipynb"
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", "--execute",
                    "--ExecutePreprocessor.store_widget_state=False", "--output-dir", str(tmp_path), str(path)],
                   check=True, capture_output=True, timeout=300, cwd=path.parent)
    html = (tmp_path / "00_start_here.html").read_text()
    stored = sum("image/png" in out.get("data", {}) for c in json.loads(path.read_text())["cells"]
                 for out in c.get("outputs", []))
    assert html.count('src="data:image/png;base64,') == stored >= 1
    assert WIDGET_VIEW not in html and "html-manager" not in html
