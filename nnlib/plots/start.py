"""The slider of ``00_start_here``: proof that widgets and plots work, before any neural network."""
import matplotlib.pyplot as plt
import numpy as np


def wave(frequency, n_points=400):
    r"""Points of :math:`y = \sin(2\pi f x)` for :math:`x \in [0, 1]`.

    Returns
    -------
    x, y : ndarray, shape (n_points,)
    """
    x = np.linspace(0.0, 1.0, n_points)
    return x, np.sin(2 * np.pi * frequency * x)


def plot_wave(frequency=1.0):
    """Draw :func:`wave`; a slider on ``frequency`` redraws it."""
    x, y = wave(frequency)
    fig, ax = plt.subplots(figsize=(6, 2.5))
    ax.plot(x, y, color="tab:blue")
    ax.set(xlabel="x", ylabel="y", ylim=(-1.2, 1.2), title=f"y = sin(2π · {frequency:g} · x)")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
