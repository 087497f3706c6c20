"""The playground of ``09_playground``: decision boundary, network and loss curve of networks that train.

:class:`PlaygroundPlot` is a :class:`~nnlib.plots.live.LivePlot` over :class:`nnlib.playground.TrainingSession`
objects, one per chosen backend, all from the same initial weights. ``update(**settings)`` starts the
sessions over when a setting changed and draws their current state; :meth:`PlaygroundPlot.advance` and
:meth:`PlaygroundPlot.reset` train or rewind them (the play, step and reset buttons of
:func:`nnlib.player.playground`). Per session: its boundary (P(class 1) as the background colour, white
at 0.5, the data on top) and its network (line width and colour are the weights); one loss plot for all.
Only artists change from frame to frame; a new network shape redraws the diagrams, and the figure is
built anew only when the number of backends changes.
"""
import inspect

import numpy as np

from .. import playground as pg
from . import boundary, network
from .live import LivePlot, chosen_backends

STYLE = {"numpy": {"color": "#1f77b4", "ls": "-", "lw": 2.2}, "torch": {"color": "#ff7f0e", "ls": (0, (4, 3)), "lw": 1.6},
         "cuda": {"color": "#2ca02c", "ls": (0, (4, 3)), "lw": 1.6}}
LABELS = {"numpy": "NumPy", "torch": "PyTorch (cpu)", "cuda": "PyTorch (cuda)"}
WEIGHT_LIMIT = 3.0  # a fixed scale, so a line's width means the same weight in every frame
LOSS_LIMITS = (3e-3, 3.0)


class PlaygroundPlot(LivePlot):
    """Networks learning a 2-D data set, one column per backend, redrawn in place as they train.

    Parameters
    ----------
    n_samples, noise, seed, resolution
        Of the data and the boundary picture (see :class:`nnlib.playground.TrainingSession`).
    """

    dpi = 90

    def __init__(self, n_samples=200, noise=0.15, seed=0, resolution=40):
        super().__init__()
        self.fixed = {"n_samples": n_samples, "noise": noise, "seed": seed, "resolution": resolution}
        self.settings, self.sessions, self._shape, self._networks = None, {}, None, None

    # --- the sessions
    def _prepare(self, dataset, hidden_layers, width, activation, learning_rate, batch_size, optimizer, backend):
        """Start new sessions when a setting changed; True when the figure must be built anew."""
        settings = {"dataset": dataset, "hidden": (int(width),) * int(hidden_layers), "activation": activation,
                    "learning_rate": learning_rate, "batch_size": int(batch_size), "optimizer": optimizer}
        names = tuple(chosen_backends(backend))
        if settings != self.settings or names != tuple(self.sessions):
            self.sessions = pg.paired_sessions(backends=names, **settings, **self.fixed)
            self.settings = settings
        rebuild = names != self._shape  # one column per backend
        self._shape = names
        return rebuild

    def advance(self, steps=1):
        """Train every session ``steps`` more mini-batch steps (then ``update`` draws them)."""
        for session in self.sessions.values():
            session.step(steps)

    def reset(self):
        """Every session back to its initial weights and first batch."""
        for session in self.sessions.values():
            session.reset()

    # --- LivePlot
    def figure(self, **values):
        self._prepare(**{**_DEFAULTS, **values})
        n = len(self.sessions)
        self.figsize = (3.0 * n + 4.2, 5.8)
        return super().figure(**values)

    def setup(self, fig):
        n = len(self.sessions)
        grid = fig.add_gridspec(2, n + 1, height_ratios=[1.3, 1], width_ratios=[1] * n + [1.35])
        self.ax_loss = fig.add_subplot(grid[:, n])
        self.panels = {}
        for i, (name, session) in enumerate(self.sessions.items()):
            ax_b, ax_n = fig.add_subplot(grid[0, i]), fig.add_subplot(grid[1, i])
            s = session.state()
            extent = (s["xx"].min(), s["xx"].max(), s["yy"].min(), s["yy"].max())
            image = self.live(ax_b.imshow(s["prob"], origin="lower", extent=extent, cmap=boundary.BACKGROUND,
                                          vmin=0, vmax=1, interpolation="bilinear", aspect="equal", zorder=0))
            for label, color in enumerate(boundary.POINT_COLORS):
                points = s["X"][s["y"] == label]
                # animated too: drawn after the image, so the points stay on top of it
                self.live(ax_b.scatter(points[:, 0], points[:, 1], s=9, c=color, edgecolors="white",
                                       linewidths=0.4, zorder=2))
            ax_b.tick_params(labelsize=7, length=2, pad=1)  # the data's coordinates, small: the picture matters
            ax_b.set_title(LABELS[name], fontsize=10, color=STYLE[name]["color"])
            ax_n.set_title("weights: blue > 0, red < 0,\nthicker = larger |weight|", fontsize=8, color="#555555")
            (loss,) = self.ax_loss.plot([], [], label=LABELS[name], **STYLE[name])
            readout = self.live(ax_b.text(0.02, 0.02, "", transform=ax_b.transAxes, fontsize=8, va="bottom",
                                          bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "0.8", "alpha": 0.85},
                                          zorder=3))
            self.panels[name] = {"image": image, "network": ax_n, "edges": [], "loss": self.live(loss),
                                 "readout": readout}
        self._networks = None  # drawn by the first update
        self.ax_loss.set_yscale("log")
        self.ax_loss.set_ylim(*LOSS_LIMITS)
        self.ax_loss.set_xlabel("optimizer steps")
        self.ax_loss.set_ylabel("loss on all points (binary cross-entropy)")
        self.ax_loss.grid(alpha=0.3, which="both")
        self.ax_loss.legend(loc="upper right", fontsize=8)
        # boxed, as the curve may pass under it; out of the layout, which must not shrink the axes around it
        self.caption = self.live(self.ax_loss.text(0.02, 0.02, "", transform=self.ax_loss.transAxes, fontsize=8,
                                                   va="bottom", color="0.25", zorder=5,
                                                   bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "0.8",
                                                         "alpha": 0.85}))
        self.caption.set_in_layout(False)

    def update(self, dataset="circles", hidden_layers=2, width=4, activation="tanh", learning_rate=0.3, batch_size=10,
               optimizer="sgd", backend="both"):
        values = {"dataset": dataset, "hidden_layers": hidden_layers, "width": width, "activation": activation,
                  "learning_rate": learning_rate, "batch_size": batch_size, "optimizer": optimizer, "backend": backend}
        if self._prepare(**values):
            self.figure(**values)  # another number of backends or another network: a new layout
            return
        states = {name: session.state() for name, session in self.sessions.items()}
        if self._networks != self.settings["hidden"]:
            # another network shape: only its diagram is drawn anew, in the same figure (no new layout)
            for name, s in states.items():
                self._draw_network(name, s)
            self._networks = self.settings["hidden"]
        longest = 1
        for name, s in states.items():
            panel = self.panels[name]
            panel["image"].set_data(s["prob"])
            edges = network.network_edges(s["layer_sizes"], s["weights"][0::2], weight_limit=WEIGHT_LIMIT,
                                          max_width=4.0)
            for line, edge in zip(panel["edges"], edges):
                line.set_color(edge["color"])
                line.set_linewidth(edge["width"])
                line.set_linestyle(edge["linestyle"])
            panel["loss"].set_data(np.arange(len(s["loss"])), np.clip(s["loss"], *LOSS_LIMITS))
            panel["readout"].set_text(f"step {s['steps']}, epoch {s['epoch']:.1f}\n"
                                      f"loss {s['loss'][-1]:.3f}, accuracy {s['accuracy'][-1]:.0%}")
            longest = max(longest, len(s["loss"]))
        # the step axis doubles when the curve reaches its end: a full redraw only then
        self.set_limits(self.ax_loss, x=(0, max(64, 2 ** int(np.ceil(np.log2(longest))))))
        text = (f"{dataset}: 2 → {' → '.join([str(width)] * hidden_layers) or '(no hidden layer)'} → 1, "
                f"{activation}\n{optimizer}, learning rate {learning_rate:g}, batch {batch_size}")
        labels = " vs ".join(LABELS[name] for name in states)
        if len(states) > 1:
            first, *others = states.values()
            difference = max(float(np.max(np.abs(first["prob"] - o["prob"]))) for o in others)
            text += f"\n{labels}:\nboundaries' max |difference| = {difference:.2g}"
        else:
            text += f"\ncomputed by {labels}"
        self.caption.set_text(text)

    def _draw_network(self, name, state):
        panel = self.panels[name]
        self.empty(panel["network"])
        drawn = network.draw_network(panel["network"], state["layer_sizes"], state["weights"][0::2],
                                     weight_limit=WEIGHT_LIMIT, max_width=4.0, legend=False)  # key: the title
        for column in drawn["node_patches"]:  # drawn over the (live) edges, as in the static diagram
            for node in column:
                self.live(node)
        panel["edges"] = [self.live(edge) for edge in drawn["edge_lines"]]


#: the settings ``update`` takes, with their defaults
_DEFAULTS = {k: p.default for k, p in inspect.signature(PlaygroundPlot.update).parameters.items() if k != "self"}


def plot_playground(steps=0, **settings):
    """A static :class:`PlaygroundPlot` after ``steps`` training steps (the settings as ``update`` takes them)."""
    plot = PlaygroundPlot()
    plot.figure(**settings)
    if steps:
        plot.advance(steps)
        plot.update(**settings)
    return plot.fig
