"""torch.multiprocessing: Python's multiprocessing, with tensors in shared memory passed as that memory.

Everything of the standard library's ``multiprocessing`` is here (Process, Queue, Pool, Pipe,
set_start_method, get_context, cpu_count...), and, as in PyTorch:
- a tensor whose storage is in shared memory (``t.share_memory_()``, ``model.share_memory()``) reaches
  another process as that memory: with fork the child inherits the mapping; with spawn or forkserver,
  and through a Queue or Pipe, it is pickled as the block's file descriptor, which multiprocessing
  hands over (the "file_descriptor" strategy, see sharing.py). A change made there in place (an
  optimizer's step) is seen here. Any other tensor is pickled by value, as before.
- ``spawn(fn, args, nprocs, join)`` runs ``fn(i, *args)`` in ``nprocs`` new processes (start method
  "spawn"); ``start_processes`` takes the start method. An exception in one is raised here as
  ProcessRaisedException with the child's traceback; a crash as ProcessExitedException.
"""
import multiprocessing
import os
import pickle
import signal
import sys
import tempfile
import warnings
from multiprocessing import *  # noqa: F401,F403  (Process, Queue, Pool, get_context, cpu_count...)
from multiprocessing import connection

from . import sharing

__all__ = ["spawn", "start_processes", "ProcessContext", "ProcessException", "ProcessRaisedException",
           "ProcessExitedException", "get_sharing_strategy", "set_sharing_strategy", "get_all_sharing_strategies",
           "init_reductions"] + list(multiprocessing.__all__)

_sharing_strategy = ["file_descriptor"]


def get_all_sharing_strategies():
    """The ways a shared tensor can be passed between processes: here only "file_descriptor" (PyTorch's default
    on Linux; its "file_system" strategy, named files in /dev/shm, is not provided)."""
    return {"file_descriptor"}


def get_sharing_strategy():
    return _sharing_strategy[0]


def set_sharing_strategy(new_strategy):
    if new_strategy not in get_all_sharing_strategies():
        raise ValueError(f"set_sharing_strategy: {new_strategy!r} is not available here; the strategies are "
                         f"{sorted(get_all_sharing_strategies())} (PyTorch's 'file_system' is not provided)")
    _sharing_strategy[0] = new_strategy


def init_reductions():
    """Teach multiprocessing's pickler to send shared tensors as their memory (done on import, as PyTorch)."""
    sharing.register()


init_reductions()


class ProcessException(Exception):
    """A process started by spawn / start_processes failed."""

    def __init__(self, msg, error_index, error_pid):
        super().__init__(msg)
        self.msg, self.error_index, self.error_pid = msg, error_index, error_pid

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.error_pid)


class ProcessRaisedException(ProcessException):
    """A process failed with an exception raised by its code (its traceback is in the message)."""


class ProcessExitedException(ProcessException):
    """A process ended by a signal or with a non-zero exit code."""

    def __init__(self, msg, error_index, error_pid, exit_code, signal_name=None):
        super().__init__(msg, error_index, error_pid)
        self.exit_code, self.signal_name = exit_code, signal_name

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.error_pid, self.exit_code, self.signal_name)


def _wrap(fn, i, args, error_file):
    """A child's entry point: ``fn(i, *args)``; an exception's traceback goes to ``error_file`` for the parent."""
    try:
        fn(i, *args)
    except KeyboardInterrupt:
        pass  # (terminated by the parent)
    except Exception:
        import traceback

        with open(error_file, "wb") as f:
            pickle.dump(traceback.format_exc(), f)
        sys.exit(1)


class ProcessContext:
    """The processes start_processes(join=False) started: ``join(timeout)`` waits for them, True once all
    ended well; when one failed, the others are terminated and its failure is raised."""

    def __init__(self, processes, error_files):
        self.processes, self.error_files = processes, error_files
        self.sentinels = {process.sentinel: index for index, process in enumerate(processes)}

    def pids(self):
        return [int(process.pid) for process in self.processes]

    def join(self, timeout=None, grace_period=None):
        if not self.sentinels:
            return True
        failed = None
        for sentinel in connection.wait(list(self.sentinels), timeout=timeout):
            index = self.sentinels.pop(sentinel)
            process = self.processes[index]
            process.join()
            if process.exitcode != 0:
                failed = index
                break
        if failed is None:
            return not self.sentinels
        for process in self.processes:
            if process.is_alive():
                process.join(grace_period or 0)
            if process.is_alive():
                process.terminate()
        for process in self.processes:
            process.join(30)
            if process.is_alive():
                process.kill()
                process.join()
        process, error_file = self.processes[failed], self.error_files[failed]
        if not os.access(error_file, os.R_OK):
            code = process.exitcode
            if code < 0:
                try:
                    name = signal.Signals(-code).name
                except ValueError:
                    name = f"<Unknown signal {-code}>"
                raise ProcessExitedException(f"process {failed:d} terminated with signal {name}", failed,
                                             process.pid, code, name)
            raise ProcessExitedException(f"process {failed:d} terminated with exit code {code:d}", failed,
                                         process.pid, code)
        with open(error_file, "rb") as f:
            trace = pickle.load(f)
        os.unlink(error_file)
        raise ProcessRaisedException(f"\n\n-- Process {failed:d} terminated with the following error:\n{trace}",
                                     failed, process.pid)


def start_processes(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """Run ``fn(i, *args)`` for i in range(nprocs), each in a new process started by ``start_method``; wait for
    them all (``join``: returns None) or return their ProcessContext."""
    context = multiprocessing.get_context(start_method)
    processes, error_files = [], []
    for i in range(nprocs):
        handle, error_file = tempfile.mkstemp(prefix="seegrad-errorfile-", suffix=".pickle")
        os.close(handle)
        os.unlink(error_file)  # (the file exists only when the child failed with an exception)
        process = context.Process(target=_wrap, args=(fn, i, args, error_file), daemon=daemon)
        process.start()
        processes.append(process)
        error_files.append(error_file)
    context = ProcessContext(processes, error_files)
    if not join:
        return context
    while not context.join():
        pass


def spawn(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """torch.multiprocessing.spawn: ``fn(i, *args)`` in ``nprocs`` processes started with "spawn" (``fn``
    must be importable by name: defined at the top level of a module). Returns None when ``join``, else
    the ProcessContext."""
    if start_method != "spawn":
        warnings.warn(f"This method only supports start_method=spawn (got: {start_method}).\nTo use a different "
                      "start_method use:\n\t\t torch.multiprocessing.start_processes(...)", FutureWarning,
                      stacklevel=2)
    return start_processes(fn, args, nprocs, join, daemon, start_method="spawn")
