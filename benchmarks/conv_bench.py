"""Conv2d forward + backward: seegrad (numpy im2col) vs PyTorch CPU, in one process.

The network is the start of PyTorch's MNIST example: Conv2d(1, 32, 3) -> ReLU -> Conv2d(32, 64, 3),
on a batch of 64 images 1 x 28 x 28 (float32), loss = output.sum(). One step is forward + backward
(weight and input gradients). Both libraries get the same thread count: numpy's BLAS through
threadpoolctl, torch through torch.set_num_threads. Timings interleave the two libraries and
report the median of --reps steps, so machine noise hits both alike.

The floor, timed in the same interleaved rounds, is the BLAS calls seegrad's step makes, alone:
the matmuls of im2col convolution (autograd/ops/conv.py) on arrays of the same shapes and
layouts, batch slice by batch slice as conv_forward / conv_backward cut it (``_chunks``), with
preallocated outputs (``blas_floor`` lists them: per layer and slice y = [W | b] @ [cols; 1] and
[dW | db]^T = [cols; 1] @ g^T, and for the second layer, whose input needs a gradient,
dcols = W^T @ g on flat columns). Everything above it is im2col copies, col2im, the output
gradient's copy into the flat columns, ReLU, the sum and the autograd walk. ``--exact-floor``
also times the floor of the algorithm before the flat columns (exact columns, dW = g @ cols^T).

    python benchmarks/conv_bench.py              # 1 thread and the default thread count
    python benchmarks/conv_bench.py --reps 30 --threads 1
    python benchmarks/conv_bench.py --threads 1 --breakdown   # then where seegrad's step spends its time
    python benchmarks/conv_bench.py --threads 1 --best --phases   # and the step phase by phase vs the floor
    python benchmarks/conv_bench.py --threads 1 --torch-im2col  # and vs PyTorch's own im2col path
    python benchmarks/conv_bench.py --threads 1 --exact-floor   # and the old algorithm's floor

``--mnist1d`` instead trains the MNIST-1D paper's CNN (seegrad.models.cnn1d) with the mnist1d repo's
recipe (Adam lr 1e-2, batch 100, 6000 steps, 4000 train / 1000 test) and prints its test accuracy:

    python benchmarks/conv_bench.py --mnist1d --seeds 0 1 2
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import autograd as ag  # noqa: E402
import nn  # noqa: E402
import seegrad  # noqa: E402


def build_ours(weights):
    model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3))
    model.load_state_dict({k: ag.tensor(v) for k, v in weights.items()})
    return model


def build_torch(torch, weights):
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 32, 3), torch.nn.ReLU(), torch.nn.Conv2d(32, 64, 3))
    model.load_state_dict({k: torch.tensor(v) for k, v in weights.items()})
    return model


def step_ours(model, x):
    for p in model.parameters():
        p.grad = None
    out = model(x)
    out.sum().backward()
    return out


def step_torch(model, x):
    for p in model.parameters():
        p.grad = None
    out = model(x)
    out.sum().backward()
    return out


def step_torch_im2col(model, x):
    """PyTorch with oneDNN off: its own im2col + BLAS-gemm convolution (slow_conv2d), our algorithm."""
    import warnings

    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's note on TF32 for Intel GPUs
        with torch.backends.mkldnn.flags(enabled=False):
            return step_torch(model, x)


def check_same(ours, theirs, x, xt):
    """Both libraries compute the same numbers before we time them."""
    a, b = step_ours(ours, x), step_torch(theirs, xt)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-3, atol=1e-3)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        scale = float(np.abs(q.grad.numpy()).max())
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-3, atol=1e-4 * scale, err_msg=name)


LAYERS = [(1, 32, 3, 28, 28, False), (32, 64, 3, 26, 26, True)]  # (C_in, C_out, k, H, W, needs_dx)


def blas_floor(layers, batch, dtype=np.float32, exact=False, phases=False):
    """The matmuls of one forward + backward through ``layers`` [(C_in, C_out, k, H, W, needs_dx)],
    as conv_forward and conv_backward issue them (stride 1, no padding, groups 1), alone.

    Per batch slice of B samples (``_chunks``, as the step cuts the batch): forward
    y[s:e] = [W | b] @ [cols; 1], cols (B, 1, K, OH*OW); backward, on columns of L = OH*OW or,
    where the layer's input needs a gradient, the flat L = (OH-1)*W + OW (``Columns``):
    [dW | db]^T = [cols; 1] @ g^T (B, 1, K + 1, O) and dcols = W^T @ g (B, 1, K, L), written
    between margins of its rows as conv_backward writes it (``Columns.window_sums``).
    ``exact=True`` gives instead the floor of the algorithm before the flat columns (for
    comparison only): L = OH*OW, slices sized by the columns alone, the batch slice concatenated
    along L, no bias row, and dW = g @ cols^T.
    Slices of the same size share their arrays, so each matmul reads cache-warm operands, as in
    the step, where it reads columns im2col has just written. ``phases=True`` returns instead a
    runner per (layer index, "forward" or "backward"): the floor phase by phase."""
    from autograd.ops.conv import Columns, _chunks

    rng = np.random.default_rng(0)
    isz = np.dtype(dtype).itemsize
    calls = []  # (a, b, out) of every np.matmul, in order
    groups = {}  # (layer index, phase) -> its calls

    def arrays(*shapes):
        return [rng.standard_normal(shape).astype(dtype) for shape in shapes]

    for i, (c, o, k, h, w, needs_dx) in enumerate(layers):
        oh, ow, K = h - k + 1, w - k + 1, c * k * k
        start = len(calls)
        made = {}  # slice length -> its arrays
        if exact:
            wm, = arrays((1, o, K))
            for s, e in _chunks(batch, K * oh * ow * isz):
                p = (e - s) * oh * ow
                made[p] = made.get(p) or arrays((1, K, p), (1, o, p), (1, o, p), (1, o, K), (1, K, p))
                cols, gm, y, gw, dcols = made[p]
                calls += [(wm, cols, y), (gm, cols.transpose(0, 2, 1), gw)]
                calls += [(wm.transpose(0, 2, 1), gm, dcols)] if needs_dx else []
            continue
        wm, = arrays((1, o, K + 1))  # [W | b] (_weight_matrix and the bias: G, O/G, K + 1)
        for s, e in _chunks(batch, (K + o) * oh * ow * isz):  # forward: exact columns, into y
            b = e - s
            made[b] = made.get(b) or arrays((b, 1, K + 1, oh * ow), (b, 1, o, oh * ow))
            cols, y = made[b]
            calls.append((wm, cols, y))
        groups[i, "forward"], start = calls[start:], len(calls)
        columns = Columns((h, w), (k, k), (oh, ow), (1, 1), (1, 1), flat=needs_dx)
        length, margin = columns.length, columns.margin
        made = {}
        for s, e in _chunks(batch, (K + o) * length * isz):  # backward
            b = e - s
            made[b] = made.get(b) or arrays((b, 1, K + 1, length), (b, 1, o, length), (b, 1, K + 1, o),
                                            (b, 1, K, margin + length + margin))
            cols, gm, part, dcols = made[b]
            calls.append((cols, gm.swapaxes(2, 3), part))  # [dW | db]^T
            if needs_dx:  # dcols, for col2im: written between the margins of its rows
                calls.append((wm[:, :, :K].transpose(0, 2, 1), gm, dcols[..., margin:margin + length]))
        groups[i, "backward"] = calls[start:]

    def runner(calls):
        def run():
            for a, b, out in calls:
                np.matmul(a, b, out=out)
        return run
    return {key: runner(group) for key, group in groups.items()} if phases else runner(calls)


def time_interleaved(fns, reps, best=False):
    """Median (or with ``best``, the fastest) seconds of each fn over ``reps`` rounds, one call of
    each per round. On a loaded machine the fastest rounds are the ones least disturbed."""
    for fn in fns:  # warm up
        fn()
        fn()
    times = [[] for _ in fns]
    for _ in range(reps):
        for fn, ts in zip(fns, times):
            t = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t)
    return [min(ts) if best else statistics.median(ts) for ts in times]


def breakdown(model, x, steps, whole):
    """Wall time per step inside the conv primitives, split into matmul, im2col and col2im (flat:
    the one strided sum of stride-1 dL/dx; exact: an add per kernel offset); the rest
    of Convolution.forward/backward is the output gradient's copy into flat columns, dW's sum over
    slices, allocations and Python; the rest of the step is ReLU, the sum and the autograd walk."""
    from _breakdown import Breakdown

    from autograd.ops import conv

    with Breakdown() as b:
        b.watch(conv, "im2col", "col2im", "col2im_flat")
        b.watch_method(conv.Convolution, "forward", "backward")
        b.watch_matmul()
        start = time.perf_counter()
        for _ in range(steps):
            step_ours(model, x)
        watched = (time.perf_counter() - start) / steps
    print(f"where seegrad's step goes ({steps} steps, {watched * 1e3:.1f} ms each with the timers, "
          f"{whole * 1e3:.1f} ms without; Convolution.* contain the lines under them):")
    b.report(steps)


def phases(images, weights, reps):
    """The step phase by phase, each timed alone on the arrays the step itself makes (the conv
    primitives of autograd/ops/conv.py, ReLU and its gradient as autograd/ops/math.py computes
    them, the sum), next to the floor's matmuls of that phase, in interleaved rounds (fastest of
    ``reps``). What the phases leave of the whole step is the autograd walk and the modules."""
    from autograd.ops.conv import conv_backward, conv_forward

    geo = dict(stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1), groups=1)
    w1, b1, w2, b2 = (weights[k] for k in ("0.weight", "0.bias", "2.weight", "2.bias"))
    h = conv_forward(images, w1, bias=b1, **geo)  # (N, 32, 26, 26)
    r = np.maximum(h, 0)
    y = conv_forward(r, w2, bias=b2, **geo)  # (N, 64, 24, 24)
    g = np.broadcast_to(np.ones((), y.dtype), y.shape)  # the sum's gradient, as the step passes it on
    gr = conv_backward(g, r, w2, r.shape, w2.shape, **geo, need_b=True)[0]
    gh = gr * (r != 0)
    floors = blas_floor(LAYERS, len(images), phases=True)
    rows = [("conv1 forward", lambda: conv_forward(images, w1, bias=b1, **geo), floors[0, "forward"]),
            ("relu", lambda: np.maximum(h, 0), None),
            ("conv2 forward", lambda: conv_forward(r, w2, bias=b2, **geo), floors[1, "forward"]),
            ("sum", lambda: y.sum(), None),
            ("conv2 backward (dx, dw, db)",
             lambda: conv_backward(g, r, w2, r.shape, w2.shape, **geo, need_b=True), floors[1, "backward"]),
            ("relu backward", lambda: gr * (r != 0), None),
            ("conv1 backward (dw, db)",
             lambda: conv_backward(gh, images, w1, images.shape, w1.shape, **geo, need_x=False, need_b=True),
             floors[0, "backward"])]
    fns = [fn for _, fn, _ in rows] + [floor for _, _, floor in rows if floor is not None]
    times = time_interleaved(fns, reps, best=True)
    floor_times = iter(times[len(rows):])
    print(f"the step phase by phase (fastest of {reps}, each alone):")
    print(f"  {'phase':<28} {'ms':>6} {'floor ms':>9} {'above':>6}")
    total = low = 0.0
    for (name, _, floor), t in zip(rows, times):
        f = next(floor_times) if floor is not None else 0.0
        total, low = total + t, low + f
        print(f"  {name:<28} {t * 1e3:>6.2f} {f * 1e3:>9.2f} {(t - f) * 1e3:>6.2f}")
    print(f"  {'all phases':<28} {total * 1e3:>6.2f} {low * 1e3:>9.2f} {(total - low) * 1e3:>6.2f}")
    return total


def page_faults(step, steps=10):
    """Minor page faults per call of ``step``: the first write to each fresh page of memory (~1 us
    each here). Linux only (0 where resource is missing)."""
    try:
        import resource
    except ImportError:
        return 0
    step()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(steps):
        step()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / steps


def train_mnist1d(seed, steps=6000, batch=100, lr=1e-2):
    """The mnist1d repo's recipe for its ConvBase model; returns (test accuracy, seconds)."""
    import nn.functional as F
    import optim
    from seegrad.data import load_mnist1d

    data = load_mnist1d()  # make_dataset(get_dataset_args()): 4000 train / 1000 test, length 40
    ag.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = seegrad.models.cnn1d()
    opt = optim.Adam(model.parameters(), lr=lr)
    x_train, y_train = data.X_train, data.y_train
    start = time.perf_counter()
    for step in range(steps):
        idx = rng.integers(0, len(x_train), batch)
        loss = F.cross_entropy(model(ag.tensor(x_train[idx])), ag.tensor(y_train[idx]))
        opt.zero_grad()
        loss.backward()
        opt.step()
    seconds = time.perf_counter() - start
    with ag.no_grad():
        accuracy = float((model(ag.tensor(data.X_test)).argmax(1).numpy() == data.y_test).mean())
    return accuracy, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--threads", type=int, nargs="*", default=None,
                        help="thread counts to compare (default: 1 and torch's default)")
    parser.add_argument("--mnist1d", action="store_true", help="train the MNIST-1D CNN instead (see above)")
    parser.add_argument("--breakdown", action="store_true", help="then time the parts of seegrad's step")
    parser.add_argument("--best", action="store_true", help="report the fastest round of each, not the median")
    parser.add_argument("--phases", action="store_true",
                        help="then time the step phase by phase against the floor's matmuls of each phase")
    parser.add_argument("--torch-im2col", action="store_true",
                        help="also compare with PyTorch's own im2col + gemm convolution (oneDNN off)")
    parser.add_argument("--exact-floor", action="store_true",
                        help="also time the floor of the algorithm before the flat columns (see blas_floor)")
    parser.add_argument("--seeds", type=int, nargs="*", default=[0])
    args = parser.parse_args()
    if args.mnist1d:
        from threadpoolctl import threadpool_limits

        accuracies = []
        with threadpool_limits(limits=1):  # small matmuls: one BLAS thread is fastest
            for seed in args.seeds:
                acc, seconds = train_mnist1d(seed)
                accuracies.append(acc)
                print(f"cnn1d MNIST-1D seed {seed}: test accuracy {acc:.3f} ({seconds:.0f} s for 6000 steps)")
        print(f"mean test accuracy over {len(accuracies)} seeds: {np.mean(accuracies):.3f}")
        return
    try:
        import torch
    except ImportError:
        sys.exit("conv_bench: PyTorch is the reference here; pip install torch (CPU) to run this benchmark")
    from threadpoolctl import threadpool_limits

    default_threads = torch.get_num_threads()
    thread_counts = args.threads or sorted({1, default_threads})
    rng = np.random.default_rng(0)
    ag.manual_seed(0)
    weights = {k: v.numpy().copy() for k, v in
               nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3)).state_dict().items()}
    ours, theirs = build_ours(weights), build_torch(torch, weights)
    images = rng.standard_normal((args.batch, 1, 28, 28)).astype(np.float32)
    x, xt = ag.tensor(images), torch.tensor(images)
    check_same(ours, theirs, x, xt)

    floor = blas_floor(LAYERS, args.batch)
    exact_floor = blas_floor(LAYERS, args.batch, exact=True) if args.exact_floor else None

    print(f"Conv2d(1,32,3) -> ReLU -> Conv2d(32,64,3), batch {args.batch}x1x28x28 float32, forward+backward, "
          f"{'fastest' if args.best else 'median'} of {args.reps}")
    print(f"numpy {np.__version__}, torch {torch.__version__}, {os.cpu_count()} CPUs")
    print(f"{'threads':>8} {'floor ms':>9} {'seegrad ms':>11} {'torch ms':>9} {'vs floor':>9} {'vs torch':>9} "
          f"{'floor/torch':>12}")
    for n in thread_counts:
        torch.set_num_threads(n)
        with threadpool_limits(limits=n):
            fns = [floor, lambda: step_ours(ours, x), lambda: step_torch(theirs, xt)] + [exact_floor] * args.exact_floor
            low, mine, ref, *old = time_interleaved(fns, args.reps, args.best)
        print(f"{n:>8} {low * 1e3:>9.1f} {mine * 1e3:>11.1f} {ref * 1e3:>9.1f} {mine / low:>8.2f}x {mine / ref:>8.2f}x "
              f"{low / ref:>11.2f}x")
        if old:
            print(f"{'':>8} the floor of the exact-column algorithm (before): {old[0] * 1e3:.1f} ms; seegrad is "
                  f"{mine / old[0]:.2f}x that, and this floor is {low / old[0]:.2f}x it")
        if args.torch_im2col:  # rounds of their own: switching oneDNN off and on slows torch's default path
            with threadpool_limits(limits=n):
                fns = [lambda: step_ours(ours, x), lambda: step_torch_im2col(theirs, xt)]
                again, im2col_ref = time_interleaved(fns, args.reps, args.best)
            print(f"{'':>8} seegrad {again * 1e3:.1f} ms, torch with oneDNN off (im2col + MKL gemm) "
                  f"{im2col_ref * 1e3:.1f} ms: {again / im2col_ref:.2f}x")
        if args.breakdown:
            with threadpool_limits(limits=n):
                breakdown(ours, x, args.reps, mine)
        if args.phases:
            with threadpool_limits(limits=n):
                total = phases(images, weights, args.reps)
            print(f"  the whole step ({mine * 1e3:.2f} ms, above) less its phases: {(mine - total) * 1e3:.2f} ms: the "
                  f"autograd walk and the modules, the step's colder caches, and its fresh pages "
                  f"({page_faults(lambda: step_ours(ours, x)):.0f} page faults a step)")
    torch.set_num_threads(default_threads)


if __name__ == "__main__":
    main()
