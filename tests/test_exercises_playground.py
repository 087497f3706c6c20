"""The checker of 09_playground's exercise: the right count passes, typical wrong counts get their hint."""
import nnlib
from nnlib.exercises import playground as P
from nnlib.playground import network_layers

from _checks import verdict


def test_the_reference_counts_what_nnlib_builds():
    for (hidden,) in P.SHAPES:
        model = nnlib.Sequential(network_layers(hidden, "tanh"))
        assert P.n_parameters_reference(hidden) == model.count_params()


def test_the_right_function_passes(capsys):
    def n_parameters(hidden):
        sizes = [2, *hidden, 1]
        return sum(a * b + b for a, b in zip(sizes, sizes[1:]))

    ok, out = verdict(capsys, P.check_n_parameters, n_parameters)
    assert ok and out == "✅ n_parameters: correct — all 4 test inputs match\n"


def test_forgetting_the_biases_gets_its_hint(capsys):
    def n_parameters(hidden):
        sizes = [2, *hidden, 1]
        return sum(a * b for a, b in zip(sizes, sizes[1:]))

    ok, out = verdict(capsys, P.check_n_parameters, n_parameters)
    assert not ok and "each neuron also has a bias" in out


def test_forgetting_the_output_layer_gets_its_hint(capsys):
    def n_parameters(hidden):
        sizes = [2, *hidden]
        return sum(a * b + b for a, b in zip(sizes, sizes[1:]))

    ok, out = verdict(capsys, P.check_n_parameters, n_parameters)
    assert not ok and "the output neuron counts too" in out


def test_a_stub_has_no_answer_yet(capsys):
    ok, out = verdict(capsys, P.check_n_parameters, lambda hidden: None)
    assert not ok and "n_parameters" in out


def test_a_later_wrong_answer_and_hint_show_the_recipe(capsys):
    from nnlib.exercises import hint

    from _checks import later_verdict

    ok, out = later_verdict(capsys, P.check_n_parameters, lambda hidden: 7)
    assert not ok and "Recipe:" in out and "2, the hidden widths, 1" in out
    hint("n_parameters")
    shown = capsys.readouterr().out
    assert shown.startswith("💡 n_parameters:") and "No recipe" not in shown
