r"""Checkers for the exercises of ``03_weighted_input``: one neuron's z, the shapes of a batch, and a layer
whose batch arrives with one column per sample.

Each prints one line (``✅ ...`` or ``❌ Not yet — ...``) through :mod:`nnlib.exercises._core` and never
raises, whatever the learner wrote. The usual mistakes (no bias, W not transposed, a per-sample
parameter count, the result transposed) get a hint that names them; the recipe comes on a later try
or from ``hint()``.
"""
import numpy as np

from ._core import _fmt, _is_stub, check_function, check_value, no_answer, recipe, report

# ------------------------------------------------------------------------------------ exercise 1
#: the notebook's sample and the second neuron's weights and bias
X_SAMPLE = np.array([1.0, 2.0, 3.0])
W_SECOND = np.array([1.0, 0.5, -1.0])
B_SECOND = 2.0
W_FIRST, B_FIRST = np.array([0.4, -0.5, 0.3]), 0.5


def check_one_neuron(z2):
    r"""Exercise 1: ``z2`` = :math:`w \cdot x + b` for the second neuron (= 1.0)."""
    expected = float(W_SECOND @ X_SAMPLE + B_SECOND)
    hint = None
    if not _is_stub(z2):
        given = np.asarray(z2, dtype=float) if np.ndim(z2) else None
        if given is not None and given.shape == (3,):
            hint = "you have the three products w_k x_k; a neuron adds them up into one number, then adds its bias"
        elif np.ndim(z2) == 0 and np.isclose(float(z2), expected - B_SECOND):
            hint = "almost: the bias is missing"
        elif np.ndim(z2) == 0 and np.isclose(float(z2), W_FIRST @ X_SAMPLE + B_FIRST):
            hint = "that is the first neuron's z (the cell above); this exercise has its own weights and bias"
    return check_value(z2, expected, name="one neuron", hint=hint)


recipe("one neuron", "multiply each input by its weight, add the three products, then add the bias: "
                     "the same line as the cell above, with the second neuron's w and b")

# ------------------------------------------------------------------------------------ exercise 2
BATCH, N_IN, N_OUT = 32, 5, 4
SHAPES_HINTS = {
    "shape_X": "one row per sample, one column per input feature",
    "shape_W": "nnlib and PyTorch store one ROW per neuron, holding that neuron's weights",
    "shape_b": "one bias per neuron, as a 1-D array: a tuple with one entry, like (7,)",
    "shape_Z": "one row per sample, one column per neuron",
    "n_params": "each neuron has one weight per input plus one bias; the batch size does not matter",
}


def check_shapes(shape_X, shape_W, shape_b, shape_Z, n_params):
    """Exercise 2: the shapes for a batch of 32 samples, 5 inputs, 4 neurons, and the parameter count.

    The answers themselves are never printed (they are the exercise): a wrong one gets what is
    wrong with it.
    """
    name = "shapes of a batch"
    answers = {"shape_X": shape_X, "shape_W": shape_W, "shape_b": shape_b, "shape_Z": shape_Z, "n_params": n_params}
    expected = {"shape_X": (BATCH, N_IN), "shape_W": (N_OUT, N_IN), "shape_b": (N_OUT,),
                "shape_Z": (BATCH, N_OUT), "n_params": N_OUT * (N_IN + 1)}
    missing = [key for key, value in answers.items() if _is_stub(value)]
    if missing:
        return no_answer(name, f"no answer yet for {', '.join(missing)}")
    for key in ("shape_X", "shape_W", "shape_b", "shape_Z"):
        given = _as_shape(answers[key])
        if given != expected[key]:
            hint = SHAPES_HINTS[key]
            if given is None:
                problem = f"{key}: expected a shape, a tuple of whole numbers, got {_fmt(answers[key])}"
            elif len(given) != len(expected[key]):
                problem = f"{key}: {answers[key]!r} has {len(given)} entries, a shape of this array has {len(expected[key])}"
            else:
                problem = f"{key}: {answers[key]!r} is not it"
            if key == "shape_W" and given == (N_IN, N_OUT):
                hint = "that is the shape of Wᵀ; W itself has one row per neuron"
            elif key == "shape_b" and given in ((1, N_OUT), (BATCH, N_OUT), (N_OUT, 1)):
                hint = "the bias is one number per neuron, stored once: a 1-D array"
            elif key in ("shape_X", "shape_Z") and given is not None and given == expected[key][::-1]:
                hint = "rows and columns are swapped: " + SHAPES_HINTS[key]
            return report(False, name, problem, hint)
    count = answers["n_params"]
    if not isinstance(count, (int, np.integer)) or isinstance(count, bool):
        return report(False, name, f"n_params: expected a whole number (an int), got {_fmt(count)}",
                      "a count of parameters is an int like 7, not 7.0 or a string")
    if count != expected["n_params"]:
        hint = SHAPES_HINTS["n_params"]
        if count == N_OUT * N_IN:
            hint = "those are the weights only; the biases are parameters too"
        elif count == BATCH * expected["n_params"]:
            hint = "the parameters are shared by all samples: the batch size does not multiply them"
        elif count == N_IN * N_OUT + 1:
            hint = "one bias per NEURON, not one for the whole layer"
        return report(False, name, f"n_params: {count} is {'too large' if count > expected['n_params'] else 'too small'}",
                      hint)
    return report(True, name, f"X {expected['shape_X']} @ Wᵀ {(N_IN, N_OUT)} + b {expected['shape_b']} "
                              f"= Z {expected['shape_Z']}, {expected['n_params']} parameters")


recipe("shapes of a batch", "read each shape off the table of section 3 with N = 32, n_in = 5, n_out = 4; "
                            "n_params = n_out · (n_in + 1)")


def _as_shape(value):
    try:
        return tuple(int(v) for v in value)
    except (TypeError, ValueError):
        return None


# ------------------------------------------------------------------------------------ exercise 3
def dense_columns_reference(X_cols, W, b):
    r""":math:`Z = X_{cols}^\top W^\top + b`: X_cols (n_in, N), one column per sample; W (n_out, n_in),
    b (n_out,) -> Z (N, n_out), one row per sample."""
    return X_cols.T @ W.T + b


def _dense_inputs():
    rng = np.random.default_rng(3)
    # (N, n_in, n_out): a square W catches a forgotten transpose of W, N == n_out catches a bias added
    # along the wrong axis, N == n_in catches a forgotten transpose of X_cols
    shapes = [(2, 3, 1), (4, 3, 4), (3, 3, 3), (10, 2, 7)]
    # one decimal: a "not yet" message shows the first input, and short numbers keep it readable
    return [tuple(rng.normal(size=shape).round(1) for shape in ((k, n), (m, k), (m,))) for n, k, m in shapes]


DENSE_INPUTS = _dense_inputs()
DENSE_MISTAKES = [
    (lambda X, W, b: W @ X + b[:, None],
     "your result has one row per NEURON (it is Zᵀ); the layer must return one row per sample"),
    (lambda X, W, b: (W @ X + b).T,
     "the transpose is right, but b is added along the wrong axis: in W @ X_cols each ROW is a neuron, and "
     "NumPy adds a vector along the last axis, the samples"),
    (lambda X, W, b: X.T @ W.T, "the bias is missing"),
    (lambda X, W, b: W @ X, "that is Zᵀ without the bias: one row per neuron instead of per sample, and no b"),
    (lambda X, W, b: X.T @ W + b, "W is used as it is stored, one row per neuron; in a product with the "
                                  "samples in rows it needs one COLUMN per neuron"),
    (lambda X, W, b: X @ W.T + b, "X_cols holds one COLUMN per sample; the product X @ Wᵀ of the text wants "
                                  "one ROW per sample"),
]


def check_dense_forward_columns(dense_forward_columns):
    """Exercise 3: ``dense_forward_columns(X_cols, W, b)`` returns Z (N, n_out) for a batch stored with one
    column per sample, X_cols (n_in, N)."""
    from ._mistakes import check_function_with_mistakes  # noqa: PLC0415 (keeps the imports above short)

    hint = None
    if callable(dense_forward_columns):
        X, W, b = DENSE_INPUTS[0]
        try:
            dense_forward_columns(X.copy(), W.copy(), b.copy())
        except ValueError:
            hint = ("the inner sizes of a matrix product do not agree: write down the shape of each factor; "
                    "a transpose turns (a, b) into (b, a)")
        except Exception:  # reported with its input by check_function below
            pass
    return check_function_with_mistakes(dense_forward_columns, dense_columns_reference, DENSE_INPUTS,
                                        DENSE_MISTAKES, name="dense_forward_columns", hint=hint)


recipe("dense_forward_columns", "turn the batch back into one row per sample first (X_cols.T is (N, n_in)); "
                                "then it is the layer of section 2")
