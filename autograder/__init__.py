"""tfgrade: grade TensorFlow notebook exercises with hidden checks run outside the student's process.

Data flow (see :func:`autograder.grading.grade`): load and validate the notebook -> execute it in a
student process -> run the checks in a separate trusted process -> score -> report.
"""

__version__ = "0.1.0"
