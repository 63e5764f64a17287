"""Reading a file schemagen is given (the model) only when it is a regular file.

A FIFO with no writer blocks open() and read() forever, /dev/zero never ends, a socket or a directory has no text:
each is refused (ModelError at 1:1, naming what the path is) before a byte is read. OSError (a missing file, no
permission) is left to the caller, which names the file.
"""
from __future__ import annotations

import os
import stat

from schemagen.errors import ModelError, Problem

MAX_BYTES = 20 * 1024 * 1024  # a model is hand-written YAML; anything larger is a mistake


def read_regular(name: str, max_bytes: int) -> bytes:
    """The bytes of a regular file (through symlinks), at most max_bytes + 1. Anything else is refused before it is
    read: a FIFO with no writer blocks open() and read() forever, /dev/zero never ends, a directory has no text.
    The file is opened without blocking and checked again on the open descriptor, so a FIFO swapped in between
    the two checks is refused too."""
    _refuse_irregular(name, os.stat(name).st_mode)
    fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        _refuse_irregular(name, st.st_mode)
        if st.st_size > max_bytes:
            raise ModelError([Problem(name, 1, 1, "", f"the file is {st.st_size:,} bytes; a model may be at most "
                                                        f"{max_bytes:,} bytes")])
        return f.read(max_bytes + 1)  # a growing file: never read more than the limit


def _refuse_irregular(name: str, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    kind = next((k for test, k in _KINDS if test(mode)), "not a regular file")
    raise ModelError([Problem(name, 1, 1, "", f"is {kind}, not a model file: give the path of a regular file")])


_KINDS = [(stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")]
