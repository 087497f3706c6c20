"""The arguments PyTorch's optimizers and schedules refuse, refused the same way by both backends.

``nnlib.numpy_nn.optim`` and ``nnlib.torch_nn.optim`` call these before building an optimizer or a
schedule, so a bad value gets one clear ``ValueError`` that names the argument, in either backend
(PyTorch's own message says "Invalid momentum value: -1" without naming which optimizer argument).
"""
import numbers

from ._validation import check_betas, check_non_negative_float, check_positive_float


def _number(value, argument):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{argument}: expected a number, got {type(value).__name__} {value!r}")
    return float(value)


#: a learning rate, momentum, eps or weight decay: a finite number >= 0 (issue 19's check, shared)
non_negative = check_non_negative_float


def fraction(value, argument):
    """``value`` in [0, 1) as a float (a moving average's decay: 1 would never forget)."""
    value = _number(value, argument)
    if not 0 <= value < 1:
        raise ValueError(f"{argument}: expected a number in [0, 1), got {value!r}")
    return value


#: Adam's ``(beta1, beta2)``, each in [0, 1) (issue 19's check, shared)
betas = check_betas


def sgd(lr, momentum, nesterov, weight_decay):
    """The checked ``(lr, momentum, nesterov, weight_decay)`` of SGD."""
    lr, momentum, weight_decay = non_negative(lr, "lr"), non_negative(momentum, "momentum"), non_negative(
        weight_decay, "weight_decay")
    if not isinstance(nesterov, bool):
        raise TypeError(f"nesterov: expected True or False, got {nesterov!r}")
    if nesterov and momentum == 0:
        raise ValueError("nesterov: Nesterov momentum needs a momentum > 0, got momentum=0")
    return lr, momentum, nesterov, weight_decay


def positive_int(value, argument):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{argument}: expected a whole number >= 1, got {value!r}")
    return int(value)


def factor(value, argument, low_open=False):
    """A schedule's factor in [0, 1] (or (0, 1] with ``low_open``)."""
    value = _number(value, argument)
    if not (0 < value <= 1 if low_open else 0 <= value <= 1):
        raise ValueError(f"{argument}: expected a number in {'(0' if low_open else '[0'}, 1], got {value!r}")
    return value


#: the keyword options ``Sequential.compile`` passes to each optimizer (besides ``learning_rate``)
OPTIMIZER_OPTIONS = {"sgd": ("nesterov", "weight_decay"), "rmsprop": ("alpha", "eps", "weight_decay"),
                     "adam": ("betas", "eps", "weight_decay"), "adamw": ("betas", "eps", "weight_decay")}
#: the optimizers that keep a velocity and so take ``momentum``
TAKE_MOMENTUM = ("sgd", "rmsprop")


def compile_options(name, momentum, options):
    """The keyword arguments of optimizer ``name`` (canonical) from ``compile``'s ``momentum`` and ``options``.

    Unknown options are a TypeError listing the known ones; the values themselves are checked by the
    optimizer, in either backend. ``betas`` comes back as a tuple of floats.
    """
    if isinstance(momentum, bool) or not isinstance(momentum, numbers.Real) or not 0 <= momentum < 1:
        raise ValueError(f"momentum: expected a number in [0, 1), got {momentum!r}")
    if momentum and name not in TAKE_MOMENTUM:
        # Adam keeps its own moving averages; silently dropping the argument would hide a typo'd optimizer
        raise ValueError(f"momentum: optimizer {name!r} takes no momentum (set its betas instead), got {momentum!r}")
    allowed = OPTIMIZER_OPTIONS[name]
    if set(options) - set(allowed):
        known = ["learning_rate", *(["momentum"] if name in TAKE_MOMENTUM else []), *allowed]
        raise TypeError(f"optimizer {name!r}: expected options among {known}, got {sorted(options)}")
    options = dict(options)
    if "betas" in options:
        options["betas"] = betas(options["betas"])
    if "eps" in options:  # PyTorch takes 0, which divides 0 by 0 where a gradient is 0 from the start
        options["eps"] = check_positive_float(options["eps"], "eps")
    if name in TAKE_MOMENTUM:
        options["momentum"] = float(momentum)
    return options
