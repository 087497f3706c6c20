"""The speed widget of ``07_gradient_accumulation``: measured time per training step and memory of one step.

:class:`SpeedPlot` is a :class:`~nnlib.plots.live.LivePlot`: moving the width or accumulation slider
measures a new sweep along the batch size (:func:`nnlib.speed.sweep`, a second or two, then cached);
moving the batch-size slider only moves the marks; "measure again" (:func:`nnlib.widgets.measure_again`)
measures the setting anew. Where the fastest implementation changes beyond the rounds' spread, a dotted
line and its batch size mark the crossover. :func:`plot_speed` is the same plot as a static Figure.
"""
import numpy as np

from .. import speed
from .live import LivePlot, caption_text

COLORS = {"nnlib numpy": "#1f77b4", "nnlib torch": "#ff7f0e", "plain torch": "#7f7f7f",
          "nnlib torch (cuda)": "#2ca02c", "plain torch (cuda)": "#9467bd"}
#: dotted lines kept ready for crossovers (more changes of the leader than this are not marked)
MAX_CROSSOVERS = 4
MB = 1e6


def decade_limits(*arrays):
    """Log-axis limits at whole powers of ten around every positive value: they move only when the data
    crosses a power of ten, so a slider move seldom redraws the axes."""
    values = np.concatenate([np.ravel(np.asarray(a, dtype=float)) for a in arrays])
    values = values[np.isfinite(values) & (values > 0)]
    if values.size == 0:
        return (0.1, 10.0)
    return (10.0 ** np.floor(np.log10(values.min())), 10.0 ** np.ceil(np.log10(values.max()) + 1e-9))


class SpeedPlot(LivePlot):
    """Time per training step (left) and memory of one micro-batch pass (right) against the batch size.

    Parameters
    ----------
    measure : callable, optional
        ``measure(width, accumulation_steps, measurement)`` -> a :func:`nnlib.speed.sweep` result; by
        default a real sweep on this machine (tests pass stored numbers). A new ``measurement`` (the
        widget's "measure again" button counts them) measures the setting again.
    names : tuple of str, optional
        The implementations drawn (default: :func:`nnlib.speed.implementations`).
    """

    figsize = (10, 4.2)

    def __init__(self, measure=None, names=None):
        super().__init__()
        self.measure = measure or (lambda width, k, measurement: speed.sweep(width, k, measurement=measurement))
        self.names = tuple(names or speed.implementations())
        self.result = None

    def setup(self, fig):
        self.ax_time, self.ax_mem = fig.subplots(1, 2, width_ratios=[1.4, 1])
        self.lines, self.marks = {}, {}
        for name in self.names:
            color = COLORS.get(name, "k")
            for ax, kind in ((self.ax_time, "time"), (self.ax_mem, "memory")):
                (line,) = ax.plot([], [], "-o", ms=3.5, color=color,
                                  label=name if kind == "time" else f"{name}: {speed.MEMORY_KIND[name]}")
                (mark,) = ax.plot([], [], "o", ms=11, mfc="none", mew=2, color=color)
                self.lines[name, kind], self.marks[name, kind] = self.live(line), self.live(mark)
        self.batch_lines = [self.live(ax.axvline(1, color="0.6", lw=1)) for ax in (self.ax_time, self.ax_mem)]
        self.crossings = [(self.live(self.ax_time.axvline(1, color="k", ls=":", lw=1.2)),
                           self.live(self.ax_time.text(1, 0.5, "", transform=self.ax_time.get_xaxis_transform(),
                                                       fontsize=7.5, va="center", ha="right", rotation=90)))
                          for _ in range(MAX_CROSSOVERS)]
        for ax in (self.ax_time, self.ax_mem):
            ax.set_xscale("log", base=2)
            ax.set_yscale("log")
            ax.set_xlim(0.7, 1500)
            ax.set_xticks(speed.BATCH_SIZES[::2], [str(b) for b in speed.BATCH_SIZES[::2]])
            ax.minorticks_off()
            ax.set_xlabel("batch size (rows per step)")
            ax.grid(alpha=0.3, which="both")
        self.ax_time.set_ylabel("time per training step (ms)")
        self.ax_mem.set_ylabel("memory of one micro-batch pass (MB)")
        self.ax_time.legend(fontsize=8, loc="lower right")
        self.ax_mem.legend(fontsize=7, loc="lower right")
        self.readout = caption_text(self, self.ax_time, x=0.01, y=0.98, ha="left", va="top", fontsize=8.5)
        self.mem_readout = caption_text(self, self.ax_mem, x=0.01, y=0.98, ha="left", va="top", fontsize=8.5)

    def update(self, batch_size=64, width=32, accumulation_steps=1, measurement=0):
        self.result = result = self.measure(width, accumulation_steps, measurement)
        sizes = result["batch_sizes"]
        # a batch needs at least k rows: below that, the smallest batch measured is marked
        shown = int(sizes[sizes >= batch_size].min()) if batch_size <= sizes.max() else int(sizes.max())
        i = sizes.tolist().index(shown)
        times = {name: result["seconds"][name] * 1e3 for name in self.names}
        memory = {name: np.maximum(result["memory"][name] / MB, 1e-4) for name in self.names}
        for name in self.names:
            for kind, values in (("time", times[name]), ("memory", memory[name])):
                self.lines[name, kind].set_data(sizes, values)
                self.marks[name, kind].set_data([shown], [values[i]])
        for line in self.batch_lines:
            line.set_xdata([shown, shown])
        changes = speed.lead_changes({**result, **{key: {n: result[key][n] for n in self.names}
                                                   for key in ("seconds", "low", "high") if key in result}})
        for j, (line, text) in enumerate(self.crossings):
            visible = j < len(changes)
            line.set_visible(visible)
            text.set_visible(visible)
            if visible:
                at, _, after = changes[j]
                line.set_xdata([at, at])
                text.set_position((at, 0.5))
                text.set_text(f"{after} faster from ≈{at:.0f} rows ")
        self.set_limits(self.ax_time, y=decade_limits(*times.values()))
        self.set_limits(self.ax_mem, y=decade_limits(*memory.values()))
        at = {name: times[name][i] for name in self.names}
        fastest = min(at, key=at.get)
        rounds = result.get("rounds", 1)
        spread = {name: (f" ({result['low'][name][i] * 1e3:.2g}-{result['high'][name][i] * 1e3:.2g})"
                         if "low" in result else "") for name in self.names}
        how = (f"median of {rounds} rounds (their range), each the fastest of ≥{speed.MIN_REPEATS} steps"
               if rounds > 1 else f"fastest of ≥{speed.MIN_REPEATS} steps")
        self.readout.set_text(f"width {width}, k = {accumulation_steps}, batch {shown}: {how}\n" + "\n".join(
            f"{name}: {at[name]:.3g} ms{spread[name]}{'  ← fastest' if name == fastest else ''}"
            for name in self.names))
        rows = -(-shown // accumulation_steps)
        self.mem_readout.set_text(f"micro-batches of ≤ {rows} rows\n" + "\n".join(
            f"{name}: {memory[name][i]:.3g} MB" for name in self.names))


def plot_speed(batch_size=64, width=32, accumulation_steps=1, measure=None, names=None):
    """The :class:`SpeedPlot` as a static Figure (measured now unless ``measure`` gives the numbers)."""
    return SpeedPlot(measure, names).figure(batch_size=batch_size, width=width, accumulation_steps=accumulation_steps)
