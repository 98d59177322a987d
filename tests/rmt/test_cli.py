"""The ``rmt reproduce`` command: figures and a claims table, every law agreeing."""

import csv
import subprocess
import sys
from importlib.metadata import entry_points

from rmt.workflow import reproduction
from rmt.workflow.cli import main


def test_reproduce_quick(tmp_path, capsys):
    code = main(["reproduce", "--quick", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    names = {p.name for p in tmp_path.iterdir()}
    registered = {ep.name for ep in entry_points(group="rmt.figures")}
    assert {"semicircle", "index_variance", "field_hessian_spectra", "bray_dean",
            "error_index", "autoencoder_optimizers"} <= registered
    for name in registered:
        assert f"{name}.png" in names
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000
        assert f"{name}:" in out  # its time is printed
    assert names == {f"{name}.png" for name in registered} | {"claims.csv", "claims.md"}
    with open(tmp_path / "claims.csv") as fh:
        rows = list(csv.DictReader(fh))
    laws = [r for r in rows if r["kind"] == "law"]
    assert len(laws) >= 30
    assert all(r["agrees"] == "True" for r in laws), out
    # Observations of the talk on small networks are reported, whatever they turn out to be.
    assert {r["kind"] for r in rows} == {"law", "observation"}
    assert code == 0
    assert ("| claim | kind | theory | measured | tolerance | agrees |"
            in (tmp_path / "claims.md").read_text())


def test_reproduce_without_installed_figures_says_how_to_install(tmp_path, monkeypatch, capsys):
    # A source checkout that was never installed has no entry points at all.
    monkeypatch.setattr(reproduction, "entry_points", lambda group: [])
    code = main(["reproduce", "--quick", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code != 0
    assert "pip install -e ." in err and "rmt.figures" in err
    assert not (tmp_path / "out").exists()


def test_reproduce_only_draws_the_named_figures(tmp_path, capsys):
    code = main(["reproduce", "--quick", "--only", "spin_glass,gaussian_shell", "--out",
                 str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert {p.name for p in tmp_path.iterdir()} == {"spin_glass.png", "gaussian_shell.png",
                                                   "claims.csv", "claims.md"}
    # Notebook order: 01 (gaussian_shell) before 02 (spin_glass), whatever the order given.
    assert out.index("gaussian_shell:") < out.index("spin_glass:")
    code = main(["reproduce", "--only", "no_such_figure", "--out", str(tmp_path / "x")])
    err = capsys.readouterr().err
    assert code == 2 and "no_such_figure" in err and "semicircle" in err
    assert not (tmp_path / "x").exists()


def test_cli_usage_errors():
    bad = subprocess.run([sys.executable, "-m", "rmt.workflow.cli", "reproduce", "--rng", "x"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "--rng" in bad.stderr
    none = subprocess.run([sys.executable, "-m", "rmt.workflow.cli"], capture_output=True,
                          text=True)
    assert none.returncode == 2


def test_import_rmt_loads_no_workflow_dependencies():
    # The workflow layer is imported on first use: import rmt must not pull in zarr, tqdm,
    # matplotlib or dask (nor rmt.figures, which imports matplotlib), and the shortcuts still
    # resolve.
    code = ("import sys, rmt; heavy = [m for m in ('zarr', 'tqdm', 'matplotlib', 'distributed',"
            " 'rmt.figures') if m in sys.modules]; assert not heavy, heavy; "
            "assert callable(rmt.sweep) and rmt.workflow.sweep is rmt.sweep; "
            "assert callable(rmt.workflow.figure_rng) and callable(rmt.workflow.claims_table)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
