"""Small real datasets that ship inside installed packages (nothing is downloaded).

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
