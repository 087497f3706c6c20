"""Helpers shared by the gradient tests: central finite differences and a relative error.

Imported by the test modules (pytest puts ``tests/`` on ``sys.path``); not a test module itself.
"""
import numpy as np

#: central-difference step: truncation error ~h^2, rounding error ~1e-16/h, both far below 1e-6 in float64
STEP = 1e-6


def rel_error(a, b):
    r"""Relative error :math:`\lVert a - b \rVert / \max(\lVert a \rVert, \lVert b \rVert)` (0 when both are 0).

    Norm-wise rather than element by element, so an entry that is 0 in both (a dead ReLU) cannot
    divide by zero, and a tiny entry's last digits do not dominate.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, f"shapes differ: {a.shape} vs {b.shape}"
    scale = max(np.linalg.norm(a), np.linalg.norm(b))
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


def numerical_gradient(f, x, h=STEP):
    r"""Central differences :math:`(f(x + h e_i) - f(x - h e_i)) / 2h` for every entry of ``x``.

    ``f()`` takes no argument and reads ``x``, which is changed in place and restored entry by entry
    (so ``x`` can be a layer's weight array).
    """
    grad = np.zeros_like(x, dtype=np.float64)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = float(f())
        x[i] = old - h
        f_minus = float(f())
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def away_from(x, kinks, margin=1e-3):
    """``x`` with every entry closer than ``margin`` to a kink moved ``2 * margin`` away from it.

    Finite differences across a kink (ReLU at 0, Huber at ``|d| = delta``) measure an average of two
    slopes, not the derivative, so the tests keep clear of them.
    """
    x = np.array(x, dtype=np.float64)
    for k in kinks:
        near = np.abs(x - k) < margin
        x[near] = k + np.where(x[near] >= k, 2 * margin, -2 * margin)
    return x


def random_shape(rng, max_rows=6, max_cols=7):
    return int(rng.integers(1, max_rows + 1)), int(rng.integers(1, max_cols + 1))
