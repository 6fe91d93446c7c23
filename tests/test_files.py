"""autograd.files: the one atomic-write helper every writer uses."""
import os
import re
import subprocess
import sys

import pytest

from autograd.files import atomic_write, atomic_write_bytes, atomic_write_text


@pytest.fixture
def umask():
    """Set a umask for the test and put the old one back afterwards."""
    old = os.umask(0o022)
    os.umask(old)

    def set_umask(mask):
        os.umask(mask)
    yield set_umask
    os.umask(old)


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_new_file_gets_the_mode_a_plain_open_gives(tmp_path, umask, mask):
    umask(mask)
    with open(tmp_path / "plain", "wb") as f:
        f.write(b"x")
    atomic_write_bytes(tmp_path / "atomic", b"x")
    mode = os.stat(tmp_path / "atomic").st_mode & 0o7777
    assert mode == os.stat(tmp_path / "plain").st_mode & 0o7777 == 0o666 & ~mask


def test_existing_file_keeps_its_mode_as_with_open(tmp_path):
    path = tmp_path / "keep"
    path.write_bytes(b"old")
    os.chmod(path, 0o640)
    atomic_write_bytes(path, b"new")
    assert path.read_bytes() == b"new" and os.stat(path).st_mode & 0o7777 == 0o640


def test_no_temp_file_left_after_success(tmp_path):
    atomic_write_bytes(tmp_path / "a.bin", b"\x00\x01")
    atomic_write_text(tmp_path / "b.json", '{"é": 1}\n')
    with atomic_write(tmp_path / "c.txt", "w") as f:
        f.write("line\n")
    assert sorted(os.listdir(tmp_path)) == ["a.bin", "b.json", "c.txt"]
    assert (tmp_path / "b.json").read_text(encoding="utf-8") == '{"é": 1}\n'
    assert (tmp_path / "c.txt").read_text() == "line\n"


@pytest.mark.parametrize("error", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_error_mid_write_removes_the_temp_file_and_keeps_the_old_file(tmp_path, error):
    path = tmp_path / "model.onnx"
    path.write_bytes(b"old contents")
    temps = []
    with pytest.raises(type(error)):
        with atomic_write(path) as f:
            f.write(b"half of the new")
            temps += [name for name in os.listdir(tmp_path) if name != "model.onnx"]
            raise error
    assert len(temps) == 1 and temps[0].startswith(".model.onnx.") and temps[0].endswith(".tmp")  # beside it
    assert path.read_bytes() == b"old contents"
    assert os.listdir(tmp_path) == ["model.onnx"]


def test_failed_first_write_leaves_nothing(tmp_path):
    with pytest.raises(ValueError, match="boom"):
        with atomic_write(tmp_path / "new.txt", "w") as f:
            f.write("partial")
            raise ValueError("boom")
    assert os.listdir(tmp_path) == []


def test_bad_mode_and_missing_folder(tmp_path):
    with pytest.raises(ValueError, match="mode must be 'wb' or 'w'"):
        with atomic_write(tmp_path / "x", "ab"):
            pass
    with pytest.raises(FileNotFoundError):
        atomic_write_bytes(tmp_path / "no" / "such" / "folder.bin", b"")


def _dead_pid():
    """The pid of a process that has exited (and been reaped)."""
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(proc.stdout)


def test_next_write_sweeps_temp_files_that_killed_writers_left(tmp_path):
    """A writer killed mid-write (kill -9) leaves its temp file; the next write of the same target removes
    it, and only it: temp files of live writers, of other targets and anything else stay."""
    dead = _dead_pid()
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) as alive:
        try:
            names = {
                f".model.npz.{dead}.0123456789ab.tmp": "swept",         # its writer is gone
                f".model.npz.{alive.pid}.0123456789ab.tmp": "kept",     # another process writing now
                f".model.npz.{os.getpid()}.0123456789ab.tmp": "kept",   # this process (another thread)
                f".other.npz.{dead}.0123456789ab.tmp": "kept",          # another target's
                f".model.npz.{dead}.0123456789AB.tmp": "kept",          # not a name the helper gives
                f".model.npz.{dead}.tmp": "kept",
                ".model.npz.abcd1234.tmp": "kept",
                "model.npz.tmp": "kept",
                "notes.txt": "kept",
            }
            for name in names:
                (tmp_path / name).write_bytes(b"half a file")
            (tmp_path / f".model.npz.{dead}.ba9876543210.tmp").mkdir()  # a folder is never removed
            atomic_write_bytes(tmp_path / "model.npz", b"new")
            left = set(os.listdir(tmp_path))
            assert left == {n for n, what in names.items() if what == "kept"} | {
                "model.npz", f".model.npz.{dead}.ba9876543210.tmp"}
            assert (tmp_path / "model.npz").read_bytes() == b"new"
        finally:
            alive.kill()


def test_temp_file_names_carry_the_writer_pid(tmp_path):
    with atomic_write(tmp_path / "a.bin") as f:
        temps = [n for n in os.listdir(tmp_path) if n != "a.bin"]
        f.write(b"x")
    assert len(temps) == 1 and re.fullmatch(rf"\.a\.bin\.{os.getpid()}\.[0-9a-f]{{12}}\.tmp", temps[0])
    assert os.listdir(tmp_path) == ["a.bin"]


def test_a_sweep_that_cannot_remove_a_file_does_not_fail_the_write(tmp_path, monkeypatch):
    """Sweeping is housekeeping: a temp file it may not delete (read-only folder for it) is skipped."""
    dead = _dead_pid()
    stale = tmp_path / f".x.json.{dead}.0123456789ab.tmp"
    stale.write_bytes(b"")
    real_unlink = os.unlink

    def refuse(path, *a, **k):
        if os.fspath(path) == str(stale):
            raise PermissionError("not allowed")
        return real_unlink(path, *a, **k)

    monkeypatch.setattr(os, "unlink", refuse)
    atomic_write_text(tmp_path / "x.json", "{}")
    assert (tmp_path / "x.json").read_text() == "{}" and stale.exists()
