"""A live widget that also moves with time: play, pause, step and reset (the playground of ``09_playground``).

:class:`PlayerWidget` wraps a :class:`nnlib.widgets.LiveWidget` whose plot has ``advance(steps)`` and
``reset()`` (e.g. :class:`nnlib.plots.playground.PlaygroundPlot`). Its controls work as in every live
widget; the buttons below them train.

Why it never blocks the kernel: "play" starts a small thread that asks for a frame (``steps_per_frame``
training steps, then the plot's ``update`` and a PNG), waits for it and sleeps until the next frame is
due, until "pause". The kernel's own thread only flips a flag, so cells run and other widgets answer
while the network trains. Every frame and every slider move is drawn on the one drawing thread of
:mod:`nnlib.widgets`, one after the other, so training never changes a network while it is being drawn,
and frames never queue: the next is asked for only when the last is shown. A widget starts paused, so
executing a notebook (nbconvert, nbval) leaves nothing running.
"""
import threading
import time

import ipywidgets

from . import widgets


class PlayerWidget(ipywidgets.VBox):
    """The live widget's controls and image, then play/pause, step and reset buttons.

    Parameters
    ----------
    plot : LivePlot with ``advance(steps)`` and ``reset()``
    controls : dict
        As for :func:`nnlib.widgets.live`.
    steps_per_frame : int
        Training steps between two frames while playing ("step" takes one).
    frame_seconds : float
        The shortest time between two frames while playing.
    """

    def __init__(self, plot, controls, steps_per_frame=10, frame_seconds=0.08):
        self.live = widgets.LiveWidget(plot, controls)
        self.plot, self.steps_per_frame, self.frame_seconds = plot, steps_per_frame, frame_seconds
        self.play = ipywidgets.ToggleButton(value=False, description="play", icon="play",
                                            tooltip=f"train {steps_per_frame} steps per frame until pause")
        self.step_button = ipywidgets.Button(description="step", icon="step-forward", tooltip="one optimizer step")
        self.reset_button = ipywidgets.Button(description="reset", icon="undo", tooltip="back to the initial weights")
        self._thread = None
        self.play.observe(self._toggled, names="value")
        self.step_button.on_click(lambda _: self.request(self._advance, 1))
        self.reset_button.on_click(lambda _: self.request(self._reset))
        buttons = ipywidgets.HBox([self.play, self.step_button, self.reset_button])
        super().__init__(children=[buttons, self.live])
        self.add_class("nnlib-player")

    # --- what runs on the drawing thread
    def _advance(self, steps):
        self.plot.advance(steps)
        self.live._draw(self.live.values())

    def _reset(self):
        self.plot.reset()
        self.live._draw(self.live.values())

    def request(self, function, *args):
        """Run ``function(*args)`` on the drawing thread, after whatever it is drawing; returns its Future."""
        return widgets._DRAWER.submit(function, *args)

    # --- play / pause
    def _toggled(self, change):
        self.play.description, self.play.icon = ("pause", "pause") if change["new"] else ("play", "play")
        if change["new"] and (self._thread is None or not self._thread.is_alive()):
            self._thread = threading.Thread(target=self._run, name="nnlib-player", daemon=True)
            self._thread.start()

    def _run(self):
        while self.play.value:
            started = time.perf_counter()
            self.request(self._advance, self.steps_per_frame).result()
            time.sleep(max(0.01, self.frame_seconds - (time.perf_counter() - started)))

    def wait(self, timeout=30.0):
        """Block until everything asked of the drawing thread so far is done (for tests and scripts)."""
        self.request(lambda: None).result(timeout)  # one thread, in order: done after all earlier requests
        return self.live.wait(timeout)

    def pause(self, timeout=30.0):
        """Stop playing and wait until the last frame is drawn (for tests and scripts)."""
        self.play.value = False
        if self._thread is not None:
            self._thread.join(timeout)
        return self.wait(timeout)

    def _repr_mimebundle_(self, **kwargs):
        return widgets.with_picture(super()._repr_mimebundle_(**kwargs), self.live.image.value)

    def __repr__(self):
        return f"{type(self).__name__}({self.live!r})"


def playground(plot=None, steps_per_frame=10, **controls):
    """The playground widget: ``controls`` for :class:`~nnlib.plots.playground.PlaygroundPlot`'s settings
    (sliders, dropdowns, ``backend_control()``; plain values are fixed), with play, pause, step and reset."""
    if plot is None:
        from .plots.playground import PlaygroundPlot

        plot = PlaygroundPlot()
    return PlayerWidget(plot, controls, steps_per_frame=steps_per_frame)
