"""Sliders that keep up: a :class:`~nnlib.plots.live.LivePlot` driven by ipywidgets controls.

``live(plot, **controls)`` shows the controls above one image. The figure is built once; each move
updates its artists and sends a new PNG into the same ``ipywidgets.Image`` (see
:mod:`nnlib.plots.live` for how little is redrawn). Only core ipywidgets are used, so it works wherever
they do (JupyterLab, VS Code, Colab) with no extra frontend extension, and nbval sees one short text line.

Stale moves never queue: the controls only record their latest values; one background thread draws,
and when it finishes a frame it draws the newest values, skipping every move that arrived meanwhile
("latest wins"). The first frame is drawn before ``live`` returns, so an executed notebook stores it.

Read without a kernel (GitHub, nbviewer, ``jupyter nbconvert --to html``, JupyterLab before "Run All"),
a widget is only a reference to state that no longer exists. So each widget's output also carries that
first frame as an ordinary ``image/png`` (:func:`with_picture`): a front end that cannot show the live
widget shows the picture, one that can shows the widget. Saved widget state would not do: GitHub and
nbviewer ignore it, and nbconvert's HTML would then load the widget libraries from a CDN.
"""
import base64
import re
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor

import ipywidgets
import traitlets

from .plots.live import backend_options

# One thread draws every widget's frames: on a 2-core machine two frames drawn at once both arrive late.
_DRAWER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nnlib-widgets")


def backend_control(value="numpy", description="backend"):
    """The backend toggle: NumPy, PyTorch, both (overlaid, with their largest difference), and PyTorch
    CUDA when PyTorch sees a GPU."""
    return ipywidgets.ToggleButtons(options=backend_options(), value=value, description=description,
                                    style={"button_width": "auto"})


class MeasureAgain(ipywidgets.Button, ipywidgets.ValueWidget):
    """A button whose ``value`` counts its clicks: as a control of :func:`live`, each click is a move, and
    the plot gets the count (a plot that measures, like the speed plot, measures again for a new count)."""

    value = traitlets.Int(0)

    def __init__(self, description="measure again", **kwargs):
        super().__init__(description=description, icon="refresh", **kwargs)
        self.on_click(lambda _: setattr(self, "value", self.value + 1))


def measure_again(description="measure again"):
    """The "measure again" control (see :class:`MeasureAgain`)."""
    return MeasureAgain(description)


class LiveWidget(ipywidgets.VBox):
    """The controls, then the plot's image, a status line repeating the plot's caption (which backend
    computed, their largest difference: as text for screen readers and the browser test), and an error
    line when drawing fails.

    Parameters
    ----------
    plot : LivePlot
    controls : dict
        Name of an ``update`` parameter -> an ipywidgets control (its ``value`` is passed) or a
        plain value (passed as it is, like ``interact``'s ``fixed``).
    threaded : bool
        Draw moves on the background thread (the default). ``False`` draws each move before the
        change returns (for tests that need a frame per move).
    """

    def __init__(self, plot, controls, threaded=True):
        self.plot = plot
        self.controls = {k: c for k, c in controls.items() if isinstance(c, ipywidgets.ValueWidget)}
        self.fixed = {k: c for k, c in controls.items() if k not in self.controls}
        self.threaded = threaded
        #: moves seen, frames drawn, how long each frame took (s) and when the last one was ready
        #: (``time.perf_counter()``), for tests and the benchmark
        self.moves, self.frames, self.draw_seconds, self.last_frame_at = 0, 0, [], None
        self._lock = threading.Lock()
        self._wanted = None  # the newest values not drawn yet
        self._busy = False
        self.error = ipywidgets.HTML(layout={"display": "none"})
        plot.figure(**self.values())
        self.image = ipywidgets.Image(value=plot.png(), format="png", layout={"width": "auto"})
        self.status = ipywidgets.HTML(self._status_text())
        self.status.add_class("nnlib-status")
        super().__init__(children=[*self.controls.values(), self.image, self.status, self.error],
                         layout={"align_items": "flex-start"})
        self.add_class("nnlib-live")
        for control in self.controls.values():
            control.observe(self._moved, names="value")

    def values(self):
        """The values ``update`` gets now: every control's value and the fixed ones."""
        return {**self.fixed, **{k: c.value for k, c in self.controls.items()}}

    def _moved(self, _change):
        values = self.values()
        with self._lock:
            self.moves += 1
            self._wanted = values
            if self._busy:
                return  # the drawing thread will take these values when its frame is done
            self._busy = True
        if self.threaded:
            _DRAWER.submit(self._draw_latest)
        else:
            self._draw_latest()

    def _draw_latest(self):
        while True:
            with self._lock:
                values, self._wanted = self._wanted, None
                if values is None:
                    self._busy = False
                    return
            self._draw(values)

    def _draw(self, values):
        start = time.perf_counter()
        try:
            self.image.value = self.plot.redraw(**values)
            self.status.value = self._status_text()
            self.error.layout.display = "none"
        except Exception:  # a widget must show what went wrong, not go silent
            message = traceback.format_exc(limit=-3)
            self.error.value = f"<pre style='color:#b00'>{_escape(message)}</pre>"
            self.error.layout.display = None
        self.frames += 1
        self.last_frame_at = time.perf_counter()
        self.draw_seconds.append(self.last_frame_at - start)

    def _status_text(self):
        caption = getattr(self.plot, "caption", None)
        text = caption.get_text() if hasattr(caption, "get_text") else ""
        return f"<small style='color:#555'>{_escape(text)}</small>" if text else ""

    def wait(self, timeout=30.0):
        """Block until every recorded move is drawn (for tests and scripts; a notebook never needs it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._busy:
                    return True
            time.sleep(0.005)
        return False

    def _repr_mimebundle_(self, **kwargs):
        return with_picture(super()._repr_mimebundle_(**kwargs), self.image.value)

    def __repr__(self):
        # nbval compares this text: the plot's name and its values, never the image bytes
        shown = ", ".join(f"{k}={v!r}" for k, v in self.values().items() if isinstance(v, (int, float, str)))
        return f"{type(self.plot).__name__}({shown})"


def compare_backends(plot, bound=1e-12, **values):
    """One line for a compared notebook cell: does the plot's "both" agree to within ``bound``?

    Draws ``plot`` at ``values`` with ``backend="both"`` and reads the largest difference from its
    caption. The exact difference is round-off that differs between machines, so a notebook stores the
    comparison with the bound, never the digits.
    """
    plot.figure(**values, backend="both")
    caption = plot.caption.get_text()
    found = re.search(r"max \|difference\| = (\d[-+.e\d]*)", caption)
    if found is None:
        raise ValueError(f"plot: {type(plot).__name__}'s caption shows no difference: {caption!r}")
    difference = float(found.group(1))
    verdict = f"< {bound:g}" if difference < bound else f"= {difference:.2g}, more than {bound:g}"
    return f"{type(plot).__name__}: {caption[:found.start()]}max |difference| {verdict}"


def with_picture(bundle, png):
    """``bundle`` (a widget's display data) with ``png`` added as ``image/png``.

    Which one a reader sees is the front end's choice: JupyterLab, Notebook 7 and Voila show the live
    widget when its kernel is there (a trusted output ranks the widget first), and the picture in a
    notebook that was not run in this session (its outputs are untrusted, and the widget renderer is
    not a safe one). nbconvert's HTML shows the picture when the notebook stores no widget state, and
    GitHub and nbviewer only ever show the picture. nbval compares neither: ``text/plain`` carries the
    values.
    """
    if bundle is not None and png:
        bundle["image/png"] = base64.b64encode(png).decode("ascii")
    return bundle


def _escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def live(plot, **controls):
    """Show ``plot`` under ``controls`` and redraw it in place as they move; returns the :class:`LiveWidget`.

    ``controls`` name ``plot.update``'s parameters: an ipywidgets control (a slider, a dropdown,
    :func:`backend_control`) or a fixed value. In a notebook: ``live(plots.ActivationPlot(),
    name=Dropdown(...), backend=backend_control())`` as the cell's last line, or ``display(...)`` it.
    """
    return LiveWidget(plot, controls)
