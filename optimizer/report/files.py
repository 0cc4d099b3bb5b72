"""The files the tool writes: where they may go, who may write them, and writing them whole.

- ``check_writable``: before anything is solved, the target must be a new name or (with
  ``--force``) a regular file, not a folder, device or pipe; its folder must exist; Excel
  must not have it open.
- ``output_lock``: one run at a time per target. A lock file created with ``O_EXCL``
  beside the target (``.NAME.optimize-lock``, holding the owner's process id) is taken
  before the solve and removed after the write; a second run is refused, and a lock whose
  process is gone (killed) is taken over. Creating it is also the proof that the folder
  is writable.
- ``write_bytes_atomically``: a temporary file beside the target (``.STEM-optimize-PID@HOST-*.xlsx.tmp``),
  flushed to disk, then renamed into place, with the permissions of the file it replaces
  (or the usual ones for a new file). Temporaries left by a run that was killed are
  removed by the next run writing into the same folder (only ours, only of processes that
  are gone). Any failure of the operating system is an ``OutputError``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import socket
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from openpyxl import Workbook

from optimizer.errors import OutputError
from optimizer.report.xlsx.sheet_data import workbook_bytes
from optimizer.workbook.read import file_kind

LOCK_SUFFIX = ".optimize-lock"
TEMPORARY_SUFFIX = ".xlsx.tmp"
HOST = (re.sub(r"[^A-Za-z0-9_.]", "_", socket.gethostname()) or "host")[:40]
STEM_CHARACTERS = 80  # of the target's name in a temporary's: names stay within the file system's 255
TEMPORARY = re.compile(r"^\..*-optimize-(?P<pid>\d+)@(?P<host>[A-Za-z0-9_.]+)-[^-]*\.xlsx\.tmp$")


def shown(path: Path) -> str:
    """A path as it can be printed and stored: bytes that are not UTF-8 become U+FFFD."""
    return os.fsencode(path).decode("utf-8", "replace")


def regular_or_absent(
    path: Path, what: str, fix: str = "it is never replaced: choose another name with -o"
) -> None:
    """Refuse a ``path`` that exists but is not a regular file (a folder, a device, a pipe)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    except OSError as error:
        raise OutputError(f"cannot use {shown(path)} as {what} ({error.strerror})") from error
    if not stat.S_ISREG(mode):
        raise OutputError(f"{shown(path)} is {file_kind(mode)}, not a workbook file; {fix}")


def check_writable(path: Path, force: bool) -> None:
    """Refuse, before any solving, a target that cannot or must not be written."""
    if path.name in ("", ".", ".."):
        raise OutputError(f"the output {shown(path)!r} names no file; give a file name such as plan.xlsx")
    lock = path.with_name(f"~${path.name}")
    if lock.exists():
        raise OutputError(
            f"{path.name} is open in Excel (found {lock.name}); close it and run again, or write elsewhere with -o"
        )
    regular_or_absent(path, "the output")
    if path.exists() and not force:
        raise OutputError(f"{shown(path)} exists; pass --force to replace it, or choose another name with -o")
    if not path.parent.is_dir():
        raise OutputError(f"folder {shown(path.parent)} does not exist; create it or choose another -o")


def check_replaceable(path: Path, force: bool) -> None:
    """The input itself, for ``--in-place``: a read-only workbook is replaced only with ``force``."""
    regular_or_absent(path, "the workbook")
    if not force and path.exists() and not (path.stat().st_mode & 0o222 and os.access(path, os.W_OK)):
        raise OutputError(
            f"{shown(path)} is read-only; pass --force to write the result sheets into it anyway "
            "(it stays read-only), or make it writable"
        )


# --- one run per target -------------------------------------------------------------------------
def lock_path(target: Path) -> Path:
    return target.with_name(f".{target.name}{LOCK_SUFFIX}")


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this machine (a process of another user counts)."""
    if pid <= 0:
        return False
    if os.name == "nt":  # os.kill(pid, 0) would send Ctrl-C there: assume it runs, the safe side
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:  # not supported here: assume it runs, the safe side
        return True
    return True


def lock_owner(lock: Path) -> int | None:
    """The process id in a lock file written on this machine, else None (unreadable, or another host)."""
    try:
        pid, _, host = lock.read_text().strip().partition(" ")
        return int(pid) if host == HOST else None
    except (OSError, ValueError):
        return None


@contextmanager
def output_lock(target: Path) -> Iterator[None]:
    """Hold ``target`` for this run: a second run writing it is refused until this one ends."""
    lock = lock_path(target)
    for _ in range(2):
        try:
            handle = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            break
        except FileExistsError:
            owner = lock_owner(lock)
            if owner is None or process_alive(owner):
                who = f"process {owner}" if owner is not None else f"another run ({lock.name})"
                raise OutputError(
                    f"{shown(target)} is being written by another optimize run ({who}); wait for it to "
                    "finish, or write elsewhere with -o"
                ) from None
            with contextlib.suppress(FileNotFoundError):
                lock.unlink()  # its process was killed: the lock is stale
        except OSError as error:
            raise OutputError(cannot_write(target.parent, error, folder=True)) from error
    else:
        raise OutputError(f"{shown(target)} is being written by another optimize run; try again")
    try:
        with os.fdopen(handle, "w") as file:
            file.write(f"{os.getpid()} {HOST}\n")
        remove_stale_temporaries(target.parent)
        yield
    finally:
        if lock_owner(lock) == os.getpid():
            with contextlib.suppress(OSError):
                lock.unlink()


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Delete the temporary files of this tool's runs on this machine whose process is gone."""
    removed = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            match = TEMPORARY.match(entry.name)
            if match is None or match["host"] != HOST or process_alive(int(match["pid"])):
                continue
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


# --- writing whole files ------------------------------------------------------------------------
def cannot_write(path: Path, error: OSError, folder: bool = False) -> str:
    """An operating-system failure on output in words, with what to do."""
    where = f"in folder {shown(path)}" if folder else shown(path)
    fixes = {
        errno.ENOSPC: "free some space on that disk, or write elsewhere with -o",
        errno.EDQUOT: "free some space (your disk quota is used up), or write elsewhere with -o",
        errno.EACCES: "check the folder's permissions, or write elsewhere with -o",
        errno.EPERM: "check the folder's permissions, or write elsewhere with -o",
        errno.EROFS: "the disk is read-only: write elsewhere with -o",
        errno.EISDIR: "a folder has that name: choose another name with -o",
    }
    fix = fixes.get(error.errno or 0, "write elsewhere with -o")
    return f"cannot write {where} ({error.strerror or error}); {fix}"


def new_file_mode() -> int:
    """The permissions a new file gets here (0666 less the umask), as other programs create them."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_bytes_atomically(data: bytes, path: Path, mode: int | None = None) -> None:
    """Write to a temporary file beside ``path``, flush it to disk, then rename it into place.

    The file gets ``mode``, else the permissions of the file it replaces, else those of a new
    file. An operating-system failure (a full disk, a read-only folder) is an ``OutputError``;
    the temporary file is removed whatever happens.
    """
    try:
        regular_or_absent(path, "the output")
        if mode is None:
            mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else new_file_mode()
        handle, temporary = tempfile.mkstemp(
            prefix=f".{path.stem[:STEM_CHARACTERS]}-optimize-{os.getpid()}@{HOST}-",
            suffix=TEMPORARY_SUFFIX,
            dir=path.parent,
        )
    except OSError as error:
        raise OutputError(cannot_write(path, error)) from error
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError as error:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise OutputError(cannot_write(path, error)) from error
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def save_atomically(workbook: Workbook, path: Path) -> None:
    """An openpyxl workbook (with its data columns, ``xlsx.sheet_data``) written with
    ``write_bytes_atomically``."""
    write_bytes_atomically(workbook_bytes(workbook), path)
