"""The nnlib model file: one safetensors file with the weights and a JSON config in its header.

safetensors stores raw arrays and a JSON header, nothing else, so loading a file can never run code
(unlike pickle). Both backends write and read the same file. Saving is atomic: the bytes go to a
temporary file in the same folder, which then replaces the target in one ``os.replace``, so a save
that fails half-way leaves any earlier file untouched.
"""
import contextlib
import json
import math
import os
import stat
import struct
import tempfile

import numpy as np
from safetensors.numpy import load as _st_load
from safetensors.numpy import save as _st_save

FORMAT = "nnlib.model"
FORMAT_VERSION = "1"
#: The largest model file read (1 GiB: 130 million float64 weights); a module constant a user may raise.
MAX_MODEL_BYTES = 1 << 30
_MAX_HEADER = 10_000_000  # nnlib writes a few kB: the config and one entry per array
_DTYPES = {"F32": np.float32, "F64": np.float64}  # all nnlib writes


def save_model_file(path, config, weights):
    """Write ``config`` (a JSON-able dict) and ``weights`` (list of arrays) to ``path`` atomically."""
    write_atomic(os.fspath(path), model_file_bytes(config, weights))


def model_file_bytes(config, weights):
    """The bytes of a model file holding ``config`` and ``weights``."""
    tensors = {tensor_name(i): np.ascontiguousarray(w) for i, w in enumerate(weights)}
    metadata = {"format": FORMAT, "format_version": FORMAT_VERSION, "config": json.dumps(config)}
    return _st_save(tensors, metadata=metadata)


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
    _fsync_folder(folder)


def _fsync_folder(folder):
    """Flush the folder's entry for the renamed file to disk (POSIX), so a power cut keeps the new name."""
    with contextlib.suppress(OSError, AttributeError):  # Windows cannot open a folder
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def read_regular_file(path, max_bytes, what, follow_symlinks=True):
    """The bytes of ``path`` if it is a regular file of at most ``max_bytes``; else a ``ValueError``.

    ``what`` names the file and its limit in the error, e.g. ``"a model file (fileformat.MAX_MODEL_BYTES)"``.
    Opened without blocking (a FIFO would wait for a writer forever) and checked with ``fstat`` on the
    open file, so what is checked is what is read: no device such as ``/dev/zero``, no FIFO, no socket.
    With ``follow_symlinks=False`` a symbolic link is refused without looking at its target.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    if not follow_symlinks and os.path.islink(path):  # where O_NOFOLLOW is missing, and a clearer message
        raise ValueError(f"{path}: expected a regular file, got a symbolic link")
    try:
        fd = os.open(path, flags)
    except (FileNotFoundError, PermissionError):
        raise
    except OSError as exc:
        if not follow_symlinks and os.path.islink(path):
            raise ValueError(f"{path}: expected a regular file, got a symbolic link") from None
        try:  # a socket cannot be opened at all: say what it is rather than "No such device or address"
            kind = _file_kind(os.stat(path).st_mode)
        except OSError:
            kind = None
        raise ValueError(f"{path}: expected a regular file, got {'a ' + kind if kind else exc.strerror}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):  # before fdopen, which would name a folder by its descriptor number
        os.close(fd)
        raise ValueError(f"{path}: expected a regular file, got a {_file_kind(info.st_mode)}")
    with os.fdopen(fd, "rb") as f:
        if info.st_size > max_bytes:
            raise ValueError(f"{path}: {info.st_size} bytes, more than the limit of {max_bytes} bytes for {what}")
        data = f.read(info.st_size)  # never a larger buffer than the file
        if len(data) != info.st_size or f.read(1):
            raise ValueError(f"{path}: changed while it was being read")
    return data


def _file_kind(mode):
    kinds = [(stat.S_ISREG, "regular file"), (stat.S_ISDIR, "folder"), (stat.S_ISCHR, "character device"),
             (stat.S_ISBLK, "block device"), (stat.S_ISFIFO, "FIFO"), (stat.S_ISSOCK, "socket")]
    return next((name for test, name in kinds if test(mode)), "special file")


def load_model_file(path):
    """Read ``(config, weights)`` back; any damaged or foreign file raises a ``ValueError``."""
    path = os.fspath(path)
    return parse_model_file(read_regular_file(path, MAX_MODEL_BYTES,
                                              "an nnlib model file (nnlib.fileformat.MAX_MODEL_BYTES)"), path)


def parse_model_file(data, path):
    """``(config, weights)`` from the bytes of a model file; ``path`` only names it in errors.

    The header is read and checked first (each array's dtype, shape and place in the file), so an
    array is only ever allocated for bytes the file really holds.
    """
    header = _read_header(data, path)
    meta = header.get("__metadata__", {})
    if not isinstance(meta, dict):
        raise ValueError(f"{path}: not an nnlib model file (its __metadata__ is not a JSON object)")
    if meta.get("format") != FORMAT:
        raise ValueError(f"{path}: not an nnlib model file (its header has no format '{FORMAT}')")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"{path}: nnlib model file version {meta.get('format_version')!r}, this nnlib reads version {FORMAT_VERSION!r}"
        )
    if not isinstance(meta.get("config"), str):
        raise ValueError(f"{path}: corrupted nnlib model file (its config is not a JSON string)")
    try:
        config = json.loads(meta["config"])
    except RecursionError:
        raise ValueError(f"{path}: corrupted nnlib model file (its config is nested too deeply)") from None
    except Exception as exc:  # say so, do not leak the parser's traceback
        raise ValueError(f"{path}: corrupted nnlib model file ({type(exc).__name__}: {exc})") from None
    if not isinstance(config, dict):
        raise ValueError(f"{path}: corrupted nnlib model file (its config is not a JSON object)")
    _check_tensor_entries(header, len(data) - 8 - struct.unpack("<Q", data[:8])[0], path)
    try:
        tensors = _st_load(data)
    except Exception as exc:  # a corrupted body: say so, do not leak the parser's traceback
        raise ValueError(f"{path}: corrupted nnlib model file ({type(exc).__name__}: {exc})") from None
    return config, [tensors[name] for name in tensor_order(tensors, path)]


def tensor_name(i):
    """The name of weight array ``i`` in the file: its index, at least 3 digits (``"007"``, ``"1234"``)."""
    return f"{i:03d}"


def tensor_order(names, path):
    """The array names in weight order, ``tensor_name(0), tensor_name(1), ...``; anything else is refused.

    Sorted by number, not as strings: past 999 arrays ``"1000"`` sorts before ``"101"`` as a string.
    """
    expected = [tensor_name(i) for i in range(len(names))]
    if sorted(names) != sorted(expected):
        raise ValueError(f"{path}: corrupted nnlib model file (expected arrays named {expected[:3]}... up to "
                         f"{len(names)} arrays, got {sorted(names)[:5]!r:.200})")
    return expected


def _check_tensor_entries(header, body_size, path):
    """Each array the header declares: a float dtype, a shape of whole numbers, bytes inside the file."""
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(entry, dict):
            raise ValueError(f"{path}: corrupted nnlib model file (tensor {name!r} is not described by a JSON object)")
        dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
        if dtype not in _DTYPES:
            raise ValueError(f"{path}: corrupted nnlib model file (tensor {name!r} has dtype {dtype!r}, expected one of {sorted(_DTYPES)})")
        if not isinstance(shape, list) or not all(type(d) is int and d >= 0 for d in shape):
            raise ValueError(f"{path}: corrupted nnlib model file (tensor {name!r} has shape {shape!r}, expected a list of non-negative integers)")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(type(o) is int for o in offsets)):
            raise ValueError(f"{path}: corrupted nnlib model file (tensor {name!r} has data_offsets {offsets!r}, expected [begin, end])")
        declared = math.prod(shape) * np.dtype(_DTYPES[dtype]).itemsize
        if declared != offsets[1] - offsets[0] or not 0 <= offsets[0] <= offsets[1] <= body_size:
            raise ValueError(
                f"{path}: corrupted nnlib model file (tensor {name!r} of shape {shape} declares {declared} bytes at "
                f"{offsets}, but the file holds {body_size} bytes of arrays: truncated or forged)"
            )


def _read_header(data, path):
    # safetensors layout: 8-byte little-endian header size, then that many bytes of JSON, then the arrays.
    if len(data) < 8:
        raise ValueError(f"{path}: not an nnlib model file (only {len(data)} bytes)")
    (size,) = struct.unpack("<Q", data[:8])
    if size > min(_MAX_HEADER, len(data) - 8):
        raise ValueError(f"{path}: not an nnlib model file, or truncated (header of {size} bytes in a {len(data)}-byte file)")
    try:
        header = json.loads(data[8 : 8 + size])
    except RecursionError:
        raise ValueError(f"{path}: not an nnlib model file, or corrupted (its header is nested too deeply)") from None
    except ValueError:  # not JSON, not UTF-8, or an integer beyond Python's digit limit
        raise ValueError(f"{path}: not an nnlib model file, or corrupted (its header is not JSON)") from None
    if not isinstance(header, dict):
        raise ValueError(f"{path}: not an nnlib model file (its header is not a JSON object)")
    return header
