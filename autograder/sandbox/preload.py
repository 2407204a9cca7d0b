"""What the fork server imports before it forks: TensorFlow, Keras, the test tools, and the programs it
was given (:class:`~autograder.sandbox.fork_request.Programs`), so no job imports them again."""

from __future__ import annotations

import gc
import os
import shutil
import sys
import tempfile

from autograder.sandbox.fork_request import Programs

PRELOAD = (
    "numpy", "pytest", "tensorflow", "keras", "hypothesis",
    # The student's IPython shell (the student program imports it) imports these only when it starts.
    "IPython.core.interactiveshell", "IPython.core.magics", "IPython.core.completer", "IPython.core.oinspect",
    "IPython.core.application", "IPython.core.completerlib", "IPython.core.logger", "IPython.core.magic_arguments",
    "IPython.core.magics.ast_mod", "IPython.core.magics.execution", "IPython.core.magics.namespace",
    "IPython.utils.contexts", "IPython.utils.module_paths", "IPython.utils.timing",
    "pygments.formatters.terminal256", "pygments.formatters.html", "pygments.styles.default",
    # What every check process imported itself (pytest, Hypothesis' array strategies), and the student's
    # tf.data ops, which TensorFlow imports on first use (an audit of a grade's imports after the fork).
    "_pytest._argcomplete", "_pytest.tracemalloc", "platformdirs", "xml.etree.ElementTree",
    "hypothesis.extra.numpy", "hypothesis.strategies._internal.flatmapped",
    "tensorflow.python.data.ops.range_op", "tensorflow.python.data.ops.zip_op",
    "tensorflow.python.data.ops.concatenate_op", "tensorflow.python.data.ops.flat_map_op",
    "tensorflow.python.data.ops.from_tensors_op",
)
"""What every server imports, whatever its programs (the executor's :class:`Programs` add theirs)."""


def names(programs: Programs) -> tuple[str, ...]:
    """Every module a server for ``programs`` imports before it forks, in order."""
    return (*PRELOAD[:5], *programs.modules, *programs.preload, *PRELOAD[5:])


def preload(programs: Programs) -> None:
    """Import what the jobs of ``programs`` need, without starting TensorFlow's runtime."""
    import importlib

    from autograder.sandbox import keras_optional

    # Keras imports pandas and scikit-learn when they are installed; no program forked from here needs
    # them unless its notebook imports them, which then gets them as Keras would have (see keras_optional).
    with keras_optional.held_back() as held:
        for name in names(programs):
            importlib.import_module(name)
    keras_optional.restore(held)
    from tensorflow.python.eager import context

    # Importing must not have started TensorFlow's runtime: children of a process that ran an op
    # hang. Better no server (the grader then says so) than hung jobs.
    if context.context()._context_handle is not None:
        raise RuntimeError("TensorFlow's runtime started while preloading; the fork server cannot run")
    from autograder import i18n, profiling

    # The student and check processes each read the tool's catalog (Babel parses the .po file) first thing.
    for language in i18n.LANGUAGES:
        i18n.translations(language)
    warm_hypothesis_constants()  # last: it reads every module imported so far
    if profiling.enabled():  # benchmarks/profile_grade.py: stamps from every program forked from here
        profiling.install([sys.modules[name] for name in programs.modules])
    # Every object so far is shared with the workers: keep the garbage collector from walking
    # (and so copying) them in each worker; it costs a tenth of a second per full collection.
    gc.collect()
    gc.freeze()


HYPOTHESIS_STORAGE = "HYPOTHESIS_STORAGE_DIRECTORY"


def warm_hypothesis_constants() -> None:
    """Read, once, the constants Hypothesis takes from every module imported so far.

    At collection Hypothesis' pytest plugin reads the source of every "local" module in
    ``sys.modules`` (outside site-packages and the standard library: the grader's own, in a
    development install) for constants to try as examples, caching them only on disk, in the check
    process's fresh storage folder. That cost each check process about a quarter second of CPU,
    over modules it inherited from here. Read here, the worker scans only the modules it imports
    itself: the same modules in all, so the same constants and the same examples. A Hypothesis
    without this private cache is left alone.
    """
    try:
        from hypothesis import configuration
        from hypothesis.internal.conjecture import providers
        scan = providers._get_local_constants
    except (ImportError, AttributeError):
        return
    storage = tempfile.mkdtemp(prefix="tfgrade-forkserver-hypothesis-")
    before = os.environ.get(HYPOTHESIS_STORAGE)
    os.environ[HYPOTHESIS_STORAGE] = storage  # its on-disk cache: ours, and gone below
    try:
        scan()
    finally:
        if before is None:
            del os.environ[HYPOTHESIS_STORAGE]
        else:
            os.environ[HYPOTHESIS_STORAGE] = before
        shutil.rmtree(storage, ignore_errors=True)
        # Where Hypothesis stores is read once and kept: forget it, so each worker reads its own.
        configuration.set_hypothesis_home_dir(None)
    # It looks for new modules only when sys.modules changed length; a worker must always look.
    providers._sys_modules_len = None

