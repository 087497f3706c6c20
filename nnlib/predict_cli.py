"""Predict with a saved pipeline from the command line, in a fresh process, without re-training.

Usage::

    python -m nnlib.predict_cli MODEL_DIR ROWS.csv [--proba] [--backend numpy|torch]

``MODEL_DIR`` is a folder written by :func:`nnlib.persistence.save_pipeline`; ``ROWS.csv`` holds raw rows
with the columns the pipeline was trained on, each row with exactly as many fields as the header. Every
cell is read as text; only the columns the pipeline reads as numbers are converted, and there a cell
must be a finite number. An empty cell is a missing value; nothing else is ("NA", "null", "None"
are text, "007" stays "007"). Writes CSV to stdout: a ``prediction`` column, and with ``--proba`` one
probability column per class, with every digit of the float (so another program can compare them
exactly). Any failure is one line on stderr and exit status 1 (2 for wrong arguments); a reader that
stops early (``| head``) ends it quietly, with exit status 1.
"""
import argparse
import csv
import io
import os
import re
import sys
import warnings

#: The largest CSV file read (rows are held in memory).
MAX_CSV_BYTES = 1 << 30
#: A number as a CSV cell may write it: digits, an optional sign, point and exponent (no "nan", "inf", "1_0").
_NUMBER = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")


def read_table(csv_path):
    """``(header, rows)`` of ``csv_path``: every cell as the text in the file, from one parse.

    Nothing is guessed: ``"NA"``, ``"null"`` or ``"007"`` stay the text they are; each row must have
    the header's number of fields (blank lines are skipped), and a line break inside a cell must be
    quoted (a stray carriage return is not read as a line end that shifts the cells).
    """
    from .fileformat import read_regular_file

    data = read_regular_file(csv_path, MAX_CSV_BYTES, "a CSV file (nnlib.predict_cli.MAX_CSV_BYTES)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{csv_path}: expected UTF-8 text ({exc})") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows = []
    try:
        header = next(reader, None)
        if not header:
            raise ValueError(f"{csv_path}: empty; expected a header line with the column names, then one line per row")
        if len(set(header)) != len(header):
            raise ValueError(f"{csv_path} line 1: expected distinct column names, got {header!r:.200}")
        for row in reader:
            if not row:
                continue
            if len(row) != len(header):
                raise ValueError(
                    f"{csv_path} line {reader.line_num}: expected {len(header)} fields like the header, got {len(row)}"
                )
            rows.append((reader.line_num, row))
    except csv.Error as exc:  # a cell over csv.field_size_limit(), a quote in the wrong place...
        raise ValueError(f"{csv_path} line {reader.line_num}: not readable as CSV ({exc})") from None
    return header, rows


def read_rows(csv_path, numeric_columns=None):
    """The rows of ``csv_path`` as a DataFrame: the columns in ``numeric_columns`` as float64, the others as text.

    An empty cell is a missing value (NaN) in any column; nothing else is. A cell of a numeric column
    that is not a finite number raises a ``ValueError`` naming the file, the line and the column.
    ``numeric_columns=None`` means every column.
    """
    return _frame(*read_table(csv_path), csv_path, numeric_columns)


def _frame(header, rows, csv_path, numeric_columns):
    import numpy as np
    import pandas as pd

    columns = {}
    for j, name in enumerate(header):
        numeric = numeric_columns is None or name in numeric_columns
        values = []
        for line, row in rows:
            cell = row[j]
            if cell == "" or (numeric and cell.strip() == ""):
                values.append(np.nan)
            elif not numeric:
                values.append(cell)
            else:
                number = float(cell) if _NUMBER.match(cell) else None
                if number is None or not np.isfinite(number):
                    raise ValueError(f"{csv_path} line {line}, column {name!r}: expected a finite number or an empty "
                                     f"cell (missing), got {cell!r:.50}")
                values.append(number)
        columns[name] = np.array(values, dtype=np.float64 if numeric else object)
    return pd.DataFrame(columns, columns=header)


def numeric_columns(model, header):
    """The columns ``model`` reads as numbers: all of them, except those its first step was fitted on as text.

    A column is text when the transformer that first takes it was fitted on strings (an encoder whose
    categories are strings, an imputer whose fill values are), or when it is dropped.
    """
    first = model.steps[0][1] if hasattr(model, "steps") else model
    if hasattr(first, "transformers_"):  # a fitted ColumnTransformer: each column's own transformer
        names_in = list(getattr(first, "feature_names_in_", header))
        numeric = set()
        for _, transformer, columns in first.transformers_:
            selected = _column_names(columns, names_in)
            if transformer == "drop":
                continue
            step = transformer.steps[0][1] if hasattr(transformer, "steps") else transformer
            numeric |= {name for i, name in enumerate(selected) if not _fitted_on_text(step, i)}
        return numeric
    return {name for i, name in enumerate(header) if not _fitted_on_text(first, i)}


def _column_names(columns, names_in):
    import numpy as np

    if isinstance(columns, str):
        return [columns]
    if isinstance(columns, slice):
        return names_in[columns]
    selected = list(np.asarray(columns).ravel())
    if selected and isinstance(selected[0], (bool, np.bool_)):
        return [name for name, keep in zip(names_in, selected) if keep]
    return [names_in[c] if not isinstance(c, str) else c for c in selected]


def _fitted_on_text(step, i):
    """Whether ``step`` learned column ``i`` as strings (categories or fill values of text)."""
    for attribute in ("categories_", "statistics_"):
        values = getattr(step, attribute, None)
        if values is not None and i < len(values):
            value = values[i]
            kind = getattr(value, "dtype", None)
            return (kind is not None and kind.kind in "OUS") or isinstance(value, str)
    return step == "drop"


def predict_csv(model_dir, csv_path, proba=False, backend=None):
    """The predictions for the rows of ``csv_path`` as a DataFrame (what :func:`main` prints)."""
    import pandas as pd

    from .persistence import load_pipeline

    model = load_pipeline(model_dir, backend=backend)
    header, lines = read_table(csv_path)
    rows = _frame(header, lines, csv_path, numeric_columns(model, header))
    expected = getattr(model, "feature_names_in_", None)
    if expected is None and hasattr(model, "steps"):
        expected = getattr(model.steps[0][1], "feature_names_in_", None)
    if expected is not None:
        missing = [name for name in expected if name not in rows.columns]
        if missing:
            raise ValueError(f"{csv_path}: expected the columns the pipeline was trained on, {list(expected)}; "
                             f"missing {missing}")
        rows = rows[list(expected)]  # the trained order; other columns (an id, the label) are not used
    else:
        rows = rows.to_numpy(dtype=float)  # trained on an array: the columns in file order, no names
    out = pd.DataFrame({"prediction": model.predict(rows)})
    if proba:
        classes = model.classes_ if hasattr(model, "classes_") else model[-1].classes_
        for label, column in zip(classes, model.predict_proba(rows).T):
            out[f"p_{label}"] = column
    return out


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse prints the usage on a line of its own: one line instead
        self.exit(2, f"error: {message} (see --help)\n")


def main(argv=None):
    parser = _Parser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir", help="folder written by nnlib.persistence.save_pipeline")
    parser.add_argument("csv", help="raw rows to classify, one per line, with a header")
    parser.add_argument("--proba", action="store_true", help="also print each class's probability")
    parser.add_argument("--backend", choices=["numpy", "torch"], default=None,
                        help="run the network in this backend (default: the one it was trained with)")
    args = parser.parse_args(argv)
    try:
        # scikit-learn's warnings (an older version's file, feature names) would come before the answer
        # on lines of their own; a failure is one line, and a success prints them one line each
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            table = predict_csv(args.model_dir, args.csv, proba=args.proba, backend=args.backend)
    except Exception as exc:  # noqa: BLE001 - a command-line tool: one line for the user, never a traceback
        named = "" if isinstance(exc, (OSError, ValueError, TypeError)) else f"{type(exc).__name__}: "
        print("error: " + " ".join(f"{named}{exc}".split()), file=sys.stderr)
        return 1
    for warning in caught:
        print("warning: " + " ".join(str(warning.message).split()), file=sys.stderr)
    # repr-precision floats: the printed numbers read back as exactly the computed ones
    try:
        table.to_csv(sys.stdout, index=False, float_format=None)
        sys.stdout.flush()
    except BrokenPipeError:
        # the reader stopped early (`| head`): end quietly, as Python's documentation advises (stdout pointed
        # at os.devnull, so the flush at exit does not fail again; exit status 1, as Python gives on EPIPE)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
