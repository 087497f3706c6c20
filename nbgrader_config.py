"""nbgrader's configuration for this course (read by every `nbgrader` command run from this folder).

The assignment is ``solutions``: the notebooks in ``notebooks/solutions/``, used as they are. Everything
nbgrader writes (release/, submitted/, autograded/, feedback/, gradebook.db, grades.csv) goes into the course
folder ``course/`` here (ignored by git); ``--CourseDirectory.root=/elsewhere`` (and ``nbgrader export
--to ...``) put it elsewhere. See "For instructors" in README.md.
"""
import sys
from pathlib import Path

from nbgrader.converters import GenerateAssignment

ROOT = Path(__file__).resolve().parent  # traitlets defines __file__ for a config file
sys.path.insert(0, str(ROOT / "tools"))
from nbgrader_release import generate_preprocessors  # noqa: E402

c = get_config()  # noqa: F821 (traitlets provides it)

(ROOT / "course").mkdir(exist_ok=True)  # nbgrader starts in the root, and stops if it is missing
c.CourseDirectory.root = str(ROOT / "course")
# An absolute source folder: os.path.join drops the root before it, so the assignment `solutions` is
# notebooks/solutions/ itself.
c.CourseDirectory.source_directory = str(ROOT / "notebooks")
c.ExportPlugin.to = str(ROOT / "course" / "grades.csv")

# The release is our learner version: its stubs, not `raise NotImplementedError()` (tools/nbgrader_release.py).
c.GenerateAssignment.preprocessors = generate_preprocessors(
    GenerateAssignment.class_traits()["preprocessors"].default())

# Cells may take as long as tools/notebooks.py allows them (nbgrader's default is 30 s).
c.Execute.timeout = 120
