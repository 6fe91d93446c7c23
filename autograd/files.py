"""Write a file so that readers see the old one or the new one, never half of one.

    with atomic_write("model.onnx") as f:       # f: a binary file ("w" for text)
        f.write(data)
    atomic_write_bytes("graph.svg", data)
    atomic_write_text("config.json", text)

Every writer in seegrad goes through here (weights, checkpoints, ONNX files, pictures, run
configs, cached datasets). The steps:

    1. open a temporary file beside the target: ``.<name>.<random>.tmp`` in the same folder
       (the same file system, so the final rename is atomic)
    2. hand it to the caller, then flush and fsync it (the bytes are on disk)
    3. give it the permissions a plain ``open(path, "w")`` would: an existing file's own mode,
       else 0o666 minus the umask (mkstemp creates 0o600, readable by the owner only)
    4. ``os.replace`` it onto the target, then fsync the folder (the rename is on disk too)

On any error (KeyboardInterrupt included) the temporary file is removed, the target is left as
it was, and the error is raised again. The parent folder must exist, as for ``open``.
"""
import contextlib
import os
import tempfile

__all__ = ["atomic_write", "atomic_write_bytes", "atomic_write_text"]


@contextlib.contextmanager
def atomic_write(path, mode="wb", encoding="utf-8"):
    """Yield a file object for writing ``path`` atomically (see the module docstring).

    ``mode`` is "wb" (bytes) or "w" (text in ``encoding``)."""
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_write: mode must be 'wb' or 'w', got {mode!r}")
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
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
