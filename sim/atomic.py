"""Output folders that are never half-written, never mixed and never written by two processes.

:func:`replace_folder` is how every command writes a folder of results (``effrace run``'s
``--out``, ``compare``'s fan charts, ``sensitivity``'s tables):

1. it takes a lock beside the folder (``.NAME.lock``, POSIX ``flock``, released by the operating
   system however the process ends); a second writer is refused at once with one line;
2. it refuses a non-empty folder that does not hold this kind of output (someone's files), unless
   the caller passes ``overwrite``;
3. the caller writes every file into a hidden temporary folder beside the target
   (``.NAME.tmp-PID``);
4. on success the temporary folder takes the target's place in one rename (an atomic exchange
   where the platform has one, Linux ``renameat2``), and the old folder is deleted. On any error,
   Ctrl-C included, the temporary folder is deleted and the target is untouched.

So a reader sees the old set of files or the new set, never a mixture, and never a folder with
some files missing. A SIGKILL between steps leaves at most a hidden ``.NAME.tmp-PID`` or
``.NAME.old-PID`` folder, which the next writer to that target cleans up (restoring the old
folder if the kill came between the two renames of a platform without an atomic exchange).

:func:`file_digests` and :func:`verify_digests` give a manifest's list of files with their
SHA-256, so that a reader can check a folder before it trusts it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from sim.errors import UserError

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def check_out_path(text: str | Path, option: str = "--out") -> Path:
    """``text`` as an output folder path; UserError if empty or naming an existing file."""
    if str(text).strip() == "":
        raise UserError(f"{option} '': give a folder name (an empty name would mean here)")
    path = Path(text)
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:  # bytes that are not UTF-8 (the tables' writer needs it)
        raise UserError(f"{option} {path}: the name is not UTF-8 text; choose another") from None
    try:
        if path.exists() and not path.is_dir():
            raise UserError(f"{option} {path}: is a file, not a folder; choose a folder name")
        parent = next((p for p in path.parents if p.exists()), None)
    except OSError as exc:  # a name too long, a loop of links
        raise UserError(f"{option} {path}: {exc.strerror or exc}") from None
    if parent is not None and not parent.is_dir():
        raise UserError(f"{option} {path}: {parent} is a file, not a folder")
    return path


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False if unsupported.

    The C library is the one this process runs on (``CDLL(None)``: no search for it, which
    would start ``ldconfig``)."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        func = libc.renameat2
    except (OSError, AttributeError):
        return False
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    result = func(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0


def try_lock(handle: IO[str]) -> bool:
    """Take the lock on the open lock file ``handle`` (POSIX ``flock``, released when the
    process ends, however it ends); False if another process holds it. True where there are no
    such locks (not POSIX).

    A lock file deleted between our open and our flock (by a command that made it and was
    refused) locks nothing, since whoever opens the path now gets another file: that counts as
    held by another process.
    """
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        return True
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return os.fstat(handle.fileno()).st_ino == os.stat(handle.name).st_ino
    except (BlockingIOError, FileNotFoundError):
        return False


def missing_folders(path: Path) -> list[Path]:
    """``path`` and its parents that do not exist yet, deepest first: what creating it makes."""
    return [p for p in (path, *path.parents) if not p.exists()]


def remove_empty_folders(folders: list[Path]) -> None:
    """Remove ``folders`` (deepest first) while they are empty: undo :func:`missing_folders`."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:  # not empty, or already gone
            return


def _lock(handle: IO[str], target: Path, option: str) -> None:
    if not try_lock(handle):
        raise UserError(
            f"{option} {target}: another effrace process is writing this folder now; "
            "wait for it to finish or choose another folder"
        ) from None


def _clean_leftovers(target: Path) -> None:
    """Remove what a killed writer left beside ``target``; restore an old folder if the target
    itself is missing (a kill between the two renames)."""
    parent, name = target.parent, target.name
    olds = sorted(parent.glob(f".{name}.old-*"))
    if not target.exists() and olds:
        os.rename(olds[-1], target)
        olds = olds[:-1]
    for leftover in [*parent.glob(f".{name}.tmp-*"), *olds]:
        shutil.rmtree(leftover, ignore_errors=True)


def _is_home_or_above(path: Path) -> bool:
    resolved = path.resolve()
    here = Path.cwd().resolve()
    home = Path.home().resolve()
    return resolved in (here, home, *here.parents, *home.parents)


@contextlib.contextmanager
def replace_folder(
    target: str | Path,
    *,
    owned: Callable[[Path], bool],
    overwrite: bool = False,
    option: str = "--out",
) -> Iterator[Path]:
    """Lock ``target``, yield an empty temporary folder to write into, then put it in place.

    ``owned(folder)`` says whether an existing non-empty folder holds output of the same kind
    (which is replaced as a set); any other non-empty folder is refused unless ``overwrite``
    (never the current folder, the home folder or one above them). UserError (one line) for a
    path that is a file, cannot be created or written, or is being written by another process.
    """
    target = check_out_path(target, option)
    target = Path(os.path.abspath(target))
    parent = target.parent
    lock = parent / f".{target.name}.lock"
    new_folders = missing_folders(parent)
    new_lock = not lock.exists()
    try:
        parent.mkdir(parents=True, exist_ok=True)
        handle = lock.open("w")
    except OSError as exc:
        remove_empty_folders(new_folders)
        raise UserError(f"{option} {target}: cannot write here: {exc.strerror or exc}") from None
    with handle, contextlib.ExitStack() as undo:
        _lock(handle, target, option)
        if new_lock:  # a refused or failed command leaves the disk as it was
            undo.callback(remove_empty_folders, new_folders)
            undo.callback(lock.unlink, missing_ok=True)
        try:
            _clean_leftovers(target)
        except OSError as exc:
            raise UserError(f"{option} {target}: cannot tidy up: {exc.strerror or exc}") from None
        if target.exists() and not target.is_dir():
            raise UserError(f"{option} {target}: is a file, not a folder; choose a folder name")
        if target.is_dir() and any(target.iterdir()) and not owned(target):
            if not overwrite:
                raise UserError(
                    f"{option} {target}: the folder holds other files; choose an empty or new "
                    "folder, or pass --overwrite to replace it whole"
                )
            if _is_home_or_above(target):
                raise UserError(
                    f"{option} {target}: will not replace the current or home folder; "
                    "choose a new folder"
                )
        tmp = parent / f".{target.name}.tmp-{os.getpid()}"
        try:
            tmp.mkdir()
        except OSError as exc:
            raise UserError(
                f"{option} {target}: cannot write here: {exc.strerror or exc}"
            ) from None
        try:
            yield tmp
            _put_in_place(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        undo.pop_all()  # done: the lock file stays, as for every finished command


def _put_in_place(tmp: Path, target: Path) -> None:
    if not target.exists():
        os.rename(tmp, target)
        return
    if _exchange(tmp, target):
        shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the old folder
        return
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    os.rename(target, old)
    os.rename(tmp, target)
    shutil.rmtree(old, ignore_errors=True)


def write_file_atomic(path: Path, write: Callable[[Path], Any]) -> None:
    """``write(tmp)`` to a hidden file beside ``path``, then rename it onto ``path``."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_digests(folder: Path, names: list[str]) -> dict[str, dict[str, Any]]:
    """``{name: {"bytes": size, "sha256": hex}}`` of files in ``folder``, for a manifest."""
    return {
        name: {"bytes": (folder / name).stat().st_size, "sha256": sha256_of(folder / name)}
        for name in names
    }


def verify_digests(folder: Path, files: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Problems with the listed files in ``folder`` (missing, wrong size or hash); [] if none."""
    problems = []
    for name, meta in files.items():
        path = folder / name
        if not path.is_file():
            problems.append(f"{name}: missing")
        elif path.stat().st_size != meta.get("bytes"):
            problems.append(
                f"{name}: {path.stat().st_size} bytes, manifest says {meta.get('bytes')}"
            )
        elif sha256_of(path) != meta.get("sha256"):
            problems.append(f"{name}: content differs from the manifest's hash")
    return problems
