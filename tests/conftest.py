"""Test-wide settings: one BLAS thread. The suite is full of small matrix products, which
OpenBLAS threads only slow down on a small shared machine (CI has 2 cores)."""
import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # effective if numpy is not imported yet; children inherit it

try:  # numpy may already be loaded (by a plugin): limit its thread pool at run time too
    from threadpoolctl import threadpool_limits
except ImportError:
    pass
else:
    threadpool_limits(1)
