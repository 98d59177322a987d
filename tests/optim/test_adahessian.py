"""AdaHessian (Yao et al. 2021): closed form on a diagonal Hessian, the bias corrections, its
diagonal as the equilibration moving average, bad arguments."""

import numpy as np
import pytest

import fields
import optim
from optim.diagonal_curvature import adahessian, scale_by_diagonal_curvature
from rmt.random import child

#: Relative accuracy of a few float64 operations on numbers of order 1.
RTOL = 1e-13
H_DIAG = np.array([3.0, -0.5, 1e-3, -2.0])
X0 = np.array([0.3, -1.0, 2.0, 0.7])


class DiagonalQuadratic:
    """f(x) = x^T diag(h) x / 2, counting its Hessian-vector products and keeping the
    probes."""

    def __init__(self, h):
        self.h, self.dim, self.probes = np.asarray(h, dtype=np.float64), len(h), []

    def value(self, x):
        return 0.5 * float(x @ (self.h * x))

    def grad(self, x):
        return self.h * x

    def hvp(self, x, v):
        self.probes.append(np.array(v))
        return self.h * v


class Recording:
    """A quadratic with a dense Hessian that keeps every probe it is given."""

    def __init__(self, matrix):
        self.matrix, self.dim, self.probes = matrix, matrix.shape[0], []

    def hvp(self, x, v):
        self.probes.append(np.array(v))
        return self.matrix @ v


def test_first_step_is_the_closed_form_on_a_diagonal_hessian():
    lr, eps = 0.15, 1e-4
    q = DiagonalQuadratic(H_DIAG)
    opt = adahessian(lr=lr, eps=eps)
    g = q.grad(X0)
    step, state = opt.update(g, opt.init(X0, rng=0), X0, q)
    # One Rademacher probe v gives (v * Hv)^2 = h^2 exactly; the bias-corrected moments are
    # m_hat = g and v_hat = |h| after one update.
    np.testing.assert_allclose(step, -lr * g / (np.abs(H_DIAG) + eps), rtol=RTOL)
    assert set(np.unique(q.probes[0])) <= {-1.0, 1.0}
    np.testing.assert_allclose(state[1]["diagonal"], np.abs(H_DIAG), rtol=RTOL)
    assert opt.needs == ("hvp",) and opt.name == "adahessian"


def test_both_moments_are_bias_corrected():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-4
    q = DiagonalQuadratic(H_DIAG)
    opt = adahessian(lr=lr, b1=b1, b2=b2, eps=eps)
    state = opt.init(X0, rng=1)
    g = np.array([1.0, -2.0, 0.5, 4.0])
    # A constant gradient and a constant Hessian: the corrected moments are exactly g and |h|
    # at every update (uncorrected, the first step would be (1 - b1) = 0.1 of it and the
    # diagonal sqrt(1 - b2) = 0.03 of |h|, so the step 3 times too long).
    for _ in range(4):
        step, state = opt.update(g, state, X0, q)
        np.testing.assert_allclose(step, -lr * g / (np.abs(H_DIAG) + eps), rtol=RTOL)
    # Two different gradients: m_hat = (b1 (1 - b1) g1 + (1 - b1) g2) / (1 - b1^2).
    state = opt.init(X0, rng=1)
    g1, g2 = g, np.array([-3.0, 1.0, 1.0, 0.0])
    _, state = opt.update(g1, state, X0, q)
    step, state = opt.update(g2, state, X0, q)
    m_hat = (b1 * (1 - b1) * g1 + (1 - b1) * g2) / (1 - b1**2)
    np.testing.assert_allclose(step, -lr * m_hat / (np.abs(H_DIAG) + eps), rtol=RTOL)
    assert state[0]["count"] == 2


@pytest.mark.parametrize("every", [1, 3])
def test_the_diagonal_is_the_equilibration_moving_average(every):
    b2, eps, lr = 0.6, 1e-3, 0.2
    q = fields.RandomQuadratic(6, shift=0.3, rng=4)   # a dense Hessian of both signs
    h = np.asarray(q.matrix)
    x = np.ones(6)
    ah = adahessian(lr=lr, b2=b2, eps=eps, every=every)
    block = scale_by_diagonal_curvature("equilibration", every=every, damping=eps,
                                        probe="rademacher", average="ema", decay=b2)
    root = np.random.SeedSequence(9)
    s_ah, s_block = ah.init(x, rng=root), block.init(x, rng=child(root, 1))  # chain's child 1
    surface = Recording(h)
    a = np.zeros(6)
    gen = np.random.default_rng(2)
    for t in range(7):
        g = gen.standard_normal(6)
        step, s_ah = ah.update(g, s_ah, x, surface)
        _, s_block = block.update(g, s_block, x, q)
        np.testing.assert_array_equal(s_ah[1]["diagonal"], s_block["diagonal"])
        # By hand, from the probes the surface was given: D = v * Hv, a <- b2 a + (1-b2) D^2.
        n = len(surface.probes)
        assert n == t // every + 1
        if t % every == 0:
            v = surface.probes[-1]
            assert set(np.unique(v)) <= {-1.0, 1.0}
            a = b2 * a + (1 - b2) * (v * (h @ v)) ** 2
        v_hat = np.sqrt(a / (1 - b2**n))
        np.testing.assert_allclose(s_ah[1]["diagonal"], v_hat, rtol=RTOL)
        np.testing.assert_allclose(step, -lr * s_ah[0]["mu"] / (1 - 0.9 ** (t + 1))
                                   / (v_hat + eps), rtol=RTOL)


def test_descends_on_a_network_through_train():
    x = np.random.default_rng(0).uniform(size=(40, 6))
    ae = fields.nn.Autoencoder(x, layers=[3], rng=0)
    run = optim.train(ae, optim.adahessian(lr=0.05), epochs=3, batch_size=20, rng=0)
    assert run.attrs["status"] == "completed"
    assert run.loss.values[-1] < run.loss.values[0]
    # One gradient and one Hessian-vector product (2 gradient equivalents) per step.
    np.testing.assert_array_equal(run.gradient_equivalents.values, 3 * run.steps.values)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(lr=0.0), ValueError, "lr"),
    (dict(lr="0.1"), TypeError, "lr"),
    (dict(b1=1.0), ValueError, "b1"),
    (dict(b2=-0.1), ValueError, "b2"),
    (dict(b2=True), TypeError, "b2"),
    (dict(eps=-1e-4), ValueError, "eps"),
    (dict(eps=float("nan")), ValueError, "eps"),
    (dict(every=0), ValueError, "every"),
    (dict(every=1.5), TypeError, "every"),
])
def test_bad_arguments_are_refused(kwargs, error, match):
    with pytest.raises(error, match=match):
        adahessian(**kwargs)
