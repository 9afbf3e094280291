"""Files written whole: a reader (another worker, nginx, a server starting up) sees the
old file or the complete new one, never part of one.

Each is written under a temporary name beside its place, flushed to disk, then renamed
over it; a failure leaves the temporary file removed and the old file as it was.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_whole(path: Path, data: bytes) -> None:
    """Write `data` as `path`, readable by others (the server, nginx)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                         suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)  # mkstemp makes it 0600
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def put_in_place(temporary: Path, path: Path) -> None:
    """Rename the complete file `temporary` over `path`, its bytes and then the rename
    made durable, so that neither is lost to a power cut."""
    with open(temporary, "rb") as written:
        os.fsync(written.fileno())
    os.replace(temporary, path)
    sync_directory(path.parent)


def sync_directory(directory: Path) -> None:
    """fsync a folder, so that a file just renamed into it survives a power cut."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
