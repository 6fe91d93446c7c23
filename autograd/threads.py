"""BLAS threads: the library's policy on import, and torch's set_num_threads / get_num_threads.

numpy's BLAS (OpenBLAS) starts one thread per core and splits every matrix product between
them. For the small products a model here is made of, the threads cost more than they save,
and on a busy machine their spinning slows everything down (an LSTM script: 15 s with the
default threads on a loaded 2-core machine, 2 s with one). So, on ``import autograd``:

1. ``SEEGRAD_BLAS_THREADS=n`` set: BLAS gets n threads (``0``: BLAS keeps its own default);
2. else, if the user chose BLAS's threads already (OPENBLAS_NUM_THREADS, OMP_NUM_THREADS,
   MKL_NUM_THREADS, BLIS_NUM_THREADS): nothing changes;
3. else BLAS gets 1 thread.

Changing the thread count at run time needs threadpoolctl (``pip install threadpoolctl``;
the train and serve extras include it); without it the policy does nothing and the
environment variables above, set before Python starts, are the way. ``ag.set_num_threads(n)``
and ``ag.get_num_threads()`` change and read it later, as torch's functions of those names.
"""
import os

ENV = "SEEGRAD_BLAS_THREADS"
USER_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")
_NEEDS = "needs threadpoolctl (pip install threadpoolctl); without it, set OPENBLAS_NUM_THREADS={} before Python starts"


def _blas():
    """threadpoolctl's handle on the BLAS libraries numpy loaded, or None without threadpoolctl."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    return ThreadpoolController().select(user_api="blas")


def set_num_threads(n):
    """Use ``n`` BLAS threads for matrix products from now on (torch.set_num_threads)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: expected a positive integer number of threads, got {n!r}")
    blas = _blas()
    if blas is None:
        raise RuntimeError("set_num_threads: changing BLAS threads at run time " + _NEEDS.format(n))
    blas.limit(limits=n)


def get_num_threads():
    """How many threads BLAS uses for a matrix product (torch.get_num_threads)."""
    blas = _blas()
    if blas is None:
        raise RuntimeError("get_num_threads: reading BLAS threads " + _NEEDS.format("n"))
    counts = [lib["num_threads"] for lib in blas.info()]
    return max(counts) if counts else 1


def apply_policy(environ=os.environ):
    """What ``import autograd`` does (see above); returns the thread count it set, or None."""
    wanted = environ.get(ENV, "").strip()
    if wanted:
        if not wanted.isdigit():
            raise ValueError(f"{ENV}={wanted!r}: expected a number of BLAS threads (0 keeps BLAS's default)")
        n = int(wanted)
    elif any(environ.get(var) for var in USER_VARS):
        return None
    else:
        n = 1
    blas = _blas() if n else None
    if blas is None:
        return None
    blas.limit(limits=n)
    return n
