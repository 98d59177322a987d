"""Counts of 10^12 in optim are refused at once, naming the argument and the memory (issue 11).

On the code as found, ``optim.run(steps=10**12)`` built a Python set of 10^12 step numbers
and ``find_critical_points(n_starts=10**12)`` a list of 10^12 random starts: both hung. Each
test below checks that the call raises a ValueError naming the count and the memory its
arrays would need, and that the surface was never called (nothing ran before the refusal);
and that a count that fits is still accepted.
"""

import numpy as np
import pytest

import fields
import optim
from optim.critical import Starts, find_critical_points

HUGE = 10**12


class Counting:
    """``|x|^2 / 2`` in 3 dimensions with minibatches, counting every call made to it."""

    dim = 3
    n_examples = 10
    w0 = np.ones(3)

    def __init__(self):
        self.calls = 0

    def value(self, x):
        self.calls += 1
        return 0.5 * float(x @ x)

    def grad(self, x):
        self.calls += 1
        return np.array(x, dtype=float)

    def hvp(self, x, v):
        self.calls += 1
        return np.array(v, dtype=float)

    def minibatch(self, size, *, rng=None):
        return self

    def task_error(self, x):
        return float("nan")


def refused(name: str):
    """The refusal of a count: a ValueError naming it and the memory it would take."""
    return pytest.raises(ValueError, match=rf"{name} must be an integer <= \d+; got \d+ \(.*GiB")


def test_run_refuses_steps_whose_trajectory_cannot_fit():
    f = Counting()
    with refused("steps"):
        optim.run(f, optim.sgd(0.1), np.ones(3), HUGE)
    with refused("steps"):  # one row in 1000 is still 10^9 rows of dim + 3 numbers
        optim.run(f, optim.sgd(0.1), np.ones(3), HUGE, record=("value", "x"),
                  record_every=1000)
    assert f.calls == 0
    traj = optim.run(f, optim.sgd(0.1), np.ones(3), 1000, rng=0)
    assert traj.sizes["step"] == 1001


def test_find_critical_points_refuses_n_starts_and_trajectory_steps_that_cannot_fit():
    f = Counting()
    with refused("n_starts"):
        find_critical_points(f, HUGE, rng=0)
    with refused("Starts.trajectory_steps"):
        find_critical_points(f, 4, starts=Starts(trajectory_steps=HUGE), rng=0)
    assert f.calls == 0
    assert find_critical_points(f, 4, rng=0).attrs["n_critical"] == 1


def test_train_and_compare_refuse_epochs_and_searches_that_cannot_fit():
    f = Counting()
    with refused("epochs"):
        optim.train(f, optim.sgd(0.1), epochs=HUGE, batch_size=5, rng=0)
    with refused("epochs"):
        optim.compare(f, {"sgd": optim.sgd(0.1)}, epochs=HUGE, batch_size=5, rng=0)
    with refused("lr_search.trials"):
        optim.compare(f, {"sgd": optim.sgd}, epochs=1, batch_size=5, lr_search=HUGE, rng=0)
    with refused("lr_search.epochs"):
        optim.compare(f, {"sgd": optim.sgd}, epochs=1, batch_size=5,
                      lr_search={"trials": 2, "epochs": HUGE}, rng=0)
    assert f.calls == 0
    assert optim.train(f, optim.sgd(0.1), epochs=3, batch_size=5, rng=0).sizes[
        "evaluation"] == 4


def test_spectra_along_training_refuses_checkpoints_that_cannot_fit():
    net = fields.nn.MLP([4, 3, 2], data=(np.ones((6, 4)), np.array([0, 1] * 3)), rng=0)
    with refused("checkpoints"):
        optim.spectra_along_training(net, steps=10, checkpoints=HUGE, rng=0)
    with refused("steps"):  # the training run records x at every step
        optim.spectra_along_training(net, steps=HUGE, rng=0)


def test_error_index_refuses_n_starts_and_n_trajectories_that_cannot_fit():
    f = fields.RandomQuadratic(4, rng=0)
    with refused("n_starts"):
        optim.error_index(f, n_starts=HUGE, rng=0)
    with refused("n_trajectories"):
        optim.error_index(f, n_starts=2, n_trajectories=HUGE, rng=0)
