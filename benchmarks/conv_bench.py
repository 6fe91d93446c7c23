"""Conv2d forward + backward: seegrad (numpy im2col) vs PyTorch CPU, in one process.

The network is the start of PyTorch's MNIST example: Conv2d(1, 32, 3) -> ReLU -> Conv2d(32, 64, 3),
on a batch of 64 images 1 x 28 x 28 (float32), loss = output.sum(). One step is forward + backward
(weight and input gradients). Both libraries get the same thread count: numpy's BLAS through
threadpoolctl, torch through torch.set_num_threads. Timings interleave the two libraries and
report the median of --reps steps, so machine noise hits both alike.

    python benchmarks/conv_bench.py              # 1 thread and the default thread count
    python benchmarks/conv_bench.py --reps 30 --threads 1

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


def check_same(ours, theirs, x, xt):
    """Both libraries compute the same numbers before we time them."""
    a, b = step_ours(ours, x), step_torch(theirs, xt)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-3, atol=1e-3)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        scale = float(np.abs(q.grad.numpy()).max())
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-3, atol=1e-4 * scale, err_msg=name)


def time_pair(ours, theirs, x, xt, reps):
    t_ours, t_torch = [], []
    for _ in range(2):  # warm up both
        step_ours(ours, x)
        step_torch(theirs, xt)
    for _ in range(reps):
        t = time.perf_counter()
        step_ours(ours, x)
        t_ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        step_torch(theirs, xt)
        t_torch.append(time.perf_counter() - t)
    return statistics.median(t_ours), statistics.median(t_torch)


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

    print(f"Conv2d(1,32,3) -> ReLU -> Conv2d(32,64,3), batch {args.batch}x1x28x28 float32, forward+backward, "
          f"median of {args.reps}")
    print(f"numpy {np.__version__}, torch {torch.__version__}, {os.cpu_count()} CPUs")
    print(f"{'threads':>8} {'seegrad ms':>11} {'torch ms':>9} {'ratio':>6}")
    for n in thread_counts:
        torch.set_num_threads(n)
        with threadpool_limits(limits=n):
            mine, ref = time_pair(ours, theirs, x, xt, args.reps)
        print(f"{n:>8} {mine * 1e3:>11.1f} {ref * 1e3:>9.1f} {mine / ref:>5.2f}x")
    torch.set_num_threads(default_threads)


if __name__ == "__main__":
    main()
