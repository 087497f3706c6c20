"""Predict with a saved pipeline from the command line, in a fresh process, without re-training.

Usage::

    python -m nnlib.predict_cli MODEL_DIR ROWS.csv [--proba] [--backend numpy|torch]

``MODEL_DIR`` is a folder written by :func:`nnlib.persistence.save_pipeline`; ``ROWS.csv`` holds raw rows
with the columns the pipeline was trained on (empty cells are missing values). Writes CSV to stdout: a
``prediction`` column, and with ``--proba`` one probability column per class, with every digit of the
float (so another program can compare them exactly).
"""
import argparse
import sys


def predict_csv(model_dir, csv_path, proba=False, backend=None):
    """The predictions for the rows of ``csv_path`` as a DataFrame (what :func:`main` prints)."""
    import pandas as pd

    from .persistence import load_pipeline

    model = load_pipeline(model_dir, backend=backend)
    rows = pd.read_csv(csv_path)
    out = pd.DataFrame({"prediction": model.predict(rows)})
    if proba:
        classes = model.classes_ if hasattr(model, "classes_") else model[-1].classes_
        for label, column in zip(classes, model.predict_proba(rows).T):
            out[f"p_{label}"] = column
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir", help="folder written by nnlib.persistence.save_pipeline")
    parser.add_argument("csv", help="raw rows to classify, one per line, with a header")
    parser.add_argument("--proba", action="store_true", help="also print each class's probability")
    parser.add_argument("--backend", choices=["numpy", "torch"], default=None,
                        help="run the network in this backend (default: the one it was trained with)")
    args = parser.parse_args(argv)
    try:
        table = predict_csv(args.model_dir, args.csv, proba=args.proba, backend=args.backend)
    except (OSError, ValueError, TypeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    # repr-precision floats: the printed numbers read back as exactly the computed ones
    table.to_csv(sys.stdout, index=False, float_format=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
