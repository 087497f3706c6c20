"""What a notebook stores for its widgets (not a test module; pytest puts ``tests/`` on ``sys.path``)."""
import json
import re
import struct

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: tqdm's text: "folds:  40%|####      | 2/5 [00:01<00:02, ...]" (a progress bar, not a plot)
PROGRESS_BAR = re.compile(r"\d+%\||\d+/\d+ \[\d\d:\d\d")


def png_size(data):
    """(width, height) of PNG bytes, read from the IHDR chunk; fails on anything that is not a PNG."""
    assert data[:8] == PNG_SIGNATURE, f"not a PNG: {data[:8]!r}"
    return struct.unpack(">II", data[16:24])


def widget_outputs(path):
    """(code cell number, output) of every stored widget output of a notebook, progress bars aside."""
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    for i, cell in enumerate(code):
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if WIDGET_VIEW in data and not PROGRESS_BAR.search("".join(data.get("text/plain", ""))):
                yield i, out
