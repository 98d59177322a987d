"""``rmt reproduce`` under faults: an interrupted run, bad arguments, a bad ``--out``.

The figures here are fakes registered in place of the installed ones (the entry points are
replaced), so each run takes a fraction of a second; ``CALLS`` counts the figure calls, which
shows that a refused argument is refused before any work.
"""

import hashlib
import os
import socket
import subprocess
import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from rmt.workflow import Claim, reproduce, reproduction  # noqa: E402
from rmt.workflow.cli import main  # noqa: E402

#: Figure calls so far, and the name of the figure that is to be interrupted (if any).
CALLS: list[str] = []
INTERRUPT: set[str] = set()


def _fake(name):
    def make(*, quick=False, rng=None):
        CALLS.append(name)
        if name in INTERRUPT:
            raise KeyboardInterrupt
        fig, ax = plt.subplots(figsize=(2, 2))
        ax.plot(range(len(CALLS) + 1))  # a different picture on every call
        return fig, [Claim(f"{name}: call {len(CALLS)}", 0.0, 0.0, 0.0)]

    return make


first_figure = _fake("first_figure")
second_figure = _fake("second_figure")


@pytest.fixture(autouse=True)
def fakes(monkeypatch):
    eps = [EntryPoint(name, f"{__name__}:{name}", "rmt.figures")
           for name in ("first_figure", "second_figure")]
    monkeypatch.setattr(reproduction, "entry_points", lambda group: eps)
    CALLS.clear()
    INTERRUPT.clear()


def _snapshot(folder: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def test_an_interrupted_run_leaves_the_previous_results_as_they_were(tmp_path):
    out = tmp_path / "results"
    reproduce(out, quick=True)
    before = _snapshot(out)
    assert set(before) == {"first_figure.png", "second_figure.png", "claims.csv", "claims.md"}
    INTERRUPT.add("second_figure")
    with pytest.raises(KeyboardInterrupt):
        reproduce(out, quick=True)
    # first_figure was drawn again (a new picture) before the interruption: none of it shows.
    assert CALLS == ["first_figure", "second_figure", "first_figure", "second_figure"]
    assert _snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["results"]  # no half-written folder left


def test_a_finished_run_replaces_the_previous_one_as_a_whole(tmp_path):
    out = tmp_path / "results"
    reproduce(out, quick=True)
    reproduce(out, quick=True, only=["second_figure"])
    # No figure of the earlier run beside the new claims.
    assert {p.name for p in out.iterdir()} == {"second_figure.png", "claims.csv", "claims.md"}
    assert "second_figure: call 3" in (out / "claims.md").read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["results"]


def test_the_command_reports_an_interruption_in_one_line(tmp_path, capsys):
    out = tmp_path / "results"
    assert main(["reproduce", "--quick", "--out", str(out)]) == 0
    before = _snapshot(out)
    capsys.readouterr()
    INTERRUPT.add("second_figure")
    code = main(["reproduce", "--quick", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 130
    assert len(err.strip().splitlines()) == 1 and "interrupted" in err and str(out) in err
    assert _snapshot(out) == before


def _unwritable(tmp_path: Path) -> Path:
    """A folder nobody may create anything in: a read-only folder, or /sys for root."""
    if os.geteuid() != 0:
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o500)
        return folder
    if sys.platform.startswith("linux") and Path("/sys").is_dir():
        return Path("/sys")
    pytest.skip("no folder is unwritable for root here")


def _bad_outs(tmp_path: Path) -> list[Path]:
    a_file = tmp_path / "a_file.txt"
    a_file.write_text("not a folder")
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("mine")
    return [a_file, a_file / "results", _unwritable(tmp_path) / "results", foreign]


def test_a_bad_out_is_refused_before_any_work(tmp_path):
    for out in _bad_outs(tmp_path):
        with pytest.raises(ValueError, match="^out"):
            reproduce(out, quick=True)
    assert CALLS == []
    assert (tmp_path / "a_file.txt").read_text() == "not a folder"
    assert [p.name for p in (tmp_path / "notes").iterdir()] == ["thesis.tex"]


def test_the_command_refuses_a_bad_out_in_one_line(tmp_path, capsys):
    for out in _bad_outs(tmp_path):
        code = main(["reproduce", "--quick", "--out", str(out)])
        err = capsys.readouterr().err
        assert code == 2
        assert len(err.strip().splitlines()) == 1 and "out" in err and "Traceback" not in err
    assert CALLS == []


def test_the_current_folder_is_never_replaced(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for out in (".", str(tmp_path), str(tmp_path.parent)):
        with pytest.raises(ValueError, match="^out"):
            reproduce(out, quick=True)
    assert CALLS == []


@pytest.mark.parametrize(("kwargs", "error", "name"), [
    (dict(out=5), TypeError, "out"),
    (dict(out=True), TypeError, "out"),
    (dict(out=""), ValueError, "out"),
    (dict(quick="yes"), TypeError, "quick"),
    (dict(quick=1), TypeError, "quick"),
    (dict(quick=None), TypeError, "quick"),
    (dict(only="nope"), ValueError, "only"),
    (dict(only=["first_figure", "nope"]), ValueError, "only"),
    (dict(only=[]), ValueError, "only"),
    (dict(only=5), TypeError, "only"),
    (dict(only=[5]), TypeError, "only"),
    (dict(rng="abc"), TypeError, "rng"),
    (dict(rng=-1), ValueError, "rng"),
])
def test_bad_arguments_are_refused_naming_them_before_any_work(tmp_path, kwargs, error, name):
    call = dict(out=tmp_path / "results", quick=True) | kwargs
    with pytest.raises(error, match=f"^{name}"):
        reproduce(**call)
    assert CALLS == []
    assert list(tmp_path.iterdir()) == []


_SLOW_RUN = """
import sys, time
from importlib.metadata import EntryPoint
sys.path.insert(0, {here!r})
import test_reproduce_faults as t
from rmt.workflow import reproduction
from rmt.workflow.cli import main
eps = [EntryPoint(n, "test_reproduce_faults:" + n, "rmt.figures")
       for n in ("first_figure", "second_figure")]
reproduction.entry_points = lambda group: eps
if {slow}:
    def second_figure(*, quick=False, rng=None):
        print("drawing", flush=True)
        time.sleep(60)
    t.second_figure = second_figure
sys.exit(main(["reproduce", "--quick", "--out", {out!r}]))
"""


@pytest.mark.slow  # two interpreters start: about 5 s
def test_a_real_ctrl_c_leaves_the_previous_results_as_they_were(tmp_path):
    import signal
    import subprocess

    out = str(tmp_path / "results")
    here = str(Path(__file__).parent)
    done = subprocess.run([sys.executable, "-c", _SLOW_RUN.format(here=here, slow=False,
                                                                   out=out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    before = _snapshot(Path(out))
    run = subprocess.Popen([sys.executable, "-c", _SLOW_RUN.format(here=here, slow=True,
                                                                    out=out)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert "drawing" in run.stdout.readline() + run.stdout.readline()  # first_figure done
    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=120)
    assert run.returncode == 130
    assert len(err.strip().splitlines()) == 1 and "interrupted" in err
    assert _snapshot(Path(out)) == before
    assert [p.name for p in tmp_path.iterdir()] == ["results"]


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_run_killed_outright_is_cleaned_up_by_the_next(tmp_path):
    """SIGKILL leaves the staging folder; a kill between the two renames of the swap leaves
    the previous run set aside. The next run removes the first and puts the second back."""
    host, dead = socket.gethostname(), _dead_pid()
    out = tmp_path / "results"
    staging = tmp_path / f".results.partial-{host}-{dead}-abc"
    staging.mkdir()
    (staging / "first_figure.png").write_bytes(b"half")
    previous = tmp_path / f".results.previous-{host}-{dead}-abc"
    previous.mkdir()
    (previous / "claims.md").write_text("the last finished run")
    live = tmp_path / f".results.partial-{host}-{os.getpid()}-def"  # a run still going
    live.mkdir()
    elsewhere = tmp_path / f".results.partial-another-host-{dead}-ghi"
    elsewhere.mkdir()
    reproduction._recover(out)
    assert (out / "claims.md").read_text() == "the last finished run"
    assert not staging.exists() and not previous.exists()
    assert live.exists() and elsewhere.exists()
