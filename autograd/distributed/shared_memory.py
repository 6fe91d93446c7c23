"""All-reduce through shared memory, for the ranks of one machine (the "mpi" backend's fast path).

MPI's all-reduce between processes of one machine copies each message into a shared segment,
reduces, and copies the result out again: on 2 ranks, 1.0 ms of CPU per rank for 7.45 MB. A
tensor made by ``dist.empty_shared`` lives instead in an MPI-3 shared window that every rank of
the machine maps (``MPI_Win_allocate_shared``), and ``all_reduce`` on it reads the other ranks'
memory directly, with no message and no copy in or out. Op number s, on N ranks:

a) launch: this rank's buffer holds its values; it says so (arrived = s) and returns a request;
b) once every rank has arrived, rank r combines chunk r (1/N of the elements) of every rank's
   buffer (for an average, then times 1/N) and writes the result into chunk r of every rank's
   buffer (a reduce-scatter by reading, an all-gather by writing), then says reduced = s. Chunk r
   is read and written by rank r only, so the ranks never touch the same elements. It goes block
   by block (BLOCK bytes, a size the core's cache holds): a block is summed, scaled and copied out
   while it is in the cache, so that the memory is crossed about 4 times per chunk, not 7;
c) once every rank has reduced, every buffer holds the whole result and nobody touches this rank's
   buffer any more: it is the caller's again.
A reduce-scatter (``bounds``: rank r's chunk, of any length) writes rank r's result only into
rank r's own buffer; it too is done once every rank has reduced. The ranks need not pass the same
buffer to one op: each may pass any of its buffers of that size (DistributedDataParallel picks, on
each rank, one the user no longer views). A rank says which when it arrives: the buffer's number
(they are numbered in the order they were made, the same on every rank) in its counters' line,
in a ring of slots that holds the last RING ops, so the others know whose memory to read and write.

b) and c) run inside ``Test()``, as MPI's progress does, so the op is non-blocking: DDP's poller
thread (or any wait) moves it along while backward computes. Requests complete in the order
they were started (MPI's rule for collectives too); every rank starts the same ones in the same
order. The counters are sequence numbers in a second small window, one cache line per rank;
``Win.Sync`` is the memory barrier between writing data and raising a counter, and between
seeing a counter and reading data (MPI's model for shared windows). The windows last as long as
the process (see ``close``).
"""
import os
import threading
import time

from ..backend import host
from .process_group import DistBackendError

__all__ = ["SharedMemory"]

ARRIVED, REDUCED, NAMED = 0, 1, 8
LINE = 64  # int64s per rank, whole 64-byte cache lines so that ranks don't write the same line: the counters,
RING = LINE - NAMED  # then the number of the buffer op s reduces, at NAMED + s % RING
BLOCK = 256 * 1024  # bytes combined at a time: each block stays in the core's cache while summed, scaled, copied out

UFUNCS = {"sum": host.add, "avg": host.add, "product": host.multiply, "min": host.minimum, "max": host.maximum,
          "band": host.bitwise_and, "bor": host.bitwise_or, "bxor": host.bitwise_xor}  # avg: summed, then divided


class SharedMemory:
    """The ranks of one machine, their shared buffers, and the all-reduces in flight on them."""

    def __init__(self, MPI, node, timeout):
        self.MPI, self.node, self.timeout = MPI, node, timeout  # node: a communicator of this machine's ranks
        self.rank, self.size = node.Get_rank(), node.Get_size()
        self.windows = []
        self.control, self.control_window = self._allocate(LINE * 8, host.int64)  # per rank: its counters
        self.control[self.rank][:] = 0
        self.started = 0  # sequence number of the last op started here
        self.buffers = {}  # address of this rank's buffer -> (its number, every rank's buffer of that number)
        self.numbered = [None]  # number -> every rank's buffer (raw bytes)
        self.queue = []  # requests in flight, oldest first
        self.lock = threading.Lock()
        self.node.Barrier()  # every rank's counters are zero before anyone reads them

    def _allocate(self, nbytes, dtype):
        """(one array per rank, the window): a collective of the machine's ranks."""
        dtype = host.dtype(dtype)
        window = self.MPI.Win.Allocate_shared(nbytes, dtype.itemsize, comm=self.node)
        window.Lock_all(self.MPI.MODE_NOCHECK)  # a passive epoch for the whole lifetime: Sync works in it
        self.windows.append(window)
        arrays = []
        for r in range(self.size):
            memory, _ = window.Shared_query(r)
            arrays.append(host.frombuffer(memory, dtype=dtype, count=len(memory) // dtype.itemsize))  # rank r's size
        return arrays, window

    def empty(self, nbytes):
        """This rank's new buffer of ``nbytes`` bytes (uint8), in a window every rank can read."""
        arrays, _ = self._allocate(nbytes, host.uint8)
        sizes = [a.nbytes for a in arrays]
        if len(set(sizes)) > 1:
            raise ValueError(f"empty_shared: the ranks asked for different sizes ({sizes} bytes on ranks "
                             f"0..{self.size - 1}); every rank must call it with the same size, in the same order")
        mine = arrays[self.rank]
        if nbytes:
            self.buffers[mine.ctypes.data] = (len(self.numbered), arrays)
            self.numbered.append(arrays)
        return mine

    def one_copy(self, nbytes):
        """``nbytes`` bytes (uint8) in a window that holds them once: every rank gets the same memory
        (rank 0's), so what one rank writes the others read (a collective, like ``empty``)."""
        arrays, _ = self._allocate(nbytes if self.rank == 0 else 0, host.uint8)
        sizes = self.node.allgather(nbytes)
        if len(set(sizes)) > 1:
            raise ValueError(f"empty_shared(one_copy=True): the ranks asked for different sizes ({sizes} bytes on "
                             f"ranks 0..{self.size - 1}); every rank must call it with the same size, in the same "
                             "order")
        return arrays[0]

    def holds(self, array):
        """Is ``array`` (contiguous) exactly one of this rank's shared buffers?"""
        _, arrays = self.buffers.get(array.ctypes.data, (0, None))
        return arrays is not None and arrays[self.rank].nbytes == array.nbytes

    def allreduce(self, array, op, bounds=None):
        """Start combining ``array`` (a buffer of ``empty``; on the other ranks, the buffer of that size
        each of them names) over the ranks with ``op``; returns a request. With ``bounds`` (N + 1
        element offsets), a reduce-scatter: rank r combines only elements bounds[r]:bounds[r+1], and
        nothing is gathered (step c is skipped)."""
        number, _ = self.buffers[array.ctypes.data]
        seq, start = self.started + 1, time.monotonic()
        while seq > RING and not self.everyone(REDUCED, seq - RING):  # the others have read its slot by then
            self.progress()
            if time.monotonic() - start > self.timeout:
                raise DistBackendError(f"all_reduce: rank {self.rank} waited {self.timeout:g} s for the other ranks to "
                                       f"finish op {seq - RING} before starting op {seq} ({RING} may be in flight); a "
                                       "rank has stopped or hangs. The process group can't be used after this.")
            os.sched_yield()
        with self.lock:
            self.started = seq
            request = Reduction(self, array.dtype, UFUNCS[op], seq, bounds, average=op == "avg")
            self.queue.append(request)
            self.control[self.rank][NAMED + seq % RING] = number
            self.control_window.Sync()  # the data is written before the counter says so
            self.control[self.rank][ARRIVED] = seq
        return request

    def named(self, seq, dtype):
        """Every rank's buffer of op ``seq`` (once every rank has arrived: each names its own)."""
        arrays = [self.numbered[c[NAMED + seq % RING]][r].view(dtype) for r, c in enumerate(self.control)]
        if len({a.size for a in arrays}) > 1:
            raise DistBackendError(f"all_reduce: the ranks passed tensors of different sizes "
                                   f"({[a.size for a in arrays]} elements on ranks 0..{self.size - 1}); every rank "
                                   "must all-reduce a tensor of the same size, in the same order")
        return arrays

    def progress(self, request=None):
        """Move the ops in flight along as far as the other ranks allow; True when ``request`` is done.
        A thread that finds another one progressing leaves it to that one."""
        if self.queue and self.lock.acquire(blocking=False):
            try:
                while self.queue and self.queue[0].advance():
                    self.queue.pop(0)
            except DistBackendError as err:  # that op can't be done: its waiter gets the error, the others go on
                self.queue.pop(0).error = err
            finally:
                self.lock.release()
        if request is not None and request.error is not None:
            raise request.error
        return request is None or request.done

    def everyone(self, stage, seq):
        if not all(c[stage] >= seq for c in self.control):
            return False
        self.control_window.Sync()  # what they wrote before raising their counters is seen after it
        return True

    def say(self, stage, seq):
        self.control_window.Sync()
        self.control[self.rank][stage] = seq

    def close(self):
        """The process group ends: no more reductions. The windows stay mapped until the process exits
        (MPI_Finalize frees them): a tensor of ``empty_shared`` (a DDP bucket, a .grad viewing it) may
        outlive the group, and freeing its memory under it would crash the process on its next read."""
        self.progress()
        self.buffers = {}


class Reduction:
    """One all-reduce on shared buffers: MPI's request interface (``Test``)."""

    def __init__(self, shm, dtype, ufunc, seq, bounds=None, average=False):
        self.shm, self.dtype, self.ufunc, self.seq, self.average = shm, dtype, ufunc, seq, average
        self.bounds = bounds
        self.gather = bounds is None  # else a reduce-scatter: each rank keeps its own chunk only
        self.stage, self.done, self.error = ARRIVED, False, None

    def Test(self):
        return self.shm.progress(self)

    def advance(self):
        """Steps b) and c), as far as the other ranks allow (called with the lock held); True when done."""
        shm, seq = self.shm, self.seq
        if self.stage == ARRIVED:
            if not shm.everyone(ARRIVED, seq):
                return False
            self._reduce_my_chunk()
            shm.say(REDUCED, seq)
            self.stage = REDUCED
        if not shm.everyone(REDUCED, seq):  # c) nobody reads or writes my buffer any more
            return False
        self.done = True
        return True

    def _reduce_my_chunk(self):
        """b) chunk ``me`` of every rank's buffer combined into mine, then (all-reduce) copied into theirs."""
        me, n = self.shm.rank, self.shm.size
        arrays = self.shm.named(self.seq, self.dtype)
        mine, ufunc = arrays[me], self.ufunc
        others = [a for r, a in enumerate(arrays) if r != me]
        scale = None
        if self.average:  # times 1/N where that is exact (N a power of 2), else divided by N
            scale = (host.multiply, mine.dtype.type(1 / n)) if n & (n - 1) == 0 else (host.divide, n)
        bounds = self.bounds or [mine.size * r // n for r in range(n + 1)]
        chunk = slice(bounds[me], bounds[me + 1])
        step = max(1, BLOCK // mine.itemsize)
        for start in range(chunk.start, chunk.stop, step):
            block = slice(start, min(start + step, chunk.stop))
            own = mine[block]
            for theirs in others:
                ufunc(own, theirs[block], out=own)
            if scale is not None:
                scale[0](own, scale[1], out=own)
            if self.gather:
                for theirs in others:
                    host.copyto(theirs[block], own)
