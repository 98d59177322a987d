"""Faults of issue 11 in optim: a run that blows up must say so, a NaN Hessian must not crash.

Each test reproduced its fault on the code as found (a 50-step run ending at 5e168 reported
``completed``; Newton and Newton-MR raising ``LinAlgError: SVD did not converge``; the index
record raising ``ValueError``) before the fix.
"""

import math

import numpy as np
import pytest
from reference import DiagonalQuadratic as Bowl

import optim
from optim.critical import METHODS, Certificate, find_critical_points
from optim.driver import DIVERGENCE_BOUND

#: sqrt of the largest float64: beyond it a square overflows (the driver's stated bound).
B = math.sqrt(np.finfo(np.float64).max)


class DoubleWellX:
    """``x^4/4 - x^2/2 + y^2/2``: the surface of the issue (minima at ``(+-1, 0)``)."""

    dim = 2

    def value(self, p):
        return p[0] ** 4 / 4 - p[0] ** 2 / 2 + p[1] ** 2 / 2

    def grad(self, p):
        return np.array([p[0] ** 3 - p[0], p[1]])

    def hvp(self, p, v):
        return np.array([(3 * p[0] ** 2 - 1) * v[0], v[1]])


def test_sgd_blowing_up_on_the_issue_surface_is_diverged_at_the_step_it_passed_the_bound():
    # From (1, 1) with lr = 50: x stays at 1 (x^3 - x = 0 there) and y_t = (-49)^t, so
    # f_t = 49^(2t)/2 - 1/4. The run of the issue (50 steps) ended at 5e168, "completed".
    traj = optim.run(DoubleWellX(), optim.sgd(lr=50), [1.0, 1.0], 50,
                     record=("value", "grad_norm", "x"), rng=0)
    f = [49.0 ** (2 * t) / 2 - 0.25 for t in range(51)]
    first = next(t for t, v in enumerate(f) if abs(v) > B)
    assert first == 46  # 49^92 / 2 = 1.6e155 > 1.34e154 > 49^90 / 2
    assert traj.attrs["status"] == "diverged" and traj.attrs["diverged_at"] == first
    assert traj.attrs["steps_taken"] == first
    assert "exceeds" in traj.attrs["reason"] and "f(x_46)" in traj.attrs["reason"]
    # The trajectory before it is kept (each step y - 50 y rounds once: 45 roundings of
    # 1.1e-16 at most); the rows from it on hold NaN.
    kept = traj.value.sel(step=slice(None, first - 1)).values
    np.testing.assert_allclose(kept, f[:first], rtol=1e-13)
    np.testing.assert_allclose(traj.x.sel(step=first - 1).values,
                               [1.0, (-49.0) ** (first - 1)], rtol=1e-13)
    assert np.all(np.isnan(traj.value.sel(step=slice(first, None))))


def test_a_quadratic_scaled_by_1e100_is_not_flagged():
    # f = 1e100 |x|^2 / 2 from ones(3): values near 1e100 are large but legitimate; gradient
    # descent with lr = 0.5e-100 halves x each step.
    traj = optim.run(Bowl(np.full(3, 1e100)), optim.sgd(0.5e-100), np.ones(3), 40,
                     record=("value", "grad_norm"), rng=0)
    assert traj.attrs["status"] == "completed" and traj.attrs["diverged_at"] == -1
    np.testing.assert_allclose(traj.value.values, 1.5e100 * 0.25 ** np.arange(41), rtol=1e-12)


def test_values_just_below_the_bound_are_not_flagged_and_just_above_are():
    # f = h x^2 / 2 at x0 = 1e50 with h = 2 c B / 1e100, so f(x0) = c B; steps of lr 1e-300
    # leave x0 where it is. c = 0.99 runs, c = 1.01 is past the bound at step 0.
    for factor, status in ((0.99, "completed"), (1.01, "diverged")):
        traj = optim.run(Bowl([2 * factor * B / 1e100]), optim.sgd(1e-300), [1e50], 3, rng=0)
        assert traj.attrs["status"] == status
        assert traj.attrs["diverged_at"] == (-1 if status == "completed" else 0)


class Tilt:
    """``f(x) = 1e-100 * x_1``: value and gradient small however far x goes."""

    dim = 1

    def value(self, x):
        return 1e-100 * float(x[0])

    def grad(self, x):
        return np.array([1e-100])


def test_a_point_past_the_bound_is_diverged_though_value_and_gradient_are_small():
    traj = optim.run(Tilt(), optim.sgd(1.0), [1e155], 3, rng=0)   # f = 1e55, g = 1e-100
    assert traj.attrs["status"] == "diverged" and traj.attrs["diverged_at"] == 0
    assert "|x_0| exceeds" in traj.attrs["reason"]
    assert optim.run(Tilt(), optim.sgd(1.0), [1e153], 3, rng=0).attrs["status"] == "completed"


def test_a_converging_run_is_not_flagged():
    traj = optim.run(DoubleWellX(), optim.sgd(lr=0.1), [0.5, 1.0], 200, rng=0)
    assert traj.attrs["status"] == "completed" and traj.attrs["reason"].startswith("ran")
    assert float(traj.value[-1]) == pytest.approx(-0.25, abs=1e-8)


def test_the_bound_is_the_square_root_of_the_largest_float():
    assert DIVERGENCE_BOUND == B


class HessianNaN:
    """Double wells ``sum x_i^4/4 - x_i^2/2``; value and gradient finite everywhere, Hessian
    and its products NaN where ``x_1 > 1.5`` (an autodiff breaking down in a region)."""

    dim = 3

    def value(self, x):
        return float(np.sum(x**4 / 4 - x**2 / 2))

    def grad(self, x):
        return x**3 - x

    def _diagonal(self, x):
        return np.full(3, np.nan) if x[0] > 1.5 else 3 * x**2 - 1

    def hvp(self, x, v):
        return self._diagonal(x) * v

    def hess(self, x):
        return np.diag(self._diagonal(x))


class HvpNaN(HessianNaN):
    """The same without ``hess``: Newton-MR on ``hvp``, Newton on the assembled Hessian."""

    hess = None


STARTS = np.array([[2.0, 0.3, -1.2], [0.9, 1.1, -0.2], [-0.8, 0.1, 1.3]])


@pytest.mark.parametrize("surface", [HessianNaN(), HvpNaN()], ids=["hess", "hvp"])
@pytest.mark.parametrize("method", METHODS)
def test_a_nan_hessian_labels_the_start_and_the_others_go_on(method, surface):
    # Start 0 lies in the NaN region; starts 1 and 2 reach critical points of the double
    # wells. Newton and Newton-MR raised LinAlgError there, losing every start.
    cps = find_critical_points(surface, starts=STARTS, method=method,
                               certificate=Certificate(grad_scale=1.0, hess_scale=1.0), rng=0)
    status = dict(zip(cps.start_id.values, cps.status.values, strict=True))
    reason = dict(zip(cps.start_id.values, cps.reason.values, strict=True))
    assert status[0] == "diverged" and "not finite" in reason[0]
    assert status[1] == status[2] == "critical" and reason[1] == ""
    assert cps.attrs["n_diverged"] == 1 and cps.attrs["n_critical"] == 2
    # The points kept are true critical points: every coordinate a root of x^3 - x.
    x = cps.where(cps.status == "critical", drop=True).x.values
    assert np.allclose(x, np.round(x), atol=1e-6) and set(np.round(x).ravel()) <= {-1, 0, 1}


def test_a_critical_point_whose_hessian_is_nan_is_labelled_not_lost():
    # The critical point (1, 0, 0) of ``NaNAtOne`` has a NaN Hessian (its products there are
    # finite only away from it): it is found, but its curvature cannot be computed.
    class NaNAtOne(HessianNaN):
        def _diagonal(self, x):
            return np.full(3, np.nan) if abs(x[0] - 1) < 1e-3 else 3 * x**2 - 1

    starts = np.array([[1.0, 0.0, 0.0], [-0.9, 0.1, -0.1]])
    cps = find_critical_points(NaNAtOne(), starts=starts, method="newton",
                               certificate=Certificate(grad_scale=1.0, hess_scale=1.0), rng=0)
    status = dict(zip(cps.start_id.values, cps.status.values, strict=True))
    assert status[0] == "diverged" and status[1] == "critical"
    row = cps.where(cps.start_id == 0, drop=True)
    assert int(row.index.values[0]) == -1 and "Hessian" in str(row.reason.values[0])


def test_index_record_with_a_nan_hessian_reports_it_and_keeps_the_trajectory():
    # Gradient descent from x_1 = 2.0 moves into the finite region (x_1 < 1.5) after a few
    # steps; the index there is known, before it NaN with the reason. It raised ValueError.
    traj = optim.run(HessianNaN(), optim.sgd(0.05), [2.0, 0.3, -1.2], 40,
                     record=("value", "index"), index_every=1, rng=0)
    assert traj.attrs["status"] == "completed" and traj.sizes["step"] == 41
    idx = traj.index.values
    inside = np.array([x > 1.5 for x in _first_coordinates(40)])
    assert inside[0] and not inside[-1]
    assert np.all(np.isnan(idx[inside])) and np.all(np.isfinite(idx[~inside]))
    assert traj.attrs["index_failed_at"] == 0
    assert "index" in traj.attrs["reason"] and "NaN" in traj.attrs["reason"]
    assert np.all(np.isfinite(traj.value.values))


def _first_coordinates(steps):
    """x_1 along gradient descent with lr 0.05 on x^4/4 - x^2/2 from 2.0 (the iterates)."""
    x, out = 2.0, []
    for _ in range(steps + 1):
        out.append(x)
        x = x - 0.05 * (x**3 - x)
    return out
