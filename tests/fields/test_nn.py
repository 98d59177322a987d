"""Networks as surfaces: back-propagation, the R-operator, Gauss–Newton, the dense Hessian.

Derivatives are checked against central differences of ``value`` and ``grad`` with the
tolerances :func:`fields.check_derivatives` derives from the step (truncation ``h^2 f''' / 6``
plus rounding ``e_f / h``), and against each other to rounding, for every activation and loss
on random architectures (property test).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fields import check_derivatives
from fields.nn import ACTIVATIONS, CURVES_LAYERS, LOSSES, MLP, Autoencoder
from fields.nn import mlp as mlp_module


def _data(loss, n, n_in, n_out, rng):
    x = rng.standard_normal((n, n_in))
    if loss == "softmax-cross-entropy":
        return x, rng.integers(0, n_out, n)
    if loss == "logistic-cross-entropy":
        return x, rng.uniform(size=(n, n_out))
    return x, rng.standard_normal((n, n_out))


def _net(layers, activation, loss, n=7, weight_decay=0.0, seed=0):
    rng = np.random.default_rng(seed)
    return MLP(layers, activation, loss, _data(loss, n, layers[0], layers[-1], rng),
               weight_decay=weight_decay, rng=seed)


@settings(max_examples=40, deadline=None)
@given(
    hidden=st.lists(st.integers(1, 5), min_size=0, max_size=3),
    n_in=st.integers(1, 4),
    n_out=st.integers(1, 4),
    activation=st.sampled_from(ACTIVATIONS),
    loss=st.sampled_from(LOSSES),
    n=st.integers(1, 9),
    weight_decay=st.sampled_from([0.0, 0.1]),
    seed=st.integers(0, 2**16),
)
def test_derivatives_agree_with_finite_differences_and_each_other(
        hidden, n_in, n_out, activation, loss, n, weight_decay, seed):
    if loss == "softmax-cross-entropy" and n_out < 2:
        n_out = 2
    net = _net([n_in, *hidden, n_out], activation, loss, n, weight_decay, seed)
    rng = np.random.default_rng(seed + 1)
    w = net.w0 + 0.5 * rng.standard_normal(net.dim)
    report = check_derivatives(net, w, rng=seed)
    assert report.ok, report
    # hvp on a block of directions equals hvp one direction at a time and hess @ v.
    v = rng.standard_normal((3, net.dim))
    block = net.hvp(w, v)
    h = net.hess(w, chunk=2)
    scale = np.abs(h).max() * np.abs(v).sum(axis=1).max() + 1e-300
    for k in range(3):
        np.testing.assert_allclose(block[k], net.hvp(w, v[k]), rtol=0, atol=1e-13 * scale)
        np.testing.assert_allclose(block[k], h @ v[k], rtol=0, atol=1e-13 * scale)
    np.testing.assert_array_equal(h, h.T)
    # Gauss–Newton: symmetric and positive semi-definite (convex losses).
    g = np.stack([net.gvp(w, e) for e in np.eye(net.dim)])
    np.testing.assert_allclose(g, g.T, rtol=0, atol=1e-12 * (np.abs(g).max() + 1e-300))
    assert np.linalg.eigvalsh(0.5 * (g + g.T)).min() >= -1e-10 * (np.abs(g).max() + 1e-300)


@pytest.mark.parametrize("loss", LOSSES)
def test_without_hidden_layers_the_hessian_is_the_gauss_newton_matrix(loss):
    # z = x W + b is linear in w, so the second-order term of H vanishes: H = G.
    net = _net([3, 4], "tanh", loss, n=11)
    w = net.w0 + 0.3
    v = np.random.default_rng(1).standard_normal(net.dim)
    np.testing.assert_allclose(net.hvp(w, v), net.gvp(w, v), rtol=1e-13, atol=1e-15)


def test_gauss_newton_product_is_jacobian_transpose_jacobian_for_squared_error():
    # Reference: J by central differences of the outputs; G = J^T J / n + lambda I.
    net = _net([3, 4, 2], "tanh", "squared-error", n=5, weight_decay=0.2)
    w = net.w0 + 0.1
    h = 1e-6
    jac = np.stack([(net.predict(w + h * e) - net.predict(w - h * e)).ravel() / (2 * h)
                    for e in np.eye(net.dim)], axis=1)
    ref = jac.T @ jac / net.n_examples + 0.2 * np.eye(net.dim)
    g = np.stack([net.gvp(w, e) for e in np.eye(net.dim)])
    np.testing.assert_allclose(g, ref, rtol=0, atol=1e-8 * np.abs(ref).max())


def test_softmax_loss_value_and_error_rate_by_hand():
    x = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    y = np.array([0, 1, 1])
    net = MLP([2, 2], loss="softmax-cross-entropy", data=(x, y), rng=0)
    w = np.array([2.0, 0.0, 0.0, 1.0, 0.0, 0.5])   # W = [[2, 0], [0, 1]], b = [0, 0.5]
    z = x @ np.array([[2.0, 0.0], [0.0, 1.0]]) + np.array([0.0, 0.5])
    expected = np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(3), y])
    assert net.value(w) == pytest.approx(expected, rel=1e-14)
    # Predictions: argmax z = [0, 1, 0] -> one error in three.
    assert net.error_rate(w) == pytest.approx(1 / 3)
    np.testing.assert_allclose(net.predict(w).sum(axis=1), 1.0)


def test_hessian_float32_and_chunk_size_do_not_change_it():
    net = _net([4, 6, 3], "softplus", "softmax-cross-entropy", n=13)
    w = net.w0
    h = net.hess(w)
    np.testing.assert_allclose(net.hess(w, chunk=1), h, rtol=0, atol=1e-14)
    h32 = net.hess(w, dtype=np.float32)
    assert h32.dtype == np.float32
    np.testing.assert_allclose(h32, h, rtol=0, atol=1e-6 * np.abs(h).max())


def test_hessian_memory_is_stated_and_checked_before_allocation(monkeypatch):
    net = _net([50, 40, 10], "tanh", "softmax-cross-entropy")
    assert net.hess_memory() == net.dim**2 * 8
    assert net.hess_memory(np.float32) == net.dim**2 * 4
    with pytest.raises(MemoryError, match=r"GiB .*max_memory"):
        net.hess(net.w0, max_memory=net.hess_memory() - 1)
    # The block sums and work arrays are stated too, and checked with the result against the
    # memory available, before anything is allocated.
    work = net.hess_workspace()
    assert work > 0
    monkeypatch.setattr(mlp_module, "memory_limit", lambda: net.hess_memory() + work - 1)
    with pytest.raises(MemoryError, match=r"block sums .* GiB of memory available"):
        net.hess(net.w0)


@pytest.mark.parametrize("layers, activation, loss, weight_decay", [
    ([7, 5, 3], "tanh", "softmax-cross-entropy", 0.0),
    ([6, 4, 4, 3], ("logistic", "relu"), "squared-error", 0.3),
    ([5, 3, 4, 2, 3], ("softplus", "linear", "tanh"), "logistic-cross-entropy", 0.0),
    ([4, 3, 3, 3, 3, 2], "tanh", "softmax-cross-entropy", 0.1),
])
def test_block_hessian_equals_the_r_operator_on_unit_vectors(layers, activation, loss,
                                                             weight_decay):
    # Two independent routes to H: the blocks of matrix products of hess, and hvp (the
    # R-operator) on the identity; they agree to rounding, for every chunking of the examples.
    net = _net(layers, activation, loss, n=17, weight_decay=weight_decay, seed=3)
    w = net.w0 + 0.4 * np.random.default_rng(4).standard_normal(net.dim)
    ref = net.hvp(w, np.eye(net.dim))
    scale = np.abs(ref).max()
    for chunk in (None, 1, 5):
        h = net.hess(w, chunk=chunk)
        np.testing.assert_array_equal(h, h.T)
        np.testing.assert_allclose(h, ref, rtol=0, atol=64 * np.finfo(float).eps * scale)


def test_minibatches_are_subsets_and_an_epoch_covers_every_example_once():
    net = _net([3, 4, 2], "tanh", "softmax-cross-entropy", n=23)
    w = net.w0
    mb = net.minibatch(5, rng=0)
    assert mb.n_examples == 5 and net.n_examples == 23 and mb.dim == net.dim
    x, _ = net.data
    rows = [np.flatnonzero((x == r).all(axis=1))[0] for r in mb.data[0]]
    assert len(set(rows)) == 5
    assert mb.value(w) == pytest.approx(net.subset(np.array(rows)).value(w), rel=1e-14)
    # Same seed, same minibatch.
    np.testing.assert_array_equal(net.minibatch(5, rng=0).data[0], mb.data[0])
    sizes, total = [], 0.0
    for b in net.batches(10, rng=1):
        sizes.append(b.n_examples)
        total += b.value(w) * b.n_examples
    assert sizes == [10, 10, 3]
    assert total / 23 == pytest.approx(net.value(w), rel=1e-13)


def test_autoencoder_architecture_and_initialisation():
    x = np.random.default_rng(0).uniform(size=(40, 784))
    ae = Autoencoder(x, rng=0)
    assert ae.layers == (784, *CURVES_LAYERS, *CURVES_LAYERS[-2::-1], 784)
    assert ae.encoder == CURVES_LAYERS
    assert ae.activations[len(CURVES_LAYERS) - 1] == "linear"
    assert set(ae.activations) == {"logistic", "linear"}
    assert ae.loss == "logistic-cross-entropy"
    # Sparse initialisation: 15 non-zero incoming weights per unit, biases 0.
    for w, b in ae.unflatten(ae.w0):
        assert np.all(np.count_nonzero(w, axis=0) == min(15, w.shape[0]))
        assert not b.any()
    # The loss is the cross-entropy of the reconstruction; the squared error is reported too.
    xh = ae.predict(ae.w0)
    ce = -np.mean(np.sum(x * np.log(xh) + (1 - x) * np.log1p(-xh), axis=1))
    assert ae.value(ae.w0) == pytest.approx(ce, rel=1e-10)
    assert ae.reconstruction_error(ae.w0) == pytest.approx(np.mean(np.sum((xh - x)**2, 1)))


def test_glorot_initialisation_range():
    net = _net([30, 20, 10], "tanh", "softmax-cross-entropy")
    (w1, b1), (w2, _) = net.unflatten(net.w0)
    assert np.abs(w1).max() <= np.sqrt(6 / 50) and np.abs(w2).max() <= np.sqrt(6 / 30)
    assert np.std(w1) == pytest.approx(np.sqrt(6 / 50) / np.sqrt(3), rel=0.1)
    assert not b1.any()
    np.testing.assert_array_equal(_net([30, 20, 10], "tanh", "softmax-cross-entropy").w0,
                                  net.w0)


def test_bad_input_is_refused_with_clear_messages():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((6, 3)), rng.integers(0, 2, 6)
    with pytest.raises(ValueError, match="layers\\[0\\] = 4"):
        MLP([4, 2], data=(x, y))
    with pytest.raises(ValueError, match="labels must have shape"):
        MLP([3, 2], data=(x, y[:5]))
    with pytest.raises(ValueError, match="labels must lie in"):
        MLP([3, 2], data=(x, y + 2))
    with pytest.raises(TypeError, match="labels must be integers"):
        MLP([3, 2], data=(x, y + 0.5))
    with pytest.raises(ValueError, match="unknown activation 'sigmoid'"):
        MLP([3, 4, 2], "sigmoid", data=(x, y))
    with pytest.raises(ValueError, match="one per hidden layer"):
        MLP([3, 4, 2], ["tanh", "relu"], data=(x, y))
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        MLP([3, 2], loss="hinge", data=(x, y))
    with pytest.raises(ValueError, match="init must be one of"):
        MLP([3, 2], data=(x, y), init="he")
    with pytest.raises(ValueError, match="weight_decay"):
        MLP([3, 2], data=(x, y), weight_decay=-1.0)
    with pytest.raises(TypeError, match="data=.* is required"):
        MLP([3, 2])
    with pytest.raises(ValueError, match=r"targets must have shape \(6, 2\)"):
        MLP([3, 2], loss="squared-error", data=(x, rng.standard_normal((6, 3))))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        MLP([3, 2], loss="logistic-cross-entropy", data=(x, 2 * np.ones((6, 2))))
    with pytest.raises(ValueError, match="at least an input and an output"):
        MLP([3], data=(x, y))
    net = MLP([3, 2], data=(x, y), rng=0)
    with pytest.raises(ValueError, match=r"w must have shape \(8,\)"):
        net.value(np.zeros(7))
    with pytest.raises(ValueError, match="finite"):
        net.grad(np.full(8, np.nan))
    with pytest.raises(ValueError, match="v must have shape"):
        net.hvp(np.zeros(8), np.zeros(9))
    with pytest.raises(ValueError, match="size must be at most"):
        net.minibatch(7)
    with pytest.raises(ValueError, match="loss must be"):
        Autoencoder(np.ones((4, 3)), [2], loss="softmax-cross-entropy")
    with pytest.raises(ValueError, match="error_rate needs"):
        MLP([3, 2], loss="squared-error", data=(x, np.zeros((6, 2)))).error_rate(np.zeros(8))
