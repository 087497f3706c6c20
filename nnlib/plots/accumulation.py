r"""Gradient accumulation: what it saves (memory) and what can go wrong (the gradient's error).

Data: :func:`memory_table` (measured memory of one micro-batch step for k = 1, 2, ...),
:func:`memory_at` (the row of one k), :func:`gradient_error_curves` (how far each scaling rule's
accumulated gradient is from the full batch's, for every k). Drawing: :func:`plot_memory` (the
k slider) and :func:`plot_gradient_errors` (k and imbalance sliders). Used by
``07_gradient_accumulation``; the measuring itself is in :mod:`nnlib.accumulation`.
"""
from functools import lru_cache

import numpy as np

from .. import _validation as v
from .. import accumulation as acc
from .live import Backend, BackendLines, LivePlot, backend_caption, caption_text, chosen_backends

#: one colour per scaling rule, shared by every plot
RULE_COLORS = {"rows": "#2ca02c", "mean_of_means": "#ff7f0e", "sum": "#d62728"}
RULE_LABELS = {"rows": "scaled by rows, $n_j/N$ (right)", "mean_of_means": "mean of means, $1/k$",
               "sum": "not divided (sum)"}
#: relative errors below this are drawn at it: float64 round-off, i.e. "equal"
ERROR_FLOOR = 1e-17

MB = 1e6


# ------------------------------------------------------------------------------------------ data
def memory_table(widths=(128, 512, 512, 10), batch_size=256, k_max=16, seed=0, measure_cuda=True):
    r"""Memory of one micro-batch step for every k from 1 to ``k_max`` (one batch of ``batch_size`` rows).

    With k micro-batches the largest holds :math:`m = \lceil N/k \rceil` rows, and one step's memory
    is that of a forward+backward pass on m rows. Measured on an MLP of the given widths (ReLU
    hidden layers, cross-entropy, float64), the same weights in both backends.

    Returns
    -------
    dict of ndarray, one entry per k
        ``k``; ``rows`` (m); ``numpy_formula`` (:func:`nnlib.accumulation.activation_bytes`, h=2);
        ``numpy_peak`` (``tracemalloc`` peak of the NumPy backend; varies a little between runs);
        ``torch_formula`` (h=1, what autograd should keep) and ``torch_saved`` (bytes autograd
        actually saved, counted by a hook: the formula plus the labels, 8 bytes a row);
        ``cuda_peak`` (``torch.cuda.max_memory_allocated`` above the start, NaN without a GPU);
        and ``widths``, ``batch_size`` as given.
    """
    import torch

    import nnlib
    from .. import numpy_nn

    widths = tuple(int(w) for w in widths)
    batch_size = int(batch_size)
    k_max = v.check_positive_int(k_max, "k_max")
    if k_max > batch_size:
        raise ValueError(f"k_max: expected at most batch_size={batch_size}, got {k_max}")
    layers = [nnlib.Dense(a, b, activation="relu") for a, b in zip(widths[:-2], widths[1:-1])]
    layers.append(nnlib.Dense(widths[-2], widths[-1]))
    X, y = acc.make_batch(batch_size, widths[0], widths[-1], seed=seed)
    np_net = nnlib.Sequential(layers, backend="numpy", seed=seed).net
    t_net = nnlib.Sequential(layers, backend="torch", seed=seed, device="cpu").net
    Xt, yt = torch.as_tensor(X), torch.as_tensor(y)
    cuda = measure_cuda and torch.cuda.is_available()
    if cuda:
        c_net = nnlib.Sequential(layers, backend="torch", seed=seed, device="cuda").net
        Xc, yc = Xt.cuda(), yt.cuda()
        acc.cuda_peak_bytes(c_net, torch.nn.CrossEntropyLoss(), Xc[:1], yc[:1])  # one-time allocations (cuBLAS)

    ks = np.arange(1, k_max + 1)
    rows = -(-batch_size // ks)  # ceil(N / k): the largest micro-batch
    table = {name: np.zeros(len(ks)) for name in ("numpy_formula", "numpy_peak", "torch_formula", "torch_saved",
                                                  "cuda_peak")}
    for i, m in enumerate(rows.tolist()):
        table["numpy_formula"][i] = acc.activation_bytes(widths, m, kept_per_hidden=2)
        table["torch_formula"][i] = acc.activation_bytes(widths, m, kept_per_hidden=1)
        table["numpy_peak"][i] = acc.numpy_peak_bytes(np_net, numpy_nn.CrossEntropyLoss(), X[:m], y[:m])
        table["torch_saved"][i] = acc.torch_saved_bytes(t_net, torch.nn.CrossEntropyLoss(), Xt[:m], yt[:m])
        table["cuda_peak"][i] = (acc.cuda_peak_bytes(c_net, torch.nn.CrossEntropyLoss(), Xc[:m], yc[:m])
                                 if cuda else np.nan)
    return {"k": ks, "rows": rows, **table, "widths": widths, "batch_size": batch_size}


def memory_at(table, k):
    """The row of :func:`memory_table` for one k, as a dict of plain numbers (bytes)."""
    ks = table["k"].tolist()
    if k not in ks:
        raise ValueError(f"k: expected one of 1..{max(ks)} (the measured values), got {k!r}")
    i = ks.index(k)
    return {name: (values[i].item() if isinstance(values, np.ndarray) else values)
            for name, values in table.items() if isinstance(values, np.ndarray)}


def gradient_error_curves(imbalance=0.0, k_max=12, n=240, seed=0, backend="numpy"):
    r"""Relative error of the accumulated gradient against the full batch's, per rule and per k.

    A fixed small network (4-16-3, tanh, cross-entropy, nnlib's ``backend``: "numpy", "torch" or
    "cuda") and batch of ``n`` rows; for
    each k the batch is split by :func:`nnlib.accumulation.unequal_sizes` with ``imbalance``
    (0: equal sizes). The error is :math:`\lVert g - g_{full}\rVert / \lVert g_{full}\rVert`.

    Returns
    -------
    dict
        ``k`` (k_max,), ``sizes`` (list of the k splits), and one array (k_max,) per rule in
        :data:`nnlib.accumulation.RULES`.
    """
    import nnlib

    b = Backend(backend)
    layers = [nnlib.Dense(4, 16, activation="tanh"), nnlib.Dense(16, 3)]
    model = (nnlib.Sequential(layers, seed=seed) if b.name == "numpy" else
             nnlib.Sequential(layers, seed=seed, backend="torch", device=b.device))
    X, y = acc.make_batch(n, 4, 3, seed=seed)
    if b.name != "numpy":
        import torch

        X, y = b.tensor(X), torch.as_tensor(y, device=b.device)
    loss_fn = b.nn.CrossEntropyLoss()
    full = acc.full_batch_gradients(model.net, loss_fn, X, y)
    ks = np.arange(1, k_max + 1)
    sizes = [acc.unequal_sizes(n, int(k), imbalance) for k in ks]
    curves = {"k": ks, "sizes": sizes}
    for rule in acc.RULES:
        curves[rule] = np.array([acc.relative_error(acc.accumulate_gradients(model.net, loss_fn, X, y, s, rule), full)
                                 for s in sizes])
    return curves


@lru_cache(maxsize=64)
def _cached_curves(imbalance, backend):
    return gradient_error_curves(imbalance, backend=backend)


def show_gradient_errors(k=4, imbalance=1.0, backend="numpy"):
    """The :class:`GradientErrorsPlot` as a static figure: the curves for ``imbalance``, ``k`` marked."""
    return GradientErrorsPlot().figure(k=k, imbalance=imbalance, backend=backend)


# ------------------------------------------------------------------------------------- drawing


#: the memory plot's series: (table column, label, colour, marker, line style, backend it measures)
MEMORY_SERIES = [("numpy_peak", "NumPy: tracemalloc peak (measured)", "#1f77b4", "o", "-", "numpy"),
                 ("numpy_formula", "NumPy: activations from shapes", "#1f77b4", None, "--", "numpy"),
                 ("torch_saved", "PyTorch: bytes autograd saved (measured)", "#ff7f0e", "s", "-", "torch"),
                 ("torch_formula", "PyTorch: activations from shapes", "#ff7f0e", None, "--", "torch"),
                 ("cuda_peak", "PyTorch CUDA: max_memory_allocated", "#2ca02c", "^", "-", "cuda")]


class MemoryPlot(LivePlot):
    """Memory of one step against the micro-batch size, the point for ``k`` micro-batches marked.

    Lines: the formulas (dashed); points: the measurements (:func:`memory_table`, measured once). The
    backend control picks whose memory is shown: NumPy's, PyTorch's, both, or CUDA's when measured.
    """

    figsize = (9, 4.6)

    def __init__(self, table):
        super().__init__()
        self.table = table

    @classmethod
    def example(cls):
        """A plot on a small measured table (for the benchmark; the notebook measures a bigger net)."""
        return cls(memory_table(widths=(32, 64, 10), batch_size=64, k_max=16, measure_cuda=False))

    def setup(self, fig):
        ax = self.ax = fig.subplots()
        table = self.table
        order = np.argsort(table["rows"])
        rows = table["rows"][order]
        self.series, self.marks = {}, {}
        for name, label, color, marker, style, backend in MEMORY_SERIES:
            values = table[name][order] / MB
            if np.all(np.isnan(values)):
                continue
            self.series[name] = self.live(ax.plot(rows, values, style, color=color, marker=marker, ms=4, label=label,
                                                  alpha=0.9)[0])
            if marker:
                self.marks[name] = self.live(ax.plot([], [], marker, color=color, ms=13, mfc="none", mew=2.5)[0])
        self.k_line = self.live(ax.axvline(0, color="0.5", lw=1, ls=":"))
        ax.set_xlabel("rows in one micro-batch  (m = ⌈N / k⌉)")
        ax.set_ylabel("memory of one step (MB)")
        ax.set_xlim(0, table["batch_size"] * 1.05)
        top = np.nanmax([np.nanmax(table[name]) for name in self.series]) / MB
        ax.set_ylim(0, top * 1.1)
        ax.legend(loc="upper left", fontsize=9)
        ax.set_title(" ", fontsize=10)
        self.live(ax.title)
        self.caption = caption_text(self, ax, y=0.4)

    def update(self, k=4, backend="numpy"):
        table, at = self.table, memory_at(self.table, k)
        shown = set(chosen_backends(backend))
        for name, label, color, marker, style, series_backend in MEMORY_SERIES:
            if name in self.series:
                self.series[name].set_visible(series_backend in shown)
            if name in self.marks:
                self.marks[name].set_visible(series_backend in shown)
                self.marks[name].set_data([at["rows"]], [at[name] / MB])
        self.k_line.set_xdata([at["rows"], at["rows"]])
        parts = {"numpy": f"NumPy peak {at['numpy_peak'] / MB:.1f} MB (k = 1: {table['numpy_peak'][0] / MB:.1f})",
                 "torch": f"autograd keeps {at['torch_saved'] / MB:.2f} MB (k = 1: {table['torch_saved'][0] / MB:.2f})",
                 "cuda": f"CUDA peak {at['cuda_peak'] / MB:.2f} MB"}
        self.set_title(self.ax, f"N = {table['batch_size']} rows, k = {k} micro-batches of ≤ {at['rows']} rows: "
                                + ", ".join(parts[b] for b in chosen_backends(backend)))
        measured = {"numpy": at["numpy_peak"], "torch": at["torch_saved"], "cuda": at["cuda_peak"]}
        shown = chosen_backends(backend)
        if len(shown) == 1:
            self.caption.set_text(f"measured for nnlib's {Backend(shown[0]).label}")
        else:  # different quantities (a peak vs what autograd saved): their gap, not round-off
            gap = (measured["numpy"] - measured["torch"]) / MB
            self.caption.set_text(f"k = {k}: NumPy's peak is {abs(gap):.2f} MB {'more' if gap >= 0 else 'less'} "
                                  "than what PyTorch's autograd keeps (two different measures, not round-off)")


def plot_memory(table, k=4, backend="both"):
    """The :class:`MemoryPlot` as a static figure (both backends' memory by default)."""
    return MemoryPlot(table).figure(k=k, backend=backend)


class GradientErrorsPlot(LivePlot):
    """Relative gradient error of each rule against k (log scale), the chosen ``k`` marked; the
    accumulation computed by nnlib's NumPy or PyTorch backend (or both, overlaid)."""

    figsize = (9, 4.4)

    def setup(self, fig):
        ax = self.ax = fig.subplots()
        self.lines, self.marks = {}, {}
        for rule in acc.RULES:
            self.lines[rule] = BackendLines(self, ax, color=RULE_COLORS[rule], marker="o", ms=4, label=RULE_LABELS[rule])
            self.marks[rule] = self.live(ax.plot([], [], "o", color=RULE_COLORS[rule], ms=13, mfc="none", mew=2.5)[0])
        self.k_line = self.live(ax.axvline(1, color="0.5", lw=1, ls=":"))
        ax.set_yscale("log")
        ax.axhspan(ERROR_FLOOR / 10, 1e-13, color="0.92", zorder=0)
        ax.text(1, 2e-14, " below here: float64 round-off, i.e. equal", ha="left", va="top", fontsize=8, color="0.4")
        ax.set_ylim(ERROR_FLOOR / 10, 1e2)
        ks = np.arange(1, 13)
        ax.set_xticks(ks)
        ax.set_xlim(0.5, 12.5)
        ax.set_xlabel("k (micro-batches per step)")
        ax.set_ylabel(r"$\|g - g_{full}\| \,/\, \|g_{full}\|$")
        ax.legend(loc="center right", fontsize=9)
        ax.set_title(" ", fontsize=10)
        self.live(ax.title)
        self.caption = caption_text(self, ax, y=0.3)

    def update(self, k=4, imbalance=1.0, backend="numpy"):
        self.show({b: _cached_curves(float(imbalance), b) for b in chosen_backends(backend)}, k)

    def show(self, curves, k):
        """Draw ``{backend: gradient_error_curves(...)}`` with ``k`` marked."""
        first = next(iter(curves.values()))
        ks = first["k"]
        if k not in ks.tolist():
            raise ValueError(f"k: expected one of 1..{ks.max()}, got {k!r}")
        i = ks.tolist().index(k)
        for rule in acc.RULES:
            self.lines[rule].set(ks, {b: np.maximum(c[rule], ERROR_FLOOR) for b, c in curves.items()})
            self.marks[rule].set_data([k], [max(first[rule][i], ERROR_FLOOR)])
        self.k_line.set_xdata([k, k])
        sizes = first["sizes"][i]
        shown = ", ".join(map(str, sizes)) if len(sizes) <= 8 else ", ".join(map(str, sizes[:7])) + ", …"
        self.set_title(self.ax, f"k = {k}: sizes [{shown}]; mean of means is off by {first['mean_of_means'][i]:.1e}, "
                                f"the sum by {first['sum'][i]:.2g}")
        self.caption.set_text(backend_caption({b: [c[rule] for rule in acc.RULES] for b, c in curves.items()}))


def plot_gradient_errors(curves, k=4):
    """Relative gradient error of each rule against k (log scale) for given ``curves``, ``k`` marked
    (a static figure of any :func:`gradient_error_curves` result)."""
    plot = GradientErrorsPlot()
    plot.figure(k=1)
    plot.show({"numpy": curves}, k)
    return plot.fig
