"""Shared by the benchmarks: interleaved timing, peak memory, and BLAS thread control.

Every figure is a ratio against a reference measured in the same process, in
interleaved rounds, so machine load affects both sides alike.
"""
import gc
import os
import statistics
import subprocess
import sys
import time
import tracemalloc


def interleaved(candidates, rounds=7, number=None, target_seconds=0.2):
    """Median seconds per call for each {name: fn}, measured round-robin."""
    if number is None:  # calibrate on the first candidate
        fn = next(iter(candidates.values()))
        fn()
        start, number = time.perf_counter(), 1
        while time.perf_counter() - start < target_seconds / 10:
            fn()
            number += 1
        number = max(1, number * 10)
    times = {name: [] for name in candidates}
    for _ in range(rounds):
        for name, fn in candidates.items():
            gc.collect()  # untimed: no candidate pays to collect another one's garbage
            start = time.perf_counter()
            for _ in range(number):
                fn()
            times[name].append((time.perf_counter() - start) / number)
    return {name: statistics.median(ts) for name, ts in times.items()}


def peak_bytes(fn):
    """Peak bytes allocated while ``fn()`` runs (numpy reports its buffers to tracemalloc)."""
    fn()  # warm up: lazily created state (optimizer moments) is not a per-step cost
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    fn()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return peak


def run_thread_settings(script, args=()):
    """Run ``script`` twice: with 1 BLAS thread (what ``import autograd`` sets) and with BLAS's own
    default (one per core: SEEGRAD_BLAS_THREADS=0 keeps it; see autograd/threads.py)."""
    for threads in ("1", "default"):
        env = dict(os.environ)
        if threads == "1":
            for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
                env[var] = "1"
        else:
            env["SEEGRAD_BLAS_THREADS"] = "0"
        env["BENCH_THREADS"] = threads
        print(f"--- BLAS threads: {threads}", flush=True)
        subprocess.run([sys.executable, script, "--child", *args], env=env, check=True)


def torch_or_none(threads):
    try:
        import torch
    except ImportError:
        return None
    if threads == "1":
        torch.set_num_threads(1)
    return torch
