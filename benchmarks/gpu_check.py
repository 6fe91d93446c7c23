"""GPU check: seegrad on "cuda" (CuPy) against its own CPU results and against PyTorch CUDA.

    python benchmarks/gpu_check.py                  # on a machine with an NVIDIA GPU and CuPy
    python benchmarks/gpu_check.py --parts ops,layers
    python benchmarks/gpu_check.py --device fakegpu --quick    # the code paths, on the CPU

Parts, one summary line each (the whole run stays under 5 minutes on a GPU):
  ops     every row of the op table (tests/porting/test_expressions.py) on the device, values and
          gradients against the CPU
  layers  the layer and loss rows of tests/test_devices_seam.py on the device against the CPU
  train   the MNIST-1D CNN (seegrad.models.cnn1d, Adam lr 1e-2, batch 100) trained on the device
          and on the CPU from the same seed: test accuracies (the GPU's draws differ, so the
          accuracies are compared, not the parameters)
  time    W3 (MLP 784-1024-1024-10, batch 512, SGD step) and the Conv2d benchmark (Conv2d(1,32,3),
          ReLU, Conv2d(32,64,3) on 64 x 1 x 28 x 28, forward + backward), milliseconds per step,
          against PyTorch CUDA when torch sees a GPU

Without CuPy or a GPU it prints why and exits 0 (nothing to check). ``--device fakegpu`` runs the
same code on the test suite's fake device (tests/fake_device.py), which is how CI checks this
script. Needs the repository checkout (it reads the tables from tests/).
"""
import argparse
import math
import os
import statistics
import sys
import time
import warnings

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests"))

import numpy as np  # noqa: E402

import autograd as ag  # noqa: E402

PARTS = ("ops", "layers", "train", "time")


def host(t):
    return t.detach().cpu().numpy()


def close(got, want, rtol, atol):
    """(ok, worst relative error) of two results, tensors or numbers."""
    if isinstance(want, ag.Tensor):
        if not isinstance(got, ag.Tensor) or tuple(got.shape) != tuple(want.shape) or got.dtype != want.dtype:
            return False, math.inf
        g, w = host(got).astype(np.float64), host(want).astype(np.float64)
        with np.errstate(all="ignore"):
            ok = bool(np.allclose(g, w, rtol=rtol, atol=atol, equal_nan=True))
            err = np.abs(g - w) / (np.abs(w) + atol)
            worst = float(np.nanmax(err)) if err.size and not np.isnan(err).all() else 0.0
        return ok, worst
    if isinstance(want, float):
        return (math.isclose(got, want, rel_tol=rtol, abs_tol=atol) or got == want or (got != got and want != want)), 0.0
    return got == want, 0.0


def on(device, value):
    """Every tensor in ``value`` lives on ``device`` (type)."""
    if isinstance(value, ag.Tensor):
        return value.device.type == device
    if isinstance(value, (tuple, list)):
        return all(on(device, v) for v in value)
    return True


def part_ops(device, quick):
    import test_devices_seam as seam
    rows = seam.ROWS[::20] if quick else seam.ROWS
    bad, worst = [], 0.0
    for row in rows:
        names = seam.expressions._names(row.expr)
        try:
            ag.set_default_device(None)
            want, want_grads = seam._run_row(row, names, "cpu")
            ag.set_default_device(device)
            got, got_grads = seam._run_row(row, names, device)
        except Exception as err:  # noqa: BLE001 - reported, the run goes on
            bad.append(f"{row.expr} ({type(err).__name__}: {str(err)[:80]})")
            continue
        finally:
            ag.set_default_device(None)
        pairs = list(zip(got, want)) + [(g, w) for g, w in zip(got_grads, want_grads) if w is not None]
        for g, w in pairs:
            ok, err = close(g, w, row.rtol * 10, row.atol * 10)
            worst = max(worst, err if math.isfinite(err) else 0.0)
            if not ok or not on(device, g):
                bad.append(row.expr)
                break
    return f"ops: {len(rows) - len(bad)}/{len(rows)} rows of the op table match the CPU on {device} " \
           f"(worst relative difference {worst:.1e})" + (f"; differ: {bad[:5]}" if bad else ""), not bad


def part_layers(device, quick):
    import test_devices_seam as seam
    rows = seam.LAYERS + seam.LOSSES
    bad = []
    for name, make, shape, bound in rows:
        try:
            if (name, make, shape, bound) in seam.LOSSES:
                want, got = seam._run_loss(make, shape, bound, "cpu"), seam._run_loss(make, shape, bound, device)
                pairs = list(zip(got, want))
            else:
                w_out, w_grads, w_bufs = seam._run_layer(make, shape, bound, "cpu")
                g_out, g_grads, g_bufs = seam._run_layer(make, shape, bound, device)
                pairs = list(zip(g_out + g_grads + g_bufs, w_out + w_grads + w_bufs))
        except Exception as err:  # noqa: BLE001
            bad.append(f"{name} ({type(err).__name__}: {str(err)[:80]})")
            continue
        if not all(close(g, w, 1e-4, 1e-5)[0] and on(device, g) for g, w in pairs):
            bad.append(name)
    return f"layers: {len(rows) - len(bad)}/{len(rows)} layers and losses match the CPU on {device}" + \
        (f"; differ: {bad}" if bad else ""), not bad


def _mnist1d_accuracy(device, steps, seed=0):
    import nn.functional as F
    import optim
    import seegrad.models
    from seegrad.data import load_mnist1d
    data = load_mnist1d()
    ag.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = seegrad.models.cnn1d().to(device)  # initialised on the CPU, then moved: the same start
    opt = optim.Adam(model.parameters(), lr=1e-2)
    x_train, y_train = ag.tensor(data.X_train).to(device), ag.tensor(data.y_train).to(device)
    start = time.perf_counter()
    for _ in range(steps):
        idx = ag.tensor(rng.integers(0, len(data.X_train), 100))
        loss = F.cross_entropy(model(x_train[idx.to(device)]), y_train[idx.to(device)])
        opt.zero_grad()
        loss.backward()
        opt.step()
    with ag.no_grad():
        predicted = model(ag.tensor(data.X_test).to(device)).argmax(1).cpu().numpy()
    return float((predicted == data.y_test).mean()), time.perf_counter() - start


def part_train(device, quick):
    try:
        import mnist1d  # noqa: F401
    except ImportError:
        return "train: skipped: the mnist1d package is not installed (pip install 'seegrad[train]')", True
    steps = 60 if quick else 3000
    cpu_acc, cpu_s = _mnist1d_accuracy("cpu", steps)
    dev_acc, dev_s = _mnist1d_accuracy(device, steps)
    ok = abs(dev_acc - cpu_acc) <= (0.5 if quick else 0.02)
    return (f"train: MNIST-1D CNN, {steps} Adam steps: test accuracy {dev_acc:.3f} on {device} ({dev_s:.1f} s), "
            f"{cpu_acc:.3f} on the CPU ({cpu_s:.1f} s)" + ("" if ok else " -- more than 2 points apart")), ok


def _median_ms(step, sync, reps, warmup=3):
    for _ in range(warmup):
        step()
    sync()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        step()
        sync()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def _sync(device):
    if device == "cuda":
        return ag.cuda.synchronize
    return lambda: None


def _w3(lib, device):
    """W3, written once for ``lib`` = autograd or torch (the same names): one SGD step's closure."""
    lib.manual_seed(0)
    nn = lib.nn
    model = nn.Sequential(nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(),
                          nn.Linear(1024, 10)).to(device)
    opt = lib.optim.SGD(model.parameters(), lr=0.01)
    x, y = lib.randn(512, 784, device=device), lib.randint(0, 10, (512,), device=device)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    return step


def _conv(lib, device):
    """The Conv2d benchmark's step (forward + backward), written once for autograd or torch."""
    lib.manual_seed(0)
    nn = lib.nn
    model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3)).to(device)
    x = lib.randn(64, 1, 28, 28, device=device)

    def step():
        for p in model.parameters():
            p.grad = None
        model(x).sum().backward()
    return step


def _torch_cuda():
    try:
        import torch
    except ImportError:
        return None
    return torch if torch.cuda.is_available() else None


def part_time(device, quick):
    reps = 3 if quick else 30
    torch = _torch_cuda()
    words = []
    for name, workload in (("W3 MLP 784-1024-1024-10 b512", _w3), ("Conv2d 1-32-64 on 64x28x28", _conv)):
        ms = _median_ms(workload(ag, device), _sync(device), reps)
        if torch is None:
            words.append(f"{name}: {ms:.2f} ms on {device} (PyTorch CUDA not available)")
        else:
            their_ms = _median_ms(workload(torch, "cuda"), torch.cuda.synchronize, reps)
            words.append(f"{name}: {ms:.2f} ms vs PyTorch CUDA {their_ms:.2f} ms ({ms / their_ms:.2f}x)")
    return "time: " + "; ".join(words), True


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", help="cuda (default), or fakegpu to run the code on the CPU")
    parser.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated, of {', '.join(PARTS)}")
    parser.add_argument("--quick", action="store_true", help="a few rows and steps: the code paths only")
    args = parser.parse_args(argv)
    parts = [p for p in args.parts.split(",") if p]
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        parser.error(f"unknown parts {unknown}; choose from {', '.join(PARTS)}")
    if args.device == "fakegpu":
        import fake_device
        fake_device.use()
    elif args.device != "cuda":
        parser.error("--device must be cuda or fakegpu")
    elif not ag.cuda.is_available():
        from autograd.backend import cuda_unavailable_reason
        print(f"gpu_check: skipped: CUDA is not available here ({cuda_unavailable_reason()}); run it on a "
              "machine with an NVIDIA GPU after pip install 'seegrad[gpu]' (CUDA 12) or 'seegrad[gpu-cuda13]'")
        return 0
    start, failed = time.perf_counter(), []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for part in parts:
            line, ok = globals()[f"part_{part}"](args.device, args.quick)
            print(line, flush=True)
            if not ok:
                failed.append(part)
    print(f"gpu_check: {len(parts) - len(failed)}/{len(parts)} parts passed on {args.device} "
          f"in {time.perf_counter() - start:.0f} s" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
