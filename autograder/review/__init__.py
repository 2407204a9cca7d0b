"""The review desk: ``tfgrade review OUT``, a page in the browser where TAs read and decide (docs/review.md).

One module per concept:

* :mod:`~autograder.review.desk`       what the desk reads from a grading folder (reports, overrides.csv);
* :mod:`~autograder.review.decisions`  the TAs' decisions, written to ``overrides.csv`` under a file lock;
* :mod:`~autograder.review.regrade`    "regrade this one": the grader rerun on one submission, in a thread;
* :mod:`~autograder.review.auth`       the token in the URL (as Jupyter's), a cookie, an optional password;
* :mod:`~autograder.review.app`        the Starlette app: routes and templates (``review/templates``);
* :mod:`autograder.cli.review` (the command, on the CLI floor): uvicorn on 127.0.0.1, a free port, the URL printed.

Every decision lands in a file the CLI reads, so the next ``tfgrade grade --overrides`` and ``tfgrade
export`` include it; the desk keeps no state of its own besides the running regrades.

Hand-graded questions (``manual = true``, docs/authoring.md) are scored like any other decision: an
override row for the question, whose reason is the TA's comment. The submission page lists them, and
marks each as waiting for a TA or scored (``{% block hand_graded %}`` in ``submission.html``).

Starlette and uvicorn are the optional extra ``review``: nothing else in the package imports this package.
"""
