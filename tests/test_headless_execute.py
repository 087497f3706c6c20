"""Every learner notebook runs under a stock nbclient without stalling.

Teachers execute notebooks with the ecosystem's runners (``jupyter nbconvert --execute``, papermill,
nbgrader's autograder), all built on nbclient. nbclient has a known race (nbclient #312, nbconvert
#2029): when a cell's output lands in an ``ipywidgets.Output`` widget (as ``interact`` does), nbclient
imitates the widget and sends its new state back to the kernel on the shell channel while it is
waiting on that same channel for the cell's execute reply; now and then the wait then misses the reply
and returns it only when the whole cell timeout has run out (a 7 s notebook took 127 s).

The course's widgets (``nnlib.widgets.live``) draw into an ``ipywidgets.Image`` and never use an Output
widget, so nbclient has nothing to send. This test runs each learner notebook with nbclient as
nbconvert does (no workaround: ``tools/notebooks.py`` and the portability stage wait in 1 s slices,
this does not) and checks both the cause and the symptom:

- the client sends nothing on the shell channel but its ``kernel_info_request`` and one
  ``execute_request`` per cell (deterministic: any cell that makes nbclient talk back fails here,
  whether or not the race strikes this time);
- every execute reply is picked up within seconds of the kernel sending it (a stall waits out the
  cell timeout).
"""
import datetime
import time
from pathlib import Path

import nbformat
import pytest

nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parent.parent
LEARNER = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
#: the cell timeout a teacher might pass (nbconvert's ExecutePreprocessor.timeout); a stall waits it out
CELL_TIMEOUT = 60
#: how late a reply may be picked up (a busy 2-core machine can take a moment; a stall takes CELL_TIMEOUT)
MAX_REPLY_DELAY = 15.0


class RecordingClient(nbclient.NotebookClient):
    """A stock nbclient that records what it sends on the shell channel and when each reply arrived."""

    def __init__(self, nb, **kwargs):
        super().__init__(nb, on_cell_executed=self._executed, **kwargs)
        self.sent, self.delays = [], []

    async def async_start_new_kernel_client(self):
        kc = await super().async_start_new_kernel_client()
        send = kc.shell_channel.send

        def recording_send(msg):
            self.sent.append(msg["header"]["msg_type"])
            return send(msg)

        kc.shell_channel.send = recording_send
        return kc

    def _executed(self, cell, cell_index, execute_reply):
        sent_at = execute_reply["header"]["date"]  # when the kernel sent the reply
        if isinstance(sent_at, str):
            sent_at = datetime.datetime.fromisoformat(sent_at)
        now = datetime.datetime.now(datetime.timezone.utc)
        self.delays.append((cell_index, (now - sent_at).total_seconds()))


@pytest.mark.parametrize("path", LEARNER, ids=[p.stem for p in LEARNER])
def test_a_stock_nbclient_runs_the_notebook_without_waiting_for_the_timeout(path):
    nb = nbformat.read(path, as_version=4)
    client = RecordingClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", allow_errors=False,
                             resources={"metadata": {"path": str(path.parent)}})
    start = time.monotonic()
    client.execute()
    took = time.monotonic() - start

    n_code = sum(1 for c in nb.cells if c.cell_type == "code" and c.source.strip())
    others = [m for m in client.sent if m not in ("kernel_info_request", "execute_request")]
    assert not others, f"{path.name}: nbclient sent {others} on the shell channel (the nbclient #312 trigger)"
    assert client.sent.count("execute_request") >= n_code
    late = [(i, round(d, 1)) for i, d in client.delays if d > MAX_REPLY_DELAY]
    assert not late, f"{path.name}: execute replies picked up late (cell, seconds): {late}; whole run {took:.0f} s"
