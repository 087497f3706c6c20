"""The slider of ``00_start_here``: proof that widgets and plots work, before any neural network."""
import numpy as np

from .live import LivePlot


def wave(frequency, n_points=400):
    r"""Points of :math:`y = \sin(2\pi f x)` for :math:`x \in [0, 1]`.

    Returns
    -------
    x, y : ndarray, shape (n_points,)
    """
    x = np.linspace(0.0, 1.0, n_points)
    return x, np.sin(2 * np.pi * frequency * x)


class WavePlot(LivePlot):
    """Draw :func:`wave`; a slider on ``frequency`` redraws it in place."""

    figsize = (6, 2.5)

    def setup(self, fig):
        ax = self.ax = fig.subplots()
        (self.line,) = ax.plot([], [], color="tab:blue")
        self.live(self.line)
        ax.set(xlabel="x", ylabel="y", xlim=(0, 1), ylim=(-1.2, 1.2))
        ax.set_title(" ")
        self.live(ax.title)
        ax.grid(alpha=0.3)

    def update(self, frequency=1.0):
        self.line.set_data(*wave(frequency))
        self.set_title(self.ax, f"y = sin(2π · {frequency:g} · x)")


def plot_wave(frequency=1.0):
    """The :class:`WavePlot` as a static figure."""
    return WavePlot().figure(frequency=frequency)
