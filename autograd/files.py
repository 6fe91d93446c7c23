"""Write a file so that readers see the old one or the new one, never half of one.

    with atomic_write("model.onnx") as f:       # f: a binary file ("w" for text)
        f.write(data)
    atomic_write_bytes("graph.svg", data)
    atomic_write_text("config.json", text)

Every writer in seegrad goes through here (weights, checkpoints, ONNX files, pictures, run
configs, cached datasets). The steps:

    0. sweep: remove the temporary files that earlier writes of the same target left behind when
       their process was killed (``kill -9``, a power cut): files named like ours, for this target,
       whose process is gone (see ``_sweep``)
    1. create a temporary file beside the target: ``.<name>.<pid>.<random>.tmp`` in the same folder
       (the same file system, so the final rename is atomic; the pid says who is writing it)
    2. hand it to the caller, then flush and fsync it (the bytes are on disk)
    3. give it the permissions a plain ``open(path, "w")`` would: an existing file's own mode,
       else 0o666 minus the umask (the temporary file is created 0o600, readable by its owner only)
    4. ``os.replace`` it onto the target, then fsync the folder (the rename is on disk too)

On any error (KeyboardInterrupt included) the temporary file is removed, the target is left as
it was, and the error is raised again. The parent folder must exist, as for ``open``.
"""
import contextlib
import os
import re
import secrets
import sys
import time

__all__ = ["atomic_write", "atomic_write_bytes", "atomic_write_text"]


@contextlib.contextmanager
def atomic_write(path, mode="wb", encoding="utf-8"):
    """Yield a file object for writing ``path`` atomically (see the module docstring).

    ``mode`` is "wb" (bytes) or "w" (text in ``encoding``)."""
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_write: mode must be 'wb' or 'w', got {mode!r}")
    path = os.fspath(path)
    folder, name = os.path.split(os.path.abspath(path))
    _sweep(folder, name)
    fd, tmp = _create_temp(folder, name)
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else encoding) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _plain_open_mode(path))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_folder(folder)


def atomic_write_bytes(path, data):
    """Write ``data`` (bytes) to ``path`` atomically."""
    with atomic_write(path, "wb") as f:
        f.write(data)


def atomic_write_text(path, text, encoding="utf-8"):
    """Write ``text`` to ``path`` atomically."""
    with atomic_write(path, "w", encoding) as f:
        f.write(text)


def _create_temp(folder, name):
    """A new file ``.<name>.<pid>.<random>.tmp`` in ``folder``, mode 0o600, opened for writing."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
    while True:
        tmp = os.path.join(folder, f".{name}.{os.getpid()}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(tmp, flags, 0o600), tmp
        except FileExistsError:  # 48 random bits taken: draw again
            continue


def _temp_pattern(name):
    """Matches exactly the temporary names ``_create_temp`` gives for target ``name``; group 1: the pid."""
    return re.compile(rf"\.{re.escape(name)}\.(\d+)\.[0-9a-f]{{12}}\.tmp")


STALE_SECONDS = 24 * 3600  # where a pid can't be checked (Windows), a temp file this old is abandoned


def _sweep(folder, name):
    """Remove the temporary files of target ``name`` in ``folder`` that no live writer owns.

    Only names ``_create_temp`` gives for this very target are considered (``.<name>.<pid>.<12 hex>.tmp``,
    regular files), never anything else in the folder. One is removed when the process that created
    it is gone (POSIX: no process has its pid), so a write in progress in another process, or in
    another thread of this one, is never disturbed; where pids can't be checked (Windows), when it is
    older than ``STALE_SECONDS``. Failures (permissions, a file another sweep removed first) are ignored:
    sweeping is housekeeping, never a reason for the write to fail."""
    pattern = _temp_pattern(name)
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None:
            continue
        with contextlib.suppress(OSError):
            if entry.is_file(follow_symlinks=False) and _abandoned(int(match.group(1)), entry):
                os.unlink(entry.path)


def _abandoned(pid, entry):
    """Whether no live process can still be writing this temporary file."""
    if sys.platform == "win32":  # os.kill(pid, 0) would terminate the process there
        return time.time() - entry.stat(follow_symlinks=False).st_mtime > STALE_SECONDS
    if pid == os.getpid():  # ours: another thread may be writing it right now
        return False
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except (ProcessLookupError, OverflowError):  # gone (or a number no pid can be)
        return True
    except PermissionError:  # alive, run by another user
        return False
    return False


def _plain_open_mode(path):
    """The permission bits ``open(path, "w")`` leaves: an existing file keeps its own, a new
    one gets 0o666 minus the umask. (The umask can only be read by setting it: set it back.)"""
    try:
        return os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0o22)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_folder(folder):
    """Make the rename durable; folders can't be opened for fsync on every system (Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
