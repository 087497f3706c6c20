r"""One drawing code for static figures and live widgets: a figure built once, then updated in place.

A plot is a subclass of :class:`LivePlot` with two methods:

- ``setup(fig)`` builds the axes and the artists once (lines, texts, images), empty or at any values;
- ``update(**values)`` moves those artists to the values (``line.set_data``, ``text.set_text``, ...).

``plot.figure(**values)`` returns a new matplotlib Figure: this is what ``tools/make_figures.py``, the
unit tests and a notebook's static cells use. A live widget (:mod:`nnlib.widgets`) calls ``figure`` once,
then ``update`` and :meth:`LivePlot.png` on every slider move: no new Figure, no new axes.

Why it is fast: the artists that change on every move are marked *animated* (:meth:`LivePlot.live`).
matplotlib leaves animated artists out of a normal draw and does not mark the figure stale when they
change. So :meth:`LivePlot.png` draws the still part (axes, ticks, labels, legend) once, keeps it as a
bitmap, and on each move only pastes that bitmap and draws the animated artists over it (matplotlib's
"blitting"). When ``update`` changes anything else (axis limits, a title), the figure is stale and the
whole figure is drawn again. Saving a figure draws animated artists as usual, so static figures are
complete.

Backends: a plot that computes something with nnlib takes ``backend`` = ``"numpy"``, ``"torch"``,
``"both"`` or ``"cuda"`` (see :func:`backend_options`). :func:`compute` runs the same function once per
chosen backend, with nnlib's ``numpy_nn`` or ``torch_nn`` module, and :class:`BackendLines` draws the
results: NumPy solid, PyTorch dashed on top, and for ``"both"`` the largest difference in the plot.
"""
import contextlib
import importlib
import struct
import sys
import zlib

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

#: the backend control's choices: (label shown, value passed to ``update``); "cuda" is added when available
BACKEND_LABELS = {"numpy": "NumPy", "torch": "PyTorch", "both": "both", "cuda": "PyTorch CUDA"}

#: how each backend's result is drawn when several are shown: NumPy solid below, PyTorch dashed on top
BACKEND_STYLE = {"numpy": {"ls": "-", "alpha": 1.0}, "torch": {"ls": (0, (4, 3)), "lw": 1.6, "color": "k"},
                 "cuda": {"ls": (0, (4, 3)), "lw": 1.6, "color": "k"}}


# ------------------------------------------------------------------------------------------ backends
def cuda_available():
    """Whether PyTorch sees a CUDA GPU (then the backend control offers "PyTorch CUDA")."""
    import torch

    return torch.cuda.is_available()


def backend_options():
    """The backend control's options as ``(label, value)`` pairs: NumPy, PyTorch, both, and PyTorch CUDA
    when this machine has one."""
    values = ["numpy", "torch", "both"] + (["cuda"] if cuda_available() else [])
    return [(BACKEND_LABELS[v], v) for v in values]


class Backend:
    """One of nnlib's implementations: its module (``nn``), the device it computes on, conversions.

    ``Backend("numpy").nn`` is :mod:`nnlib.numpy_nn`; ``Backend("torch").nn`` is :mod:`nnlib.torch_nn`
    with tensors on the CPU; ``Backend("cuda")`` the same module with tensors on the GPU.
    """

    def __init__(self, name):
        if name not in ("numpy", "torch", "cuda"):
            raise ValueError(f"backend: expected 'numpy', 'torch' or 'cuda', got {name!r}")
        self.name = name
        self.nn = importlib.import_module("nnlib.numpy_nn" if name == "numpy" else "nnlib.torch_nn")
        self.device = "cpu" if name != "cuda" else "cuda"

    @property
    def label(self):
        """What the plot says computed it: ``"NumPy"``, ``"PyTorch (cpu)"``, ``"PyTorch (cuda)"``."""
        return "NumPy" if self.name == "numpy" else f"PyTorch ({self.device})"

    def tensor(self, x):
        """``x`` as this backend computes on it: a float64 NumPy array, or a float64 tensor on the device."""
        x = np.asarray(x, dtype=np.float64)
        if self.name == "numpy":
            return x
        import torch

        return torch.as_tensor(x, device=self.device)

    def place(self, module):
        """An nnlib layer or activation on this backend's device (NumPy objects are returned as they are)."""
        return module if self.name == "numpy" else module.to(self.device)

    @staticmethod
    def numpy(a):
        """A result back as a NumPy array (tensors are detached and copied to the CPU)."""
        return a.detach().cpu().numpy() if hasattr(a, "detach") else np.asarray(a)


def chosen_backends(backend):
    """The backends a control value asks for: ``"both"`` is NumPy and PyTorch on the CPU."""
    if backend == "both":
        return ["numpy", "torch"]
    if backend not in BACKEND_LABELS:
        raise ValueError(f"backend: expected one of {list(BACKEND_LABELS)}, got {backend!r}")
    return [backend]


def compute(backend, function):
    """Run ``function(Backend)`` for each backend that ``backend`` asks for.

    ``function`` receives a :class:`Backend` and returns an array, a tuple or a dict of arrays or
    tensors (computed with ``b.nn`` on ``b.tensor(...)`` inputs). Returns a dict backend name -> the
    same structure with NumPy arrays, e.g. ``{"numpy": y, "torch": y}`` for "both".
    """
    return {name: _to_numpy(function(Backend(name))) for name in chosen_backends(backend)}


def _to_numpy(result):
    if isinstance(result, dict):
        return {k: _to_numpy(v) for k, v in result.items()}
    if isinstance(result, (tuple, list)):
        return type(result)(_to_numpy(v) for v in result)
    return Backend.numpy(result)


def max_difference(results):
    """The largest absolute difference between the backends' results (every array in them), or None
    when only one backend computed."""
    if len(results) < 2:
        return None
    first, *others = (np.concatenate([np.ravel(a) for a in _leaves(r)]) for r in results.values())
    return max(float(np.max(np.abs(first - other), initial=0.0)) for other in others)


def _leaves(result):
    if isinstance(result, dict):
        return [leaf for v in result.values() for leaf in _leaves(v)]
    if isinstance(result, (tuple, list)):
        return [leaf for v in result for leaf in _leaves(v)]
    return [np.asarray(result, dtype=np.float64)]


def backend_caption(results):
    """The text a plot shows about who computed it: ``"computed by NumPy"``, ``"computed by PyTorch
    (cpu)"``, or for both ``"NumPy vs PyTorch (cpu): max |difference| = 2.2e-16"``."""
    labels = [Backend(name).label for name in results]
    difference = max_difference(results)
    if difference is None:
        return f"computed by {labels[0]}"
    return f"{' vs '.join(labels)}: max |difference| = {difference:.2g}"


# ------------------------------------------------------------------------------------------ the plot
class LivePlot:
    """A figure built once (:meth:`setup`) and moved to new values in place (:meth:`update`).

    Subclasses set ``figsize`` and define ``setup(fig)`` and ``update(**values)``; ``update``'s
    keyword arguments with their defaults are the plot's parameters (the widget's controls). Data that
    never changes (a data set, a trained model) goes to the subclass's ``__init__``.
    """

    figsize = (6.0, 3.0)
    dpi = 100

    def __init__(self):
        self.fig = None
        self._background = None
        self._animated, self._legends = [], []

    # --- what a subclass defines
    def setup(self, fig):
        """Build the axes and artists on ``fig`` (called once per figure)."""
        raise NotImplementedError

    def update(self, **values):
        """Move the artists to ``values``."""
        raise NotImplementedError

    # --- helpers for subclasses
    @staticmethod
    def live(artist):
        """Mark an artist that ``update`` changes on every move. Live artists are drawn over the kept
        background, i.e. over every still artist: mark what must lie on top of a live one live too."""
        artist.set_animated(True)
        return artist

    @staticmethod
    def set_limits(ax, x=None, y=None):
        """Set axis limits only when they change (setting them redraws the whole figure)."""
        if x is not None and tuple(ax.get_xlim()) != tuple(map(float, x)):
            ax.set_xlim(*x)
        if y is not None and tuple(ax.get_ylim()) != tuple(map(float, y)):
            ax.set_ylim(*y)

    @staticmethod
    def set_title(ax, title):
        """Set a title: a live one (``plot.live(ax.title)``) is only re-drawn; a still one only when it
        changes (``ax.set_title`` always marks the figure for a full redraw, even of a live title)."""
        if ax.title.get_animated():
            ax.title.set_text(title)
        elif ax.get_title() != title:
            ax.set_title(title)

    @staticmethod
    def empty(ax):
        """Remove everything drawn on ``ax`` (lines, texts, patches, collections, images, its legend),
        keeping the axes and their ticks: for a picture redrawn whole on every move, ``ax.cla()``
        would also rebuild the ticks, which costs more than the drawing."""
        for artist in [*ax.lines, *ax.texts, *ax.patches, *ax.collections, *ax.images, *ax.artists]:
            artist.remove()
        if ax.get_legend() is not None:
            ax.get_legend().remove()

    # --- static use
    def figure(self, **values):
        """A new Figure showing ``values`` (the plot's defaults for the rest); the plot keeps it as ``fig``."""
        fig = Figure(figsize=self.figsize, dpi=self.dpi, layout="constrained")
        FigureCanvasAgg(fig)
        self.fig, self._background, self._animated = fig, None, []
        self.setup(fig)
        self.update(**values)
        return fig

    # --- live use
    def redraw(self, **values):
        """:meth:`update` then :meth:`png`, with NumPy's BLAS on one thread: a slider's arrays are small,
        and on a busy 2-core machine BLAS threads waiting for each other made a move 5x slower."""
        with _one_blas_thread():
            self.update(**values)
            return self.png()

    def png(self):
        """The figure as PNG bytes, drawn as little as needed: the whole figure when something other than
        an animated artist changed since the last call, else the kept background plus the animated
        artists."""
        fig = self.fig
        canvas = fig.canvas
        if self._background is None or fig.stale:
            # Legends go on top of the live lines, bands and points (a still legend would lie under them): left
            # out of the background, drawn once over it and kept as pictures, pasted last on every frame.
            legends = [lg for lg in [*fig.legends, *(ax.get_legend() for ax in fig.axes)]
                       if lg is not None and lg.get_visible()]
            for legend in legends:
                legend.set_animated(True)
            canvas.draw()  # animated artists are left out of a normal draw
            if self._background is None and fig.get_layout_engine() is not None:
                # The layout is computed once: recomputing it on every full draw would cost more than
                # the drawing, and a slider should not make the axes jump.
                fig.set_layout_engine("none")
                fig.stale = False
            self._background = canvas.copy_from_bbox(fig.bbox)
            for legend in legends:
                fig.draw_artist(legend)
            self._legends = [canvas.copy_from_bbox(legend.get_window_extent().padded(1)) for legend in legends]
            self._animated = sorted((a for ax in fig.axes for a in ax.get_children()
                                     if a.get_animated() and a not in legends), key=lambda a: a.get_zorder())
            self._animated += [t for t in fig.texts if t.get_animated()]
        else:
            canvas.restore_region(self._background)
        for artist in self._animated:
            if artist.get_visible():
                fig.draw_artist(artist)
        for picture in self._legends:
            canvas.restore_region(picture)
        # drawing a legend places its box again, which marks the figure stale; all of it is drawn now
        fig.stale = False
        return encode_png(np.asarray(canvas.buffer_rgba()))


_controller = {}


@contextlib.contextmanager
def _one_blas_thread():
    from threadpoolctl import ThreadpoolController

    key = "torch" in sys.modules  # torch brings its own OpenMP: look for thread pools again once loaded
    if key not in _controller:
        _controller[key] = ThreadpoolController()
    with _controller[key].limit(limits=1, user_api="blas"):
        yield


def encode_png(rgba):
    """PNG bytes of an ``(height, width, 4)`` uint8 image, RGB, no row filter, fastest zlib level.

    A slider frame must be encoded in a few milliseconds; Pillow's default filtering and compression
    take about twice as long for a file only 10% smaller.
    """
    rgb = np.ascontiguousarray(rgba[:, :, :3])
    height, width = rgb.shape[:2]
    rows = np.zeros((height, width * 3 + 1), dtype=np.uint8)  # each row starts with filter type 0
    rows[:, 1:] = rgb.reshape(height, -1)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8 bits, truecolour, no interlace
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows.tobytes(), 1))
            + chunk(b"IEND", b""))


class BackendLines:
    """One line per backend for one quantity on one axes: NumPy solid in ``color``, PyTorch dashed
    black on top; only the backends that computed are visible.

    >>> lines = BackendLines(plot, ax, color="C0", lw=2.5, label="f(x)")
    >>> lines.set(x, {"numpy": y_np, "torch": y_torch})   # e.g. compute(backend, ...) results
    """

    def __init__(self, plot, ax, color="C0", label=None, **style):
        self.ax, self.label, self._shown = ax, label, None
        self.lines = {}
        for name in ("numpy", "torch", "cuda"):
            own = dict(style, color=color)
            if name != "numpy":
                own.update(BACKEND_STYLE[name])
            (line,) = ax.plot([], [], label=label if name == "numpy" else None, **own)
            self.lines[name] = plot.live(line)
        self.lines["numpy"]._backend_lines = self  # the legend finds the other backends' lines from its entry

    def set(self, x, ys, color=None):
        """Show ``ys[name]`` against ``x`` (or ``x[name]`` when ``x`` is a dict) for each backend in ``ys``;
        hide the others. A single backend is drawn solid in the plot's colour (``color`` changes it),
        whichever it is."""
        single = len(ys) == 1
        if color is not None:
            self.lines["numpy"].set_color(color)
        for name, line in self.lines.items():
            line.set_visible(name in ys)
            if name in ys:
                line.set_data(x[name] if isinstance(x, dict) else x, ys[name])
                if name != "numpy":
                    numpy_style = self.lines["numpy"]
                    line.set_linestyle(numpy_style.get_linestyle() if single else BACKEND_STYLE[name]["ls"])
                    line.set_color(numpy_style.get_color() if single else BACKEND_STYLE[name]["color"])
                    line.set_linewidth(numpy_style.get_linewidth() if single else BACKEND_STYLE[name]["lw"])
        shown = tuple(ys)
        drawn_color = self.lines["numpy"].get_color()
        if (shown, drawn_color) != self._shown:  # only then: a new legend means a full redraw
            self._shown = (shown, drawn_color)
            self._relegend()

    def _relegend(self):
        """Make the legend's entry for these lines look as they are drawn: one line, or for several backends
        the dashed PyTorch line over the NumPy one (a still legend keeps the look it had when it was made)."""
        legend = self.ax.get_legend()
        if legend is None or self.label is None:
            return
        from matplotlib.legend_handler import HandlerTuple

        handles, labels = self.ax.get_legend_handles_labels()
        # every BackendLines of the axes, not only this one: the new legend replaces the whole old one
        handles = [h._backend_lines.drawn() if hasattr(h, "_backend_lines") else h for h in handles]
        new = self.ax.legend(handles, labels, loc=legend._loc, fontsize=legend.prop.get_size(),
                             handler_map={tuple: HandlerTuple(ndivide=None)})
        new.set_animated(legend.get_animated())

    def drawn(self):
        """The lines shown, as a legend handle: one line, or a tuple drawn one over the other."""
        shown = self._shown[0] if self._shown else ("numpy",)
        return tuple(self.lines[name] for name in shown)


def caption_text(plot, ax, x=0.99, y=0.02, **style):
    """An animated text in the lower right of ``ax`` for :func:`backend_caption` (or any live readout)."""
    style = {"ha": "right", "va": "bottom", "fontsize": 8, "color": "0.25",
             "bbox": {"boxstyle": "round,pad=0.2", "fc": "white", "ec": "0.8", "alpha": 0.9}, **style}
    return plot.live(ax.text(x, y, "", transform=ax.transAxes, **style))


def nice_limits(*arrays, pad=0.05, minimum_span=1e-9):
    """Axis limits that hold every finite value of ``arrays``, padded, rounded outward to a round step
    (1, 2 or 5 times a power of ten, a tenth of the span): small changes in the data keep the same
    limits, so a slider move does not redraw the axes."""
    values = np.concatenate([np.ravel(np.asarray(a, dtype=np.float64)) for a in arrays])
    values = values[np.isfinite(values)]
    if values.size == 0:
        return (-1.0, 1.0)
    lo, hi = float(values.min()), float(values.max())
    span = max(hi - lo, minimum_span, 1e-3 * max(abs(lo), abs(hi)))
    lo, hi = lo - pad * span, hi + pad * span
    raw = (hi - lo) / 10
    power = 10.0 ** np.floor(np.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return (float(np.floor(lo / step) * step), float(np.ceil(hi / step) * step))
