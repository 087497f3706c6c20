"""nbgrader's configuration for this course (read by every `nbgrader` command run from this folder).

The assignment is ``solutions``: the notebooks in ``notebooks/solutions/``, used as they are. Everything
nbgrader writes (release/, submitted/, autograded/, feedback/, gradebook.db, grades.csv) goes into the course
folder: ``course/`` here (ignored by git), or the folder named by the environment variable ``NNLIB_COURSE``
(absolute, or relative to this folder). See "For instructors" in README.md.
"""
import os
import sys
from pathlib import Path

from nbgrader.converters import GenerateAssignment

ROOT = Path(__file__).resolve().parent  # traitlets defines __file__ for a config file
sys.path.insert(0, str(ROOT / "tools"))
from nbgrader_release import generate_preprocessors  # noqa: E402

c = get_config()  # noqa: F821 (traitlets provides it)

COURSE = os.environ.get("NNLIB_COURSE", "course")
# The root is this folder and the source folder `notebooks`, relative: nbgrader matches the paths it builds with
# regular expressions in which only the root is escaped (an absolute source folder with a "+" or "(" in its
# path would not match).
c.CourseDirectory.root = str(ROOT)
c.CourseDirectory.source_directory = "notebooks"
for step in ("release", "submitted", "autograded", "feedback", "solution", "source_with_tests"):
    setattr(c.CourseDirectory, f"{step}_directory", os.path.join(COURSE, step))
try:
    (ROOT / COURSE).mkdir(parents=True, exist_ok=True)  # the gradebook's folder must exist
except OSError:
    pass  # nbgrader then says what it cannot write
c.CourseDirectory.db_url = f"sqlite:///{ROOT / COURSE / 'gradebook.db'}"
c.ExportPlugin.to = str(ROOT / COURSE / "grades.csv")

# The release is our learner version: its stubs, not `raise NotImplementedError()` (tools/nbgrader_release.py).
c.GenerateAssignment.preprocessors = generate_preprocessors(
    GenerateAssignment.class_traits()["preprocessors"].default())

# Cells may take as long as tools/notebooks.py allows them (nbgrader's default is 30 s).
c.Execute.timeout = 120
