"""The nnlib model file: one safetensors file with the weights and a JSON config in its header.

safetensors stores raw arrays and a JSON header, nothing else, so loading a file can never run code
(unlike pickle). Both backends write and read the same file. Saving is atomic: the bytes go to a
temporary file in the same folder, which then replaces the target in one ``os.replace``, so a save
that fails half-way leaves any earlier file untouched.
"""
import json
import os
import struct
import tempfile

import numpy as np
from safetensors.numpy import load as _st_load
from safetensors.numpy import save as _st_save

FORMAT = "nnlib.model"
FORMAT_VERSION = "1"
_MAX_HEADER = 100_000_000


def save_model_file(path, config, weights):
    """Write ``config`` (a JSON-able dict) and ``weights`` (list of arrays) to ``path`` atomically."""
    path = os.fspath(path)
    tensors = {f"{i:03d}": np.ascontiguousarray(w) for i, w in enumerate(weights)}
    metadata = {"format": FORMAT, "format_version": FORMAT_VERSION, "config": json.dumps(config)}
    write_atomic(path, _st_save(tensors, metadata=metadata))


def write_atomic(path, data):
    """Write ``data`` (bytes) to ``path``: a temporary file in the same folder, then one ``os.replace``."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".nnlib-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def load_model_file(path):
    """Read ``(config, weights)`` back; any damaged or foreign file raises a ``ValueError``."""
    path = os.fspath(path)
    with open(path, "rb") as f:
        data = f.read()
    header = _read_header(data, path)
    meta = header.get("__metadata__") or {}
    if meta.get("format") != FORMAT:
        raise ValueError(f"{path}: not an nnlib model file (its header has no format '{FORMAT}')")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"{path}: nnlib model file version {meta.get('format_version')!r}, this nnlib reads version {FORMAT_VERSION!r}"
        )
    try:
        config = json.loads(meta["config"])
        tensors = _st_load(data)
    except Exception as exc:  # a corrupted body or config: say so, do not leak the parser's traceback
        raise ValueError(f"{path}: corrupted nnlib model file ({type(exc).__name__}: {exc})") from None
    weights = [tensors[k] for k in sorted(tensors)]
    return config, weights


def _read_header(data, path):
    # safetensors layout: 8-byte little-endian header size, then that many bytes of JSON, then the arrays.
    if len(data) < 8:
        raise ValueError(f"{path}: not an nnlib model file (only {len(data)} bytes)")
    (size,) = struct.unpack("<Q", data[:8])
    if size > min(_MAX_HEADER, len(data) - 8):
        raise ValueError(f"{path}: not an nnlib model file, or truncated (header of {size} bytes in a {len(data)}-byte file)")
    try:
        header = json.loads(data[8 : 8 + size])
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError(f"{path}: not an nnlib model file, or corrupted (its header is not JSON)") from None
    if not isinstance(header, dict):
        raise ValueError(f"{path}: not an nnlib model file (its header is not a JSON object)")
    return header
