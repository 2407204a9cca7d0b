"""The root of every error tfgrade raises on purpose, and where each kind lives.

Catch :class:`TfgradeError` to catch them all; each kind says whose problem it is::

    TfgradeError
    ├── AssignmentError        core.assignment       an assignment's own files are wrong (the instructor's)
    │   ├── MarkerError        core.markers          the solution's BEGIN/END SOLUTION markers are wrong
    │   ├── TranslationError   authoring.assign      a cell's translation is missing or changes its code
    │   └── EquivalentsError   authoring.mutant_equivalents  mutants.toml is malformed
    ├── RequirementsError      core.requirements     requirements.toml is malformed (the instructor's)
    ├── PackagesError          core.packages         a `requirements` list is not a list of pip requirements
    ├── CourseNotFound         core.course           no course where tfgrade looked (the message lists where)
    ├── LanguageError          i18n                  a language without a catalog (also a ValueError)
    ├── ReleaseError           authoring.release     a release cannot be written or would show a secret
    ├── WheelError             authoring.wheel       the wheel a release ships cannot be built, or is not this tfgrade's
    ├── NotebookRejected       core.notebook         a file cannot be graded as this assignment's notebook
    ├── NotebookNotFound       students.locator      check() cannot tell which notebook its kernel runs (a ValueError)
    ├── GraderError            grading.execution     no trustworthy result could be made (the grader's)
    ├── BatchError             grading.batch         a batch cannot write its files (the instructor's)
    ├── OverridesError         core.overrides        an overrides file has rows that cannot be used
    ├── DecisionError          review.decisions      a TA's decision cannot be written (also a ValueError)
    ├── RosterError            core.roster           a roster cannot be read or matched without guessing
    ├── LateError              core.late             a deadline, late rule or times file cannot be used
    ├── ExportError            reports.gradebook     a gradebook export cannot be made without guessing
    ├── DecodeError            core.codec_fields     JSON that is not a valid document (also a ValueError)
    │   └── SchemaMismatch     core.codec_fields     a document of another schema version
    ├── SandboxError           sandbox.seam          the sandbox could not be built
    ├── ForkServerError        sandbox.forkserver    the fork server failed
    ├── WorkerUnfit            interop.dask_worker   a Dask worker cannot grade as the instructor's machine would
    ├── BundleError            core.bundle           an assignment cannot be packed to grade elsewhere
    ├── WorkerReplyError       interop.distributed   a worker answered with something other than a report
    ├── MissingExtra           extras                a feature needs a pip extra the install left out
    ├── CannotInstallPackages  student_side.shell    a cell tries to install packages (the grader is offline)
    ├── NoNetwork              student_side.shell    a shell command needs the network, which the sandbox lacks
    ├── ProtocolError          wire.protocol         the other side sent what the protocol refuses
    │   ├── ChannelTimeout     wire.protocol         ... nothing before the deadline
    │   └── ChannelClosed      wire.protocol         ... the other side is gone
    ├── Refused                wire.envelope         a handler's refusal, sent to the asking side as an error reply
    ├── ChecksOutOfTime        check_side.budget     the checks' overall budget is spent
    ├── ClockError             check_side.budget     the grader's job clock did not answer (the grader's)
    ├── GraphExportError       wire.graph_export     a traced function cannot be exported (the grader's limit)
    ├── RunnerFault            check_side.runner     the runner could not load the grader's own artifact
    ├── SourceRefused          core.source_refusals  the grader will not trace a name from this source (the student's)
    ├── CleanRoomFailed        check_side.clean_room_handle  the grader's own export failed in the clean room
    ├── _Refusal               runner_side.clean_room  a trace the clean room refuses, answered as data there
    ├── TopologyError          checks.topology.nodes a model description is not a graph of layers (also a ValueError)
    ├── UsageError             cli.options           a command's options cannot be used together (the user's)
    ├── MessageError           messages              a message filled in with other values than its placeholders
    │                                                (a bug in the caller; also a TypeError)
    └── CheckFailure           check_side.student    a check failed; the message is for the student (also an
        │                                            AssertionError, so pytest reports a failure, not an error)
        ├── StudentUnavailable check_side.student    the student's process can answer no more
        ├── RunnerUnavailable  check_side.runner     the grader's runner can answer no more
        ├── _ErrorAnswer       check_side.runner     the runner answered a request with an error (its words, made safe)
        ├── CleanRoomUnavailable check_side.clean_room_handle the grader's clean room can answer no more
        └── ArchiveError       checks.keras_archive  a saved .keras file cannot be read

Two exception classes stay outside that tree on purpose, and are drawn here so that the list is whole
(``tests/ground/test_errors_tree.py`` walks every exception class of the package)::

    BaseException
    └── CellTimeout            student_side.student_process  raised into a cell that runs too long; a
                                                             BaseException so that ``except Exception`` in
                                                             student code cannot swallow it
    Exception
    └── _Difference            checks.topology.matching      the first difference between two topologies,
                                                             caught in its module and never raised past it
"""

from typing import ClassVar


class TfgradeError(Exception):
    """Something tfgrade raised on purpose; the message says what happened and what to do."""

    exit_code: ClassVar[int] = 2
    """What ``tfgrade`` exits with when this error ends a command (mapped once, in ``autograder.cli.main``):
    2, the command stopped short of its work; the message says why and what to do."""
