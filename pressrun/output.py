"""Writing outputs: whole files only, replaced atomically, always inside output/."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .diagnostics import Location, PressrunError, fail

LOCK = ".pressrun.lock"


def cannot_write(path: Path, exc: OSError) -> PressrunError:
    """A failed write (a full disk, a read-only folder, a file where a folder should be) as a
    user error; what was there before is still there."""
    hints = {
        errno.ENOSPC: "free some disk space and build again",
        errno.EDQUOT: "free some disk space and build again",
        errno.EROFS: "the disk is read-only: build into a copy of the project on a writable disk",
        errno.EACCES: "check the permissions of output/",
        errno.ENOTDIR: "a file stands where a folder should be: move it away",
        errno.EEXIST: "a file stands where a folder should be: move it away",
    }
    shown = path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
    return fail(
        Location(str(shown)),
        f"cannot write: {exc.strerror or exc}",
        "cannot-write",
        hints.get(exc.errno, "check the disk and the permissions of output/") + "; the files "
        "built before are unchanged",
    )


@contextmanager
def exclusive(output: Path) -> Iterator[None]:
    """One build at a time writes into `output`; a second one waits for the first.

    Under the lock no other build runs, so temporary files left by a killed build are
    removed. On a read-only disk the lock is taken on the existing lock file, so a build that
    has nothing to write still succeeds.
    """
    try:
        output.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(output / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            if exc.errno not in (errno.EROFS, errno.EACCES):
                raise
            descriptor = os.open(output / LOCK, os.O_RDONLY)
    except OSError as exc:
        raise cannot_write(output, exc) from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        for stale in output.rglob(".*.tmp"):
            if stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    stale.unlink()
        yield
    finally:
        os.close(descriptor)  # releases the lock


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename it into place."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        raise cannot_write(path, exc) from None
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()
