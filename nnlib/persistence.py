"""Save a fitted pipeline (scikit-learn preprocessing + :class:`~nnlib.sklearn.NNClassifier`) without pickle.

``pickle`` (and ``joblib``) files run code when they are loaded, so a model file from someone else is a
program you execute. Here nothing is pickled:

* the network goes to nnlib's model file (safetensors: arrays + a JSON header, see ``nnlib.fileformat``);
* the fitted preprocessing (a ``ColumnTransformer``, scalers, encoders...) goes to a ``skops`` file, which
  stores an object's attributes and rebuilds only the types it is told to trust;
* the classifier's settings (hyperparameters, ``classes_``...) go to ``manifest.json``.

A saved pipeline is one folder::

    manifest.json                            what is in the folder, with each file's SHA-256
    network-<hash>.safetensors               the network's weights and architecture
    preprocessing-<hash>.skops               the fitted preprocessing (absent for a bare NNClassifier)

Every file is written atomically (a temporary file, then one ``os.replace``). The data files are named
after their content, and ``manifest.json`` is written last, so replacing it is the one step that
switches from the old saved pipeline to the new one: a reader sees either, never a mix. A load reads
only the files the manifest names, so a save killed at any step (even ``kill -9``) leaves the old or
the new pipeline loadable; the next load removes its temporary files, the next save those and its
unused data files. A save writes only to a new or empty folder or one holding an nnlib manifest.

A save holds an exclusive lock on the folder (``flock``) from its first file to the removal of the files the new
manifest no longer names, and a load holds a shared one, so two saves at once, or a save during a load,
never remove each other's files.

The manifest covers itself too: ``manifest_sha256`` is the SHA-256 of the rest of the manifest written
as canonical JSON (sorted keys, no spaces, ASCII), so an edited or damaged manifest is refused like a
damaged data file. Checksums detect damage and mixed-up files, not a deliberate forgery (anyone can
recompute them). What protects against a hostile folder is the loading itself: no code runs (no
pickle; skops rebuilds only trusted types), every manifest field is checked against the others and
against the files, every file must be a regular file inside the folder and below its size limit, and
sizes and shapes are checked before anything of that size is allocated. Anything else raises a
``ValueError`` that names the file and the field.
"""
import contextlib
import hashlib
import io
import json
import math
import os
import re
import stat
import zipfile

import numpy as np
import skops.io
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from . import __version__
from . import _validation as v
from . import fileformat
from ._pipeline_checks import (DATA_FILE, DATA_FILES, check_manifest, check_network_fits_params,
                               check_preprocessing_sizes)
from .fileformat import read_regular_file, write_atomic
from .model import BACKENDS, History, _model_from_file, check_device
from .sklearn import NNClassifier

try:
    import fcntl
except ImportError:  # Windows: no flock; saves to one folder must then not overlap
    fcntl = None

FORMAT = "nnlib.pipeline"
FORMAT_VERSION = 2  # 2: the manifest carries its own checksum
MANIFEST = "manifest.json"

#: Size limits of what ``load_pipeline`` reads (module constants: raise them for a larger pipeline).
MAX_MANIFEST_BYTES = 16 << 20
MAX_NETWORK_BYTES = fileformat.MAX_MODEL_BYTES
MAX_PREPROCESSING_BYTES = 64 << 20
#: The preprocessing file is a zip: the sizes its entries declare once unpacked, summed.
MAX_PREPROCESSING_UNPACKED_BYTES = 256 << 20
MAX_PREPROCESSING_ENTRIES = 10_000
#: The most columns any step of the preprocessing may take in or put out (``n_features_in_``, the
#: columns a ``PolynomialFeatures`` builds...): checked before scikit-learn builds anything of that size.
MAX_PREPROCESSING_FEATURES = 100_000

#: Types that skops does not trust by default but a fitted ColumnTransformer with imputers, encoders and
#: scalers contains. Anything else found in a preprocessing file is refused unless the caller trusts it
#: by name (``load_pipeline(..., trusted=["module.Type"])``), never wholesale.
TRUSTED_TYPES = ("numpy.dtype",)

#: What ``fileformat.write_atomic`` names its temporary files (``tempfile.mkstemp``: 8 random characters).
_TEMPORARY_FILE = re.compile(r"^\.nnlib-[A-Za-z0-9_]{8}\.tmp$")


# ------------------------------------------------------------------------------------------ save
def save_pipeline(path, pipeline, trusted=()):
    """Save a fitted ``NNClassifier``, or a fitted ``Pipeline`` ending with one, to the folder ``path``.

    Parameters
    ----------
    path : str or os.PathLike
        A folder; created if missing. It must be new, empty, or a folder ``save_pipeline`` wrote
        before (then the new pipeline replaces the previous one); any other folder is refused untouched.
    pipeline : NNClassifier or sklearn.pipeline.Pipeline
        Fitted. The steps before the classifier are the preprocessing.
    trusted : sequence of str
        Extra type names (``"module.Type"``) the preprocessing may contain beyond :data:`TRUSTED_TYPES`.

    Returns
    -------
    str
        The folder written.

    Raises
    ------
    ValueError
        Whatever :func:`load_pipeline` would refuse in the saved folder (checked by the same functions
        on the bytes about to be written, before the folder is touched), or ``path`` is a folder that
        is not an nnlib pipeline.
    """
    trusted = _check_trusted_names(trusted)
    preprocessing, step, clf = _split(pipeline)
    check_is_fitted(clf)
    # Everything is checked and serialised before the folder is touched: a refused save changes nothing.
    weights = clf.model_.get_weights()
    v.check_finite_weights(weights, "pipeline")
    files = {"network": fileformat.model_file_bytes(clf.model_.get_config(), weights), "preprocessing": None}
    if preprocessing is not None:
        files["preprocessing"] = skops.io.dumps(preprocessing)
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "nnlib_version": __version__,
                "classifier": {"step": step, **_classifier_record(clf)},
                **{key: None if data is None else _file_entry(key, data) for key, data in files.items()}}
    manifest["manifest_sha256"] = manifest_checksum(manifest)
    try:  # exactly what load_pipeline checks, on exactly these bytes (on the CPU: the device is not saved)
        _pipeline_from(manifest, files["network"], files["preprocessing"], "<the pipeline being saved>",
                       trusted, backend=None, device="cpu")
    except ValueError as exc:
        raise ValueError(f"pipeline: not saved, since load_pipeline would refuse it ({exc})") from None
    path = os.fspath(path)
    if os.path.lexists(path) and not os.path.isdir(path):
        raise ValueError(f"path: expected a folder (new or written by save_pipeline), got {path!r}, which is a file")
    os.makedirs(path, exist_ok=True)

    with _locked(path, exclusive=True):
        _check_pipeline_folder(path)
        _remove_temporary_files(path)  # left by a save that was killed; no other save runs now
        written = []  # data files this save created: removed again if it fails before the switch
        try:
            for key, data in files.items():
                if data is not None:
                    _write_data_file(path, manifest[key]["file"], data, written)
            # the one step that switches from the previous pipeline to this one
            write_atomic(os.path.join(path, MANIFEST), json.dumps(manifest, indent=2).encode())
        except BaseException:
            for name in written:
                with contextlib.suppress(OSError):
                    os.remove(os.path.join(path, name))
            raise
        _remove_stale_files(path, manifest)
    return path


def manifest_checksum(manifest):
    """SHA-256 of ``manifest`` (without ``manifest_sha256``) as canonical JSON: sorted keys, no spaces, ASCII."""
    content = {key: value for key, value in manifest.items() if key != "manifest_sha256"}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


@contextlib.contextmanager
def _locked(folder, exclusive):
    """Hold ``flock`` on the folder itself (no lock file to leave behind): exclusive to save, shared to load."""
    if fcntl is None:
        yield
        return
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _check_trusted_names(trusted):
    """``trusted`` as a tuple of type names; a lone string would otherwise be read as one name per character."""
    if isinstance(trusted, (str, bytes)) or not isinstance(trusted, (list, tuple, set, frozenset)) or not all(
        isinstance(name, str) for name in trusted
    ):
        raise TypeError(
            f"trusted: expected a list of type names such as ['sklearn.preprocessing.StandardScaler'], "
            f"got {type(trusted).__name__} {trusted!r:.100}"
        )
    return tuple(trusted)


def _split(pipeline):
    """``(preprocessing or None, step name, classifier)`` of a Pipeline or a bare NNClassifier."""
    if isinstance(pipeline, NNClassifier):
        return None, None, pipeline
    if isinstance(pipeline, Pipeline) and isinstance(pipeline.steps[-1][1], NNClassifier):
        prep = pipeline[:-1] if len(pipeline.steps) > 1 else None
        return prep, pipeline.steps[-1][0], pipeline.steps[-1][1]
    raise TypeError(
        f"pipeline: expected a fitted NNClassifier or a Pipeline whose last step is one, got {type(pipeline).__name__}"
    )


def _classifier_record(clf):
    """The classifier as JSON: its hyperparameters and what ``fit`` learned besides the weights."""
    params = clf.get_params()
    if not (params["random_state"] is None or isinstance(params["random_state"], int)):
        params["random_state"] = None  # a RandomState object only mattered for training
    params["hidden_layer_sizes"] = list(np.atleast_1d(params["hidden_layer_sizes"]).tolist())
    record = {"params": params, "classes": clf.classes_.tolist(), "classes_dtype": clf.classes_.dtype.str,
              "n_features_in": int(clf.n_features_in_),
              "history": {key: [float(x) for x in values] for key, values in clf.history_.items()}}
    if hasattr(clf, "feature_names_in_"):
        record["feature_names_in"] = clf.feature_names_in_.tolist()
    try:
        json.dumps(record)
    except TypeError as exc:
        raise TypeError(f"pipeline: the classifier's labels and settings must be str/int/float/bool to be saved ({exc})") from None
    return record


def _file_entry(key, data):
    digest = hashlib.sha256(data).hexdigest()
    prefix, suffix = DATA_FILES[key]
    return {"file": f"{prefix}{digest[:16]}{suffix}", "sha256": digest}


def _write_data_file(folder, name, data, written):
    if not os.path.lexists(os.path.join(folder, name)):
        written.append(name)
    write_atomic(os.path.join(folder, name), data)


def _check_pipeline_folder(path):
    """Refuse a folder that is not (or not yet) an nnlib pipeline: nothing in it is overwritten or removed.

    Accepted: a folder whose ``manifest.json`` has format ``nnlib.pipeline`` (any other files in it stay),
    or one without a manifest holding only nnlib's own files (empty, or a first save that was killed).
    """
    entries = os.listdir(path)
    if MANIFEST in entries:
        try:
            manifest = json.loads(read_regular_file(os.path.join(path, MANIFEST), MAX_MANIFEST_BYTES, "a manifest",
                                                    follow_symlinks=False))
        except (OSError, ValueError, RecursionError):
            manifest = None
        if not (isinstance(manifest, dict) and manifest.get("format") == FORMAT):
            raise ValueError(
                f"{path}: holds a {MANIFEST} that is not an nnlib pipeline's; save_pipeline writes only to a new or "
                "empty folder or one it wrote before (nothing was changed: choose another folder)"
            )
        return
    foreign = sorted(name for name in entries if not (DATA_FILE.match(name) or _TEMPORARY_FILE.match(name)))
    if foreign:
        raise ValueError(
            f"{path}: not an nnlib pipeline folder (no {MANIFEST}; it holds {foreign[:3]}); save_pipeline writes "
            "only to a new or empty folder or one it wrote before (nothing was changed: choose another folder)"
        )


def _remove_temporary_files(path):
    """Remove the temporary files of killed saves (``.nnlib-*.tmp``), only under the folder's lock."""
    for name in os.listdir(path):
        file = os.path.join(path, name)
        with contextlib.suppress(FileNotFoundError):  # gone already: nothing to do
            if _TEMPORARY_FILE.match(name) and stat.S_ISREG(os.lstat(file).st_mode):
                os.remove(file)


def _remove_stale_files(folder, manifest):
    keep = {manifest["network"]["file"]} | ({manifest["preprocessing"]["file"]} if manifest["preprocessing"] else set())
    for name in os.listdir(folder):
        if DATA_FILE.match(name) and name not in keep:
            os.remove(os.path.join(folder, name))


# ------------------------------------------------------------------------------------------ load
def load_pipeline(path, backend=None, device="auto", trusted=()):
    """Load what :func:`save_pipeline` wrote, ready to ``predict``; no code from the files is run.

    Parameters
    ----------
    path : str or os.PathLike
        The folder.
    backend : {"numpy", "torch"} or None
        Run the network in this backend; ``None`` uses the one it was trained with.
    device : str
        For the torch backend: ``"auto"``, ``"cpu"``, ``"cuda"``...
    trusted : sequence of str
        Extra type names the preprocessing file may contain beyond :data:`TRUSTED_TYPES`.

    Returns
    -------
    Pipeline or NNClassifier
        What was saved.

    Raises
    ------
    ValueError
        A file is missing from the manifest, corrupted, truncated or changed since saving, contains
        types that are not trusted, or the parts do not fit together (e.g. the network expects a
        different number of features than the preprocessing produces); or ``backend``/``device``
        cannot be used here (an error naming the argument, not the file).
    """
    trusted = _check_trusted_names(trusted)
    path = os.fspath(path)
    if backend is not None:
        v.check_choice(backend, BACKENDS, "backend")
    if not os.path.isdir(path):
        raise FileNotFoundError(f"path: expected a folder written by save_pipeline, got {path!r} (no such folder)")
    with _locked(path, exclusive=False):  # no save may remove a file between reading the manifest and it
        manifest = _read_manifest(path)
        check_manifest(manifest, os.path.join(path, MANIFEST))  # its file entries, before any file is opened
        network_bytes = _read_verified(path, manifest["network"], MAX_NETWORK_BYTES, "MAX_NETWORK_BYTES")
        prep_bytes = None
        if manifest["preprocessing"] is not None:
            prep_bytes = _read_verified(path, manifest["preprocessing"], MAX_PREPROCESSING_BYTES, "MAX_PREPROCESSING_BYTES")
        if fcntl is not None:  # no save runs while this shared lock is held: temporary files are a killed save's
            with contextlib.suppress(OSError):  # a read-only folder still loads
                _remove_temporary_files(path)
    return _pipeline_from(manifest, network_bytes, prep_bytes, path, trusted, backend, device)


def _pipeline_from(manifest, network_bytes, prep_bytes, folder, trusted, backend, device):
    """The pipeline a manifest and its files describe, every part checked: what load returns, and save checks."""
    record = check_manifest(manifest, os.path.join(folder, MANIFEST))
    params = dict(record["params"], hidden_layer_sizes=tuple(record["params"]["hidden_layer_sizes"]))
    if backend is not None:
        params["backend"] = backend
    check_device(params["backend"], device)  # an error about the argument, before any file is blamed
    network_file = os.path.join(folder, manifest["network"]["file"])
    clf = NNClassifier(**params)
    clf.classes_ = record["classes"]
    clf.n_features_in_ = record["n_features_in"]
    if "feature_names_in" in record:
        clf.feature_names_in_ = np.array(record["feature_names_in"], dtype=object)
    clf.history_ = History({key: list(values) for key, values in record["history"].items()})
    clf.model_ = _model_from_file(fileformat.parse_model_file(network_bytes, network_file), network_file,
                                  backend=clf.backend, device=device)
    check_network_fits_params(clf.model_, record["params"], network_file)
    preprocessing = None
    if prep_bytes is not None:
        preprocessing = _load_preprocessing(prep_bytes, os.path.join(folder, manifest["preprocessing"]["file"]), trusted)
    _check_parts_fit(preprocessing, clf, clf.model_, where=folder)
    if record["step"] is None:
        return clf
    steps = [] if preprocessing is None else list(preprocessing.steps)
    return Pipeline(steps + [(record["step"], clf)])


def _read_manifest(path):
    file = os.path.join(path, MANIFEST)
    if not os.path.lexists(file):
        raise ValueError(f"{path}: not a saved pipeline (no {MANIFEST} in the folder)")
    data = read_regular_file(file, MAX_MANIFEST_BYTES, "a manifest (nnlib.persistence.MAX_MANIFEST_BYTES)",
                             follow_symlinks=False)
    try:
        manifest = json.loads(data)
    except RecursionError:
        raise ValueError(f"{file}: corrupted or truncated (nested too deeply)") from None
    except ValueError as exc:  # not JSON, not UTF-8, or an integer beyond Python's digit limit
        raise ValueError(f"{file}: corrupted or truncated ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValueError(f"{file}: not a saved nnlib pipeline (expected format {FORMAT!r})")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"{file}: saved pipeline version {manifest.get('format_version')!r}, this nnlib reads version {FORMAT_VERSION}"
        )
    try:
        checksum = manifest_checksum(manifest)
    except (RecursionError, ValueError):
        raise ValueError(f"{file}: corrupted or truncated (nested too deeply)") from None
    if manifest.get("manifest_sha256") != checksum:
        raise ValueError(f"{file}: changed or damaged since it was saved (its content does not match its manifest_sha256)")
    return manifest


# ------------------------------------------------------------------------------ data files
def _read_verified(folder, entry, limit, limit_name):
    """The bytes of a data file (a regular file in the folder, within its limit), checked against its hash."""
    file = os.path.join(folder, entry["file"])
    if not os.path.lexists(file):
        raise ValueError(f"{folder}: {entry['file']} is missing (the folder is incomplete)")
    data = read_regular_file(file, limit, f"{entry['file'].split('-')[0]} file (nnlib.persistence.{limit_name})",
                             follow_symlinks=False)
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise ValueError(
            f"{file}: corrupted, truncated or changed since it was saved ({len(data)} bytes; its SHA-256 does not "
            f"match {MANIFEST})"
        )
    return data


def _load_preprocessing(data, file, trusted):
    """The fitted preprocessing ``Pipeline`` from a skops file, after checking how large it unpacks."""
    data = _unpack_bounded(data, file)
    try:
        untrusted = skops.io.get_untrusted_types(data=data)
    except Exception as exc:  # a damaged zip or schema: never show the parser's traceback
        raise ValueError(f"{file}: corrupted preprocessing file ({type(exc).__name__}: {exc})") from None
    _check_trusted(untrusted, trusted, file)
    try:
        preprocessing = skops.io.loads(data, trusted=untrusted)  # every one of them checked just above
    except Exception as exc:
        raise ValueError(f"{file}: corrupted preprocessing file ({type(exc).__name__}: {exc})") from None
    if type(preprocessing) is not Pipeline or not all(
        isinstance(step, tuple) and len(step) == 2 and isinstance(step[0], str)
        and (step[1] is None or step[1] == "passthrough" or hasattr(step[1], "transform"))
        for step in preprocessing.steps
    ):
        raise ValueError(
            f"{file}: expected a scikit-learn Pipeline of the preprocessing steps, got {type(preprocessing).__name__}"
        )
    check_preprocessing_sizes(preprocessing, file, MAX_PREPROCESSING_FEATURES)
    return preprocessing


def _unpack_bounded(data, file):
    """The zip ``data`` unpacked and packed again uncompressed, reading at most the unpacked-size limit.

    The sizes a zip's directory declares can lie: an entry may inflate to far more than it declares
    (the CRC fails only at its end). So each entry is read in chunks, counting the bytes really
    produced, and reading stops at the limit. skops then reads the stored copy, which holds exactly
    the bytes counted.
    """
    limit = MAX_PREPROCESSING_UNPACKED_BYTES
    too_large = (f"{file}: unpacks to more than the limit of {limit} bytes "
                 "(nnlib.persistence.MAX_PREPROCESSING_UNPACKED_BYTES)")
    out = io.BytesIO()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as copy:
            entries = archive.infolist()
            if len(entries) > MAX_PREPROCESSING_ENTRIES:
                raise ValueError(f"{file}: holds {len(entries)} entries, more than the limit of "
                                 f"{MAX_PREPROCESSING_ENTRIES} (nnlib.persistence.MAX_PREPROCESSING_ENTRIES)")
            declared = sum(info.file_size for info in entries)
            if declared > limit:
                raise ValueError(f"{file}: unpacks to {declared} bytes, more than the limit of {limit} bytes "
                                 "(nnlib.persistence.MAX_PREPROCESSING_UNPACKED_BYTES)")
            total = 0
            for info in entries:
                chunks = []
                with archive.open(info) as entry:
                    while chunk := entry.read(min(1 << 20, limit - total + 1)):
                        total += len(chunk)
                        if total > limit:
                            raise ValueError(too_large)
                        chunks.append(chunk)
                content = b"".join(chunks)
                if info.filename.endswith(".npy"):
                    _check_npy_size(content, f"{file}: {info.filename}")
                copy.writestr(info.filename, content)
    except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError, RuntimeError) as exc:
        raise ValueError(f"{file}: corrupted preprocessing file ({type(exc).__name__}: {exc})") from None
    except ValueError as exc:
        if str(exc).startswith(file):
            raise
        raise ValueError(f"{file}: corrupted preprocessing file ({type(exc).__name__}: {exc})") from None
    return out.getvalue()


def _check_npy_size(data, where):
    """An array entry (NumPy's ``.npy``) must hold the bytes its header declares.

    ``np.load`` allocates the declared shape before reading the data: a 100-byte entry declaring
    ``10**12`` numbers would ask for 8 TB.
    """
    buffer = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(buffer)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, _, dtype = read_header(buffer)
    except (ValueError, TypeError, SyntaxError, OverflowError) as exc:
        raise ValueError(f"{where}: not a readable array ({exc})") from None
    declared = math.prod(shape) * dtype.itemsize
    if declared != len(data) - buffer.tell():
        raise ValueError(f"{where}: declares an array of shape {shape!r:.100} ({declared} bytes), but holds "
                         f"{len(data) - buffer.tell()} bytes")


def _check_trusted(untrusted, extra, where):
    allowed = set(TRUSTED_TYPES) | set(extra)
    refused = sorted(set(untrusted) - allowed)
    if refused:
        raise ValueError(
            f"{where}: contains types that are not trusted: {refused}. If you know where the file comes from "
            "and these types are safe, pass them by name: trusted=[...]"
        )


def _check_parts_fit(preprocessing, clf, network, where="pipeline"):
    """The preprocessing's output, the classifier and the network must agree on features and classes."""
    produced = _n_features_out(preprocessing)
    if produced is not None and network.n_features != produced:
        raise ValueError(
            f"{where}: the network expects {network.n_features} input features, but the preprocessing produces "
            f"{produced}; the network file and the preprocessing come from different pipelines"
        )
    if network.n_features != clf.n_features_in_:
        raise ValueError(
            f"{where}: the network expects {network.n_features} input features, but the classifier was fitted "
            f"on {clf.n_features_in_}"
        )
    if network.n_outputs != len(clf.classes_):
        raise ValueError(
            f"{where}: the network has {network.n_outputs} outputs, but the classifier has {len(clf.classes_)} "
            f"classes {clf.classes_.tolist()}"
        )


def _n_features_out(preprocessing):
    """How many columns the fitted preprocessing outputs, or None when it cannot tell."""
    if preprocessing is None:
        return None
    try:
        return len(preprocessing.get_feature_names_out())
    except (AttributeError, ValueError, TypeError):
        return None
