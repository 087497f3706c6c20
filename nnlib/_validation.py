"""Checks at the API boundary, shared by both backends.

Every error names the argument, what was expected and what was given, so a learner never has to
decode a broadcasting error from deep inside NumPy. These run once per call of ``fit``/``predict``,
never inside the training step.
"""
import math
import numbers

import numpy as np


def check_choice(value, choices, argument, given=None):
    """Return ``value`` if it is one of ``choices``, else raise a ``ValueError`` listing them."""
    try:
        known = value in choices
    except TypeError:  # an unhashable value
        known = False
    if not known:
        shown = given if given is not None else value
        hint = ""
        if isinstance(value, str) and value.lower() in choices:
            hint = f" (names are lowercase: {value.lower()!r})"
        raise ValueError(f"{argument}: expected one of {sorted(choices)}, got {shown!r:.100}{hint}")
    return value


def check_positive_int(value, argument):
    """A whole number >= 1 (``bool`` is not a number here)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{argument}: expected a positive integer, got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"{argument}: expected a positive integer (>= 1), got {value}")
    return int(value)


def check_positive_float(value, argument):
    """A finite number > 0."""
    return _check_real(value, argument, "a positive finite number", lambda x: x > 0)


def check_non_negative_float(value, argument):
    """A finite number >= 0 (a learning rate, a momentum, Adam's eps: what PyTorch's optimizers accept)."""
    return _check_real(value, argument, "a finite number >= 0", lambda x: x >= 0)


def check_betas(betas, argument="betas"):
    """Adam's ``(beta1, beta2)``, each in [0, 1), as a tuple of floats (a JSON list comes back as one too)."""
    try:
        pair = tuple(float(b) for b in betas)
    except (TypeError, ValueError, OverflowError):
        pair = ()
    if len(pair) != 2 or not all(0 <= b < 1 for b in pair):
        raise ValueError(f"{argument}: expected two numbers in [0, 1) such as (0.9, 0.999), got {betas!r:.100}")
    return pair


def _check_real(value, argument, expected, accept):
    """``value`` as a float if it is a real number, finite and ``accept(value)``; else a named error.

    ``math.isfinite`` rather than ``np.isfinite``: NumPy's ufunc refuses an ``int`` of 400 digits with a
    TypeError about itself, and ``float(10**400)`` overflows; both are just "not finite" here.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        kind = expected.replace(" finite", "")  # "a positive number": the type is what is wrong
        raise TypeError(f"{argument}: expected {kind}, got {type(value).__name__} {value!r:.100}")
    try:
        finite = math.isfinite(value)
    except OverflowError:
        finite = False
    if not finite or not accept(value):
        raise ValueError(f"{argument}: expected {expected}, got {value!r:.100}")
    return float(value)


def as_float_array(x, argument, dtype):
    """``x`` as a NumPy array of ``dtype``, rejecting strings, objects and NaN/inf."""
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # a torch tensor: accept it, compute in NumPy here
        x = x.detach().cpu().numpy()
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{argument}: expected an array of numbers, got {type(x).__name__} ({exc})") from None
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise TypeError(f"{argument}: expected an array of numbers, got an array of dtype {arr.dtype}")
    arr = arr.astype(dtype, copy=False)
    if not _all_finite(arr):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(
            f"{argument}: expected finite numbers, got {arr[tuple(bad)]} at index {tuple(int(i) for i in bad)}"
        )
    return arr


def _all_finite(arr):
    """Whether no entry is NaN or ±inf, in one pass that allocates nothing when all are finite.

    ``np.isfinite(arr)`` would first write an array of booleans as large as ``arr`` (every ``fit``
    on all of X). A dot product ``x·x`` is finite exactly when every entry is, unless it overflows
    (entries beyond about 1e19 in float32): only then are the entries looked at one by one.
    """
    if arr.flags.c_contiguous:
        flat = arr.reshape(-1)  # a view, no copy
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow only sends us to the exact check
            if np.isfinite(np.dot(flat, flat)):
                return True
    return bool(np.isfinite(arr).all())


def check_features(X, n_features, dtype, argument="X"):
    """A finite 2-D float array with ``n_features`` columns."""
    arr = as_float_array(X, argument, dtype)
    if arr.ndim != 2:
        raise ValueError(
            f"{argument}: expected a 2-D array of shape (n_samples, {n_features}), got shape {arr.shape}"
        )
    if arr.shape[1] != n_features:
        raise ValueError(
            f"{argument}: expected {n_features} features (columns), got {arr.shape[1]} (shape {arr.shape})"
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{argument}: expected at least one sample (row), got shape {arr.shape}")
    return np.ascontiguousarray(arr)


def check_class_labels(y, n_samples, n_classes, argument="y"):
    """Class indices as int64 of shape (n_samples,), from indices or one-hot rows.

    Returns ``(target, indices)``: the target the loss sees (int indices, or the float one-hot rows
    as given) and the class indices used for accuracy.
    """
    # Integer labels, the usual case, need neither a float copy nor the search for fractions below.
    integers = isinstance(y, np.ndarray) and y.dtype.kind in "iu" and y.ndim == 1
    arr = y if integers else as_float_array(y, argument, np.float64)
    if arr.ndim == 2 and arr.shape[1] == n_classes and n_classes > 1:
        if arr.shape[0] != n_samples:
            raise ValueError(f"{argument}: expected {n_samples} rows to match X, got {arr.shape[0]}")
        if np.any(arr < 0) or not np.allclose(arr.sum(axis=1), 1.0):
            raise ValueError(
                f"{argument}: one-hot targets must be non-negative rows summing to 1, got row sums "
                f"{np.round(arr.sum(axis=1)[:5], 3).tolist()}..."
            )
        return arr, arr.argmax(axis=1)
    if arr.ndim != 1:
        raise ValueError(
            f"{argument}: expected class indices of shape ({n_samples},) or one-hot rows of shape "
            f"({n_samples}, {n_classes}), got shape {arr.shape}"
        )
    if arr.shape[0] != n_samples:
        raise ValueError(f"{argument}: expected {n_samples} labels to match X, got {arr.shape[0]}")
    if not integers and np.any(arr != np.round(arr)):
        raise ValueError(f"{argument}: expected integer class indices, got non-integer values such as {arr[arr != np.round(arr)][0]}")
    if arr.min() < 0 or arr.max() >= n_classes:
        raise ValueError(
            f"{argument}: expected class indices in 0..{n_classes - 1} (the model has {n_classes} outputs), "
            f"got values from {int(arr.min())} to {int(arr.max())}"
        )
    indices = arr.astype(np.int64)
    return indices, indices


def check_binary_targets(y, n_samples, dtype, argument="y"):
    """Binary targets in [0, 1] as a float column of shape (n_samples, 1)."""
    arr = as_float_array(y, argument, dtype)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.shape != (n_samples, 1):
        raise ValueError(f"{argument}: expected binary targets of shape ({n_samples},) or ({n_samples}, 1), got shape {arr.shape}")
    if arr.min() < 0 or arr.max() > 1:
        raise ValueError(f"{argument}: expected values in [0, 1], got values from {arr.min()} to {arr.max()}")
    return np.ascontiguousarray(arr), (arr[:, 0] > 0.5).astype(np.int64)


def check_regression_targets(y, n_samples, n_outputs, dtype, argument="y"):
    """Real targets of shape (n_samples, n_outputs); a 1-D y is accepted for a single output."""
    arr = as_float_array(y, argument, dtype)
    if arr.ndim == 1 and n_outputs == 1:
        arr = arr[:, None]
    if arr.shape != (n_samples, n_outputs):
        expected = f"({n_samples},) or ({n_samples}, 1)" if n_outputs == 1 else f"({n_samples}, {n_outputs})"
        raise ValueError(f"{argument}: expected targets of shape {expected}, got shape {arr.shape}")
    return np.ascontiguousarray(arr), None


def check_same_shape(pred, target, argument="target"):
    """Losses compare element by element: shapes must match exactly (no silent broadcasting)."""
    if tuple(pred.shape) != tuple(target.shape):
        raise ValueError(
            f"{argument}: expected the same shape as the prediction {tuple(pred.shape)}, got {tuple(target.shape)}"
        )


def check_finite_outputs(out, argument):
    """Refuse NaN/inf in a network's outputs, naming the rows: inputs too large for the network (1e308
    overflows in the first layer) give NaN probabilities, and argmax would call that class 0."""
    if _all_finite(out):
        return
    rows = np.flatnonzero(~np.isfinite(out.reshape(out.shape[0], -1)).all(axis=1))
    shown = ", ".join(str(i) for i in rows[:10]) + (", ..." if len(rows) > 10 else "")
    raise ValueError(
        f"{argument}: the network's outputs are NaN or inf for {len(rows)} row(s) (row {shown}, counted from 0): "
        "their values are too large for it (overflow); no prediction is made. Check or scale those rows."
    )


def check_probabilities(values, argument):
    """Every entry in [0, 1] (NaN refused): what binary cross-entropy takes as a probability or a target."""
    if 0 in tuple(values.shape):
        return
    if hasattr(values, "detach"):  # a tensor in a graph: look at its numbers only
        values = values.detach()
    low, high = float(values.min()), float(values.max())
    if not (0 <= low and high <= 1):  # NaN fails both comparisons
        raise ValueError(f"{argument}: expected values in [0, 1], got values from {low} to {high}")


def check_binary_cross_entropy(prediction, target):
    """Binary cross-entropy's arguments: the same shape, both probabilities in [0, 1] (arrays or tensors)."""
    check_same_shape(prediction, target)
    check_probabilities(prediction, "prediction")
    check_probabilities(target, "target")


def check_class_indices(logits, target, argument="target"):
    """Cross-entropy with class indices: one integer per row of 2-D logits (NumPy arrays or tensors)."""
    if len(logits.shape) != 2 or tuple(target.shape) != (logits.shape[0],):
        raise ValueError(
            f"{argument}: expected {logits.shape[0]} class indices for logits of shape {tuple(logits.shape)}, "
            f"got shape {tuple(target.shape)}"
        )
    dtype = str(target.dtype).removeprefix("torch.")  # the same names in NumPy and PyTorch: int64, float32, ...
    if not dtype.startswith(("int", "uint")):
        raise TypeError(f"{argument}: expected integer class indices, got dtype {dtype}")
    n_classes = logits.shape[1]
    if target.shape[0] and not (0 <= int(target.min()) and int(target.max()) < n_classes):
        raise ValueError(
            f"{argument}: expected class indices in 0..{n_classes - 1} (logits of shape {tuple(logits.shape)}), "
            f"got values from {int(target.min())} to {int(target.max())}"
        )


#: The range each activation option may take. Outside it the activation turns every output into
#: inf/NaN or a constant: ``beta=0`` divides by zero in softplus, ``negative_slope=1e308`` overflows
#: on the first negative input. The bounds are far beyond any value used in practice.
ACTIVATION_OPTION_RANGES = {
    "negative_slope": (-1e3, 1e3),
    "alpha": (-1e3, 1e3),
    "beta": (1e-3, 1e3),
    "threshold": (-1e3, 1e3),
}


def check_activation_option(key, value):
    """An activation option (``negative_slope``, ``alpha``, ``beta``, ``threshold``) as a float in its range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise TypeError(f"{key}: expected a finite number, got {type(value).__name__} {value!r}")
    low, high = ACTIVATION_OPTION_RANGES[key]
    if not low <= value <= high:
        raise ValueError(
            f"{key}: expected a number in [{low:g}, {high:g}] (outside it the activation's outputs overflow or "
            f"become NaN), got {value!r}"
        )
    return float(value)


def check_seed(seed, argument="seed"):
    """``None`` or a non-negative integer (what seeds NumPy's generator the same way in both backends)."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{argument}: expected a non-negative integer or None, got {type(seed).__name__} {seed!r}")
    if seed < 0:
        raise ValueError(f"{argument}: expected a non-negative integer or None, got {seed}")
    return int(seed)


def check_callbacks(callbacks, argument="callbacks"):
    """A list of callables ``callback(epoch, logs)``."""
    if callable(callbacks) or isinstance(callbacks, (str, bytes)) or not hasattr(callbacks, "__iter__"):
        raise TypeError(
            f"{argument}: expected a list of functions called as callback(epoch, logs), got "
            f"{type(callbacks).__name__} {callbacks!r}"
        )
    callbacks = list(callbacks)
    for i, callback in enumerate(callbacks):
        if not callable(callback):
            raise TypeError(f"{argument}[{i}]: expected a function callback(epoch, logs), got {type(callback).__name__} {callback!r}")
    return callbacks


def check_validation_data(data, argument="validation_data"):
    """``None`` or a pair ``(X_val, y_val)``."""
    if data is None:
        return None
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        shown = f"{len(data)} items" if isinstance(data, (tuple, list)) else type(data).__name__
        raise ValueError(f"{argument}: expected a pair (X_val, y_val), got {shown}")
    return tuple(data)


def check_finite_weights(weights, where):
    """Refuse weights with NaN/inf: such a model answers NaN (or one class) for every input."""
    for i, w in enumerate(weights):
        if not np.all(np.isfinite(w)):
            raise ValueError(
                f"{where}: weights[{i}] contains NaN or inf (the training diverged?); refusing to save a model "
                "that cannot predict. Train again with a smaller learning_rate or scaled features."
            )
