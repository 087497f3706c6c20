"""Checks at the API boundary, shared by both backends.

Every error names the argument, what was expected and what was given, so a learner never has to
decode a broadcasting error from deep inside NumPy. These run once per call of ``fit``/``predict``,
never inside the training step.
"""
import numbers

import numpy as np


def check_choice(value, choices, argument, given=None):
    """Return ``value`` if it is one of ``choices``, else raise a ``ValueError`` listing them."""
    if value not in choices:
        shown = given if given is not None else value
        raise ValueError(f"{argument}: expected one of {sorted(choices)}, got {shown!r}")
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
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{argument}: expected a positive number, got {type(value).__name__} {value!r}")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{argument}: expected a positive finite number, got {value}")
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
