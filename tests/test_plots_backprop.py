"""nnlib.plots.backprop: the hand-written backward pass and every step of the walk agree with PyTorch autograd."""
import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from nnlib.plots import backprop as B


def autograd(params, X, T):
    """The same network in plain PyTorch: the loss, the parameters' gradients and those of h, z and y."""
    p = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    X, T = torch.tensor(np.atleast_2d(X)), torch.tensor(np.asarray(T, dtype=np.float64).reshape(-1, 1))
    z = X @ p["W1"].T + p["b1"]
    h = torch.sigmoid(z)
    y = h @ p["W2"].T + p["b2"]
    for node in (z, h, y):
        node.retain_grad()
    loss = torch.mean((y - T) ** 2)
    loss.backward()
    grads = {k: v.grad.numpy() for k, v in p.items()}
    return loss.item(), grads, {"z": z.grad.numpy(), "h": h.grad.numpy(), "y": y.grad.numpy(),
                                "H": h.detach().numpy(), "Y": y.detach().numpy()}


def random_network(seed):
    rng = np.random.default_rng(seed)
    params = {"W1": rng.normal(size=(2, 2)), "b1": rng.normal(size=2), "W2": rng.normal(size=(1, 2)),
              "b2": rng.normal(size=1)}
    return params, rng.normal(size=(5, 2)), rng.normal(size=(5, 1))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_backward_matches_autograd_on_a_batch(seed):
    params, X, T = random_network(seed)
    cache = B.forward(params, X)
    grads = B.backward(params, cache, T)
    loss, expected, nodes = autograd(params, X, T)
    assert grads["loss"] == pytest.approx(loss, rel=1e-12)
    for k in B.PARAMETERS:
        np.testing.assert_allclose(grads[k], expected[k], rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(grads["dY"], nodes["y"], rtol=1e-10)
    np.testing.assert_allclose(grads["dH"], nodes["h"], rtol=1e-10)
    np.testing.assert_allclose(grads["dZ1"], nodes["z"], rtol=1e-10)
    np.testing.assert_allclose(cache["Y"], nodes["Y"], rtol=1e-12)


def test_loss_and_gradients_accepts_one_example():
    params, x, t = B.example_network()
    loss, grads = B.loss_and_gradients(params, x, [t])
    expected_loss, expected, _ = autograd(params, x, [t])
    assert loss == pytest.approx(expected_loss)
    assert set(grads) == set(B.PARAMETERS)
    np.testing.assert_allclose(grads["W1"], expected["W1"], rtol=1e-10)


# -------------------------------------------------------------------------------------- the walk
@pytest.fixture(scope="module")
def walk():
    params, x, t = B.example_network()
    return B.backprop_steps(params, x, t, learning_rate=0.5), autograd(params, x, [t]), params


def test_walk_has_forward_backward_update_steps(walk):
    steps, _, _ = walk
    assert [s["phase"] for s in steps] == ["forward"] * 5 + ["backward"] * 3 + ["update"]
    assert [s["nodes"] for s in steps[:5]] == [[(0, 0), (0, 1)], [(1, 0)], [(1, 1)], [(2, 0)], [(3, 0)]]
    assert [s["nodes"] for s in steps[5:8]] == [[(2, 0)], [(1, 0)], [(1, 1)]]   # backward: right to left
    assert steps[1]["edges"] == [(0, 0, 0), (0, 1, 0)]
    assert steps[6]["edges"] == [(0, 0, 0), (0, 1, 0), (1, 0, 0)]


def test_forward_values_appear_one_node_at_a_time_and_match_torch(walk):
    steps, (loss, _, nodes), _ = walk
    final = [np.array([1.0, 0.5]), nodes["H"][0], nodes["Y"][0], np.array([loss])]
    known_before = 0
    for s in steps:
        known = sum(int(np.sum(~np.isnan(v))) for v in s["values"])
        assert known >= known_before
        known_before = known
        for layer, values in enumerate(s["values"]):
            seen = ~np.isnan(values)
            np.testing.assert_allclose(values[seen], final[layer][seen], rtol=1e-12)
    assert [sum(int(np.sum(~np.isnan(v))) for v in s["values"]) for s in steps[:5]] == [2, 3, 4, 5, 6]


def test_no_gradient_before_the_backward_pass(walk):
    steps, _, _ = walk
    for s in steps[:5]:
        assert all(np.all(np.isnan(g)) for g in s["node_grads"])
        assert all(np.all(np.isnan(g)) for g in s["grads"].values())


def test_backward_steps_reveal_autograds_gradients(walk):
    steps, (_, grads, nodes), _ = walk
    out, hidden1, hidden2 = steps[5], steps[6], steps[7]
    assert out["node_grads"][3][0] == 1.0
    assert out["node_grads"][2][0] == pytest.approx(nodes["y"][0, 0], rel=1e-12)
    np.testing.assert_allclose(out["grads"]["W2"], grads["W2"], rtol=1e-12)
    np.testing.assert_allclose(out["grads"]["b2"], grads["b2"], rtol=1e-12)
    assert np.all(np.isnan(out["grads"]["W1"])) and np.all(np.isnan(out["node_grads"][1]))
    # hidden neuron 1: its row of W1 and its bias, not neuron 2's
    assert hidden1["node_grads"][1][0] == pytest.approx(nodes["h"][0, 0], rel=1e-12)
    assert np.isnan(hidden1["node_grads"][1][1])
    np.testing.assert_allclose(hidden1["grads"]["W1"][0], grads["W1"][0], rtol=1e-12)
    assert np.all(np.isnan(hidden1["grads"]["W1"][1])) and np.isnan(hidden1["grads"]["b1"][1])
    # after the last backward step everything is known
    np.testing.assert_allclose(hidden2["node_grads"][1], nodes["h"][0], rtol=1e-12)
    for k in B.PARAMETERS:
        np.testing.assert_allclose(hidden2["grads"][k], grads[k], rtol=1e-12)


def test_update_step_moves_against_autograds_gradient(walk):
    steps, (loss, grads, _), params = walk
    update = steps[-1]
    for k in B.PARAMETERS:
        np.testing.assert_allclose(update["updates"][k], -0.5 * grads[k], rtol=1e-12)
        np.testing.assert_allclose(update["new_params"][k], params[k] - 0.5 * grads[k], rtol=1e-12)
    assert update["new_loss"] < loss
    assert update["new_loss"] == pytest.approx(autograd(update["new_params"], [1.0, 0.5], [1.0])[0])


def test_equations_carry_the_numbers(walk):
    steps, (loss, grads, nodes), _ = walk
    assert "0.400" in steps[1]["equations"][0]                       # z1 = 0.5 - 0.2 + 0.1
    assert f"{loss:.3f}" in steps[4]["equations"][0]
    assert f"{nodes['y'][0, 0]:.3f}".replace("-", "−") in steps[5]["equations"][0]
    assert f"{grads['W1'][1, 0]:.3f}".replace("-", "−") in steps[7]["equations"][2]
    for s in steps:
        assert s["equations"] and all(isinstance(line, str) for line in s["equations"])


def test_the_biggest_update_is_named(walk):
    steps, (_, grads, _), _ = walk
    # v2 has the largest gradient here: |dL/dv2| = 1.81 * 0.62
    assert abs(grads["W2"][0, 1]) == max(np.abs(grads["W1"]).max(), np.abs(grads["W2"]).max())
    assert "v_{2}" in steps[-1]["equations"][0]


# --------------------------------------------------------------------------------- gradient check
def test_numerical_gradient_agrees_and_restores_the_parameters():
    params, X, T = random_network(3)
    before = {k: v.copy() for k, v in params.items()}
    numeric = B.numerical_gradient(lambda p: B.loss_and_gradients(p, X, T)[0], params)
    _, exact = B.loss_and_gradients(params, X, T)
    for k in B.PARAMETERS:
        np.testing.assert_array_equal(params[k], before[k])
        assert np.max(B.relative_error(numeric[k], exact[k])) < 1e-7


def test_relative_error():
    np.testing.assert_allclose(B.relative_error([1.0, 0.0, -2.0, 1e-8], [1.1, 0.0, -2.0, 2e-8]),
                               [0.1 / 1.1, 0.0, 0.0, 0.5])


def test_gradient_check_rows_and_table():
    a = {"W1": np.array([[1.0, 2.0]]), "b1": np.array([0.5])}
    b = {"W1": np.array([[1.0, 2.2]]), "b1": np.array([0.5])}
    rows = B.gradient_check_rows({"hand": a, "torch": b})
    assert [r["parameter"] for r in rows] == ["W1[0, 0]", "W1[0, 1]", "b1[0]"]
    assert rows[1]["torch"] == 2.2 and rows[1]["rel. error vs torch"] == pytest.approx(0.2 / 2.2)
    text = B.format_gradient_check(rows, {"rel. error vs torch": 1e-12})
    lines = text.splitlines()
    assert len(lines) == 4 and "< 1e-12" in lines[1] and "9.1e-02" in lines[2]


# -------------------------------------------------------------------------------------- training
def test_train_until_stops_at_the_first_epoch_below_the_threshold():
    full = B.train_until(0.0, max_epochs=1500)          # never below 0: runs every epoch
    assert full["epochs"] == 1500 and not full["reached"]
    first = int(np.argmax(full["losses"] < 0.01))
    run = B.train_until(0.01)
    assert run["reached"] and run["epochs"] == first
    np.testing.assert_allclose(run["losses"], full["losses"][:first + 1])
    assert run["losses"][-1] < 0.01 <= run["losses"][-2]
    np.testing.assert_allclose(run["predictions"], B.forward(run["params"], B.xor_data()[0])["Y"])


def test_training_learns_xor():
    run = B.train_until(1e-4)
    assert run["reached"]
    np.testing.assert_allclose(run["predictions"], B.xor_data()[1], atol=0.03)


def test_train_until_does_not_change_the_example_network():
    before = B.example_network()[0]
    B.train_until(0.1)
    after = B.example_network()[0]
    for k in B.PARAMETERS:
        np.testing.assert_array_equal(before[k], after[k])


# --------------------------------------------------------------------------------------- drawing
def test_every_step_draws_and_a_wrong_step_is_named():
    for k in range(9):
        assert isinstance(B.plot_backprop_step(k), Figure)
    with pytest.raises(ValueError, match=r"step: expected 0..8, got 9"):
        B.plot_backprop_step(9)


def test_training_plots_return_figures():
    assert isinstance(B.plot_training(0.05), Figure)
    assert isinstance(B.plot_loss_curve([0.3, 0.2, 0.1], threshold=0.15), Figure)


def test_live_plots_take_their_sliders_and_a_backend():
    from inspect import signature

    assert list(signature(B.BackpropStepPlot.update).parameters) == ["self", "step", "backend"]
    assert list(signature(B.TrainingPlot.update).parameters) == ["self", "threshold", "backend"]


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_nnlib_layers_give_the_hand_written_gradients(backend):
    X, T = B.xor_data()
    params = B.example_network()[0]
    loss, grads = B.loss_and_gradients(params, X, T)
    nnlib_loss, nnlib_grads, _ = B.NnlibNetwork(backend).loss_and_gradients(X, T)
    assert nnlib_loss == pytest.approx(loss, rel=1e-14)
    for name in B.PARAMETERS:
        np.testing.assert_allclose(nnlib_grads[name], grads[name], rtol=1e-12, atol=1e-15)


def test_training_with_nnlib_layers_matches_the_hand_written_loop_at_the_slider_start():
    by_hand = B.train_until(0.01)
    cut = B.cut_training(B.nnlib_training("numpy"), 0.01)
    assert cut["reached"] and by_hand["reached"]
    # The same arithmetic: on the XOR plateau the two runs agree to round-off (4e-14 by epoch 1000 here,
    # with OpenBLAS's Prescott and Sandybridge kernels and one thread alike) ...
    np.testing.assert_allclose(cut["losses"][:1000], by_hand["losses"][:1000], rtol=1e-9)
    # ... but the escape from the plateau amplifies that round-off enormously (1e-14 -> 1e-2 within 70
    # epochs, by how much depends on the CPU's kernels), so the end is compared loosely
    assert abs(cut["epochs"] - by_hand["epochs"]) <= 5
    n = min(len(cut["losses"]), len(by_hand["losses"]))
    np.testing.assert_allclose(cut["losses"][:n], by_hand["losses"][:n], rtol=5e-2)
    unreachable = B.cut_training(B.nnlib_training("numpy", max_epochs=50), 1e-9)
    assert unreachable["epochs"] == 50 and not unreachable["reached"]


def test_the_loss_curves_show_the_whole_run_spike_included():
    """After the plateau one step overshoots and the loss jumps to about 6 (06's text says so): the axes
    must show it, not cut it off."""
    losses = B.nnlib_training("numpy")["losses"]
    assert losses.max() > 1.0  # the spike is there (it was cut at 3.0 before)
    for fig in (B.plot_training(threshold=1e-6), B.plot_loss_curve(list(losses), 1e-6)):
        assert fig.axes[0].get_ylim()[1] > losses.max()
