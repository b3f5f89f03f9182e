"""The output contract of the package's writing commands (``normscope-plot``, the study's ``tables.py``), the same as
the ``normscope`` command line's (Sources/OutputFiles), so that no command ever costs a user a file:

- a folder is never deleted or replaced: a path that is a folder is refused (an output folder, ``OutputFolder``, is
  written into, its other files kept);
- anything but a regular file (a device, a fifo, a socket) is refused, never replaced;
- a symbolic link is written through, to the file it names (which must exist), never replaced itself;
- none of the command's inputs is written over, compared by file identity (``os.stat``'s ``st_dev``/``st_ino``), so
  that symbolic links, hard links and ``..`` spellings count; a path that does not exist yet by ``os.path.realpath``;
- an existing file is replaced only with ``force`` (``--force``);
- the bytes go to a temporary file under a unique name beside the destination (``.<name>.XXXXXX``, from
  ``tempfile.mkstemp``) and are moved into place whole: ``os.replace`` with ``force``, else ``os.link``, which
  cannot replace a file that appeared meanwhile. SIGINT, SIGTERM and SIGHUP arriving while a temporary exists take
  effect once it is renamed or removed, so an interrupt never leaves one behind.

Every refusal is an ``OutputError`` whose message is one line naming the option, the path and what to do.
"""

from __future__ import annotations

import enum
import errno
import os
import signal
import stat
import tempfile
import threading
from contextlib import contextmanager
from typing import Callable, Dict, Iterator, List, NamedTuple, Optional, Sequence, Tuple


class Reason(enum.Enum):
    """Why an output was refused, for a test or a caller to match (the Swift ``OutputError.Reason``)."""

    IS_FOLDER = "isFolder"
    IS_FILE = "isFile"
    NOT_REGULAR_FILE = "notRegularFile"
    DANGLING_LINK = "danglingLink"
    PARENT_NOT_FOLDER = "parentNotFolder"
    NOT_WRITABLE = "notWritable"
    IS_INPUT = "isInput"
    EXISTS = "exists"
    APPEARED = "appeared"
    WRITE_FAILED = "writeFailed"


class OutputError(Exception):
    """An output that cannot be written as asked; ``str()`` is one line, ``reason`` a ``Reason``."""

    def __init__(self, reason: Reason, message: str):
        super().__init__(" ".join(message.split()))
        self.reason = reason


class CommandInput(NamedTuple):
    """A file the command reads, which no output may be: its role in messages (``"the trace"``) and its path."""

    role: str
    path: str


def _identity(path: str) -> Optional[Tuple[int, int]]:
    """The file's device and inode through every link, or None when there is no file."""
    try:
        status = os.stat(path)
    except (OSError, ValueError):
        return None
    return status.st_dev, status.st_ino


def _strerror(error: OSError) -> str:
    return error.strerror or os.strerror(error.errno or errno.EIO)


# -- signals ------------------------------------------------------------------------------------------------------

_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextmanager
def deferred_signals() -> Iterator[None]:
    """Holds SIGINT, SIGTERM and SIGHUP back: one that arrives meanwhile is raised again, under the handlers that
    were in place, when the block ends. Outside the main thread (where Python cannot set handlers) it holds nothing
    back, and the clean-up in ``OutputFile.write`` still removes the temporary on an exception."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: List[int] = []
    saved: Dict[int, object] = {}
    for number in _SIGNALS:
        saved[number] = signal.signal(number, lambda received, _frame: pending.append(received))
    try:
        yield
    finally:
        for number, handler in saved.items():
            # None: a handler not set from Python (by an embedding program); the default is the nearest.
            signal.signal(number, signal.SIG_DFL if handler is None else handler)  # type: ignore[arg-type]
        if pending:
            signal.raise_signal(pending[0])


# -- one file ------------------------------------------------------------------------------------------------------

class OutputFile:
    """One file a command writes: checked when made (``OutputError`` if it may not be written), written by
    ``write(fill)``. ``destination`` is the file that will be created or replaced (through a link, the file it
    names); ``replaces`` whether it existed when checked."""

    def __init__(self, path: "str | os.PathLike[str]", option: str, force: bool = False,
                 inputs: Sequence[CommandInput] = (), example: str = "output", check: bool = True):
        self.path = os.fspath(path)
        self.option = option
        self.force = force
        self.inputs = tuple(inputs)
        self.example = example
        # check=False: in a folder still to be created, where nothing can exist yet; write() checks.
        self.destination, self.replaces = self._check() if check else (self.path, False)

    @property
    def _name(self) -> str:
        return f"{self.option} {self.path}" if self.option else self.path

    def recheck(self) -> None:
        """Checks again, just before writing: a file may have appeared, or become a folder, while the command
        worked."""
        self.destination, self.replaces = self._check()

    def _check(self) -> Tuple[str, bool]:
        path, name = self.path, self._name
        if not path:
            raise OutputError(Reason.PARENT_NOT_FOLDER, f"{self.option}: the path is empty; name a file")
        try:
            link = os.lstat(path)
        except FileNotFoundError:
            link = None
        except OSError as error:
            raise OutputError(Reason.NOT_WRITABLE, f"{name}: {_strerror(error)}") from None
        if path.endswith("/") and not os.path.isdir(path):
            raise OutputError(Reason.IS_FOLDER, f"{name} names a folder (it ends in /); name a file, e.g. "
                                                f"{path}{self.example}")
        destination, status = path, link
        if link is not None and stat.S_ISLNK(link.st_mode):
            try:
                status = os.stat(path)
            except OSError:
                raise OutputError(Reason.DANGLING_LINK, f"{name} is a symbolic link to a missing file "
                                                        f"({os.readlink(path)}); name a file to write") from None
            destination = os.path.realpath(path)  # written through: the file the link names is replaced
        if status is not None:
            if stat.S_ISDIR(status.st_mode):
                raise OutputError(Reason.IS_FOLDER, f"{name} is a folder; name a file in it, e.g. "
                                                    f"{path.rstrip('/') or '/'}/{self.example}")
            if not stat.S_ISREG(status.st_mode):
                raise OutputError(Reason.NOT_REGULAR_FILE, f"{name} is not a regular file (a device, fifo or "
                                                           "socket); name a file to write")
        else:
            folder = os.path.dirname(path) or "."
            if not os.path.exists(folder):
                raise OutputError(Reason.PARENT_NOT_FOLDER, f"{name}: the folder {folder} does not exist; create "
                                                            "it first")
            if not os.path.isdir(folder):
                raise OutputError(Reason.PARENT_NOT_FOLDER, f"{name}: {folder} is a file, not a folder")
        folder = os.path.dirname(destination) or "."
        if not os.access(folder, os.W_OK | os.X_OK):
            raise OutputError(Reason.NOT_WRITABLE, f"{name}: cannot write in the folder {folder} (permission "
                                                   "denied); choose another folder")
        identity = (status.st_dev, status.st_ino) if status is not None else None
        spelled = os.path.realpath(destination)
        for role, input_path in self.inputs:
            other = _identity(input_path)
            same = identity == other if identity is not None and other is not None \
                else os.path.realpath(input_path) == spelled
            if same:
                raise OutputError(Reason.IS_INPUT, f"{name} is {role} ({input_path}); write to another file")
        if status is not None and not self.force:
            raise OutputError(Reason.EXISTS, f"{name} exists; add --force to replace it")
        return destination, status is not None

    def write(self, fill: Callable[[str], None]) -> None:
        """Lets ``fill(temporary_path)`` write the whole new content into a temporary file beside the destination
        (created empty) and moves it into place; when ``fill`` or the move fails, or an exception interrupts it, the
        temporary is removed and the destination is as it was."""
        self.recheck()
        temporary: Optional[str] = None
        try:
            with deferred_signals():
                temporary = self._temporary()
                fill(temporary)
                self._commit(temporary)
                temporary = None
        except OutputError:
            raise
        except OSError as error:
            raise self._failure(error) from None
        finally:
            if temporary is not None:
                _remove(temporary)

    def _temporary(self) -> str:
        folder, base = os.path.split(self.destination)
        try:
            descriptor, temporary = tempfile.mkstemp(prefix=f".{base}.", dir=folder or ".")
        except OSError as error:
            raise self._failure(error) from None
        try:
            # mkstemp makes the file private (0600): a new output gets the mode any new file gets, a replaced one
            # keeps its own.
            try:
                mode = stat.S_IMODE(os.stat(self.destination).st_mode)
            except OSError:
                mode = 0o666 & ~_umask()
            os.fchmod(descriptor, mode)
        finally:
            os.close(descriptor)
        return temporary

    def _commit(self, temporary: str) -> None:
        descriptor = os.open(temporary, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        if self.force:
            try:
                os.replace(temporary, self.destination)
            except IsADirectoryError:
                raise OutputError(Reason.IS_FOLDER, f"{self._name} became a folder meanwhile; it is left as it "
                                                    "is") from None
        else:
            try:
                os.link(temporary, self.destination)  # a hard link never replaces: the name was still free
            except FileExistsError:
                raise self._appeared() from None
            except OSError:
                # A file system without hard links (some FUSE mounts): check, then rename.
                if os.path.lexists(self.destination):
                    raise self._appeared() from None
                os.replace(temporary, self.destination)
            else:
                os.unlink(temporary)
        _sync_folder(self.destination)

    def _appeared(self) -> OutputError:
        return OutputError(Reason.APPEARED, f"{self._name} was created by something else meanwhile; add --force to "
                                            "replace it")

    def _failure(self, error: OSError) -> OutputError:
        kept = "the existing file is unchanged" if self.replaces else "nothing was written"
        return OutputError(Reason.WRITE_FAILED, f"{self._name}: could not be written ({_strerror(error)}); {kept}")


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def _sync_folder(path: str) -> None:
    """Makes the rename durable: a crash after the command printed the name keeps the new file."""
    try:
        descriptor = os.open(os.path.dirname(path) or ".", os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


# -- a folder of files ---------------------------------------------------------------------------------------------

class OutputFolder:
    """A folder a command writes files into (``normscope-plot --out DIR``): an existing folder, or one to create
    (with the folders above it). It is never deleted or replaced; its files are ``OutputFile``s, so one that exists
    is replaced only with ``force`` and the others in it are kept."""

    def __init__(self, path: "str | os.PathLike[str]", option: str, force: bool = False,
                 inputs: Sequence[CommandInput] = ()):
        self.path = os.fspath(path)
        self.option = option
        self.force = force
        self.inputs = tuple(inputs)
        self._check()

    def _check(self) -> None:
        name = f"{self.option} {self.path}"
        if not self.path:
            raise OutputError(Reason.PARENT_NOT_FOLDER, f"{self.option}: the path is empty; name a folder")
        if os.path.islink(self.path) and not os.path.exists(self.path):
            raise OutputError(Reason.DANGLING_LINK, f"{name} is a symbolic link to a missing folder "
                                                    f"({os.readlink(self.path)}); name a folder to write in")
        if os.path.exists(self.path):
            if not os.path.isdir(self.path):
                kind = "a file" if os.path.isfile(self.path) else "not a folder (a device, fifo or socket)"
                raise OutputError(Reason.IS_FILE, f"{name} is {kind}; name a folder for the files (it is created "
                                                  "if missing)")
            if not os.access(self.path, os.W_OK | os.X_OK):
                raise OutputError(Reason.NOT_WRITABLE, f"{name}: cannot write in this folder (permission denied); "
                                                       "choose another folder")
            return
        above = os.path.dirname(os.path.abspath(self.path))
        while not os.path.exists(above):
            above = os.path.dirname(above)
        if not os.path.isdir(above):
            raise OutputError(Reason.PARENT_NOT_FOLDER, f"{name}: {above} is a file, not a folder")
        if not os.access(above, os.W_OK | os.X_OK):
            raise OutputError(Reason.NOT_WRITABLE, f"{name}: cannot create it in {above} (permission denied); "
                                                   "choose another folder")

    def file(self, name: str) -> OutputFile:
        """The file ``name`` in the folder, checked now if the folder exists (in one still to be created there is
        nothing to find, not even an input) and again when written."""
        return OutputFile(os.path.join(self.path, name), "", force=self.force, inputs=self.inputs,
                          check=os.path.isdir(self.path))

    def create(self) -> None:
        """Creates the folder (and the folders above it) if it is missing; nothing else is touched."""
        try:
            os.makedirs(self.path, exist_ok=True)
        except OSError as error:
            raise OutputError(Reason.NOT_WRITABLE, f"{self.option} {self.path}: cannot be created "
                                                   f"({_strerror(error)})") from None
