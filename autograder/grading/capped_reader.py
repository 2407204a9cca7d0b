"""A child's pipe drained with a cap: what a job printed, or sent back, kept up to a limit."""

from __future__ import annotations

import threading
from typing import IO


class CappedReader:
    """Drains a pipe in a thread so the writer never blocks; keeps only the first ``limit`` bytes."""

    def __init__(self, stream: IO[bytes] | None, limit: int) -> None:
        self._chunks: list[bytes] = []
        self._kept = 0
        self._limit = limit
        self.truncated = False
        self._thread = threading.Thread(target=self._drain, args=(stream,), daemon=True)
        self._thread.start()

    def _drain(self, stream: IO[bytes] | None) -> None:
        if stream is None:
            return
        while chunk := stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536):
            room = self._limit - self._kept
            if room > 0:
                self._chunks.append(chunk[:room])
                self._kept += min(room, len(chunk))
            if len(chunk) > room:
                self.truncated = True

    def text(self, timeout: float = 5.0) -> str:
        self._thread.join(timeout)
        text = b"".join(self._chunks).decode("utf-8", errors="replace")
        return text + ("\n[output truncated]" if self.truncated else "")
