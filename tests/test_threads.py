"""Concurrent backward() calls into shared tensors add up, as PyTorch guarantees.

Each thread builds its own graph over a shared leaf and runs backward on it; the leaf's
``.grad`` must be the exact sum of every thread's gradient, every round. Float64 with
integer values keeps "exact" exact: any lost ``+=`` shows as a wrong element.
"""
import sys
import threading

import numpy as np
import pytest

import autograd as ag

N = 100_000  # large enough that numpy releases the GIL inside ``grad += g``
THREADS, ROUNDS, CALLS = 4, 30, 8


def _in_threads(work, n=THREADS):
    """Run ``work(k)`` in ``n`` threads started together; re-raise the first error."""
    start, errors = threading.Barrier(n), []

    def run(k):
        try:
            start.wait(timeout=10)
            work(k)
        except BaseException as err:  # noqa: BLE001 (reported in the main thread)
            errors.append(err)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a backward thread hung"
    if errors:
        raise errors[0]


EXPECTED = CALLS * sum(range(1, THREADS + 1))  # thread k adds (k + 1) per call, CALLS times


@pytest.mark.timeout(120)
def test_concurrent_backward_into_a_shared_leaf_gives_the_sum():
    w = ag.zeros(N, dtype=ag.float64, requires_grad=True)
    wrong = []
    for round_ in range(ROUNDS):
        w.grad = None  # each round starts from None: the first add races with the `grad is None` check

        def work(k):
            x = ag.full((N,), float(k + 1), dtype=ag.float64)
            for _ in range(CALLS):
                (w * x).sum().backward()

        _in_threads(work)
        got = w.grad.numpy()
        if not np.array_equal(got, np.full(N, float(EXPECTED))):
            wrong.append((round_, int((got != EXPECTED).sum()), float(got.min())))
    assert not wrong, f"lost gradient updates in {len(wrong)} of {ROUNDS} rounds (round, wrong elements, min): {wrong[:5]}"


@pytest.mark.timeout(120)
def test_concurrent_backward_into_a_retained_non_leaf_gives_the_sum():
    w = ag.ones(N, dtype=ag.float64, requires_grad=True)
    for round_ in range(ROUNDS // 2):
        h = w * 2.0  # a shared non-leaf: every thread's graph runs through it
        h.retain_grad()

        def work(k):
            x = ag.full((N,), float(k + 1), dtype=ag.float64)
            for _ in range(CALLS):
                (h * x).sum().backward(retain_graph=True)

        _in_threads(work)
        np.testing.assert_array_equal(h.grad.numpy(), np.full(N, float(EXPECTED)), err_msg=f"round {round_}")
        np.testing.assert_array_equal(w.grad.numpy(), np.full(N, float(2 * EXPECTED)) * (round_ + 1),
                                      err_msg=f"round {round_}")


@pytest.fixture
def eager_switching():
    """Threads switch every microsecond: races between Python bytecodes show up within a test."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


@pytest.mark.timeout(60)
def test_concurrent_backward_with_create_graph_gives_the_sum(eager_switching):
    for round_ in range(ROUNDS // 3):
        w = ag.ones(1000, dtype=ag.float64, requires_grad=True)

        def work(k):
            x = ag.full((1000,), float(k + 1), dtype=ag.float64)
            for _ in range(CALLS):
                (w * w * x).sum().backward(create_graph=True)  # .grad is a graph: 2 * w * x each call

        _in_threads(work)
        np.testing.assert_array_equal(w.grad.detach().numpy(), np.full(1000, 2.0 * EXPECTED), err_msg=f"round {round_}")
        (second,) = ag.grad(w.grad.sum(), w)  # and that graph holds every call: d(sum grad)/dw = 2 * sum of x
        np.testing.assert_array_equal(second.numpy(), np.full(1000, 2.0 * EXPECTED), err_msg=f"round {round_}")


@pytest.mark.timeout(60)
def test_graphs_built_at_once_on_a_fresh_leaf_share_its_one_node(eager_switching):
    """Threads that use a new leaf at the same moment must find one gradient node for it: with
    two, ag.grad (which captures the leaf's node) silently dropped what flowed into the other."""
    wrong = 0
    for _ in range(250):
        w = ag.ones(4, requires_grad=True)
        outs = [None] * 8

        def work(k):
            outs[k] = (w * float(k + 1)).sum()

        _in_threads(work, 8)
        (g,) = ag.grad(outs, w)
        wrong += g.numpy()[0] != sum(range(1, 9))
    assert wrong == 0, f"{wrong} of 250 rounds lost the gradient of some graphs"


@pytest.mark.timeout(60)
def test_concurrent_backward_into_a_shared_value_gives_the_sum(eager_switching):
    w = ag.Value(3.0)
    calls = 500

    def work(k):
        for _ in range(calls):
            (w * float(k + 1) + 1.0).backward()

    _in_threads(work)
    assert w.grad == calls * sum(range(1, THREADS + 1))


def test_threads_training_their_own_models_get_the_weights_of_a_run_alone():
    """A thread pool of experiments: each thread trains its own model, all at once, and ends
    with the very weights the same run gets alone."""
    import nn
    import optim

    build_lock = threading.Lock()  # the global RNG is shared: seed and build one model at a time

    def train(seed):
        with build_lock:
            ag.manual_seed(seed)
            model = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 1))
        opt = optim.SGD(model.parameters(), lr=0.1)
        rng = np.random.default_rng(seed)
        x = ag.tensor(rng.standard_normal((32, 8)), dtype=ag.float32)  # (the layers' dtype, as PyTorch wants)
        y = ag.tensor(rng.standard_normal((32, 1)), dtype=ag.float32)
        for _ in range(50):
            opt.zero_grad()
            nn.functional.mse_loss(model(x), y).backward()
            opt.step()
        return [p.detach().numpy().copy() for p in model.parameters()]

    alone = [train(seed) for seed in range(THREADS)]
    together = [None] * THREADS

    def work(k):
        together[k] = train(k)

    _in_threads(work)
    for a, b in zip(alone, together):
        for pa, pb in zip(a, b):
            np.testing.assert_array_equal(pa, pb)


def test_observers_in_one_thread_see_only_that_thread_s_ops_and_close_on_errors():
    """record_ops / watch_ops / detect_anomaly are per thread (as PyTorch's modes). Ops skip reading the
    thread's modes while no block is open in any thread (graph._observers): a block open in another thread
    makes them read their own (empty) modes, and a block left by an exception closes its count."""
    from autograd.graph import _observers

    w = ag.ones(3, requires_grad=True)
    inside, outside = threading.Event(), threading.Event()
    seen = {}

    def observer():
        with ag.record_ops() as ops, ag.watch_ops() as calls:
            inside.set()
            outside.wait(10)
            (w * 3).sum()
        seen["ops"], seen["calls"] = [type(n).__name__ for n, _ in ops], len(calls)

    thread = threading.Thread(target=observer)
    thread.start()
    inside.wait(10)
    assert _observers[0] == 2
    (w * 2 + 1).sum().backward()  # in this thread, while the other observes: not recorded there
    outside.set()
    thread.join()
    assert seen == {"ops": ["Mul", "Sum"], "calls": 2}
    assert w.grad.tolist() == [2.0, 2.0, 2.0]
    with pytest.raises(ZeroDivisionError), ag.detect_anomaly(), ag.record_ops():
        1 / 0
    assert _observers[0] == 0
    with ag.detect_anomaly():  # and open again, it works again
        x = ag.tensor([0.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="returned nan values"):
            (x * 0.0).sqrt().sum().backward()


# --------------------------------------------------------------------------- BLAS threads on import

def _fresh_python(code, **env_changes):
    """Run ``code`` in a new interpreter with no BLAS thread variables set (the test suite sets
    them), plus ``env_changes``; returns its stdout's last line, or raises with its stderr."""
    import os
    import subprocess

    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
                        "SEEGRAD_BLAS_THREADS")}
    env.update(env_changes)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    if out.returncode:
        raise RuntimeError(out.stderr.strip().splitlines()[-1])
    return out.stdout.strip().splitlines()[-1]


BLAS_BEFORE_AND_AFTER = """
import numpy, threadpoolctl
before = max(i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas")
import autograd as ag
print(before, ag.get_num_threads())
"""


@pytest.fixture
def blas_threads():
    pytest.importorskip("threadpoolctl")  # (an optional extra) the policy changes threads through it
    return lambda **env: tuple(map(int, _fresh_python(BLAS_BEFORE_AND_AFTER, **env).split()))


def test_importing_the_library_leaves_blas_one_thread(blas_threads):
    before, after = blas_threads()
    assert after == 1, f"BLAS had {before} threads; after import autograd it has {after}"


def test_seegrad_blas_threads_chooses_the_count_and_0_keeps_blas_default(blas_threads):
    before, after = blas_threads(SEEGRAD_BLAS_THREADS="0")
    assert after == before
    assert blas_threads(SEEGRAD_BLAS_THREADS="2")[1] == 2


def test_a_users_own_openblas_setting_is_left_alone(blas_threads):
    assert blas_threads(OPENBLAS_NUM_THREADS="2")[1] == 2


def test_a_bad_seegrad_blas_threads_names_the_variable():
    with pytest.raises(RuntimeError, match="SEEGRAD_BLAS_THREADS='many'"):
        _fresh_python("import autograd", SEEGRAD_BLAS_THREADS="many")


def test_set_and_get_num_threads_as_torch():
    pytest.importorskip("threadpoolctl")  # (an optional extra) they change threads through it
    before = ag.get_num_threads()
    try:
        ag.set_num_threads(2)
        assert ag.get_num_threads() == 2
        ag.set_num_threads(1)
        assert ag.get_num_threads() == 1
    finally:
        ag.set_num_threads(before)
    for bad in (0, -1, 1.5, "2", True):
        with pytest.raises(ValueError, match="positive integer"):
            ag.set_num_threads(bad)


def test_without_threadpoolctl_import_works_and_set_num_threads_says_what_to_install():
    code = """
import sys
sys.modules["threadpoolctl"] = None  # as if it were not installed
import autograd as ag
try:
    ag.set_num_threads(2)
except RuntimeError as err:
    print(repr(str(err)))
"""
    message = _fresh_python(code)
    assert "pip install threadpoolctl" in message and "OPENBLAS_NUM_THREADS=2" in message
