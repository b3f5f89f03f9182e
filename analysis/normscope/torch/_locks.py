"""One writer per trace, by the convention the Swift recorder keeps (Sources/Recording/WriterLock.swift and
TraceFileLock.swift), so that a Python and a Swift recorder never write one file together:

- the path: an exclusive ``flock`` on ``.<name>.lock`` beside the trace (symbolic links resolved), holding the
  writer's process id, taken before the trace is looked at and removed (while still held) when the writer closes;
- the file, under whatever name reaches it: an open-file-description lock (``F_OFD_SETLK``) on the one byte at
  2⁶² + the writer's process id, far beyond any data, held while the writer writes.

Both are the kernel's: a killed writer releases them with its last descriptor.
"""

from __future__ import annotations

import errno
import fcntl
import os
import struct
from typing import Optional

# Where the locked byte range starts, and the span a test covers (process ids are below 2²² on Linux).
BASE = 1 << 62
SPAN = 1 << 31
# struct flock on Linux (64-bit off_t): l_type, l_whence, l_start, l_len, l_pid, with its padding.
_FLOCK = "hhqqi4x"
F_OFD_GETLK = getattr(fcntl, "F_OFD_GETLK", 36)
F_OFD_SETLK = getattr(fcntl, "F_OFD_SETLK", 37)


class LockError(Exception):
    """Another writer has the trace; ``str()`` is one line starting with the trace's path."""


def lock_path(destination: str) -> str:
    folder, name = os.path.split(destination)
    return os.path.join(folder, "." + name + ".lock")


class PathLock:
    """The claim on a trace path (``WriterLock``): taken at once or refused naming the holder's process."""

    def __init__(self, destination: str, trace_path: str):
        self.path = lock_path(destination)
        self._descriptor = -1
        while True:
            try:
                descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError:
                # Without a lock file (a read-only folder) creating the trace fails anyway, with its own message.
                return
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = _holder(descriptor)
                os.close(descriptor)
                raise LockError(f"{trace_path}: is being written by another recorder"
                                + (f" (process {holder})" if holder else "")
                                + "; wait for it to end or choose another path") from None
            # The previous holder may have removed the file between our open and our lock: then this lock guards
            # nothing, and the path needs a new file.
            try:
                mine, current = os.fstat(descriptor), os.stat(self.path)
                if (mine.st_ino, mine.st_dev) == (current.st_ino, current.st_dev):
                    break
            except OSError:
                pass
            os.close(descriptor)
        self._descriptor = descriptor
        os.ftruncate(descriptor, 0)
        os.write(descriptor, f"{os.getpid()}\n".encode())
        if not os.path.exists(destination):
            return
        try:
            FileLock.check_free(destination, trace_path)
            _check_not_open(destination, trace_path)
        except LockError:
            self.release()
            raise

    def release(self) -> None:
        """Removes the lock file and releases the lock; later calls do nothing."""
        if self._descriptor < 0:
            return
        try:
            os.unlink(self.path)
        except OSError:
            pass
        os.close(self._descriptor)
        self._descriptor = -1


def _holder(descriptor: int) -> Optional[int]:
    try:
        text = os.pread(descriptor, 32, 0).decode("utf-8", "replace").strip()
        return int(text) if text else None
    except (OSError, ValueError):
        return None


def _check_not_open(destination: str, trace_path: str) -> None:
    """HDF5 locks a file while it is open (exclusively to write, shared to read): a program that has the trace
    open (h5py, another HDF5 program) shows up here, before the trace could be replaced or reopened."""
    try:
        descriptor = os.open(destination, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError:
        return
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise LockError(f"{trace_path}: is open in another process (HDF5 holds its lock on it); close it there "
                            "first") from None
        fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


def _region(kind: int, start: int, length: int) -> bytes:
    return struct.pack(_FLOCK, kind, os.SEEK_SET, start, length, 0)


def _writer_of(descriptor: int) -> Optional[int]:
    """The process holding the file lock on the open file: its id, 0 when the lock lies outside the ids' range
    (not a NormScope writer's), None when nobody holds it."""
    try:
        answer = fcntl.fcntl(descriptor, F_OFD_GETLK, _region(fcntl.F_WRLCK, BASE, SPAN))
    except OSError:
        return None
    kind, _, start, _, _ = struct.unpack(_FLOCK, answer)
    if kind == fcntl.F_UNLCK:
        return None
    offset = start - BASE
    return offset if 0 < offset < SPAN else 0


class FileLock:
    """The claim on the trace file itself (``TraceFileLock``), on a descriptor this object keeps open."""

    def __init__(self, path: str, trace_path: str):
        # Write access, which a write lock needs; the file is one this writer is about to write anyway.
        self._descriptor = os.open(path, os.O_RDWR | os.O_CLOEXEC | os.O_NONBLOCK)
        status = os.fstat(self._descriptor)
        self.identity = (status.st_dev, status.st_ino)
        try:
            fcntl.fcntl(self._descriptor, F_OFD_SETLK, _region(fcntl.F_WRLCK, BASE + os.getpid(), 1))
        except OSError as error:
            # Held by another writer. Any other failure (a file system without locks) leaves the path lock as the
            # only guard, as the Swift writer does.
            if error.errno in (errno.EAGAIN, errno.EACCES):
                holder = _writer_of(self._descriptor)
                self.release()
                raise LockError(_in_use(trace_path, holder)) from None

    @staticmethod
    def check_free(path: str, trace_path: str) -> None:
        """Refuses a file another writer holds, under this name or another."""
        try:
            descriptor = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
        except OSError:
            return
        try:
            holder = _writer_of(descriptor)
            if holder is not None:
                raise LockError(_in_use(trace_path, holder))
        finally:
            os.close(descriptor)

    def release(self) -> None:
        if self._descriptor >= 0:
            os.close(self._descriptor)
            self._descriptor = -1


def _in_use(trace_path: str, holder: Optional[int]) -> str:
    return (f"{trace_path}: is a file another recorder is writing" + (f" (process {holder})" if holder else "")
            + ", under this name or another (a hard or symbolic link); wait for it to end or choose another path")
