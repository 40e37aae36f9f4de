"""Every lesson in docs/lessons runs as a script, draws what it promises and prints its key numbers.

A lesson is a jupytext "percent" script (docs/lessons/README.md). Each is run here as a teacher
would run it, ``python docs/lessons/NN_name.py --out DIR``, in a subprocess with warnings as
errors, from an empty working folder so that nothing it writes can land outside ``--out``.
The figures it must write are the ones its own "Figures you should see" section lists, and
the key numbers its debrief cites (K1, K2, ...) must be in the block it prints, and every claim
its debrief cites (C1, C2, ...: a statement of the text that the lesson checks in code with
``lesson.claim``) must be printed as holding. A lesson copied alone into an empty folder runs
there, as a script and, where jupytext and nbclient are installed, as a notebook.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

LESSONS_DIR = Path(__file__).resolve().parents[1] / "docs" / "lessons"
LESSONS = sorted(LESSONS_DIR.glob("[0-9]*.py"))
PARTS = ("## PREDICT", "## RUN", "## DEBRIEF", "## EXERCISES", "## Figures you should see")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TIMEOUT_S = 180  # each lesson takes seconds; the bound only stops a hung run


def _markdown_section(text: str, heading: str) -> str:
    """The commented markdown from ``# <heading>`` to the next cell marker."""
    start = text.index(f"# {heading}")
    end = text.find("# %%", start)
    return text[start : end if end >= 0 else len(text)]


def _figures_promised(text: str) -> set[str]:
    return set(re.findall(r"`([\w.-]+\.png)`", _markdown_section(text, PARTS[-1])))


def _key_numbers_cited(text: str) -> set[str]:
    """K labels the debrief cites, ranges such as K1-K12 expanded."""
    debrief = _markdown_section(text, "## DEBRIEF")
    cited = set(re.findall(r"\bK(\d+)\b", debrief))
    for low, high in re.findall(r"\bK(\d+)`?-`?K(\d+)\b", debrief):
        cited.update(str(n) for n in range(int(low), int(high) + 1))
    return {f"K{n}" for n in cited}


def _claims_cited(text: str) -> set[str]:
    return set(re.findall(r"\bC\d+\b", _markdown_section(text, "## DEBRIEF")))


def _png_size(path: Path) -> tuple[int, int]:
    """Width and height [px] from a PNG's IHDR chunk, after checking the signature."""
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE, f"{path.name} is not a PNG file"
    assert head[12:16] == b"IHDR", f"{path.name} has no IHDR chunk first"
    return struct.unpack(">II", head[16:24])


def test_there_are_at_least_four_lessons() -> None:
    names = [p.name for p in LESSONS]
    assert len(names) >= 4, names
    numbers = [name.split("_", 1)[0] for name in names]
    assert len(set(numbers)) == len(numbers), f"two lessons share a number: {names}"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_lesson_has_the_four_parts_in_order(lesson: Path) -> None:
    text = lesson.read_text(encoding="utf-8")
    positions = []
    for part in PARTS:
        marker = f"# {part}"
        assert marker in text, f"{lesson.name}: no '{part}' heading"
        positions.append(text.index(marker))
        # each part heading opens a markdown cell (or follows the lesson's title in one)
        cell_start = text.rfind("# %%", 0, text.index(marker))
        assert text.startswith("# %% [markdown]", cell_start), f"{lesson.name}: {part}"
    assert positions == sorted(positions), f"{lesson.name}: parts out of order"
    assert len(re.findall(r"^\d\. \*\*\((easy|medium|hard)\)", text.replace("# ", ""), re.M)) >= 3


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_lesson_is_a_headless_percent_script(lesson: Path) -> None:
    text = lesson.read_text(encoding="utf-8")
    assert "# %% [markdown]" in text and re.search(r"^# %%$", text, re.M)
    assert "pyplot" not in text and "plt." not in text, "use matplotlib.figure.Figure, not pyplot"
    assert "--out" in text


def _this_checkout() -> dict[str, str]:
    """The environment of a lesson run as a script from another folder: this checkout's
    package first, whichever is installed (from a worktree or a second clone, the installed
    one would run another checkout's model, and a lesson's claims would be checked there)."""
    root = str(LESSONS_DIR.parents[1])
    paths = [root, *filter(None, [os.environ.get("PYTHONPATH")])]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_lesson_runs_and_writes_its_figures(lesson: Path, tmp_path: Path) -> None:
    text = lesson.read_text(encoding="utf-8")
    number = lesson.name.split("_", 1)[0]
    workdir, out = tmp_path / "cwd", tmp_path / "figures"
    workdir.mkdir()
    done = subprocess.run(
        [sys.executable, "-W", "error", str(lesson), "--out", str(out)],
        cwd=workdir,
        env=_this_checkout(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, f"{lesson.name} failed:\n{done.stderr[-3000:]}"
    assert list(workdir.iterdir()) == [], "the lesson wrote outside --out"

    promised = _figures_promised(text)
    written = {p.name for p in out.glob("*.png")}
    assert promised, f"{lesson.name} lists no figures"
    assert written == promised, f"written {sorted(written)}, listed {sorted(promised)}"
    for name in written:
        width, height = _png_size(out / name)
        assert width >= 400 and height >= 300, f"{name} is {width}x{height} px"

    header = f"=== KEY NUMBERS (lesson {number}) ==="
    assert header in done.stdout, f"{lesson.name} printed no key-numbers block"
    block = done.stdout.split(header, 1)[1]
    printed = set(re.findall(r"^(K\d+): \S", block, re.M))
    cited = _key_numbers_cited(text)
    assert cited, f"{lesson.name}: the debrief cites no key numbers"
    assert cited <= printed, f"cited but not printed: {sorted(cited - printed)}"
    claims = dict(re.findall(r"^(C\d+) \((holds|DOES NOT HOLD)\): ", block, re.M))
    for label in sorted(_claims_cited(text)):
        assert label in claims, f"{lesson.name}: the debrief cites {label}, the run never checks it"
        assert claims[label] == "holds", f"{lesson.name}: {label} does not hold:\n{block}"


def test_lesson_4_claims_what_its_debrief_says() -> None:
    """The energy-cap debrief states what the suppliers' investment rule does; its claims are
    checked by the run (C1-C3), and the text says what the code does."""
    text = (LESSONS_DIR / "04_policy_levers.py").read_text(encoding="utf-8")
    debrief = _markdown_section(text, "## DEBRIEF")
    assert {"C1", "C2", "C3"} <= _claims_cited(text)
    assert "climbs far past the cap" not in debrief
    assert "power they can *sell*" in debrief


def _lesson_options(parser: argparse.ArgumentParser) -> None:
    """The options lessons 3 and 4 add."""
    parser.add_argument("--years", type=float, default=None)
    parser.add_argument("--seed", type=int, default=0)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--years", "0"], "--years 0: run: years = 0.0 is out of range (0, 500] [yr]"),
        (["--years", "-2"], "--years -2: run: years = -2.0 is out of range (0, 500] [yr]"),
        (["--seed", "-1"], "--seed -1: must be >= 0"),
        (["--out", "a-file"], "--out a-file: is a file, not a folder; choose a folder name"),
        (["--out", "a-file/figures"], "--out a-file/figures: a-file is a file, not a folder"),
        (
            ["--years", "0.05"],
            "--years 0.05: 0.6 steps of 1/12 yr, not a whole number; use 0.0833333 (1 step)",
        ),
    ],
)
def test_a_mistake_in_a_lessons_options_is_one_line_and_exit_2(
    argv: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Was a traceback (UserError from load_scenario, FileExistsError from mkdir, numpy's
    ValueError for a negative seed) after the lesson had started."""
    from experiments.lessons import Lesson

    (tmp_path / "a-file").write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["lesson.py", *argv])
    with pytest.raises(SystemExit) as stopped:
        Lesson("99", "a lesson", _lesson_options)
    assert stopped.value.code == 2
    assert capsys.readouterr().err == f"lesson.py: error: {message}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_a_lessons_good_options_make_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from experiments.lessons import Lesson

    monkeypatch.setattr(
        sys, "argv", ["lesson.py", "--out", str(tmp_path / "figs"), "--years", "2", "--seed", "3"]
    )
    lesson = Lesson("99", "a lesson", _lesson_options)
    assert lesson.out.is_dir() and lesson.args.years == 2.0 and lesson.args.seed == 3


def test_a_lesson_run_with_a_bad_horizon_stops_before_it_runs(tmp_path: Path) -> None:
    """The teacher's view: lesson 3 as a script, `--years 0`, one line and exit 2."""
    done = subprocess.run(
        [
            sys.executable,
            str(LESSONS_DIR / "03_who_captures_value.py"),
            "--years",
            "0",
            "--out",
            str(tmp_path / "figs"),
        ],
        cwd=tmp_path,
        env=_this_checkout(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 2, done.stderr[-3000:]
    assert done.stderr == (
        "03_who_captures_value.py: error: --years 0: run: years = 0.0 is out of range "
        "(0, 500] [yr]\n"
    )
    assert done.stdout == "" and list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_a_lesson_handed_out_alone_runs_anywhere(tmp_path: Path) -> None:
    """Copied alone into an empty folder (the package installed, no docs/lessons beside it), a
    lesson runs as a script and leaves nothing in that folder without --out."""
    lesson = LESSONS_DIR / "02_efficiency_doublings.py"
    alone = tmp_path / "handout"
    alone.mkdir()
    copy = alone / lesson.name
    shutil.copy(lesson, copy)
    out = tmp_path / "figures"
    done = subprocess.run(
        [sys.executable, "-W", "error", copy.name, "--out", str(out)],
        cwd=alone,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert [p.name for p in alone.iterdir()] == [lesson.name]
    assert "=== KEY NUMBERS (lesson 02) ===" in done.stdout
    assert {p.name for p in out.glob("*.png")} == _figures_promised(lesson.read_text())


@pytest.mark.slow
def test_a_lesson_runs_as_a_notebook_from_a_temp_folder(tmp_path: Path) -> None:
    """The notebook a teacher makes with jupytext runs top to bottom in a fresh kernel from a
    folder that holds nothing else."""
    jupytext = pytest.importorskip("jupytext")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    lesson = LESSONS_DIR / "02_efficiency_doublings.py"
    notebook = jupytext.read(lesson)
    client = nbclient.NotebookClient(
        notebook,
        timeout=TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    printed = "".join(
        output.get("text", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream"
    )
    assert "=== KEY NUMBERS (lesson 02) ===" in printed
    images = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if "image/png" in output.get("data", {})
    ]
    assert len(images) == len(_figures_promised(lesson.read_text()))
    assert list(tmp_path.iterdir()) == [], "the notebook wrote into its working folder"
