"""The Keras-style model: ``Sequential([Dense(...), ...]).compile(...).fit(...)`` on either backend.

Everything here is backend-independent: validation at the boundary (once per call, never inside the
training step), micro-batch accumulation, shuffling, progress, history and the model file. Each
backend's ``engine`` module supplies the few operations that differ (arrays, forward+backward).
"""
import importlib
import os

import numpy as np
from tqdm.auto import tqdm

from . import _validation as v
from . import names
from .fileformat import load_model_file, save_model_file
from .initializers import INITIALIZERS, init_name
from .optim_checks import compile_options

BACKENDS = ("numpy", "torch")


class Dense:
    """A fully connected layer followed by an activation (``None`` means identity).

    ``Dense(4, 16, activation="relu")`` is ``Linear(4, 16)`` then ``ReLU()`` in the chosen backend.
    ``kernel_initializer`` names how the initial weights are drawn (:mod:`nnlib.initializers`:
    ``"he_normal"``, ``"glorot_uniform"``...; the default is PyTorch's own). Extra keyword arguments go to
    the activation, e.g. ``Dense(4, 16, "leaky_relu", negative_slope=0.1)``.
    """

    def __init__(self, in_features, out_features, activation=None, kernel_initializer="torch_default",
                 **activation_options):
        self.in_features = v.check_positive_int(in_features, "in_features")
        self.out_features = v.check_positive_int(out_features, "out_features")
        self.kernel_initializer = init_name(kernel_initializer)
        self.activation = names.activation_name(activation)
        allowed = names.ACTIVATION_OPTIONS.get(self.activation, ())
        unknown = sorted(set(activation_options) - set(allowed))
        if unknown:
            raise TypeError(f"activation {self.activation!r}: expected options among {list(allowed)}, got {unknown}")
        self.activation_options = {key: v.check_activation_option(key, value) for key, value in activation_options.items()}

    def get_config(self):
        # the default initializer is left out: model files written before it existed stay the same
        init = {} if self.kernel_initializer == INITIALIZERS[0] else {"kernel_initializer": self.kernel_initializer}
        return {"in_features": self.in_features, "out_features": self.out_features,
                "activation": self.activation, **init, **self.activation_options}

    def __repr__(self):
        init = "" if self.kernel_initializer == INITIALIZERS[0] else f", kernel_initializer={self.kernel_initializer!r}"
        return f"Dense({self.in_features}, {self.out_features}, activation={self.activation!r}{init})"


class NonFiniteLossError(FloatingPointError):
    """``fit`` stopped: the training loss of an epoch was NaN or inf (the weights diverged).

    Attributes
    ----------
    epoch : int
        The epoch (counted from 0) whose loss was not finite; the model keeps the weights (and the
        optimizer its momentum or moments) it had before that epoch.
    loss : float
    history : History
        The metrics of the epochs before it.
    """

    def __init__(self, message, epoch, loss, history):
        super().__init__(message)
        self.epoch, self.loss, self.history = epoch, loss, history


class History(dict):
    """Per-epoch metrics, ``{"loss": [...], "accuracy": [...], ...}``; ``.history`` as in Keras."""

    @property
    def history(self):
        return self


class Sequential:
    """A stack of :class:`Dense` layers with Keras's ``compile``/``fit``/``evaluate``/``predict``.

    Parameters
    ----------
    layers : list of Dense
    backend : {"numpy", "torch"}
    seed : int or None
        Seeds the initial weights and the shuffling; the same seed gives the same numbers in both backends.
    dtype : {"float32", "float64"}
    device : str
        ``"auto"`` (CUDA when available for torch), ``"cpu"``, ``"cuda"``...
    """

    def __init__(self, layers, backend="numpy", seed=0, dtype="float64", device="auto"):
        self.layers = _check_layers(layers)
        self.backend = v.check_choice(backend, BACKENDS, "backend")
        self.dtype = names.dtype_name(dtype)
        self.seed = v.check_seed(seed)
        self._nn = importlib.import_module(f"nnlib.{self.backend}_nn")
        self._engine = importlib.import_module(f"nnlib.{self.backend}_nn.engine")
        self.device = self._engine.resolve_device(device)
        self._rng = np.random.default_rng(seed)
        modules = []
        for layer in self.layers:
            modules.append(self._nn.Linear(layer.in_features, layer.out_features, rng=self._rng, dtype=self.dtype,
                                           device=self.device, kernel_initializer=layer.kernel_initializer))
            if layer.activation != "identity":
                modules.append(getattr(self._nn, names.ACTIVATIONS[layer.activation])(**layer.activation_options))
        self.net = self._nn.Sequential(*modules)
        self._modules = modules
        self.loss = None
        self._compile_config = None

    # ----------------------------------------------------------------- set-up
    @property
    def n_features(self):
        return self.layers[0].in_features

    @property
    def n_outputs(self):
        return self.layers[-1].out_features

    @property
    def is_classifier(self):
        return self.loss in names.CLASSIFICATION_LOSSES

    def compile(self, loss, optimizer="sgd", learning_rate=0.01, momentum=0.0, **options):
        """Choose the loss and the optimizer.

        With ``loss="cross_entropy"`` a softmax output layer is fused into the loss (the network
        trains on logits, which stays finite for any logit); ``predict`` returns probabilities.
        The same holds for ``"binary_cross_entropy"`` after a sigmoid output. ``options`` go to the
        optimizer or the loss (Huber's ``delta``):

        - ``"sgd"``: ``momentum``, ``nesterov``, ``weight_decay`` (L2);
        - ``"rmsprop"``: ``momentum``, ``alpha``, ``eps``, ``weight_decay``;
        - ``"adam"``: ``betas``, ``eps``, ``weight_decay`` (L2, through Adam's division);
        - ``"adamw"``: ``betas``, ``eps``, ``weight_decay`` (decoupled, default 0.01).

        Both backends take the same steps (:mod:`nnlib.numpy_nn.optim` is written to ``torch.optim``'s rules).
        """
        self.loss = names.loss_name(loss)
        opt_name = names.optimizer_name(optimizer)
        lr = v.check_positive_float(learning_rate, "learning_rate")
        loss_options = {k: options.pop(k) for k in ("delta",) if k in options}
        if loss_options and self.loss != "huber":
            raise TypeError(f"loss {self.loss!r}: unexpected option 'delta' (only loss 'huber' takes it)")
        if "delta" in loss_options:
            loss_options["delta"] = v.check_positive_float(loss_options["delta"], "delta")
        opt_options = compile_options(opt_name, momentum, options)
        last = self.layers[-1].activation
        train_modules, output, loss_cls = self._modules, None, names.LOSSES[self.loss]
        if self.loss == "cross_entropy":
            if self.n_outputs < 2:
                raise ValueError(f"loss 'cross_entropy': expected a last layer with >= 2 outputs (one per class), got {self.n_outputs}")
            output = "softmax"
            if last == "softmax":
                train_modules = self._modules[:-1]
        elif self.loss.startswith("binary_cross_entropy"):
            if self.n_outputs != 1:
                raise ValueError(f"loss {self.loss!r}: expected a last layer with 1 output, got {self.n_outputs}")
            if self.loss == "binary_cross_entropy":
                if last != "sigmoid":
                    raise ValueError(
                        "loss 'binary_cross_entropy': expected probabilities, i.e. a last layer with activation "
                        f"'sigmoid', got activation {last!r} (for raw scores use 'binary_cross_entropy_with_logits')"
                    )
                train_modules, loss_cls = self._modules[:-1], names.LOSSES["binary_cross_entropy_with_logits"]
            output = "sigmoid"
        self._train_net = self.net if train_modules is self._modules else self._nn.Sequential(*train_modules)
        self._output = None if output is None else getattr(self._nn, names.ACTIVATIONS[output])()
        self.loss_fn = getattr(self._nn, loss_cls)(**loss_options)
        optimizer_cls = getattr(self._nn, names.OPTIMIZERS[opt_name])
        self.optimizer = optimizer_cls(list(self.net.parameters()), lr=lr, **opt_options)
        self._compile_config = {"loss": self.loss, "optimizer": opt_name, "learning_rate": lr,
                                "momentum": float(momentum), **loss_options, **opt_options}
        return self

    # ---------------------------------------------------------------- weights
    def get_weights(self):
        """``[W1, b1, W2, b2, ...]`` as NumPy arrays; ``W`` is (out_features, in_features)."""
        return self._engine.get_params(self.net)

    def set_weights(self, weights):
        """Set every weight from a list like :meth:`get_weights` returns (from either backend)."""
        params = list(self.net.parameters())
        if not isinstance(weights, (list, tuple)):
            raise TypeError(f"weights: expected a list of {len(params)} arrays, got {type(weights).__name__}")
        if len(weights) != len(params):
            raise ValueError(f"weights: expected {len(params)} arrays [W1, b1, ...], got {len(weights)}")
        arrays = []
        for i, (w, p) in enumerate(zip(weights, params)):
            arr = v.as_float_array(w, f"weights[{i}]", self.dtype)
            if arr.shape != tuple(p.shape):
                raise ValueError(f"weights[{i}]: expected shape {tuple(p.shape)}, got {arr.shape}")
            arrays.append(arr)
        for arr, p in zip(arrays, params):
            self._engine.set_param(p, arr)

    def count_params(self):
        return int(sum(np.prod(p.shape) for p in self.net.parameters()))

    # --------------------------------------------------------------- training
    def gradients(self, X, y):
        """d(mean loss)/d(param) on this batch, as NumPy arrays in :meth:`get_weights` order."""
        self._require_compiled("gradients")
        x, t, _ = self._prepare(X, y)
        self._engine.zero_grad(self.net)
        self._engine.accumulate_gradients(self._train_net, self.loss_fn, x, t, 1.0)
        grads = self._engine.get_grads(self.net)
        self._engine.zero_grad(self.net)
        return grads

    def fit(self, X, y, epochs=1, batch_size=32, accumulation_steps=1, shuffle=True, verbose=1,
            validation_data=None, callbacks=()):
        """Train with mini-batch gradient descent; returns a :class:`History` of per-epoch metrics.

        ``batch_size`` rows make one optimizer step. With ``accumulation_steps=k`` each batch is split
        into k micro-batches; each adds its gradient, scaled by its share of the batch's rows, and one
        step follows. The accumulated gradient equals the full batch's, whatever the sizes.
        ``callbacks`` are called as ``callback(epoch, logs)`` after every epoch (e.g. a live plot).
        """
        self._require_compiled("fit")
        epochs = v.check_positive_int(epochs, "epochs")
        batch_size = v.check_positive_int(batch_size, "batch_size")
        k = v.check_positive_int(accumulation_steps, "accumulation_steps")
        if k > batch_size:
            raise ValueError(f"accumulation_steps: expected at most batch_size={batch_size} micro-batches, got {k}")
        callbacks = v.check_callbacks(callbacks)
        validation_data = v.check_validation_data(validation_data)
        x, t, labels = self._prepare(X, y)
        if validation_data is not None:
            # checked and converted once: its errors now, not after the first epoch, and no epoch repeats it
            validation_data = self._prepare(*validation_data)
        n = x.shape[0]
        engine, net, loss_fn, optimizer = self._engine, self._train_net, self.loss_fn, self.optimizer
        params = list(self.net.parameters())
        # The step below is all that runs per batch: no checks (check=False: _prepare checked the
        # targets once), no conversions; each batch is a view into rows gathered a few batches at a
        # time (_batches). Per-batch losses and outputs are only collected; they are summed and
        # turned into classes once per epoch (on a GPU that also avoids a synchronisation per step).
        # _clear_grads drops the old gradients, so the first backward of a batch stores its gradient
        # as it is instead of adding it to zeros.
        history = History()
        bar = _progress(epochs, f"fit ({self.backend})", verbose)
        # A copy of the weights, renewed after each finite epoch (not per step): what a diverged epoch falls back to.
        finite_weights = (engine.snapshot(self.net), _copy_state(optimizer.state_dict()))
        for epoch in bar:
            order = engine.asarray(self._rng.permutation(n), None, self.device) if shuffle else None
            classes = labels if order is None or labels is None else engine.take(labels, order)
            losses, sizes, outputs = [], [], []
            for xb, tb in _batches(engine, x, t, order, batch_size):
                m = xb.shape[0]
                _clear_grads(params)
                for s, e in _micro_batches(0, m, k):
                    loss, out = engine.accumulate_gradients(net, loss_fn, xb[s:e], tb[s:e], (e - s) / m, check=False)
                    losses.append(loss)
                    sizes.append(e - s)
                    if classes is not None:
                        outputs.append(out)
                optimizer.step()
            logs = {"loss": float(np.dot(engine.scalars_to_numpy(losses), sizes)) / n}
            finite_weights = self._check_finite_epoch(epoch, logs["loss"], finite_weights, history, bar)
            if classes is not None:
                logs["accuracy"] = float(self._correct(engine.concatenate(outputs), classes)) / n
            if validation_data is not None:
                val = self._evaluate(*validation_data)
                logs.update({f"val_{key}": value for key, value in val.items()})
            for key, value in logs.items():
                history.setdefault(key, []).append(value)
            bar.set_postfix({key: round(value, 4) for key, value in logs.items()})
            for callback in callbacks:
                callback(epoch, logs)
        return history

    def _check_finite_epoch(self, epoch, loss, finite, history, bar):
        """A snapshot of the weights and the optimizer's state after a finite epoch; after a NaN/inf one,
        restore the snapshot ``finite`` (weights, and momentum or Adam's moments) and raise."""
        weights = self._engine.snapshot(self.net)
        if np.isfinite(loss) and self._engine.all_finite(weights):
            return weights, _copy_state(self.optimizer.state_dict())
        self._engine.restore(self.net, finite[0])
        # the moments hold the NaN too: without them restored, the next fit would diverge at its first step
        self.optimizer.load_state_dict(finite[1])
        bar.close()
        lr = self._compile_config["learning_rate"]
        raise NonFiniteLossError(
            f"fit: the training loss became {loss} in epoch {epoch} (counted from 0), so the weights diverged; "
            f"the model keeps its weights from before that epoch and the history of the {epoch} finite epoch(s). "
            f"Try a smaller learning_rate (now {lr:g}) or scale the features (e.g. StandardScaler).",
            epoch, loss, history,
        )

    # -------------------------------------------------------------- inference
    def predict(self, X):
        """Outputs for ``X`` (n_samples, n_features): class probabilities for a classifier."""
        x = self._engine.asarray(v.check_features(X, self.n_features, self.dtype), self.dtype, self.device)
        with self._engine.no_grad():
            out = self._raw_output(x)
            # inputs too large for the network (1e308) overflow to inf/NaN logits, which softmax would turn
            # into a confident or NaN "probability": refused, naming the rows
            if not self._engine.all_finite(out):
                v.check_finite_outputs(self._engine.to_numpy(out), "X")
            if self._compile_config is not None and self._output is not None:
                out = self._output.value(out)
        return self._engine.to_numpy(out)

    def evaluate(self, X, y):
        """``{"loss": mean loss}``, plus ``"accuracy"`` for a classifier."""
        self._require_compiled("evaluate")
        return self._evaluate(*self._prepare(X, y))

    def _evaluate(self, x, t, labels):
        """:meth:`evaluate` on what :meth:`_prepare` returned."""
        with self._engine.no_grad():
            out = self._train_net(x)
            result = {"loss": float(self.loss_fn.value(out, t))}
            if labels is not None:
                result["accuracy"] = float(self._correct(out, labels)) / x.shape[0]
        return result

    # ----------------------------------------------------------------- files
    def get_config(self):
        return {"layers": [layer.get_config() for layer in self.layers], "dtype": self.dtype,
                "compile": self._compile_config}

    @classmethod
    def from_config(cls, config, weights=None, backend="numpy", device="auto", dtype=None):
        """Rebuild a model from :meth:`get_config` (and optionally :meth:`get_weights`), compiled as it was."""
        layers = [Dense(**layer) for layer in config["layers"]]
        if weights is not None:
            _check_weight_shapes(layers, weights)  # before the layers allocate anything of their declared size
        model = cls(layers, backend=backend, dtype=dtype or config["dtype"], device=device)
        if weights is not None:
            model.set_weights(weights)
        if config.get("compile"):
            model.compile(**config["compile"])
        return model

    def save(self, path):
        """Write architecture, compile settings and weights to one file (atomically; no pickle).

        Weights with NaN or inf (a diverged training) are refused before anything on disk changes.
        """
        weights = self.get_weights()
        v.check_finite_weights(weights, os.fspath(path))
        save_model_file(path, self.get_config(), weights)

    def summary(self):
        """Print the layers, their output shapes and parameter counts."""
        rows, total = [], 0
        for i, layer in enumerate(self.layers):
            count = layer.in_features * layer.out_features + layer.out_features
            total += count
            rows.append((f"dense_{i} ({layer.activation})", f"(None, {layer.out_features})", count))
        width = max(len(r[0]) for r in rows) + 2
        lines = [f"Sequential ({self.backend}, {self.dtype}, {self.device})",
                 f"{'Layer (activation)':<{width}}{'Output shape':<14}{'Params':>8}", "-" * (width + 22)]
        lines += [f"{name:<{width}}{shape:<14}{count:>8,}" for name, shape, count in rows]
        lines += ["-" * (width + 22), f"Total params: {total:,}  (input: (None, {self.n_features}))"]
        print("\n".join(lines))

    def __repr__(self):
        return f"Sequential({self.layers!r}, backend={self.backend!r}, dtype={self.dtype!r})"

    # -------------------------------------------------------------- helpers
    def _require_compiled(self, method):
        if self._compile_config is None:
            raise RuntimeError(f"{method}(): call compile(loss=..., optimizer=...) first")

    def _raw_output(self, x):
        return (self._train_net if self._compile_config is not None else self.net)(x)

    def _prepare(self, X, y):
        """Validate once and move to the backend: features, the loss's target, class labels or None."""
        features = v.check_features(X, self.n_features, self.dtype)
        n = features.shape[0]
        if self.loss == "cross_entropy":
            target, labels = v.check_class_labels(y, n, self.n_outputs)
            if target.dtype.kind == "f":
                target = target.astype(self.dtype)
        elif self.is_classifier:
            target, labels = v.check_binary_targets(y, n, self.dtype)
        else:
            target, labels = v.check_regression_targets(y, n, self.n_outputs, self.dtype)
        conv = self._engine.asarray
        return (conv(features, self.dtype, self.device), conv(target, self.dtype, self.device),
                None if labels is None else conv(labels, None, self.device))

    def _predicted_class(self, out):
        # Works on NumPy arrays and tensors alike: both spell it the same way.
        if self.loss == "cross_entropy":
            return out.argmax(1)
        return out[:, 0] > 0  # logits: p > 0.5 exactly when z > 0

    def _n_correct(self, predicted, labels):
        return (predicted == (labels if self.loss == "cross_entropy" else labels > 0)).sum()

    def _correct(self, out, labels):
        return self._n_correct(self._predicted_class(out), labels)


def load_model(path, backend="numpy", device="auto", dtype=None):
    """Rebuild a model saved with :meth:`Sequential.save`, in either backend, without re-training.

    The file holds only arrays and JSON, so loading it cannot run code. A damaged, foreign or
    inconsistent file raises ``ValueError``.
    """
    check_device(backend, device)  # the arguments' errors first, never blamed on the file
    if dtype is not None:
        names.dtype_name(dtype)
    return _model_from_file(load_model_file(path), path, backend, device, dtype)


def check_device(backend, device):
    """Raise a ``ValueError`` naming ``backend`` or ``device`` unless this machine can run that backend there."""
    v.check_choice(backend, BACKENDS, "backend")
    importlib.import_module(f"nnlib.{backend}_nn.engine").resolve_device(device)


def _model_from_file(contents, path, backend="numpy", device="auto", dtype=None):
    """The model from ``(config, weights)`` read from the file ``path`` (named in errors)."""
    config, weights = contents
    try:
        model = Sequential.from_config(config, weights, backend=backend, device=device, dtype=dtype)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path}: the model file does not describe a valid nnlib model ({type(exc).__name__}: {exc})") from None
    return model


def _copy_state(state):
    """A copy of an optimizer's ``state_dict()`` (nested dicts and lists of arrays or tensors)."""
    if isinstance(state, dict):
        return {key: _copy_state(value) for key, value in state.items()}
    if isinstance(state, (list, tuple)):
        return type(state)(_copy_state(value) for value in state)
    if hasattr(state, "clone"):
        return state.clone()
    return state.copy() if isinstance(state, np.ndarray) else state


def _check_layers(layers):
    if not isinstance(layers, (list, tuple)) or not layers:
        raise TypeError(f"layers: expected a non-empty list of Dense layers, got {layers!r}")
    for i, layer in enumerate(layers):
        if not isinstance(layer, Dense):
            raise TypeError(f"layers[{i}]: expected a Dense layer, got {type(layer).__name__}")
        if i and layer.in_features != layers[i - 1].out_features:
            raise ValueError(
                f"layers[{i}]: expected in_features={layers[i - 1].out_features} to match the previous layer's "
                f"out_features, got {layer.in_features}"
            )
    return list(layers)


def _check_weight_shapes(layers, weights):
    """``weights`` must be ``[W1, b1, ...]`` of the shapes ``layers`` declare (checked on shapes only)."""
    expected = [shape for layer in layers for shape in ((layer.out_features, layer.in_features), (layer.out_features,))]
    if not isinstance(weights, (list, tuple)):
        raise TypeError(f"weights: expected a list of {len(expected)} arrays, got {type(weights).__name__}")
    if len(weights) != len(expected):
        raise ValueError(f"weights: expected {len(expected)} arrays [W1, b1, ...], got {len(weights)}")
    for i, (w, shape) in enumerate(zip(weights, expected)):
        if np.shape(w) != shape:
            raise ValueError(f"weights[{i}]: expected shape {shape}, got {np.shape(w)}")


class _Silent:
    """What ``fit`` uses of a tqdm bar, doing nothing: the stand-in for ``verbose=0``."""

    def __init__(self, iterable):
        self._iterable = iterable

    def __iter__(self):
        return iter(self._iterable)

    def set_postfix(self, *args, **kwargs):
        pass

    def close(self):
        pass


def _progress(epochs, desc, verbose):
    """A tqdm bar over the epochs, or with ``verbose=0`` a silent stand-in: even a disabled tqdm
    costs about 0.1 ms per ``fit`` call (its lock and registry of bars), a few % of a small epoch."""
    if verbose:
        return tqdm(range(epochs), desc=desc, unit="epoch", leave=True)
    return _Silent(range(epochs))


def _clear_grads(params):
    """What ``optimizer.zero_grad(set_to_none=True)`` does, in both backends: ``grad = None``.

    torch.optim's ``zero_grad`` also opens a profiler range, about 5 us a call: 4% of a
    digits-size training step, spent on nothing the course uses.
    """
    for p in params:
        p.grad = None


#: How much of X ``fit`` gathers at a time when it shuffles (see :func:`_batches`).
GATHER_BYTES = 1 << 20


def _batches(engine, x, t, order, batch_size):
    """``(x_batch, t_batch)`` for each batch of an epoch, rows in the order ``order`` (``None``: as stored).

    Gathering each batch's rows on its own costs more than a small net's step takes (an indexing
    call per batch and array); gathering all of X at once writes a copy of X every epoch, into
    fresh memory (for 10,000 MNIST rows, 31 MB of page faults: 2-7% of the epoch). In between:
    the rows of as many whole batches as fit in ``GATHER_BYTES`` at a time, each batch a view of them.
    """
    n = x.shape[0]
    if order is None:
        for start in range(0, n, batch_size):
            yield x[start : start + batch_size], t[start : start + batch_size]
        return
    row_bytes = x.nbytes // n
    per_gather = max(1, GATHER_BYTES // (batch_size * row_bytes)) * batch_size  # whole batches
    for first in range(0, n, per_gather):
        rows = order[first : first + per_gather]
        xs, ts = engine.take(x, rows), engine.take(t, rows)
        for start in range(0, len(rows), batch_size):
            yield xs[start : start + batch_size], ts[start : start + batch_size]


def _micro_batches(start, stop, k):
    """k contiguous (start, stop) ranges covering [start, stop), sizes differing by at most one."""
    if k == 1:
        return ((start, stop),)
    n, k = stop - start, min(k, stop - start)
    edges = [start + (n * i) // k for i in range(k + 1)]
    return zip(edges[:-1], edges[1:])
