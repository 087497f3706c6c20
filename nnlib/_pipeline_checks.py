"""What a saved pipeline must be, checked the same way by ``save_pipeline`` and ``load_pipeline``.

``save_pipeline`` runs every check here on what it is about to write, and ``load_pipeline`` on what it
read, so a save never writes a folder that loading would refuse (and then remove the good pipeline
as stale). Each check raises a ``ValueError`` naming the file and the field.

The preprocessing is a trusted scikit-learn object, but its numbers come from the file: the sizes it
declares (``n_features_in_``, the length of each per-feature array, how many columns a
``PolynomialFeatures`` will build) are checked here before scikit-learn builds anything of that size.
"""
import math
import numbers
import re

import numpy as np

from . import _validation as v
from . import names
from .model import BACKENDS
from .sklearn import NNClassifier

DATA_FILE = re.compile(r"^(network-[0-9a-f]{16}\.safetensors|preprocessing-[0-9a-f]{16}\.skops)$")
DATA_FILES = {"network": ("network-", ".safetensors"), "preprocessing": ("preprocessing-", ".skops")}
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


# ------------------------------------------------------------------- the manifest's fields
_MANIFEST_KEYS = {"format", "format_version", "nnlib_version", "classifier", "preprocessing", "network", "manifest_sha256"}
_CLASSIFIER_KEYS = {"step", "params", "classes", "classes_dtype", "n_features_in", "history"}
_HISTORY_KEY = re.compile(r"^(val_)?(loss|accuracy)$")


def check_manifest(manifest, file):
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
    prefix, suffix = DATA_FILES[key]
    if not (isinstance(name, str) and DATA_FILE.match(name) and name.startswith(prefix) and name.endswith(suffix)):
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
        # what NNClassifier itself accepts (device None means "auto"; verbose True means 1)
        if not (params["device"] is None or isinstance(params["device"], str)):
            raise TypeError(f"device: expected a string or null, got {params['device']!r}")
        if not isinstance(params["verbose"], int):
            raise TypeError(f"verbose: expected an integer or a bool, got {params['verbose']!r}")
    except (TypeError, ValueError, OverflowError) as exc:
        fail("classifier.params", str(exc))


def _check_classes(classes, dtype_str, fail):
    """The class labels as the array ``fit`` stored: distinct, sorted, of one type their dtype can hold."""
    if not isinstance(classes, list) or len(classes) < 2:
        fail("classifier.classes", f"expected a list of at least 2 labels, got {type(classes).__name__} {classes!r:.200}")
    kinds = {type(c) for c in classes}
    if len(kinds) != 1 or not kinds <= {str, int, float, bool}:
        fail("classifier.classes", f"expected labels of one type (all strings, all integers...), got {classes!r:.200}")
    if kinds == {float} and not all(_finite(c) for c in classes):
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
        if not (isinstance(values, list) and all(type(x) in (int, float) and _finite(x) for x in values)):
            fail(f"classifier.history[{key!r}]", f"expected a list of finite numbers, got {type(values).__name__} {values!r:.200}")
        lengths.add(len(values))
    if len(lengths) > 1 or any(n > epochs for n in lengths):
        fail("classifier.history", f"expected lists of one length, at most epochs={epochs}, got lengths {sorted(lengths)}")


def check_network_fits_params(network, params, file):
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




def _finite(x):
    """Whether the JSON number ``x`` is finite as a float (an integer of 400 digits is not: it overflows)."""
    try:
        return math.isfinite(x)
    except OverflowError:
        return False


# ---------------------------------------------------------------------- the preprocessing's sizes
#: Fitted attributes holding one entry per input column (scalers, imputers, encoders, discretizers).
_PER_FEATURE = ("mean_", "var_", "scale_", "statistics_", "center_", "data_min_", "data_max_", "data_range_",
                "min_", "max_abs_", "categories_", "lambdas_", "n_bins_", "bin_edges_", "feature_names_in_")


def check_preprocessing_sizes(preprocessing, file, max_features):
    """Every size the fitted preprocessing declares, checked before scikit-learn uses it.

    A forged file may declare ``n_features_in_ = 10**9`` (``get_feature_names_out`` would then build a
    billion names), per-feature arrays of another length than ``n_features_in_`` (NumPy fails later,
    on the user's rows), or a ``PolynomialFeatures`` degree whose output columns never finish being
    enumerated. Each estimator in the tree is checked; anything off raises a ``ValueError``.
    """
    for where, estimator in _estimators(preprocessing, "preprocessing"):
        n = getattr(estimator, "n_features_in_", None)
        if n is None:
            continue
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or not 1 <= n <= max_features:
            raise ValueError(
                f"{file}: {where}.n_features_in_: expected a number of columns from 1 to {max_features} "
                f"(nnlib.persistence.MAX_PREPROCESSING_FEATURES), got {n!r:.50}"
            )
        for name in _PER_FEATURE:
            value = getattr(estimator, name, None)
            if value is None or isinstance(value, numbers.Number):  # e.g. scale_ of a scaler with_std=False
                continue
            try:
                length = len(value)
            except TypeError:  # a 0-d array, an object without entries
                length = f"a {type(value).__name__} without entries"
            if isinstance(value, str) or length != n:
                raise ValueError(
                    f"{file}: {where}.{name}: expected one entry per input column (n_features_in_={n}), got {length}"
                )
        if type(estimator).__name__ == "PolynomialFeatures":
            _check_polynomial(estimator, n, f"{file}: {where}", max_features)


def _estimators(obj, where, depth=0):
    """``(path, estimator)`` for ``obj`` and every estimator inside it (steps, transformers, attributes)."""
    if depth > 50:
        return
    if hasattr(obj, "get_params") and hasattr(obj, "__dict__"):
        yield where, obj
        for key, value in vars(obj).items():
            yield from _estimators(value, f"{where}.{key}", depth + 1)
    elif isinstance(obj, (list, tuple)):
        for i, value in enumerate(obj):
            yield from _estimators(value, f"{where}[{i}]", depth + 1)
    elif isinstance(obj, dict):
        for key, value in obj.items():
            yield from _estimators(value, f"{where}[{key!r}]", depth + 1)


def _check_polynomial(poly, n, where, max_features):
    """The columns a ``PolynomialFeatures`` builds, counted from its degree, before it enumerates them."""
    low, high = getattr(poly, "_min_degree", None), getattr(poly, "_max_degree", None)
    out = getattr(poly, "n_output_features_", None)
    if not all(isinstance(d, numbers.Integral) and not isinstance(d, bool) for d in (low, high, out)) or not (
        0 <= low <= high and 0 <= out <= max_features
    ):
        raise ValueError(f"{where}: expected degrees 0 <= min <= max and at most {max_features} output columns "
                         f"(nnlib.persistence.MAX_PREPROCESSING_FEATURES), got degrees ({low!r:.30}, {high!r:.30}) "
                         f"and n_output_features_={out!r:.30}")
    interaction = bool(poly.interaction_only)
    # without interaction_only every degree adds at least one column, so a larger degree cannot fit the limit
    if not interaction and high > max_features:
        raise ValueError(f"{where}: degree {high} builds more than {max_features} columns "
                         "(nnlib.persistence.MAX_PREPROCESSING_FEATURES)")
    # count degree by degree (what PolynomialFeatures._num_combinations sums), stopping past the limit
    count = int(bool(poly.include_bias))
    for degree in range(max(1, low), (min(high, n) if interaction else high) + 1):
        count += math.comb(n, degree) if interaction else math.comb(n + degree - 1, degree)
        if count > max_features:
            raise ValueError(f"{where}: degree {high} on {n} columns builds more than {max_features} columns "
                             "(nnlib.persistence.MAX_PREPROCESSING_FEATURES)")
    if count != out:
        raise ValueError(f"{where}: n_output_features_={out} does not match degree {poly.degree!r:.30} "
                         f"on {n} columns ({count} columns)")
