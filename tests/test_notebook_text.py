"""What a careful learner reads: every term explained where it is first met, no answer shown beside its exercise.

Static checks of the committed notebooks (text, code and stored outputs), in course order.
"""
import ast
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = sorted((ROOT / "notebooks" / "solutions").glob("[0-9][0-9]_*.ipynb"))


def _text(cell):
    """A cell's source and, for a code cell, its stored text outputs: what a reader sees."""
    outputs = [o.get("text", "") or o.get("data", {}).get("text/plain", "") for o in cell.get("outputs", [])]
    return "\n".join([cell.source, *outputs])


def _course():
    """Every cell of the course in reading order: ``(notebook name, index, cell)``."""
    for path in SOLUTIONS:
        for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
            yield path.stem, i, cell


# term -> (how a use of it looks, what its introduction says). The introduction must be in the cell of the
# first use or in the last text cell before it: a learner meets the word and its meaning together.
TERMS = {
    "one-hot": (r"one-hot", r"\*\*one-hot\*\*"),
    "element-wise product ⊙": (r"\\odot|⊙", r"entry by entry"),
    "gradient ∂L/∂z": (r"\\partial L", r"gradient of the loss"),
    "the normal CDF Φ": (r"\\Phi", r"cumulative\s+distribution function"),
    "the normal density φ": (r"\\varphi", r"its density"),
    "He initialization": (r"He\s+initiali[sz]ation", r"notebook 10|10_optimizers_and_initialization"),
    "f1-score": (r"f1-score", r"\*\*f1-score\*\*"),
    "support": (r"f1-score\s+support", r"\*\*support\*\*"),
    "MLP": (r"\bMLP\b", r"multi-layer perceptron"),
    "BLAS": (r"\bBLAS\b", r"matrix-product library"),
    "the @ operator": (r"\w\s@\s\w", r"`@`"),
}


@pytest.mark.parametrize("term", TERMS)
def test_a_term_is_explained_where_it_is_first_used(term):
    use, introduction = TERMS[term]
    last_text = None
    for name, i, cell in _course():
        if re.search(use, _text(cell)):
            nearby = _text(cell) + "\n" + (last_text.source if last_text is not None else "")
            assert re.search(introduction, nearby), (
                f"{term!r} is first used in {name} cell {i} without its introduction ({introduction!r})")
            return
        if cell.cell_type == "markdown":
            last_text = cell
    pytest.fail(f"{term!r} is never used: drop it from TERMS")


def test_the_matrix_product_operator_waits_for_notebook_03():
    """01 once wrote ``X @ weights[0]``; ``@`` is taught in 03 (01 teaches ``np.dot``)."""
    used = [(path.stem, i) for path in SOLUTIONS if path.stem < "03"
            for i, cell in enumerate(nbformat.read(path, as_version=4).cells) if cell.cell_type == "code"
            for node in ast.walk(ast.parse("\n".join(line for line in cell.source.splitlines()
                                                     if not line.lstrip().startswith(("%", "!")))))
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult)]
    assert used == []


# What gives an exercise's answer away: (learner notebook, the exercise's checker, a pattern no cell may show,
# where: "above" the check cell, or "anywhere" but the exercise's own cells)
GIVEAWAYS = [
    # the vanishing bound of 20 sigmoid layers: a stated power of the largest slope is one edit away
    ("04_activations", "check_vanishing_bound", r"0\.25\s*(\^|\*\*)\s*\{?\d", "above"),
    # 03's layer once reused exercise 1's second neuron, so its output held z2
    ("03_weighted_input", "check_one_neuron", r"\[\s*1\.0,\s*0\.5,\s*-1\.0\s*\]", "anywhere"),
    # one row of the identity matrix per label is the one-hot exercise's answer
    ("08_complete_example", "check_one_hot", r"np\.eye\(", "anywhere"),
    # the training rows' majority share, 91 / 206 = 0.4417, as a table or a percentage
    ("08_complete_example", "check_baseline", r"0\.44[12]\b|44\.[12]\s*%", "above"),
    # exercise 3's value, the loss of the full batch
    ("07_gradient_accumulation", "check_token_mean_loss", r"1\.367", "above"),
    # 09's parameter count
    ("09_playground", "check_n_parameters", r"\b37\b", "above"),
]


@pytest.mark.parametrize("notebook, checker, pattern, where", GIVEAWAYS,
                         ids=[f"{notebook}-{checker}" for notebook, checker, *_ in GIVEAWAYS])
def test_no_cell_shows_an_answer_beside_its_exercise(notebook, checker, pattern, where):
    cells = nbformat.read(ROOT / "notebooks" / f"{notebook}.ipynb", as_version=4).cells
    check = next(i for i, c in enumerate(cells)
                 if c.cell_type == "code" and re.search(rf"^(\w+\.)?{checker}\(", c.source, re.M))
    seen = range(check) if where == "above" else [i for i in range(len(cells)) if i not in (check - 1, check)]
    shown = [i for i in seen if re.search(pattern, _text(cells[i]))]
    assert shown == [], f"{notebook}: cells {shown} show {pattern!r} ({checker} is cell {check})"

