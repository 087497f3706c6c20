r"""Checkers for the exercises of ``10_optimizers_and_initialization``: a momentum step, Adam's bias correction, He's spread.

Each prints one line (``✅ ...`` or ``❌ Not yet — ...``) and never raises; the usual mistakes get a hint
that names them, and each exercise's recipe (how to get there) comes on a later try or from ``hint()``.
"""
import numpy as np

from ._core import recipe
from ._mistakes import check_function_with_mistakes, check_value_with_mistakes

# ------------------------------------------------------------------------------------ exercise 1
#: (theta, velocity, grad, lr, momentum) the learner's momentum_step is called with
MOMENTUM_INPUTS = [
    (np.array([1.0, -2.0, 0.5]), np.array([0.3, 0.0, -1.0]), np.array([0.5, 4.0, -2.0]), 0.1, 0.9),
    (np.array([0.0, 3.0]), np.array([2.0, -1.0]), np.array([1.0, 1.0]), 0.5, 0.5),
    (np.array([2.0]), np.array([0.0]), np.array([-3.0]), 0.01, 0.0),
    (np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, -1.0], [0.5, 0.0]]), np.array([[0.2, 0.2], [-1.0, 2.0]]),
     0.2, 0.99),
]


def momentum_step_reference(theta, velocity, grad, lr, momentum):
    r"""PyTorch's momentum step: :math:`v \leftarrow \mu v + g`, :math:`\theta \leftarrow \theta - \eta v`."""
    v = momentum * velocity + grad
    return theta - lr * v, v


def check_momentum_step(momentum_step):
    """Exercise 1: ``momentum_step(theta, velocity, grad, lr, momentum)`` returns ``(new_theta, new_velocity)``."""
    mistakes = [
        (lambda t, v, g, lr, mu: (t - lr * (mu * v + (1 - mu) * g), mu * v + (1 - mu) * g),
         "that velocity is a weighted average, μ·v + (1 − μ)·g: PyTorch's momentum adds the WHOLE gradient to μ·v"),
        (lambda t, v, g, lr, mu: (t - lr * v, mu * v + g),
         "the step used the old velocity: the position must move with the velocity of this step"),
        (lambda t, v, g, lr, mu: (t + lr * (mu * v + g), mu * v + g),
         "the step goes uphill: the velocity points along the gradient, so the position moves against it"),
        (lambda t, v, g, lr, mu: (t - lr * (v + g), v + g),
         "the old velocity never fades: it must shrink by the factor μ every step"),
        (lambda t, v, g, lr, mu: (t - lr * g, mu * v + g),
         "the position moved by the gradient alone, as plain SGD: the velocity is what makes it momentum"),
    ]
    return check_function_with_mistakes(momentum_step, momentum_step_reference, MOMENTUM_INPUTS, mistakes,
                                        name="momentum_step")


recipe("momentum_step", "first the new velocity: the old one times μ, plus the gradient; then move θ by η times "
                        "the new velocity, downhill; return both")


# ------------------------------------------------------------------------------------ exercise 2
#: (m, beta, t) the learner's bias_correction is called with: t counts steps from 1
BIAS_INPUTS = [
    (0.1, 0.9, 1),
    (0.19, 0.9, 2),
    (np.array([0.002, -0.004, 0.0]), 0.999, 1),
    (np.array([0.5, -1.5]), 0.9, 30),
    (0.0392, 0.99, 4),
]


def bias_correction_reference(m, beta, t):
    r"""Adam's corrected average :math:`\hat m = m / (1 - \beta^t)`."""
    return m / (1 - beta**t)


def check_bias_correction(bias_correction):
    """Exercise 2: ``bias_correction(m, beta, t)`` undoes the pull towards 0 of an average that started at 0."""
    mistakes = [
        (lambda m, b, t: m / (1 - b), "that divides by the same number at every step: the correction must fade as t grows"),
        (lambda m, b, t: m * (1 - b**t), "that shrinks the average even more: the correction must enlarge it"),
        (lambda m, b, t: m / b**t, "that divides by β to the power t: the weight the average is missing is 1 − β^t"),
        (lambda m, b, t: m / (1 - b**(t + 1)), "off by one step: on the first step, t = 1"),
        (lambda m, b, t: m, "that is the average itself, not corrected"),
        (lambda m, b, t: m / (1 - b * t), "β·t is not β to the power t"),
    ]
    return check_function_with_mistakes(bias_correction, bias_correction_reference, BIAS_INPUTS, mistakes,
                                        name="bias_correction")


recipe("bias_correction", "after t steps from 0, the weights of the gradients in the average add up to 1 − β^t "
                          "(β to the power t, with **): divide the average by that")


# ------------------------------------------------------------------------------------ exercise 3
#: the ReLU layer whose He standard deviation the learner computes
HE_IN, HE_OUT = 512, 128


def check_he_std(std):
    r"""Exercise 3: the standard deviation of He's normal initialization for a ReLU layer ``HE_IN -> HE_OUT``:
    :math:`\sqrt{2 / n_{in}}`."""
    expected = np.sqrt(2 / HE_IN)
    mistakes = [
        (np.sqrt(2 / HE_OUT), "that counts the layer's outputs: the spread of a weighted sum depends on how many inputs it adds"),
        (np.sqrt(1 / HE_IN), "that keeps the variance for a linear or tanh layer: ReLU zeroes half of its inputs, "
                             "and He makes up for it"),
        (2 / HE_IN, "that is the variance: the standard deviation is its square root"),
        (np.sqrt(2 / (HE_IN + HE_OUT)), "that is Glorot's (Xavier's) spread, for tanh; this is a ReLU layer"),
        (np.sqrt(6 / HE_IN), "that is the bound a of He's uniform U(−a, a), not the standard deviation of the normal"),
    ]
    return check_value_with_mistakes(std, expected, mistakes, name="He standard deviation")


recipe("He standard deviation", "He: the variance of each weight is 2 divided by the number of inputs of the "
                                "layer; take the square root")
