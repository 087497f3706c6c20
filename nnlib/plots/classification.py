r"""Plots for a multi-class classifier: the data, cross-validation folds, training curves, errors, one prediction.

Data functions (arrays and dicts, unit-tested) come first, then the drawing functions the capstone
notebook ``08_complete_example`` uses:

* :func:`plot_pair_grid` - every pair of measurements, coloured by class (look at the data first);
* :func:`plot_fold_scores` - accuracy on each cross-validation fold, models beside the majority baseline;
* :func:`plot_history` and :class:`LiveHistoryPlot` - loss and accuracy per epoch, static or redrawn live;
* :func:`plot_confusion_matrix` - which classes are mistaken for which;
* :func:`plot_penguin_prediction` - the widget: one penguin's features and the predicted probabilities.
"""
import numpy as np
from matplotlib.figure import Figure

from .live import LivePlot, backend_caption, caption_text, chosen_backends

#: one colour per class (in ``classes_`` order) and per model, shared by every plot
CLASS_COLORS = ("#e08214", "#8073ac", "#1b9e77", "#d6604d", "#4393c3")
MODEL_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b")
BASELINE_COLOR = "0.45"


# ------------------------------------------------------------------------------------------ data
def class_groups(X, y, columns):
    """Rows of ``columns`` per class, rows with a missing value left out (they cannot be drawn).

    Parameters
    ----------
    X : pandas.DataFrame
    y : array-like, shape (n_samples,)
    columns : list of str

    Returns
    -------
    dict of label -> ndarray, shape (n_rows_of_that_class, len(columns))
        In sorted label order.
    """
    values = X[list(columns)].to_numpy(dtype=np.float64)
    labels = np.asarray(y)
    complete = ~np.isnan(values).any(axis=1)
    return {label: values[complete & (labels == label)] for label in np.unique(labels)}


def score_summary(scores):
    """Mean and (population) standard deviation of each model's fold scores.

    Parameters
    ----------
    scores : dict of str -> array-like, shape (n_folds,)

    Returns
    -------
    dict of str -> dict with "mean", "std", "min", "max"
    """
    out = {}
    for name, values in scores.items():
        values = np.asarray(values, dtype=np.float64)
        out[name] = {"mean": float(values.mean()), "std": float(values.std()), "min": float(values.min()),
                     "max": float(values.max())}
    return out


def format_scores(scores, digits=3):
    """One line per model, ``name   mean ± std   (fold scores)``, for printing (and nbval comparing)."""
    summary = score_summary(scores)
    width = max(len(name) for name in scores)
    lines = []
    for name, values in scores.items():
        stats = summary[name]
        folds = " ".join(f"{v:.{digits}f}" for v in np.asarray(values))
        lines.append(f"{name:<{width}}  {stats['mean']:.{digits}f} ± {stats['std']:.{digits}f}   folds: {folds}")
    return "\n".join(lines)


def history_curves(history):
    """Per-epoch curves of a :class:`nnlib.History` (or any dict of lists) as arrays, with epochs 1..n.

    Returns
    -------
    dict
        ``"epoch"`` (1, 2, ..., n) and every key of ``history`` as a float array of length n.
    """
    curves = {key: np.asarray(values, dtype=np.float64) for key, values in history.items()}
    lengths = {len(values) for values in curves.values()}
    if len(lengths) > 1:
        raise ValueError(f"history: expected every curve to have one value per epoch, got lengths {sorted(lengths)}")
    n = lengths.pop() if lengths else 0
    return {"epoch": np.arange(1, n + 1), **curves}


def class_probabilities(model, rows):
    """``{label: probability}`` for the first row of ``rows`` (a fitted classifier or pipeline)."""
    probabilities = model.predict_proba(rows)[0]
    return {label: float(p) for label, p in zip(_classes(model), probabilities)}


def _classes(model):
    return model.classes_ if hasattr(model, "classes_") else model[-1].classes_


# ------------------------------------------------------------------------------------- drawing
def plot_pair_grid(X, y, columns, figsize=(9, 9)):
    """Every pair of ``columns`` as a scatter plot (diagonal: a histogram per class), coloured by class."""
    groups = class_groups(X, y, columns)
    k = len(columns)
    fig = Figure(figsize=figsize, layout="constrained")
    axes = np.asarray(fig.subplots(k, k)).reshape(k, k)
    for i in range(k):
        for j in range(k):
            ax = axes[i, j]
            for color, (label, values) in zip(CLASS_COLORS, groups.items()):
                if i == j:
                    ax.hist(values[:, i], bins=15, alpha=0.55, color=color, label=str(label))
                else:
                    ax.scatter(values[:, j], values[:, i], s=7, alpha=0.7, color=color, label=str(label))
            if i == k - 1:
                ax.set_xlabel(columns[j], fontsize=8)
            if j == 0:
                ax.set_ylabel(columns[i], fontsize=8)
            ax.tick_params(labelsize=7)
    axes[0, k - 1].legend(fontsize=8, loc="best")
    return fig


def plot_fold_scores(scores, baseline="majority baseline", title="Accuracy on each cross-validation fold"):
    """Each model's accuracy per fold (markers and lines); the baseline, if named, dashed in grey.

    Parameters
    ----------
    scores : dict of str -> array-like, shape (n_folds,)
    baseline : str or None
        The key in ``scores`` that is the baseline (always predicting the most common class).
    """
    summary = score_summary(scores)
    fig = Figure(figsize=(8, 4), layout="constrained")
    ax = fig.subplots()
    colors = iter(MODEL_COLORS)
    for i, (name, values) in enumerate(scores.items()):
        values = np.asarray(values)
        # a small sideways shift per model, so models with equal scores do not hide each other
        folds = np.arange(1, len(values) + 1) + 0.06 * (i - (len(scores) - 1) / 2)
        label = f"{name}: {summary[name]['mean']:.3f} ± {summary[name]['std']:.3f}"
        if name == baseline:
            ax.plot(folds, values, ls="--", marker="s", color=BASELINE_COLOR, label=label)
        else:
            ax.plot(folds, values, marker="o", color=next(colors), alpha=0.85, label=label)
    ax.set_xticks(np.arange(1, max(len(v) for v in scores.values()) + 1))
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("fold")
    ax.set_ylabel("test accuracy")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=9)
    return fig


def plot_history(history, title=None):
    """Loss (left) and accuracy (right) per epoch, training solid and validation dashed."""
    curves = history_curves(history)
    fig = Figure(figsize=(9, 3.3), layout="constrained")
    ax_loss, ax_acc = fig.subplots(1, 2)
    for ax, metric in ((ax_loss, "loss"), (ax_acc, "accuracy")):
        for key, style in ((metric, "-"), (f"val_{metric}", "--")):
            if key in curves:
                label = "validation" if key.startswith("val_") else "training"
                ax.plot(curves["epoch"], curves[key], ls=style, lw=2, label=label)
        ax.set_xlabel("epoch")
        ax.set_title(metric)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=9)
    ax_acc.set_ylim(0, 1.05)
    if title:
        fig.suptitle(title)
    return fig


class LiveHistoryPlot:
    """A ``fit`` callback that redraws :func:`plot_history` in the notebook while the model trains.

    ``model.fit(..., callbacks=[LiveHistoryPlot(every=5)])`` draws after every 5th epoch and after the
    last one, replacing the previous drawing in place (one output, updated through its display id).

    Parameters
    ----------
    every : int
        Redraw every this many epochs (drawing costs more than a small epoch).
    epochs : int or None
        The number of epochs of the fit, so the last one is always drawn.
    title : str or None
    """

    def __init__(self, every=5, epochs=None, title=None):
        self.every, self.epochs, self.title = every, epochs, title
        self.history = {}
        self.draws = 0
        self._handle = None

    def __call__(self, epoch, logs):
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))
        if (epoch + 1) % self.every == 0 or (self.epochs is not None and epoch + 1 == self.epochs):
            self.draw()

    def draw(self):
        from IPython.display import display  # only needed when drawing in a notebook

        fig = plot_history(self.history, title=self.title)
        if self._handle is None:
            self._handle = display(fig, display_id=True)
        else:
            self._handle.update(fig)
        self.draws += 1


def plot_confusion_matrix(matrix, labels, title="Confusion matrix"):
    """Counts of (true class, predicted class); the diagonal holds the correct predictions."""
    matrix = np.asarray(matrix)
    fig = Figure(figsize=(4.6, 3.9), layout="constrained")
    ax = fig.subplots()
    ax.imshow(matrix, cmap="Blues", vmin=0)
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            dark = matrix[i, j] > matrix.max() / 2
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center", color="white" if dark else "black")
    ticks = np.arange(len(labels))
    ax.set_xticks(ticks, [str(label) for label in labels])
    ax.set_yticks(ticks, [str(label) for label in labels])
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    return fig


class PenguinPredictionPlot(LivePlot):
    """The widget: where one penguin sits among ``X, y`` (two scatter plots) and the model's probabilities.

    Parameters
    ----------
    models : fitted pipeline or classifier taking the raw penguin columns, or a dict backend -> such a
        model (e.g. one :func:`nnlib.persistence.load_pipeline` per backend); "both" then draws the
        NumPy and PyTorch probabilities side by side and their largest difference
    X, y : the penguins drawn as background (e.g. the training rows)
    """

    figsize = (11, 3.4)
    PAIRS = (("bill_length_mm", "bill_depth_mm"), ("flipper_length_mm", "body_mass_g"))

    def __init__(self, models, X, y):
        super().__init__()
        self.models = models if isinstance(models, dict) else {"numpy": models}
        self.X, self.y = X, y

    @classmethod
    def example(cls):
        """A small pipeline trained on the penguins in both backends (for the benchmark and tests)."""
        from sklearn.pipeline import make_pipeline

        from ..datasets import load_penguins, penguin_preprocessor
        from ..sklearn import NNClassifier

        X, y = load_penguins()
        models = {backend: make_pipeline(penguin_preprocessor(),
                                         NNClassifier(epochs=5, backend=backend, random_state=0)).fit(X, y)
                  for backend in ("numpy", "torch")}
        return cls(models, X, y)

    def setup(self, fig):
        axes = self.axes = fig.subplots(1, 3)
        self.stars = []
        for ax, (cx, cy) in zip(axes[:2], self.PAIRS):
            for color, (label, values) in zip(CLASS_COLORS, class_groups(self.X, self.y, [cx, cy]).items()):
                ax.scatter(values[:, 0], values[:, 1], s=8, alpha=0.45, color=color, label=str(label))
            # the star starts inside the clouds: at (0, 0) it stretched the axes from 0 and squeezed them into a corner
            middle = np.nanmedian(np.asarray(self.X[[cx, cy]], dtype=np.float64), axis=0)
            self.stars.append(self.live(ax.scatter(middle[:1], middle[1:], marker="*", s=320, color="black", edgecolor="white",
                                                   zorder=3, label="this penguin")))
            ax.set_xlabel(cx)
            ax.set_ylabel(cy)
            ax.grid(alpha=0.3)
        axes[0].legend(fontsize=7, loc="lower left")
        labels = [str(label) for label in _classes(next(iter(self.models.values())))]
        positions = np.arange(len(labels))
        self.bars, self.texts = {}, {}
        for name in ("numpy", "torch", "cuda"):
            offset, width = (-0.2, 0.4) if name == "numpy" else (0.2, 0.4)
            hatch = None if name == "numpy" else "//"
            self.bars[name] = [self.live(bar) for bar in axes[2].bar(positions + offset, np.zeros(len(labels)),
                                                                     width=width, color=CLASS_COLORS[:len(labels)],
                                                                     hatch=hatch, edgecolor="white")]
            self.texts[name] = [self.live(axes[2].text(p + offset, 0.02, "", ha="center", fontsize=8))
                                for p in positions]
        axes[2].set_xticks(positions, labels)
        axes[2].set_ylim(0, 1.12)
        axes[2].set_ylabel("probability")
        self.live(axes[2].title)
        self.suptitle = self.live(fig.suptitle(" ", fontsize=10))
        self.caption = caption_text(self, axes[2], y=0.88)

    def update(self, island="Biscoe", sex="female", bill_length_mm=45.0, bill_depth_mm=16.0, flipper_length_mm=205.0,
               body_mass_g=4500.0, backend="numpy"):
        from ..datasets import one_penguin

        row = one_penguin(island=island, sex=sex, bill_length_mm=bill_length_mm, bill_depth_mm=bill_depth_mm,
                          flipper_length_mm=flipper_length_mm, body_mass_g=body_mass_g)
        names = [b for b in chosen_backends(backend) if b in self.models] or [next(iter(self.models))]
        probabilities = {b: class_probabilities(self.models[b], row) for b in names}
        for star, (cx, cy) in zip(self.stars, self.PAIRS):
            star.set_offsets([[float(row[cx].iloc[0]), float(row[cy].iloc[0])]])
        single = len(names) == 1
        for name, bars in self.bars.items():
            for i, (bar, text) in enumerate(zip(bars, self.texts[name])):
                shown = name in probabilities
                bar.set_visible(shown)
                text.set_visible(shown)
                if shown:
                    value = list(probabilities[name].values())[i]
                    x = i - 0.2 if not single and name == "numpy" else (i + 0.2 if not single else i)
                    bar.set_x(x - (0.4 if not single else 0.8) / 2)
                    bar.set_width(0.4 if not single else 0.8)
                    bar.set_height(value)
                    text.set_position((x, value + 0.02))
                    text.set_text(f"{value:.3f}")
        first = probabilities[names[0]]
        labels, values = list(first), list(first.values())
        self.set_title(self.axes[2], f"predicted: {labels[int(np.argmax(values))]}")
        self.suptitle.set_text(f"{island}, {sex}: bill {bill_length_mm:.1f} x {bill_depth_mm:.1f} mm, "
                               f"flipper {flipper_length_mm:.0f} mm, {body_mass_g:.0f} g")
        self.caption.set_text(backend_caption({b: np.array(list(p.values())) for b, p in probabilities.items()}))


def plot_penguin_prediction(model, X, y, island="Biscoe", sex="female", bill_length_mm=45.0, bill_depth_mm=16.0,
                            flipper_length_mm=205.0, body_mass_g=4500.0, backend="numpy"):
    """The :class:`PenguinPredictionPlot` of ``model`` (or ``{backend: model}``) as a static figure."""
    return PenguinPredictionPlot(model, X, y).figure(
        island=island, sex=sex, bill_length_mm=bill_length_mm, bill_depth_mm=bill_depth_mm,
        flipper_length_mm=flipper_length_mm, body_mass_g=body_mass_g, backend=backend)


# ------------------------------------------------------------------------------ static figure
def penguin_cv_scores(epochs=50, n_splits=5, seed=0, progress=False):
    """Cross-validated accuracy on the penguins: nnlib (NumPy, PyTorch), MLPClassifier, majority baseline.

    The same folds for every model; the preprocessing is fitted inside each fold.

    Returns
    -------
    dict of str -> ndarray, shape (n_splits,)
    """
    from sklearn.dummy import DummyClassifier
    from sklearn.model_selection import StratifiedKFold
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline

    from ..datasets import load_penguins, penguin_preprocessor
    from ..sklearn import NNClassifier, cross_validate_accuracy

    X, y = load_penguins()
    models = {
        f"nnlib {backend}": make_pipeline(penguin_preprocessor(),
                                          NNClassifier(epochs=epochs, backend=backend, random_state=seed))
        for backend in ("numpy", "torch")
    }
    models["sklearn MLPClassifier"] = make_pipeline(
        penguin_preprocessor(), MLPClassifier((16,), learning_rate_init=0.01, max_iter=300, random_state=seed))
    models["majority baseline"] = make_pipeline(penguin_preprocessor(), DummyClassifier(strategy="most_frequent"))
    cv = StratifiedKFold(n_splits, shuffle=True, random_state=seed)
    return cross_validate_accuracy(models, X, y, cv, progress=progress)


def plot_penguin_cross_validation(epochs=50, n_splits=5, seed=0):
    """The figure ``figures/cross_validation.png``: :func:`penguin_cv_scores` drawn by :func:`plot_fold_scores`."""
    scores = penguin_cv_scores(epochs=epochs, n_splits=n_splits, seed=seed)
    return plot_fold_scores(scores, title=f"Palmer penguins, {n_splits}-fold stratified cross-validation")
