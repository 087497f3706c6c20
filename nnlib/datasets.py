"""The course's data sets: small real ones that ship inside installed packages (nothing is downloaded), and
seeded 2-D toy sets for decision boundaries (:func:`make_dataset`, used by ``04_activations`` and ``09_playground``).

The Palmer penguins (Horst, Hill & Gorman, 2020; CC0 data, the ``palmerpenguins`` package is MIT):
344 penguins of 3 species from 3 islands of the Palmer Archipelago, Antarctica, with bill and
flipper measurements, body mass and sex. Some values are missing, two columns are text: every
preprocessing step of a real project is needed.
"""
import numpy as np

#: Measurements (numbers, a few missing).
NUMERIC_FEATURES = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
#: Text columns (``sex`` has missing values).
CATEGORICAL_FEATURES = ["island", "sex"]
TARGET = "species"


def load_penguins():
    """The penguins table as ``(X, y)``.

    Returns
    -------
    X : pandas.DataFrame, shape (344, 6)
        :data:`NUMERIC_FEATURES` then :data:`CATEGORICAL_FEATURES`, missing values as NaN. The
        ``year`` of the observation is left out: it describes the study, not the penguin.
    y : pandas.Series, shape (344,)
        The species: ``"Adelie"``, ``"Chinstrap"`` or ``"Gentoo"``.
    """
    import palmerpenguins  # imported here: only this dataset needs the package

    table = palmerpenguins.load_penguins()
    return table[NUMERIC_FEATURES + CATEGORICAL_FEATURES].copy(), table[TARGET].copy()


def penguin_preprocessor():
    """The preprocessing of the course's penguin example, unfitted (fit it on training rows only).

    Numbers: missing values become the column's median, then each column is standardised,
    :math:`(x - \\mu) / \\sigma`. Text: missing values become the most frequent value, then one 0/1
    column per category (a category never seen in training gives all zeros instead of an error).

    Returns
    -------
    sklearn.compose.ColumnTransformer
        Maps the 6 raw columns to 9 numbers: 4 scaled measurements, 3 island and 2 sex columns.
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    categorical = make_pipeline(SimpleImputer(strategy="most_frequent"),
                                OneHotEncoder(handle_unknown="ignore", sparse_output=False))
    return ColumnTransformer([("num", numeric, NUMERIC_FEATURES), ("cat", categorical, CATEGORICAL_FEATURES)])


def majority_accuracy(y):
    """Accuracy of always predicting the most common label of ``y``: the score to beat.

    Parameters
    ----------
    y : array-like, shape (n_samples,)

    Returns
    -------
    float
        :math:`\\max_k n_k / n`, where :math:`n_k` counts the rows of class :math:`k`.
    """
    _, counts = np.unique(np.asarray(y), return_counts=True)
    return float(counts.max() / counts.sum())


def one_penguin(island, sex, bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g):
    """One penguin as a one-row table with the columns :func:`load_penguins` gives (what a pipeline takes)."""
    import pandas as pd

    values = {"bill_length_mm": bill_length_mm, "bill_depth_mm": bill_depth_mm,
              "flipper_length_mm": flipper_length_mm, "body_mass_g": body_mass_g, "island": island, "sex": sex}
    return pd.DataFrame({column: [values[column]] for column in NUMERIC_FEATURES + CATEGORICAL_FEATURES})


# ------------------------------------------------------------------------------------ 2-D toy sets
#: the 2-D binary data sets of :func:`make_dataset`
DATASETS = ("moons", "circles", "xor", "spiral")


def make_dataset(name="moons", n_samples=200, noise=0.15, seed=0):
    """A seeded 2-D binary dataset.

    Parameters
    ----------
    name : {"moons", "circles", "xor", "spiral"}
        Two interleaved half-moons; a ring around a disc; the four quadrants with the sign of
        :math:`x_1 x_2` as the label; two interleaved spiral arms.
    n_samples : int
    noise : float
        Standard deviation of the Gaussian noise added to each point (in the data's units).
    seed : int

    Returns
    -------
    X : ndarray, shape (n_samples, 2)
    y : ndarray of int, shape (n_samples,), values 0 or 1
    """
    rng = np.random.default_rng(seed)
    if name == "moons":
        from sklearn.datasets import make_moons
        X, y = make_moons(n_samples, noise=noise, random_state=seed)
        X = (X - [0.5, 0.25]) * 1.5  # centre it on the origin, like the others
    elif name == "circles":
        from sklearn.datasets import make_circles
        X, y = make_circles(n_samples, noise=noise / 2, factor=0.45, random_state=seed)
        X = X * 1.5
    elif name == "xor":
        X = rng.uniform(-1.5, 1.5, size=(n_samples, 2))
        y = (X[:, 0] * X[:, 1] > 0).astype(int)
        X = X + rng.normal(0, noise / 2, size=X.shape)
    elif name == "spiral":
        half = n_samples // 2
        t = np.sqrt(rng.uniform(0, 1, size=n_samples)) * 3 * np.pi   # more points far out, where arms are long
        y = (np.arange(n_samples) >= half).astype(int)
        angle = t + np.pi * y
        X = np.stack([t * np.cos(angle), t * np.sin(angle)], axis=1) / (3 * np.pi) * 1.8
        X = X + rng.normal(0, noise / 2, size=X.shape)
    else:
        raise ValueError(f"name: expected one of {list(DATASETS)}, got {name!r}")
    return X.astype(np.float64), np.asarray(y, dtype=np.int64)


def grid_points(X, resolution=80, margin=0.4):
    """A ``resolution`` x ``resolution`` grid covering the points ``X`` plus ``margin`` on every side.

    Returns
    -------
    xx, yy : ndarray, shape (resolution, resolution)
        Coordinates as from ``np.meshgrid``.
    points : ndarray, shape (resolution**2, 2)
        The same grid as rows ``(x1, x2)``, ready for ``model.predict``.
    """
    X = np.asarray(X, dtype=np.float64)
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])
