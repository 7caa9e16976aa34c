"""Named points where a test may kill this process, to prove a crash there loses nothing.

`CONDUCT_KILL_AT=add:before-publish conduct-bot index add f.docx` dies with SIGKILL exactly between
committing the document and publishing its index — the places a random kill would rarely hit.
Unset (always, in service) a point costs one dictionary look-up.
"""

from __future__ import annotations

import os
import signal

ENV = "CONDUCT_KILL_AT"


def point(name: str) -> None:
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
