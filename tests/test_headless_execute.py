"""Every learner notebook runs under papermill (and so nbclient) without stalling, and papermill exits 0.

Teachers and pipelines execute notebooks with the ecosystem's runners (``jupyter nbconvert --execute``,
papermill, nbgrader's autograder), all built on nbclient. nbclient has a known race (nbclient #312,
nbconvert #2029): when a cell's output lands in an ``ipywidgets.Output`` widget (as ``interact`` does),
nbclient imitates the widget and sends its new state back to the kernel on the shell channel while it is
waiting on that same channel for the cell's execute reply; now and then the wait then misses the reply
and returns it only when the whole cell timeout has run out (a 7 s notebook took 127 s).

The course's widgets (``nnlib.widgets.live``) draw into an ``ipywidgets.Image`` and never use an Output
widget, so nbclient has nothing to send. This test runs each learner notebook through papermill's own
``execute_notebook`` (its nbclient engine, no workaround: ``tools/notebooks.py`` waits in 1 s slices,
this does not), with papermill's client class wrapped only to record, and checks:

- papermill raises nothing: it fails on any error output, even a stored one in a cell tagged
  ``raises-exception``, so the course stores none (03 catches its intended errors and prints them);
- the client sends nothing on the shell channel but its ``kernel_info_request`` and one
  ``execute_request`` per cell (deterministic: any cell that makes nbclient talk back fails here,
  whether or not the race strikes this time);
- every execute reply is picked up within seconds of the kernel sending it (a stall waits out the
  cell timeout).

The solution notebooks go through papermill in the portability stage (``test_portability.py``), and
``papermill`` on the command line runs here once.
"""
import datetime
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

papermill = pytest.importorskip("papermill")
from papermill import engines as papermill_engines  # noqa: E402 (after the skip)
from papermill.clientwrap import PapermillNotebookClient  # noqa: E402
from nbclient.util import run_sync  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LEARNER = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
#: the cell timeout a teacher might pass (papermill's --execution-timeout); a stall waits it out
CELL_TIMEOUT = 60
#: how late a reply may be picked up (a busy 2-core machine can take a moment; a stall takes CELL_TIMEOUT)
MAX_REPLY_DELAY = 15.0


class RecordingClient(PapermillNotebookClient):
    """papermill's nbclient, recording what it sends on the shell channel and when each reply arrived."""

    last = None  #: the client of the latest run (papermill builds its own)

    def __init__(self, nb_man, **kwargs):
        super().__init__(nb_man, on_cell_executed=self._executed, **kwargs)
        self.sent, self.delays = [], []
        RecordingClient.last = self

    async def async_start_new_kernel_client(self):
        kc = await super().async_start_new_kernel_client()
        send = kc.shell_channel.send

        def recording_send(msg):
            self.sent.append(msg["header"]["msg_type"])
            return send(msg)

        kc.shell_channel.send = recording_send
        return kc

    # nbclient binds the synchronous name (which papermill's setup_kernel calls) to its own async method
    start_new_kernel_client = run_sync(async_start_new_kernel_client)

    def _executed(self, cell, cell_index, execute_reply):
        sent_at = execute_reply["header"]["date"]  # when the kernel sent the reply
        if isinstance(sent_at, str):
            sent_at = datetime.datetime.fromisoformat(sent_at)
        now = datetime.datetime.now(datetime.timezone.utc)
        self.delays.append((cell_index, (now - sent_at).total_seconds()))


@pytest.mark.parametrize("path", LEARNER, ids=[p.stem for p in LEARNER])
def test_papermill_runs_the_notebook_without_waiting_for_the_timeout(path, tmp_path, monkeypatch):
    monkeypatch.setattr(papermill_engines, "PapermillNotebookClient", RecordingClient)
    start = time.monotonic()
    # raises PapermillExecutionError on any error output, as the CLI exits 1 on it
    papermill.execute_notebook(path, tmp_path / path.name, kernel_name="python3", cwd=path.parent,
                               progress_bar=False, request_save_on_cell_execute=False,
                               execution_timeout=CELL_TIMEOUT)
    took = time.monotonic() - start
    client = RecordingClient.last

    nb = nbformat.read(path, as_version=4)
    n_code = sum(1 for c in nb.cells if c.cell_type == "code" and c.source.strip())
    others = [m for m in client.sent if m not in ("kernel_info_request", "execute_request")]
    assert not others, f"{path.name}: nbclient sent {others} on the shell channel (the nbclient #312 trigger)"
    assert client.sent.count("execute_request") >= n_code
    late = [(i, round(d, 1)) for i, d in client.delays if d > MAX_REPLY_DELAY]
    assert not late, f"{path.name}: execute replies picked up late (cell, seconds): {late}; whole run {took:.0f} s"


def test_the_papermill_command_exits_0_on_the_notebook_that_shows_errors(tmp_path):
    """03 shows what a wrong shape does: the errors are printed, papermill's exit status stays 0."""
    path = ROOT / "notebooks" / "03_weighted_input.ipynb"
    run = subprocess.run([sys.executable, "-m", "papermill", str(path), str(tmp_path / "out.ipynb"), "--cwd",
                          str(path.parent), "--kernel", "python3", "--no-progress-bar"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    out = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in out.cells if c.cell_type == "code" for o in c.outputs)
    assert "ValueError: matmul: Input operand 1 has a mismatch" in printed
    assert "ValueError: X: expected 3 features (columns), got 4" in printed
