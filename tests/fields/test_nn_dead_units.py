"""Dead hidden units: their parameters' positions, their detection, and the Hessian block
each adds, lambda +- phi'(0) sigma_k(C) and lambda (fields.nn.dead_units), against the
Hessian itself."""

import numpy as np
import pytest

from fields.nn import MLP, dead_unit_eigenvalues


def _net(layers=(6, 5, 4), activation="tanh", weight_decay=0.05, n=50, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, layers[0]))
    y = rng.integers(0, layers[-1], n)
    return MLP(list(layers), activation, "softmax-cross-entropy", (x, y),
               weight_decay=weight_decay, rng=seed)


def _killed(net, units, layer=0, seed=1):
    w = np.random.default_rng(seed).standard_normal(net.dim)
    w[net.unit_parameters(units, layer=layer)] = 0.0
    return w


@pytest.mark.parametrize("layer", [0, 1])
def test_unit_parameters_are_the_units_column_bias_and_outgoing_row(layer):
    net = _net((4, 5, 3, 2))
    w = np.arange(net.dim, dtype=float)
    params = net.unflatten(w)
    (w_in, b_in), (w_out, _) = params[layer], params[layer + 1]
    for j in range(net.layers[layer + 1]):
        pos = net.unit_parameters([j], layer=layer)
        expected = np.sort(np.r_[w_in[:, j], b_in[j], w_out[j]]).astype(np.int64)
        np.testing.assert_array_equal(pos, expected)
    both = net.unit_parameters([2, 0], layer=layer)
    np.testing.assert_array_equal(both, np.union1d(net.unit_parameters([0], layer=layer),
                                                   net.unit_parameters([2], layer=layer)))
    assert net.unit_parameters([], layer=layer).size == 0


def test_dead_units_are_exactly_the_killed_ones():
    net = _net((4, 5, 3, 2))
    w = _killed(net, [1, 3])
    np.testing.assert_array_equal(net.dead_units(w), [1, 3])
    assert net.dead_units(w, layer=1).size == 0
    w[net.unit_parameters([1])[0]] = 1e-300      # one nonzero parameter keeps a unit alive
    np.testing.assert_array_equal(net.dead_units(w), [3])


@pytest.mark.parametrize("call, match", [
    (lambda n: n.unit_parameters([1, 1]), "repeat"),
    (lambda n: n.unit_parameters([5]), r"\[0, 5\)"),
    (lambda n: n.unit_parameters([-1]), r"\[0, 5\)"),
    (lambda n: n.unit_parameters([0.0]), "integers"),
    (lambda n: n.unit_parameters([[0]]), "1-D"),
    (lambda n: n.unit_parameters([0], layer=1), "layer"),
    (lambda n: n.dead_units(np.zeros(3)), "w"),
    (lambda n: n.dead_units(n.w0, layer=-1), "layer"),
    (lambda n: dead_unit_eigenvalues(n, n.w0, layer=1), "layer"),
])
def test_unit_arguments_are_checked(call, match):
    with pytest.raises(ValueError, match=match):
        call(_net())


def test_a_net_without_hidden_layer_and_a_non_mlp_are_refused():
    rng = np.random.default_rng(0)
    flat = MLP([3, 2], data=(rng.standard_normal((10, 3)), rng.integers(0, 2, 10)), rng=0)
    with pytest.raises(ValueError, match="no hidden layer"):
        flat.unit_parameters([0])
    with pytest.raises(TypeError, match="net must be a fields.nn.MLP"):
        dead_unit_eigenvalues(object(), np.zeros(3))


@pytest.mark.parametrize("activation", ["logistic", "softplus"])
def test_an_activation_that_does_not_map_zero_to_zero_is_refused(activation):
    net = _net(activation=activation)
    with pytest.raises(ValueError, match="phi\\(0\\) != 0"):
        dead_unit_eigenvalues(net, net.w0)


@pytest.mark.parametrize("layers, activation, layer", [
    ((6, 5, 4), "tanh", 0),
    ((6, 5, 4), "linear", 0),
    ((3, 5, 4, 3), "tanh", 1),
    ((3, 4, 5, 3), "tanh", 0),
])
def test_the_dead_units_block_is_separate_and_has_the_stated_eigenvalues(layers, activation,
                                                                          layer):
    # At any point (critical or not) where units are dead, every Hessian entry between a
    # dead unit's parameter and any other parameter vanishes, the gradient vanishes on the
    # dead units, and each dead unit's own block has the formula's eigenvalues.
    net = _net(layers, activation)
    dead = [0, 3]
    w = _killed(net, dead, layer=layer)
    h, g = net.hess(w), net.grad(w)
    lam = dead_unit_eigenvalues(net, w, layer=layer)
    n_in, n_out = net.layers[layer], net.layers[layer + 2]
    assert lam.shape == (n_in + 1 + n_out,)
    scale = np.abs(h).max()
    blocks = [net.unit_parameters([j], layer=layer) for j in dead]
    rest = np.setdiff1d(np.arange(net.dim), np.concatenate(blocks))
    for block in blocks:
        np.testing.assert_array_equal(g[block], 0.0)
        others = np.setdiff1d(np.arange(net.dim), block)
        np.testing.assert_allclose(h[np.ix_(block, others)], 0.0, atol=1e-14 * scale)
        np.testing.assert_allclose(np.linalg.eigvalsh(h[np.ix_(block, block)]), lam,
                                   rtol=0, atol=1e-12 * scale)
    assert np.abs(g[rest]).max() > 0                      # the live part is not critical
    assert np.any(lam < net.weight_decay - 1e-3)          # and the block is not trivial


def test_a_softmax_output_leaves_one_singular_value_zero():
    # The last layer's delta rows sum to zero, so C = [a 1]^T delta (7 x 4) has rank 3:
    # lambda appears |7 - 4| + 2 times.
    net = _net((6, 5, 4))
    lam = dead_unit_eigenvalues(net, _killed(net, [2]))
    assert np.sum(np.isclose(lam, net.weight_decay, rtol=0, atol=1e-12)) == 5


def test_a_relu_unit_has_zero_slope_at_zero_so_only_weight_decay_is_left():
    net = _net(activation="relu")
    w = _killed(net, [1])
    np.testing.assert_array_equal(dead_unit_eigenvalues(net, w), net.weight_decay)
    block = net.unit_parameters([1])
    np.testing.assert_allclose(np.linalg.eigvalsh(net.hess(w)[np.ix_(block, block)]),
                               net.weight_decay, rtol=1e-12)
