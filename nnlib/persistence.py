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
switches from the old saved pipeline to the new one: a reader sees either, never a mix. A save holds an
exclusive lock on the folder (``flock``) from its first file to the removal of the files the new
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
import zipfile

import numpy as np
import skops.io
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from . import __version__
from . import _validation as v
from . import fileformat, names
from .fileformat import read_regular_file, write_atomic
from .model import BACKENDS, History, _model_from_file
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

#: Types that skops does not trust by default but a fitted ColumnTransformer with imputers, encoders and
#: scalers contains. Anything else found in a preprocessing file is refused unless the caller trusts it
#: by name (``load_pipeline(..., trusted=["module.Type"])``), never wholesale.
TRUSTED_TYPES = ("numpy.dtype",)

_DATA_FILE = re.compile(r"^(network-[0-9a-f]{16}\.safetensors|preprocessing-[0-9a-f]{16}\.skops)$")
_DATA_FILES = {"network": ("network-", ".safetensors"), "preprocessing": ("preprocessing-", ".skops")}
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


# ------------------------------------------------------------------------------------------ save
def save_pipeline(path, pipeline, trusted=()):
    """Save a fitted ``NNClassifier``, or a fitted ``Pipeline`` ending with one, to the folder ``path``.

    Parameters
    ----------
    path : str or os.PathLike
        A folder; created if missing. Saving again replaces the previous pipeline in it.
    pipeline : NNClassifier or sklearn.pipeline.Pipeline
        Fitted. The steps before the classifier are the preprocessing.
    trusted : sequence of str
        Extra type names (``"module.Type"``) the preprocessing may contain beyond :data:`TRUSTED_TYPES`.

    Returns
    -------
    str
        The folder written.
    """
    preprocessing, step, clf = _split(pipeline)
    check_is_fitted(clf)
    _check_parts_fit(preprocessing, clf, clf.model_)
    # Everything is checked and serialised before the folder is touched: a refused save changes nothing.
    weights = clf.model_.get_weights()
    v.check_finite_weights(weights, "pipeline")
    record = {"step": step, **_classifier_record(clf)}
    prep_bytes = None
    if preprocessing is not None:
        prep_bytes = skops.io.dumps(preprocessing)
        _check_trusted(skops.io.get_untrusted_types(data=prep_bytes), trusted, "preprocessing")
    network_bytes = fileformat.model_file_bytes(clf.model_.get_config(), weights)
    path = os.fspath(path)
    os.makedirs(path, exist_ok=True)

    with _locked(path, exclusive=True):
        written = []  # data files this save created: removed again if it fails before the switch
        try:
            manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "nnlib_version": __version__,
                        "classifier": record, "preprocessing": None}
            if prep_bytes is not None:
                manifest["preprocessing"] = _write_data_file(path, "preprocessing", prep_bytes, written)
            manifest["network"] = _write_data_file(path, "network", network_bytes, written)
            manifest["manifest_sha256"] = manifest_checksum(manifest)
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


def _write_data_file(folder, key, data, written):
    digest = hashlib.sha256(data).hexdigest()
    prefix, suffix = _DATA_FILES[key]
    name = f"{prefix}{digest[:16]}{suffix}"
    if not os.path.lexists(os.path.join(folder, name)):
        written.append(name)
    write_atomic(os.path.join(folder, name), data)
    return {"file": name, "sha256": digest}


def _remove_stale_files(folder, manifest):
    keep = {manifest["network"]["file"]} | ({manifest["preprocessing"]["file"]} if manifest["preprocessing"] else set())
    for name in os.listdir(folder):
        if _DATA_FILE.match(name) and name not in keep:
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
        different number of features than the preprocessing produces).
    """
    path = os.fspath(path)
    if not os.path.isdir(path):
        raise FileNotFoundError(f"path: expected a folder written by save_pipeline, got {path!r} (no such folder)")
    if backend is not None:
        v.check_choice(backend, BACKENDS, "backend")
    with _locked(path, exclusive=False):  # no save may remove a file between reading the manifest and it
        manifest = _read_manifest(path)
        record = _check_manifest(manifest, os.path.join(path, MANIFEST))
        network_file = os.path.join(path, manifest["network"]["file"])
        network_bytes = _read_verified(path, manifest["network"], MAX_NETWORK_BYTES, "MAX_NETWORK_BYTES")
        prep_entry, prep_bytes = manifest["preprocessing"], None
        if prep_entry is None:
            stray = sorted(name for name in os.listdir(path) if name.startswith("preprocessing-") and _DATA_FILE.match(name))
            if stray:
                raise ValueError(
                    f"{path}: {MANIFEST} says the pipeline has no preprocessing, but the folder holds {stray[0]}; "
                    "the folder mixes two saves (save the pipeline again)"
                )
        else:
            prep_bytes = _read_verified(path, prep_entry, MAX_PREPROCESSING_BYTES, "MAX_PREPROCESSING_BYTES")

    params = dict(record["params"], hidden_layer_sizes=tuple(record["params"]["hidden_layer_sizes"]))
    if backend is not None:
        params["backend"] = backend
    clf = NNClassifier(**params)
    clf.classes_ = record["classes"]
    clf.n_features_in_ = record["n_features_in"]
    if "feature_names_in" in record:
        clf.feature_names_in_ = np.array(record["feature_names_in"], dtype=object)
    clf.history_ = History({key: list(values) for key, values in record["history"].items()})
    clf.model_ = _model_from_file(fileformat.parse_model_file(network_bytes, network_file), network_file,
                                  backend=clf.backend, device=device)
    _check_network_fits_params(clf.model_, record["params"], network_file)
    preprocessing = None
    if prep_bytes is not None:
        preprocessing = _load_preprocessing(prep_bytes, os.path.join(path, prep_entry["file"]), trusted)
    _check_parts_fit(preprocessing, clf, clf.model_, where=path)
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
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
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


# ------------------------------------------------------------------- the manifest's fields
_MANIFEST_KEYS = {"format", "format_version", "nnlib_version", "classifier", "preprocessing", "network", "manifest_sha256"}
_CLASSIFIER_KEYS = {"step", "params", "classes", "classes_dtype", "n_features_in", "history"}
_HISTORY_KEY = re.compile(r"^(val_)?(loss|accuracy)$")


def _check_manifest(manifest, file):
    """The classifier's record with ``classes`` as an array; every field checked, else a ``ValueError``."""
    def fail(field, message):
        raise ValueError(f"{file}: {field}: {message}")

    unexpected = sorted(set(manifest) - _MANIFEST_KEYS)
    if unexpected or _MANIFEST_KEYS - set(manifest):
        shown = f"unexpected keys {unexpected}" if unexpected else f"missing keys {sorted(_MANIFEST_KEYS - set(manifest))}"
        raise ValueError(f"{file}: {shown}; expected exactly {sorted(_MANIFEST_KEYS)}")
    if not isinstance(manifest["nnlib_version"], str):
        fail("nnlib_version", f"expected a string, got {manifest['nnlib_version']!r}")
    _check_file_entry(manifest["network"], "network", fail)
    if manifest["preprocessing"] is not None:
        _check_file_entry(manifest["preprocessing"], "preprocessing", fail)
    record = manifest["classifier"]
    if not isinstance(record, dict):
        fail("classifier", f"expected an object, got {type(record).__name__}")
    keys = set(record)
    if not _CLASSIFIER_KEYS <= keys <= _CLASSIFIER_KEYS | {"feature_names_in"}:
        fail("classifier", f"expected the keys {sorted(_CLASSIFIER_KEYS)} (and optionally 'feature_names_in'), got {sorted(keys)}")
    record = dict(record)
    step = record["step"]
    if step is None and manifest["preprocessing"] is not None:
        fail("classifier.step", "expected the classifier's step name (a pipeline with preprocessing), got None")
    if step is not None and not (isinstance(step, str) and step):
        fail("classifier.step", f"expected a step name or null, got {step!r}")
    _check_params(record["params"], fail)
    record["classes"] = _check_classes(record["classes"], record["classes_dtype"], fail)
    n = record["n_features_in"]
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        fail("classifier.n_features_in", f"expected a positive integer, got {type(n).__name__} {n!r}")
    if "feature_names_in" in record:
        names_in = record["feature_names_in"]
        if not (isinstance(names_in, list) and len(names_in) == n and all(isinstance(x, str) for x in names_in)):
            fail("classifier.feature_names_in", f"expected a list of {n} column names, got {names_in!r:.200}")
    _check_history(record["history"], record["params"]["epochs"], fail)
    return record


def _check_file_entry(entry, key, fail):
    if not (isinstance(entry, dict) and set(entry) == {"file", "sha256"}):
        fail(key, f'expected an object {{"file": ..., "sha256": ...}}, got {entry!r:.200}')
    name, digest = entry["file"], entry["sha256"]
    prefix, suffix = _DATA_FILES[key]
    if not (isinstance(name, str) and _DATA_FILE.match(name) and name.startswith(prefix) and name.endswith(suffix)):
        fail(key, f"expected a file named {prefix}<16 hex digits>{suffix} in the folder, got {name!r:.200}")
    if not (isinstance(digest, str) and _SHA256.match(digest)):
        fail(key, f"expected sha256 as 64 lowercase hex digits, got {digest!r:.200}")
    if name != f"{prefix}{digest[:16]}{suffix}":
        fail(key, f"file {name!r} is not named after its sha256 {digest[:16]}...")


def _check_params(params, fail):
    expected = set(NNClassifier().get_params())
    if not isinstance(params, dict):
        fail("classifier.params", f"expected an object, got {type(params).__name__}")
    if set(params) != expected:
        extra, missing = sorted(set(params) - expected), sorted(expected - set(params))
        fail("classifier.params", f"expected the keys {sorted(expected)}, got extra {extra}, missing {missing}")
    try:
        v.check_choice(params["backend"], BACKENDS, "backend")
        names.dtype_name(params["dtype"])
        names.activation_name(params["activation"])
        names.optimizer_name(params["optimizer"])
        v.check_positive_float(params["learning_rate"], "learning_rate")
        for key in ("epochs", "batch_size", "accumulation_steps"):
            v.check_positive_int(params[key], key)
        v.check_seed(params["random_state"], "random_state")
        sizes = params["hidden_layer_sizes"]
        if not isinstance(sizes, list):
            raise TypeError(f"hidden_layer_sizes: expected a list of positive integers, got {sizes!r:.200}")
        for i, size in enumerate(sizes):
            v.check_positive_int(size, f"hidden_layer_sizes[{i}]")
        if not isinstance(params["device"], str):
            raise TypeError(f"device: expected a string, got {params['device']!r}")
        if isinstance(params["verbose"], bool) or not isinstance(params["verbose"], int):
            raise TypeError(f"verbose: expected an integer, got {params['verbose']!r}")
    except (TypeError, ValueError) as exc:
        fail("classifier.params", str(exc))


def _check_classes(classes, dtype_str, fail):
    """The class labels as the array ``fit`` stored: distinct, sorted, of one type their dtype can hold."""
    if not isinstance(classes, list) or len(classes) < 2:
        fail("classifier.classes", f"expected a list of at least 2 labels, got {type(classes).__name__} {classes!r:.200}")
    kinds = {type(c) for c in classes}
    if len(kinds) != 1 or not kinds <= {str, int, float, bool}:
        fail("classifier.classes", f"expected labels of one type (all strings, all integers...), got {classes!r:.200}")
    if kinds == {float} and not all(math.isfinite(c) for c in classes):
        fail("classifier.classes", f"expected finite numbers, got {classes!r:.200}")
    if any(a >= b for a, b in zip(classes, classes[1:])):
        fail("classifier.classes", f"expected distinct labels in sorted order (as fit stores them), got {classes!r:.200}")
    try:
        dtype = np.dtype(dtype_str) if isinstance(dtype_str, str) else None
    except Exception:  # noqa: BLE001 - numpy's dtype parser raises several kinds of error
        dtype = None
    longest = max((len(c) for c in classes), default=0) if kinds == {str} else 0
    # kinds that can hold such labels, with an itemsize no larger than needed: a forged '<U1000000000' would
    # otherwise allocate gigabytes
    allowed = {str: "OU", int: "iuO", float: "fO", bool: "bO"}[kinds.pop()]
    if dtype is None or dtype.kind not in allowed or (dtype.kind == "U" and dtype.itemsize // 4 > max(longest, 1024)):
        fail("classifier.classes_dtype", f"expected a dtype of kind {list(allowed)} for these labels, got {dtype_str!r:.100}")
    try:
        array = np.array(classes, dtype=dtype)
    except (OverflowError, ValueError, TypeError):
        array = None
    if array is None or array.tolist() != classes:
        fail("classifier.classes_dtype", f"{dtype_str!r} cannot hold the classes {classes!r:.200}")
    return array


def _check_history(history, epochs, fail):
    if not isinstance(history, dict):
        fail("classifier.history", f"expected an object of per-epoch lists, got {type(history).__name__}")
    lengths = set()
    for key, values in history.items():
        if not _HISTORY_KEY.match(key):
            fail("classifier.history", f"expected keys such as 'loss' and 'accuracy', got {key!r:.100}")
        if not (isinstance(values, list) and all(type(x) in (int, float) and math.isfinite(x) for x in values)):
            fail(f"classifier.history[{key!r}]", f"expected a list of finite numbers, got {type(values).__name__} {values!r:.200}")
        lengths.add(len(values))
    if len(lengths) > 1 or any(n > epochs for n in lengths):
        fail("classifier.history", f"expected lists of one length, at most epochs={epochs}, got lengths {sorted(lengths)}")


def _check_network_fits_params(network, params, file):
    """The network file must be the network these settings build: the same layers and activations."""
    sizes = [network.n_features] + [layer.out_features for layer in network.layers]
    hidden = {layer.activation for layer in network.layers[:-1]}
    expected_activation = names.activation_name(params["activation"])
    if (sizes[1:-1] != list(params["hidden_layer_sizes"]) or hidden - {expected_activation}
            or network.layers[-1].activation != "softmax" or network.loss != "cross_entropy"):
        raise ValueError(
            f"{file}: classifier.params.hidden_layer_sizes {params['hidden_layer_sizes']} and activation "
            f"{params['activation']!r} do not match the network file's layers {sizes} (hidden activation "
            f"{'/'.join(sorted(hidden)) or 'none'!r}, output {network.layers[-1].activation!r}, loss {network.loss!r})"
        )


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
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise ValueError(f"{file}: corrupted preprocessing file ({type(exc).__name__}: {exc})") from None
    unpacked = sum(info.file_size for info in entries)
    if len(entries) > MAX_PREPROCESSING_ENTRIES or unpacked > MAX_PREPROCESSING_UNPACKED_BYTES:
        raise ValueError(
            f"{file}: unpacks to {unpacked} bytes, more than the limit of {MAX_PREPROCESSING_UNPACKED_BYTES} bytes "
            f"(nnlib.persistence.MAX_PREPROCESSING_UNPACKED_BYTES), or holds more than {MAX_PREPROCESSING_ENTRIES} "
            f"entries ({len(entries)})"
        )
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
        isinstance(step, tuple) and len(step) == 2 and isinstance(step[0], str) and hasattr(step[1], "transform")
        for step in preprocessing.steps
    ):
        raise ValueError(
            f"{file}: expected a scikit-learn Pipeline of the preprocessing steps, got {type(preprocessing).__name__}"
        )
    return preprocessing


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
