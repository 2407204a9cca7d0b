"""The root of every error tfgrade raises on purpose, and where each kind lives.

Catch :class:`TfgradeError` to catch them all; each kind says whose problem it is::

    TfgradeError
    ├── AssignmentError     core.assignment     an assignment's own files are wrong (the instructor's)
    ├── CourseNotFound      core.course         no course where tfgrade looked (the message lists where)
    ├── ReleaseError        authoring.release   a release cannot be written or would show a secret
    ├── NotebookRejected    core.notebook       a file cannot be graded as this assignment's notebook
    ├── GraderError         core.execution      no trustworthy result could be made (the grader's)
    ├── BatchError          core.batch          a batch cannot write its files (the instructor's)
    ├── SandboxError        sandbox.launcher    the sandbox could not be built
    ├── ForkServerError     sandbox.forkserver  the fork server failed
    ├── ProtocolError       channel.protocol    the other side sent what the protocol refuses
    │   ├── ChannelTimeout                      ... nothing before the deadline
    │   └── ChannelClosed                       ... the other side is gone
    ├── ChecksOutOfTime     channel.budget      the checks' overall budget is spent
    ├── SourceRefused       core.source         the grader will not trace a name from this source (for the student)
    ├── CleanRoomFailed     channel.clean_room_handle  the grader's own export failed in the clean room
    ├── TopologyError       checks.topology     a model description is not a graph of layers (also a ValueError)
    ├── MessageError        messages            a message filled in with other values than its placeholders
    │                                           (a bug in the caller; also a TypeError)
    └── CheckFailure        channel.student     a check failed; the message is for the student (also an
        │                                       AssertionError, so pytest reports a failure, not an error)
        ├── StudentUnavailable  channel.student the student's process can answer no more
        ├── RunnerUnavailable   channel.runner  the grader's runner can answer no more
        ├── CleanRoomUnavailable  channel.clean_room_handle  the grader's clean room can answer no more
        └── ArchiveError        checks.keras_saving  a saved .keras file cannot be read

The student's process raises ``CellTimeout`` into a cell that runs too long; it is a
``BaseException`` on purpose (so ``except Exception`` in student code cannot swallow it) and stays
outside this tree.
"""


class TfgradeError(Exception):
    """Something tfgrade raised on purpose; the message says what happened and what to do."""
