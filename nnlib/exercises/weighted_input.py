r"""Checkers for the exercises of ``03_weighted_input``: one neuron's z, the shapes of a batch, Z = X Wᵀ + b.

Each prints one line (``✅ ...`` or ``❌ Not yet — ...``) through :mod:`nnlib.exercises._core` and never
raises, whatever the learner wrote. The usual mistakes (no bias, W not transposed, a per-sample
parameter count) get a hint that names them.
"""
import numpy as np

from ._core import _is_stub, check_function, check_value, report

# ------------------------------------------------------------------------------------ exercise 1
#: the notebook's sample and the second neuron's weights and bias
X_SAMPLE = np.array([1.0, 2.0, 3.0])
W_SECOND = np.array([1.0, 0.5, -1.0])
B_SECOND = 2.0
W_FIRST, B_FIRST = np.array([0.4, -0.5, 0.3]), 0.5


def check_one_neuron(z2):
    r"""Exercise 1: ``z2`` = :math:`w \cdot x + b` for the second neuron (= 1.0)."""
    expected = float(W_SECOND @ X_SAMPLE + B_SECOND)
    hint = "multiply each input by its weight, add the three products, then add the bias: w @ x + b"
    if not _is_stub(z2):
        given = np.asarray(z2, dtype=float) if np.ndim(z2) else None
        if given is not None and given.shape == (3,):
            hint = "you have the three products w_k x_k; a neuron adds them up (np.sum or w @ x) and adds b"
        elif np.ndim(z2) == 0 and np.isclose(float(z2), expected - B_SECOND):
            hint = "almost: the bias b = 2 is missing"
        elif np.ndim(z2) == 0 and np.isclose(float(z2), W_FIRST @ X_SAMPLE + B_FIRST):
            hint = "that is the first neuron's z; use the second neuron's weights (1, 0.5, -1) and bias 2"
    return check_value(z2, expected, name="one neuron", hint=hint)


# ------------------------------------------------------------------------------------ exercise 2
BATCH, N_IN, N_OUT = 32, 5, 4


def check_shapes(shape_X, shape_W, shape_b, shape_Z, n_params):
    """Exercise 2: the shapes for a batch of 32 samples, 5 inputs, 4 neurons, and the parameter count."""
    name = "shapes of a batch"
    answers = {"shape_X": shape_X, "shape_W": shape_W, "shape_b": shape_b, "shape_Z": shape_Z, "n_params": n_params}
    expected = {"shape_X": (BATCH, N_IN), "shape_W": (N_OUT, N_IN), "shape_b": (N_OUT,),
                "shape_Z": (BATCH, N_OUT), "n_params": N_OUT * (N_IN + 1)}
    hints = {
        "shape_X": "one row per sample, one column per input feature",
        "shape_W": "nnlib and PyTorch store one ROW per neuron, holding that neuron's weights: (n_out, n_in)",
        "shape_b": "one bias per neuron, as a 1-D array: (n_out,) — written (4,) in Python",
        "shape_Z": "one row per sample, one column per neuron",
        "n_params": "each neuron has one weight per input plus one bias; the batch size does not matter",
    }
    for key, value in answers.items():
        if _is_stub(value):
            return report(False, name, f"{key}: no answer yet (replace None)", hints[key])
    for key in ("shape_X", "shape_W", "shape_b", "shape_Z"):
        given = _as_shape(answers[key])
        if given != expected[key]:
            hint = hints[key]
            if key == "shape_W" and given == (N_IN, N_OUT):
                hint = "that is the shape of Wᵀ; W itself has one row per neuron: (n_out, n_in)"
            elif key == "shape_b" and given in ((1, N_OUT), (BATCH, N_OUT), (N_OUT, 1)):
                hint = "the bias is one number per neuron, stored once: a 1-D array of shape (n_out,)"
            return report(False, name, f"{key}: expected a shape like {expected[key]}, got {answers[key]!r}", hint)
    count = answers["n_params"]
    if not isinstance(count, (int, np.integer)) or isinstance(count, bool) or count != expected["n_params"]:
        hint = hints["n_params"]
        if count == N_OUT * N_IN:
            hint = "those are the weights; the 4 biases are parameters too"
        elif count == BATCH * expected["n_params"]:
            hint = "the parameters are shared by all samples: the batch size does not multiply them"
        return report(False, name, f"n_params: expected a whole number, got {count!r}", hint)
    return report(True, name, f"X {expected['shape_X']} @ Wᵀ {(N_IN, N_OUT)} + b {expected['shape_b']} "
                              f"= Z {expected['shape_Z']}, {expected['n_params']} parameters")


def _as_shape(value):
    try:
        return tuple(int(v) for v in value)
    except (TypeError, ValueError):
        return None


# ------------------------------------------------------------------------------------ exercise 3
def dense_reference(X, W, b):
    r""":math:`Z = X W^\top + b`: X (N, n_in), W (n_out, n_in), b (n_out,) -> Z (N, n_out)."""
    return X @ W.T + b


def _dense_inputs():
    rng = np.random.default_rng(3)
    shapes = [(2, 3, 1), (1, 5, 4), (6, 3, 3), (10, 2, 7)]  # (N, n_in, n_out); one square W catches X @ W
    # one decimal: a "not yet" message shows the first input, and short numbers keep it readable
    return [tuple(rng.normal(size=shape).round(1) for shape in ((n, k), (m, k), (m,))) for n, k, m in shapes]


DENSE_INPUTS = _dense_inputs()
DENSE_HINT = "one matrix product and one addition: X @ W.T + b"


def check_dense_forward(dense_forward):
    """Exercise 3: ``dense_forward(X, W, b)`` returns X @ W.T + b for any batch and layer size."""
    hint = DENSE_HINT
    X, W, b = DENSE_INPUTS[0]
    try:
        first = np.asarray(dense_forward(X.copy(), W.copy(), b.copy()), dtype=float) if callable(dense_forward) else None
    except ValueError:
        first, hint = None, ("X @ W does not fit: X is (N, n_in) and W is (n_out, n_in); "
                             "transpose W so the inner sizes agree: X @ W.T")
    except Exception:  # reported with its input by check_function below
        first = None
    if first is not None and first.ndim:
        if first.shape == (W.shape[0], X.shape[0]):
            hint = "your result is (n_out, N): that is W @ X.T; the batch goes in rows: X @ W.T"
        elif first.shape == (X.shape[0], W.shape[0]) and np.allclose(first, X @ W.T):
            hint = "the bias is missing: add b (it is broadcast to every row)"
    return check_function(dense_forward, dense_reference, DENSE_INPUTS, name="dense_forward", hint=hint)
