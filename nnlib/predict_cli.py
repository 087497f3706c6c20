"""Predict with a saved pipeline from the command line, in a fresh process, without re-training.

Usage::

    python -m nnlib.predict_cli MODEL_DIR ROWS.csv [--proba] [--backend numpy|torch]

``MODEL_DIR`` is a folder written by :func:`nnlib.persistence.save_pipeline`; ``ROWS.csv`` holds raw rows
with the columns the pipeline was trained on (empty cells are missing values), each row with exactly as
many fields as the header. Writes CSV to stdout: a ``prediction`` column, and with ``--proba`` one
probability column per class, with every digit of the float (so another program can compare them
exactly). Any failure is one line on stderr and exit status 1 (2 for wrong arguments).
"""
import argparse
import csv
import io
import sys

#: The largest CSV file read (rows are held in memory).
MAX_CSV_BYTES = 1 << 30


def read_rows(csv_path):
    """The rows of ``csv_path`` as a DataFrame, after checking every row has the header's number of fields.

    pandas would take a surplus first field as the row index and shift every column by one.
    """
    import pandas as pd

    from .fileformat import read_regular_file

    data = read_regular_file(csv_path, MAX_CSV_BYTES, "a CSV file (nnlib.predict_cli.MAX_CSV_BYTES)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{csv_path}: expected UTF-8 text ({exc})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header:
        raise ValueError(f"{csv_path}: empty; expected a header line with the column names, then one line per row")
    for row in reader:
        if row and len(row) != len(header):  # pandas skips blank lines too
            raise ValueError(
                f"{csv_path} line {reader.line_num}: expected {len(header)} fields like the header, got {len(row)}"
            )
    return pd.read_csv(io.StringIO(text), index_col=False)


def predict_csv(model_dir, csv_path, proba=False, backend=None):
    """The predictions for the rows of ``csv_path`` as a DataFrame (what :func:`main` prints)."""
    import pandas as pd

    from .persistence import load_pipeline

    model = load_pipeline(model_dir, backend=backend)
    rows = read_rows(csv_path)
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
        table = predict_csv(args.model_dir, args.csv, proba=args.proba, backend=args.backend)
    except Exception as exc:  # noqa: BLE001 - a command-line tool: one line for the user, never a traceback
        named = "" if isinstance(exc, (OSError, ValueError, TypeError)) else f"{type(exc).__name__}: "
        print("error: " + " ".join(f"{named}{exc}".split()), file=sys.stderr)
        return 1
    # repr-precision floats: the printed numbers read back as exactly the computed ones
    table.to_csv(sys.stdout, index=False, float_format=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
