"""Figure functions: one signature, one seed per name, the notebooks' order."""

import inspect
import zlib
from importlib.metadata import EntryPoint, entry_points

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import rmt.figures  # noqa: E402
from rmt.random import child  # noqa: E402
from rmt.workflow import Claim, claims_table, figure_rng, reproduce, reproduction  # noqa: E402

FIGURES = {ep.name: ep for ep in entry_points(group="rmt.figures")}


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_every_figure_has_the_one_signature(name):
    function = FIGURES[name].load()
    assert function.__name__ == name  # the entry-point name is the function's and the PNG's
    params = list(inspect.signature(function).parameters.values())
    assert [(p.name, p.kind, p.default) for p in params] == [
        ("quick", inspect.Parameter.KEYWORD_ONLY, False),
        ("rng", inspect.Parameter.KEYWORD_ONLY, None)]
    notebook, position = function.figure_order
    assert 1 <= notebook <= 4 and position >= 1
    doc = inspect.getdoc(function)
    assert "Returns" in doc and "claims" in doc


def test_the_order_is_the_notebooks_and_unique():
    orders = [FIGURES[name].load().figure_order for name in FIGURES]
    assert len(set(orders)) == len(orders)
    names = [name for name, _ in reproduction._select(None)]
    assert names[:2] == ["semicircle", "tridiagonal_histogram"]
    assert names.index("spin_glass") < names.index("error_index")
    assert names[-1] == "autoencoder_optimizers"


def _user_figure(*, quick=False, rng=None):
    fig, ax = plt.subplots()
    ax.plot(np.random.default_rng(rng).standard_normal(3))
    return fig, [Claim("a user's claim", 0.0, 0.0, 0.0)]


def test_unmarked_figures_run_after_the_notebooks_in_name_order(monkeypatch):
    extra = [EntryPoint(name, f"{__name__}:_user_figure", "rmt.figures") for name in ("b", "a")]
    monkeypatch.setattr(reproduction, "entry_points",
                        lambda group: [*FIGURES.values(), *extra])
    names = [name for name, _ in reproduction._select(None)]
    assert names[-2:] == ["a", "b"] and names[0] == "semicircle"


@reproduction.on_request
def _long_figure(*, quick=False, rng=None):
    return _user_figure(quick=quick, rng=rng)


def test_figures_marked_on_request_are_drawn_only_when_named(monkeypatch):
    extra = [EntryPoint("long", f"{__name__}:_long_figure", "rmt.figures"),
             EntryPoint("a", f"{__name__}:_user_figure", "rmt.figures")]
    monkeypatch.setattr(reproduction, "entry_points",
                        lambda group: [*FIGURES.values(), *extra])
    names = [name for name, _ in reproduction._select(None)]
    assert "a" in names and "long" not in names
    assert [name for name, _ in reproduction._select(["long", "a"])] == ["a", "long"]


def test_figure_rng_is_keyed_by_name_and_shared_where_declared():
    root = np.random.SeedSequence(5)
    ss = figure_rng("semicircle", rng=root)
    assert ss.entropy == 5 and ss.spawn_key == (zlib.crc32(b"semicircle"),)
    assert figure_rng("semicircle", rng=3).spawn_key != figure_rng("tracy_widom", rng=3).spawn_key
    # Two figures drawn from one computation share one seed (and one cached computation).
    assert (figure_rng("index_variance").spawn_key
            == figure_rng("index_distribution").spawn_key)
    assert (figure_rng("network_spectral_density").spawn_key
            == figure_rng("network_hessian_spectra").spawn_key)
    # A name nobody registered is keyed by itself.
    assert figure_rng("mine").spawn_key == child(0, zlib.crc32(b"mine")).spawn_key
    with pytest.raises(TypeError, match="name"):
        figure_rng(3)


def test_a_figure_has_the_same_numbers_alone_and_in_reproduce(tmp_path):
    fig, alone = rmt.figures.gaussian_shell(quick=True, rng=figure_rng("gaussian_shell", rng=7))
    assert isinstance(fig, Figure) and all(isinstance(c, Claim) for c in alone)
    plt.close(fig)
    both = reproduce(tmp_path, quick=True, only=["tridiagonal_histogram", "gaussian_shell"],
                     rng=7)
    # The tridiagonal histogram's row first (notebook order), then the shell's, unchanged.
    assert [c.measured for c in both[-len(alone):]] == [c.measured for c in alone]
    assert len(both) == len(alone) + 1
    assert {p.name for p in tmp_path.iterdir()} == {
        "tridiagonal_histogram.png", "gaussian_shell.png", "claims.csv", "claims.md"}


def test_shared_computation_runs_once_and_matches_its_partner():
    seed = figure_rng("index_distribution", rng=11)
    rmt.figures._index_samples.cache_clear()
    fig1, _ = rmt.figures.index_distribution(quick=True, rng=seed)
    fig2, claims = rmt.figures.index_variance(quick=True, rng=seed)
    assert rmt.figures._index_samples.cache_info().hits == 1
    plt.close(fig1)
    plt.close(fig2)
    samples = rmt.figures._index_samples(True, seed)
    assert [c.measured for c in claims] == [samples[n, b].var(ddof=1)
                                           for n in (10**2, 10**3, 10**4) for b in (1, 2)]


def test_claims_table_escapes_pipes_states_tolerances_and_marks_disagreement():
    table = claims_table([Claim("|x| small", 0.0, 1.0, 0.1),
                          Claim("bigger", 1.0, 2.0, 0.1, relation="greater"),
                          Claim("shifted", 0.0, 0.5, 0.1, 0.2, basis="an O(1/N) shift")])
    lines = table.splitlines()
    assert lines[0] == "| claim | kind | theory | measured | tolerance | agrees |"
    assert lines[2] == "| \\|x\\| small | law | 0 | 1 +- 0.1 | +- 0.4 (4 se) | NO |"
    assert lines[3] == "| bigger | law | > 1 | 2 +- 0.1 | by more than 0.4 (4 se) | yes |"
    assert lines[4] == ("| shifted | law | 0 | 0.5 +- 0.1 | +- 0.6 (4 se + 0.2: an O(1/N) "
                        "shift) | yes |")


def test_reproduce_refuses_unknown_names_and_an_empty_installation(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="only.*nope"):
        reproduce(tmp_path / "a", only=["nope"])
    monkeypatch.setattr(reproduction, "entry_points", lambda group: [])
    with pytest.raises(LookupError, match="pip install -e"):
        reproduce(tmp_path / "b")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
