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
rank r's own buffer; it too is done once every rank has reduced.

b) and c) run inside ``Test()``, as MPI's progress does, so the op is non-blocking: DDP's poller
thread (or any wait) moves it along while backward computes. Requests complete in the order
they were started (MPI's rule for collectives too); every rank starts the same ones in the same
order. The counters are sequence numbers in a second small window, one cache line per rank;
``Win.Sync`` is the memory barrier between writing data and raising a counter, and between
seeing a counter and reading data (MPI's model for shared windows). The windows last as long as
the process (see ``close``).
"""
import threading

from ..backend import host

__all__ = ["SharedMemory"]

ARRIVED, REDUCED = range(2)
LINE = 8  # int64 counters per rank: one 64-byte cache line, so ranks don't write the same line
BLOCK = 256 * 1024  # bytes combined at a time: each block stays in the core's cache while summed, scaled, copied out

UFUNCS = {"sum": host.add, "avg": host.add, "product": host.multiply, "min": host.minimum, "max": host.maximum,
          "band": host.bitwise_and, "bor": host.bitwise_or, "bxor": host.bitwise_xor}  # avg: summed, then divided


class SharedMemory:
    """The ranks of one machine, their shared buffers, and the all-reduces in flight on them."""

    def __init__(self, MPI, node):
        self.MPI, self.node = MPI, node  # node: a communicator of exactly the ranks on this machine
        self.rank, self.size = node.Get_rank(), node.Get_size()
        self.windows = []
        self.control, self.control_window = self._allocate(LINE * 8, host.int64)  # per rank: its counters
        self.control[self.rank][:] = 0
        self.started = 0  # sequence number of the last op started here
        self.buffers = {}  # address of this rank's buffer -> every rank's (raw bytes)
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
            self.buffers[mine.ctypes.data] = arrays
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
        arrays = self.buffers.get(array.ctypes.data)
        return arrays is not None and arrays[self.rank].nbytes == array.nbytes

    def allreduce(self, array, op, bounds=None):
        """Start combining ``array`` (a buffer of ``empty``) over the ranks with ``op``; returns a request.
        With ``bounds`` (N + 1 element offsets), a reduce-scatter: rank r combines only elements
        bounds[r]:bounds[r+1], and nothing is gathered (step c is skipped)."""
        arrays = [a.view(array.dtype) for a in self.buffers[array.ctypes.data]]
        with self.lock:
            self.started += 1
            request = Reduction(self, arrays, UFUNCS[op], self.started, bounds, average=op == "avg")
            self.queue.append(request)
            self.control_window.Sync()  # the data is written before the counter says so
            self.control[self.rank][ARRIVED] = self.started
        return request

    def progress(self, request=None):
        """Move the ops in flight along as far as the other ranks allow; True when ``request`` is done.
        A thread that finds another one progressing leaves it to that one."""
        if self.queue and self.lock.acquire(blocking=False):
            try:
                while self.queue and self.queue[0].advance():
                    self.queue.pop(0)
            finally:
                self.lock.release()
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

    def __init__(self, shm, arrays, ufunc, seq, bounds=None, average=False):
        self.shm, self.arrays, self.ufunc, self.seq, self.average = shm, arrays, ufunc, seq, average
        n, size = arrays[0].size, shm.size
        self.gather = bounds is None  # else a reduce-scatter: each rank keeps its own chunk only
        bounds = [n * r // size for r in range(size + 1)] if bounds is None else bounds
        self.chunks = [slice(bounds[r], bounds[r + 1]) for r in range(size)]
        self.stage, self.done = ARRIVED, False

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
        mine, ufunc = self.arrays[me], self.ufunc
        others = [a for r, a in enumerate(self.arrays) if r != me]
        scale = None
        if self.average:  # times 1/N where that is exact (N a power of 2), else divided by N
            scale = (host.multiply, mine.dtype.type(1 / n)) if n & (n - 1) == 0 else (host.divide, n)
        chunk = self.chunks[me]
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
