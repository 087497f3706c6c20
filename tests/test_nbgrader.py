"""nbgrader, end to end, with its own commands and the repository's ``nbgrader_config.py``.

In a fresh course folder: ``nbgrader generate_assignment solutions`` releases two notebooks (00 and 01,
the fastest: five exercises), three synthetic students hand them in, ``nbgrader autograde`` and
``nbgrader export`` grade them, and the scores are read back from the export's CSV and the gradebook:

- alice hands in the solutions' answers: full marks;
- bob hands in the release untouched: 0 for every exercise (and his Run All still reached every check);
- carol hands in partial work, one exercise wrong in each notebook: the points of the others.

``nbgrader validate`` fails carol's notebook, naming the wrong exercise with the learner's line, and
passes alice's.
"""
import csv
import os
import subprocess
import sys
from pathlib import Path

import _forked_kernel
import nbformat
import pytest

pytest.importorskip("nbgrader")

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "solutions"
NOTEBOOKS = ["00_start_here", "01_weights"]
#: each student's answer to each exercise (the grade id of its solution cell): "solution", "stub" or wrong code
WRONG = {
    "answer_mean": "numbers = np.array([2.0, 4.0, 4.0, 5.0, 10.0])\nanswer = numbers.sum()",
    "answer_weighted_sum": "def weighted_sum(x, w):\n    return x * w",
}
EXERCISES = {"00_start_here": ["double", "mean"],
             "01_weights": ["weight_from_example", "weighted_sum", "designed_weights"]}
STUDENTS = {
    "alice": {nb: {ex: 1.0 for ex in exs} for nb, exs in EXERCISES.items()},
    "bob": {nb: {ex: 0.0 for ex in exs} for nb, exs in EXERCISES.items()},
    "carol": {"00_start_here": {"double": 1.0, "mean": 0.0},
              "01_weights": {"weight_from_example": 1.0, "weighted_sum": 0.0, "designed_weights": 1.0}},
}


#: course folder -> the kernel server its nbgrader commands start their kernels from (:func:`course`)
KERNEL_SERVERS = {}


def _environment(course):
    """The environment the ``nbgrader`` commands of ``course`` run in."""
    env = dict(os.environ)
    # nbgrader runs `alembic` from PATH; the kernel must import this checkout's nnlib
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    env.pop("NBGRADER_EXECUTION", None)
    env["NNLIB_COURSE"] = str(course)  # the course folder nbgrader_config.py gives nbgrader
    return env


def _start(*args, course):
    """Start the real ``nbgrader`` command in the repository root (where it reads nbgrader_config.py)."""
    env = _environment(course)
    if course in KERNEL_SERVERS:
        env.update(KERNEL_SERVERS[course].environ())
    return subprocess.Popen([sys.executable, "-m", "nbgrader", *args],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(process):
    """Wait for a command from :func:`_start`; assert it succeeded and return its standard output."""
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, out + err
    return out


def nbgrader(*args, course):
    """Run the real ``nbgrader`` command; return its standard output."""
    return _finish(_start(*args, course=course))


def _release_preprocessor():
    """The preprocessor nbgrader_config.py puts in ClearSolutions' place."""
    sys.path.insert(0, str(ROOT / "tools"))
    from nbgrader_release import LearnerVersion

    return LearnerVersion()


def _grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _submission(student, release, solution):
    """What ``student`` hands in: the release with their answers in its answer cells."""
    nb = nbformat.read(release, as_version=4)
    answers = {_grade_id(c): c.source for c in nbformat.read(solution, as_version=4).cells}
    for cell in nb.cells:
        gid = _grade_id(cell) or ""
        if gid.startswith("answer_") and student == "alice":
            cell.source = answers[gid]
        elif gid.startswith("answer_") and student == "carol":
            cell.source = WRONG.get(gid, answers[gid])
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    # the kernels nbgrader starts, forked from a server in nbgrader's environment (PATH and PYTHONPATH differ
    # from the test process's, so the test process's server would decline them: tests/_forked_kernel.py)
    with _forked_kernel.KernelServer(ROOT / "test-output" / "kernel-server-nbgrader.log",
                                     env=_environment(course)) as KERNEL_SERVERS[course]:
        yield _graded(course)
    del KERNEL_SERVERS[course]


def _graded(course):
    """``course`` after generate_assignment, the three students' submissions, autograde and export."""
    nbgrader("generate_assignment", ASSIGNMENT, "--CourseDirectory.notebook_id=0[01]_*", course=course)
    release = course / "release" / ASSIGNMENT
    for student in STUDENTS:
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        for name in NOTEBOOKS:
            nb = _submission(student, release / f"{name}.ipynb", ROOT / "notebooks" / "solutions" / f"{name}.ipynb")
            nbformat.write(nb, folder / f"{name}.ipynb")
    nbgrader("autograde", ASSIGNMENT, course=course)
    nbgrader("export", course=course)
    return course


def test_the_release_is_the_learner_version(course):
    for name in NOTEBOOKS:
        released = nbformat.read(course / "release" / ASSIGNMENT / f"{name}.ipynb", as_version=4)
        learner = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
        assert [c.source for c in released.cells] == [c.source for c in learner.cells], name
        assert not any("NotImplementedError" in c.source for c in released.cells)


@pytest.mark.parametrize("solution", sorted((ROOT / "notebooks" / "solutions").glob("*.ipynb")), ids=lambda p: p.stem)
def test_every_notebook_releases_as_its_learner_version(solution):
    # the preprocessor nbgrader_config.py gives generate_assignment, on every notebook (the test above runs
    # the whole command on two); solution-only cells, raises-exception cells and NBVAL comments included
    released, _ = _release_preprocessor().preprocess(nbformat.read(solution, as_version=4), {})
    learner = nbformat.read(ROOT / "notebooks" / solution.name, as_version=4)
    assert [c.source for c in released.cells] == [c.source for c in learner.cells]


def test_solution_only_cells_are_not_released():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("Why 42"), nbformat.v4.new_code_cell("x = 1")]
    nb.cells[0].metadata["tags"] = ["solution-only"]
    released, _ = _release_preprocessor().preprocess(nb, {})
    assert [c.source for c in released.cells] == ["x = 1"]


def test_export_totals(course):
    with open(course / "grades.csv", newline="") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    assert set(rows) == set(STUDENTS)
    for student, expected in STUDENTS.items():
        points = [p for exercises in expected.values() for p in exercises.values()]
        assert float(rows[student]["max_score"]) == len(points) == 5
        assert float(rows[student]["score"]) == sum(points), student
    assert [float(rows[s]["score"]) for s in ("alice", "bob", "carol")] == [5.0, 0.0, 3.0]


def test_every_exercise_scores_on_its_own(course):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student, expected in STUDENTS.items():
            for name, exercises in expected.items():
                notebook = gb.find_submission_notebook(name, ASSIGNMENT, student)
                scores = {g.name.removeprefix("check_"): g.score for g in notebook.grades}
                assert scores == exercises, (student, name)
                assert not any(g.needs_manual_grade for g in notebook.grades)


def test_the_untouched_release_ran_to_its_last_check(course):
    # Run All goes top to bottom: every check ran and printed the learner's neutral line before it failed
    for name in NOTEBOOKS:
        nb = nbformat.read(course / "autograded" / "bob" / ASSIGNMENT / f"{name}.ipynb", as_version=4)
        checks = [c for c in nb.cells if (_grade_id(c) or "").startswith("check_")]
        assert len(checks) == len(EXERCISES[name])
        for cell in checks:
            text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
            errors = [o for o in cell.outputs if o.output_type == "error"]
            assert "no answer yet" in text and "❌ Not yet" in text, cell.source
            assert [e.ename for e in errors] == ["ExerciseNotPassed"], cell.outputs


def test_validate_fails_a_wrong_notebook_and_passes_a_right_one(course):
    # both at once: each runs its notebook in a kernel of its own
    wrong, right = [_start("validate", str(course / "submitted" / student / ASSIGNMENT / "00_start_here.ipynb"),
                           course=course) for student in ("carol", "alice")]
    # nbgrader 0.9's validate exits 0 either way: what it prints is the verdict
    wrong, right = _finish(wrong), _finish(right)
    assert "VALIDATION FAILED ON 1 CELL(S)" in wrong, wrong
    # the failing cell is the mean's check, and the error is the learner's line, not a traceback
    assert "check_mean(answer, numbers)" in wrong and "ExerciseNotPassed: ❌ Not yet — mean:" in wrong, wrong
    assert "Traceback" not in wrong, wrong
    assert "Success! Your notebook passes all the tests." in right, right


def test_nbgrader_writes_only_into_the_course_folder(course):
    # nothing of nbgrader's lands in the repository, whose root is nbgrader's (course/ there is the default
    # course folder, ignored by git)
    for name in ("release", "submitted", "autograded", "feedback", "gradebook.db", "grades.csv", ".nbgrader.log"):
        assert not (ROOT / name).exists(), name
        assert not (ROOT / "notebooks" / name).exists(), name
    assert {p.name for p in course.iterdir()} == {"release", "submitted", "autograded", "gradebook.db", "grades.csv"}
