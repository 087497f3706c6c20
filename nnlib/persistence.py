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
switches from the old saved pipeline to the new one: a reader sees either, never a mix. ``load_pipeline``
checks each file's hash and that the parts fit together, and raises ``ValueError`` if not.
"""
import hashlib
import json
import os
import re

import numpy as np
import skops.io
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from . import __version__
from .fileformat import write_atomic
from .model import History, load_model
from .sklearn import NNClassifier

FORMAT = "nnlib.pipeline"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"

#: Types that skops does not trust by default but a fitted ColumnTransformer with imputers, encoders and
#: scalers contains. Anything else found in a preprocessing file is refused unless the caller trusts it
#: by name (``load_pipeline(..., trusted=["module.Type"])``), never wholesale.
TRUSTED_TYPES = ("numpy.dtype",)

_DATA_FILE = re.compile(r"^(network-[0-9a-f]{16}\.safetensors|preprocessing-[0-9a-f]{16}\.skops)$")


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
    path = os.fspath(path)
    os.makedirs(path, exist_ok=True)

    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "nnlib_version": __version__,
                "classifier": {"step": step, **_classifier_record(clf)}, "preprocessing": None}
    if preprocessing is not None:
        data = skops.io.dumps(preprocessing)
        _check_trusted(skops.io.get_untrusted_types(data=data), trusted, "preprocessing")
        manifest["preprocessing"] = _write_data_file(path, "preprocessing", ".skops", data)
    # nnlib writes the network; read the bytes back to name the file after them.
    tmp = os.path.join(path, ".network.partial")
    clf.model_.save(tmp)
    with open(tmp, "rb") as f:
        network_bytes = f.read()
    os.remove(tmp)
    manifest["network"] = _write_data_file(path, "network", ".safetensors", network_bytes)

    write_atomic(os.path.join(path, MANIFEST), json.dumps(manifest, indent=2).encode())
    _remove_stale_files(path, manifest)
    return path


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


def _write_data_file(folder, stem, suffix, data):
    digest = hashlib.sha256(data).hexdigest()
    name = f"{stem}-{digest[:16]}{suffix}"
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
    manifest = _read_manifest(path)
    try:
        record = manifest["classifier"]
        params = dict(record["params"])
        params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
        if backend is not None:
            params["backend"] = backend
        clf = NNClassifier(**params)
        clf.classes_ = np.array(record["classes"], dtype=np.dtype(record["classes_dtype"]))
        clf.n_features_in_ = int(record["n_features_in"])
        if "feature_names_in" in record:
            clf.feature_names_in_ = np.array(record["feature_names_in"], dtype=object)
        history = record["history"]
        network_entry, prep_entry = manifest["network"], manifest["preprocessing"]
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path}: {MANIFEST} does not describe a saved pipeline ({type(exc).__name__}: {exc})") from None

    network_file = _verified_file(path, network_entry)
    clf.model_ = load_model(network_file, backend=clf.backend, device=device)
    clf.history_ = History({key: list(values) for key, values in history.items()})
    preprocessing = None
    if prep_entry is not None:
        data = _read_verified(path, prep_entry)
        try:
            untrusted = skops.io.get_untrusted_types(data=data)
        except Exception as exc:  # a damaged zip or schema: never show the parser's traceback
            raise ValueError(f"{path}: corrupted preprocessing file {prep_entry['file']!r} ({type(exc).__name__}: {exc})") from None
        _check_trusted(untrusted, trusted, os.path.join(path, prep_entry["file"]))
        try:
            preprocessing = skops.io.loads(data, trusted=untrusted)  # every one of them checked just above
        except Exception as exc:
            raise ValueError(f"{path}: corrupted preprocessing file {prep_entry['file']!r} ({type(exc).__name__}: {exc})") from None
    _check_parts_fit(preprocessing, clf, clf.model_, where=path)
    if record.get("step") is None:
        return clf
    steps = [] if preprocessing is None else list(preprocessing.steps)
    return Pipeline(steps + [(record["step"], clf)])


def _read_manifest(path):
    file = os.path.join(path, MANIFEST)
    if not os.path.isdir(path):
        raise FileNotFoundError(f"path: expected a folder written by save_pipeline, got {path!r} (no such folder)")
    if not os.path.exists(file):
        raise ValueError(f"{path}: not a saved pipeline (no {MANIFEST} in the folder)")
    try:
        with open(file, "rb") as f:
            manifest = json.loads(f.read())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{file}: corrupted or truncated ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValueError(f"{file}: not a saved nnlib pipeline (expected format {FORMAT!r})")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"{file}: saved pipeline version {manifest.get('format_version')!r}, this nnlib reads version {FORMAT_VERSION}"
        )
    return manifest


def _read_verified(folder, entry):
    """The bytes of a data file, after checking they are exactly the bytes that were saved."""
    try:
        name, digest = entry["file"], entry["sha256"]
    except (KeyError, TypeError):
        raise ValueError(f"{folder}: {MANIFEST} has a malformed file entry {entry!r}") from None
    if not isinstance(name, str) or not _DATA_FILE.match(name):
        raise ValueError(f"{folder}: {MANIFEST} names an unexpected file {name!r}")
    file = os.path.join(folder, name)
    if not os.path.exists(file):
        raise ValueError(f"{folder}: {name} is missing (the folder is incomplete)")
    with open(file, "rb") as f:
        data = f.read()
    if hashlib.sha256(data).hexdigest() != digest:
        raise ValueError(
            f"{file}: corrupted, truncated or changed since it was saved ({len(data)} bytes; its SHA-256 does not "
            f"match {MANIFEST})"
        )
    return data


def _verified_file(folder, entry):
    _read_verified(folder, entry)
    return os.path.join(folder, entry["file"])


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
