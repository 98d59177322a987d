"""The ``rmt reproduce`` command: figures and a claims table, every law agreeing."""

import csv
import subprocess
import sys

from rmt.workflow.cli import main


def test_reproduce_quick(tmp_path, capsys):
    code = main(["reproduce", "--quick", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    names = {p.name for p in tmp_path.iterdir()}
    for png in ("semicircle.png", "index_distribution.png", "index_variance.png",
                "tracy_widom.png", "gaussian_shell.png", "preconditioning.png",
                "random_field_2d.png", "bray_dean.png", "hessian_spectra.png", "spin_glass.png"):
        assert png in names
        assert (tmp_path / png).stat().st_size > 10_000
    with open(tmp_path / "claims.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 10
    laws = [r for r in rows if r["kind"] == "law"]
    assert len(laws) >= 10
    assert all(r["agrees"] == "True" for r in laws), out
    # Observations of the talk on small networks are reported, whatever they turn out to be.
    assert {r["kind"] for r in rows} == {"law", "observation"}
    assert code == 0
    assert "| claim | kind | theory | measured | agrees |" in (tmp_path / "claims.md").read_text()


def test_cli_usage_errors():
    bad = subprocess.run([sys.executable, "-m", "rmt.workflow.cli", "reproduce", "--rng", "x"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "--rng" in bad.stderr
    none = subprocess.run([sys.executable, "-m", "rmt.workflow.cli"], capture_output=True,
                          text=True)
    assert none.returncode == 2


def test_import_rmt_loads_no_workflow_dependencies():
    # The workflow layer is imported on first use: import rmt must not pull in zarr, tqdm,
    # matplotlib or dask, and the shortcuts still resolve.
    code = ("import sys, rmt; heavy = [m for m in ('zarr', 'tqdm', 'matplotlib', 'distributed') "
            "if m in sys.modules]; assert not heavy, heavy; "
            "assert callable(rmt.sweep) and rmt.workflow.sweep is rmt.sweep")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
