"""Checker for the exercise of ``09_playground``: how many numbers the playground's network learns."""
from ._core import recipe
from ._mistakes import check_function_with_mistakes

#: the hidden layers the check tries (the last is no hidden layer at all: logistic regression)
SHAPES = [((4, 4),), ((8,),), ((3, 5, 2),), ((),)]


def _sizes(hidden):
    return (2, *hidden, 1)


def n_parameters_reference(hidden):
    """Weights and biases of a ``2 -> hidden... -> 1`` network: ``(a + 1) * b`` for each layer from a to b units."""
    sizes = _sizes(hidden)
    return sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))


def _weights_only(hidden):
    sizes = _sizes(hidden)
    return sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))


def _hidden_only(hidden):
    sizes = (2, *hidden)
    return sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))


def check_n_parameters(n_parameters):
    """``n_parameters(hidden)`` counts every weight and bias of the playground's network for ``hidden`` widths."""
    return check_function_with_mistakes(
        n_parameters, n_parameters_reference, SHAPES,
        [(_weights_only, "each neuron also has a bias: a layer from a to b units has a*b weights and b biases"),
         (_hidden_only, "the output neuron counts too: its weights come from the last hidden layer, plus its bias")],
        name="n_parameters",
        hint="the layer sizes are 2 inputs, the hidden widths, 1 output; a layer from a to b units has a*b weights "
             "and b biases")


recipe("n_parameters", "list the layer sizes 2, the hidden widths, 1; for each pair of neighbours (a, b) add a*b "
                       "weights and b biases")
