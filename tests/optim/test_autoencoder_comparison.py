"""The autoencoder comparison: its sweep cell, the pairing of seeds, the seed-free search, the
statistics across seeds, the sweep and its resumption, and the two figures built on it."""

import math

import numpy as np
import pytest
import scipy.stats
import xarray as xr

import optim
import optim.autoencoder_experiments as ac
import rmt
from optim import figures
from rmt.random import child
from rmt.workflow import SweepCellError, get_experiment

#: A small comparison: 60 curves of 6 x 6 pixels, a 36-8-3-8-36 autoencoder.
SMALL = dict(dataset="curves", size=6, layers="8-3", examples=60, epochs=2, batch_size=20,
             trials=2, every=2)
DRIVER = {k: v for k, v in SMALL.items() if k != "dataset"}


def _cell(optimizer="sgd", seed=0, **changes):
    return ac.autoencoder_cell(None, optimizer=optimizer, seed=seed, **{**SMALL, **changes})


def test_the_cell_returns_fixed_shapes_and_consistent_numbers():
    out = _cell("esgd", evaluations_per_epoch=3)
    n_eval = 2 * 3 + 1
    for name in ("reconstruction_error", "loss", "gradient_equivalents"):
        assert np.shape(out[name]) == (n_eval,)
    assert np.shape(out["search_loss"]) == np.shape(out["trial_learning_rate"]) == (2,)
    assert out["learning_rate"] in out["trial_learning_rate"]
    assert out["diverged"] == 0 and out["final_error"] == out["reconstruction_error"][-1]
    # The plateau is the error of the mean image of the fixed data.
    images = ac._images("curves", 6, 60, 0)
    mean_image = np.mean(np.sum((images - images.mean(axis=0)) ** 2, axis=1))
    assert out["plateau"] == pytest.approx(mean_image, rel=1e-14)
    below = np.flatnonzero(out["reconstruction_error"] < 0.9 * out["plateau"])
    assert (math.isnan(out["plateau_epoch"]) if below.size == 0
            else out["plateau_epoch"] == below[0] / 3)
    # ESGD: 3 steps an epoch, one gradient each, a Hessian-vector product (2) every 2 steps.
    steps = np.arange(n_eval)
    np.testing.assert_array_equal(out["gradient_equivalents"], steps + 2 * np.ceil(steps / 2))
    assert out["dim"] == 36 * 8 + 8 + 8 * 3 + 3 + 3 * 8 + 8 + 8 * 36 + 36


def test_a_run_leaves_the_plateau_at_the_first_evaluation_below_the_fraction():
    # 20 epochs of RMSProp fall to about 0.4 of the plateau: a fraction just above the lowest
    # error's is crossed first where the curve first goes below it, one just below never.
    longer = dict(epochs=20, batch_size=10, trials=4)
    out = _cell("rmsprop", **longer)
    error, plateau = out["reconstruction_error"], out["plateau"]
    ratio = np.min(error) / plateau
    assert ratio < 0.5
    first = np.flatnonzero(error < 1.001 * ratio * plateau)[0]
    assert _cell("rmsprop", plateau_fraction=1.001 * ratio, **longer)["plateau_epoch"] == first
    assert math.isnan(_cell("rmsprop", plateau_fraction=0.999 * ratio, **longer)["plateau_epoch"])
    assert out["plateau_epoch"] == np.flatnonzero(error < 0.9 * plateau)[0]


def test_one_seed_gives_every_optimiser_the_same_start_and_minibatches(monkeypatch):
    calls = []
    real = ac.train

    def recording(net, opt, **kwargs):
        calls.append((opt.name, net.w0.copy(), kwargs["rng"]))
        return real(net, opt, **kwargs)

    monkeypatch.setattr(ac, "train", recording)
    for seed in (0, 1):
        for optimizer in ("sgd", "adahessian"):
            _cell(optimizer, seed)
    (_, w_a, r_a), (_, w_b, r_b), (_, w_c, r_c), _ = calls
    np.testing.assert_array_equal(w_a, w_b)            # seed 0: one start ...
    assert (r_a.entropy, r_a.spawn_key) == (r_b.entropy, r_b.spawn_key)   # ... one order
    assert not np.array_equal(w_a, w_c)                # seed 1: another start and order
    assert r_c.spawn_key != r_a.spawn_key
    # The start's error is the first point of every curve of the seed.
    e = {(o, s): _cell(o, s)["reconstruction_error"][0] for o in ("sgd", "jacobi")
         for s in (0, 1)}
    assert e["sgd", 0] == e["jacobi", 0] != e["sgd", 1] == e["jacobi", 1]


def test_the_documented_seeds_reproduce_the_run():
    out = _cell("rmsprop", seed=2)
    net, run_seed = ac._network(ac._images("curves", 6, 60, 0), "curves", (8, 3), 2, 0)
    assert run_seed.spawn_key == (2, 0, 2)
    run = optim.train(net, optim.rmsprop(out["learning_rate"]), epochs=2, batch_size=20,
                      rng=child(run_seed, 1))
    np.testing.assert_array_equal(run.error.values, out["reconstruction_error"])


def test_the_search_does_not_depend_on_the_seed():
    a, b = _cell("jacobi", seed=0), _cell("jacobi", seed=3)
    ac._search.cache_clear()  # computed again, not read from the cache
    c = _cell("jacobi", seed=5)
    for name in ("learning_rate", "trial_learning_rate", "search_loss"):
        np.testing.assert_array_equal(a[name], b[name])
        np.testing.assert_array_equal(a[name], c[name])
    assert not np.array_equal(a["reconstruction_error"], b["reconstruction_error"])
    # The same rates are tried for every optimiser; another root draws others.
    np.testing.assert_array_equal(_cell("sgd")["trial_learning_rate"], a["trial_learning_rate"])
    assert not np.array_equal(_cell("jacobi", root=1)["trial_learning_rate"],
                              a["trial_learning_rate"])


def test_statistics_match_a_hand_computation_with_scipy():
    y = np.array([[3.0, 4.5, 2.0, np.nan],     # sgd: 3 finite seeds
                  [1.0, 2.5, 1.5, 0.5],        # esgd
                  [2.0, np.nan, np.nan, 1.0]])  # rmsprop: 2 finite seeds
    v = xr.DataArray(y, dims=("optimizer", "seed"),
                     coords={"optimizer": ["sgd", "esgd", "rmsprop"]})
    s = ac.seed_statistics(v, pairs=[("esgd", "sgd"), ("esgd", "rmsprop"), ("adam", "sgd")])

    def by_hand(x):
        x = x[np.isfinite(x)]
        half = scipy.stats.t.ppf(0.975, x.size - 1) * np.std(x, ddof=1) / np.sqrt(x.size)
        return np.mean(x), np.mean(x) - half, np.mean(x) + half, x.size

    for k, name in enumerate(["sgd", "esgd", "rmsprop"]):
        row = s.sel(optimizer=name)
        assert float(row.seed_median) == np.nanmedian(y[k])
        np.testing.assert_allclose([float(row[v]) for v in ("seed_mean", "mean_low",
                                                            "mean_high", "n_seeds")],
                                   by_hand(y[k]), rtol=1e-13)
    # Pairs over the seeds where both are finite; a pair naming an absent optimiser is left out.
    assert list(s.pair.values) == ["esgd - sgd", "esgd - rmsprop"]
    for label, diff in (("esgd - sgd", y[1] - y[0]), ("esgd - rmsprop", y[1] - y[2])):
        d = s.sel(pair=label)
        np.testing.assert_allclose([float(d.difference), float(d.difference_low),
                                    float(d.difference_high), float(d.difference_seeds)],
                                   by_hand(diff), rtol=1e-13)
        assert float(d.difference_stderr) == pytest.approx(
            scipy.stats.sem(diff[np.isfinite(diff)]), rel=1e-13)
    one = ac.seed_statistics(v.isel(seed=[0]), pairs=[])
    assert np.isnan(one.mean_low).all() and (one.n_seeds <= 1).all()


def test_the_t_interval_covers_the_mean_95_percent_of_the_time_with_three_seeds():
    # 4000 comparisons of 3 normal seeds: the t interval covers the true mean with probability
    # 0.95 (binomial standard error 0.0034); a normal-quantile interval would cover only ~0.82.
    reps = 4000
    y = np.random.default_rng(7).normal(1.0, 2.0, (1, reps, 3))
    v = xr.DataArray(y, dims=("optimizer", "rep", "seed"), coords={"optimizer": ["sgd"]})
    s = ac.seed_statistics(v, pairs=[])
    covered = float(((s.mean_low < 1.0) & (s.mean_high > 1.0)).mean())
    assert abs(covered - 0.95) <= 4 * math.sqrt(0.95 * 0.05 / reps)


def test_the_driver_sweeps_and_resumes_from_a_store(tmp_path, monkeypatch):
    fresh = optim.autoencoder_comparison(optimizers=["sgd", "esgd"], seeds=2, **DRIVER, rng=3)
    assert fresh.reconstruction_error.dims == ("dataset", "optimizer", "seed", "evaluation")
    assert fresh.search_loss.dims == ("dataset", "optimizer", "seed", "trial")
    np.testing.assert_array_equal(fresh.epoch, [0.0, 1.0, 2.0])
    assert bool(fresh.done.all()) and int(fresh.root) >= 0
    # The same rate for every seed; the cells are the cell function's with the drawn root.
    lr = fresh.learning_rate.sel(dataset="curves")
    assert bool((lr.sel(seed=0) == lr.sel(seed=1)).all())
    cell = _cell("esgd", seed=1, root=int(fresh.root))
    np.testing.assert_array_equal(fresh.reconstruction_error.sel(
        dataset="curves", optimizer="esgd", seed=1), cell["reconstruction_error"])

    # A sweep stopped by a failing cell keeps its finished cells; resume computes the rest.
    store = tmp_path / "ae.zarr"
    real, runs = ac.train, []

    def failing(net, opt, **kwargs):
        if opt.name == "esgd":
            raise RuntimeError("planted failure")
        return real(net, opt, **kwargs)

    monkeypatch.setattr(ac, "train", failing)
    with pytest.raises(SweepCellError, match="planted failure"):
        optim.autoencoder_comparison(optimizers=["sgd", "esgd"], seeds=2, **DRIVER, out=store,
                                     rng=3)

    def counting(net, opt, **kwargs):
        runs.append(opt.name)
        return real(net, opt, **kwargs)

    monkeypatch.setattr(ac, "train", counting)
    resumed = optim.autoencoder_comparison(optimizers=["sgd", "esgd"], seeds=2, **DRIVER,
                                           out=store, resume=True, rng=3)
    assert runs == ["esgd", "esgd"]   # the two SGD cells came from the store
    for name in ("reconstruction_error", "gradient_equivalents", "learning_rate",
                 "final_error", "plateau_epoch", "search_loss"):
        xr.testing.assert_equal(resumed[name], fresh[name])


def test_the_experiment_is_registered_for_rmt_sweep():
    exp = get_experiment("autoencoder-optimizers")
    assert exp.function is ac.autoencoder_cell
    assert exp.types["optimizer"] is str and exp.types["plateau_fraction"] is float
    by_name = rmt.sweep("autoencoder-optimizers",
                        {"optimizer": ["sgd"], "seed": [0],
                         **{k: [v] for k, v in SMALL.items()}}, rng=0)
    np.testing.assert_array_equal(by_name.reconstruction_error.values.ravel(),
                                  _cell("sgd")["reconstruction_error"])


@pytest.mark.parametrize("changes, error, match", [
    (dict(optimizer="adam"), ValueError, "optimizer"),
    (dict(dataset="cifar"), ValueError, "dataset"),
    (dict(layers="8-x"), ValueError, "layers"),
    (dict(layers=8), TypeError, "layers"),
    (dict(size=3), ValueError, "size"),
    (dict(dataset="mnist", size=29), ValueError, "size"),
    (dict(seed=-1), ValueError, "seed"),
    (dict(seed=1.0), TypeError, "seed"),
    (dict(batch_size=61), ValueError, "batch_size"),
    (dict(plateau_fraction=1.0), ValueError, "plateau_fraction"),
    (dict(lr_low=1.0, lr_high=0.1), ValueError, "lr_low"),
    (dict(every=0), ValueError, "every"),
])
def test_bad_cell_parameters_are_refused_by_name(changes, error, match):
    args = {"optimizer": "sgd", **SMALL, **changes}
    with pytest.raises(error, match=match):
        ac.autoencoder_cell(None, **args)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(optimizers="sgd"), TypeError, "optimizers"),
    (dict(optimizers=["sgd", "sgd"]), ValueError, "optimizers"),
    (dict(datasets=["curves", "svhn"]), ValueError, "datasets"),
    (dict(seeds=0), ValueError, "seeds"),
    (dict(epochs=0), ValueError, "epochs"),
    (dict(resume=1), TypeError, "resume"),
])
def test_bad_driver_arguments_are_refused_before_any_cell(kwargs, error, match, monkeypatch):
    monkeypatch.setattr(ac, "sweep", None)   # nothing may reach the sweep
    with pytest.raises(error, match=match):
        optim.autoencoder_comparison(**{**DRIVER, **kwargs})


def test_the_quick_figures_give_their_observations():
    fig, claims = figures.autoencoder_optimizers(quick=True, rng=0)
    assert len(fig.axes) == 3 and len(claims) == 6 + 5 + 1
    assert {c.kind for c in claims} == {"observation"}
    assert all("leaves the plateau" in c.claim for c in claims[6:11])
    assert "RMSProp diagonal" in claims[-1].claim
    assert "measured order" in claims[0].claim and "95 % t interval" in claims[1].claim
    fig, claims = ac.talk_autoencoder_optimizers(quick=True, rng=0)
    assert len(claims) == 6 + 5 and {c.kind for c in claims} == {"observation"}
    assert all("leaves the plateau" in c.claim for c in claims[6:])
    assert all(0.0 <= c.measured <= 1.0 for c in claims[6:])
