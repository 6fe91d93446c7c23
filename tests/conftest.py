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

try:  # the oracle: PyTorch's oneDNN (mkldnn) convolution kernels abort the process (SIGABRT or SIGBUS, in
    import torch  # backward) on an AVX2-only AMD EPYC machine with torch 2.13 (Keras' chapter 9 residual
except ImportError:  # blocks, plain Keras on its torch backend, crash alike). Without oneDNN PyTorch runs the
    pass  # same convolutions as im2col + gemm: the same semantics, the oracle's numbers to float rounding.
else:
    if torch.backends.cpu.get_cpu_capability() == "AVX2" and "AuthenticAMD" in open("/proc/cpuinfo").read():
        torch.backends.mkldnn.enabled = False
