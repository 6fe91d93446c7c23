"""Tensors in shared memory and torch.multiprocessing (autograd/sharing.py, autograd/multiprocessing.py).

- The API against PyTorch: share_memory_ returns the tensor, is_shared before and after, a second call is a
  no-op, values / dtype / shape / strides kept (transposed, reversed, 0-d, empty, int), version counter and
  grad untouched, views taken before follow their base (and a view shares its base's whole storage),
  Module.share_memory (parameters, buffers, gradients; returns the module), the refusals (a device tensor,
  a lazy module's parameter, growing a shared tensor with resize_).
- Pickling: multiprocessing's pickler sends a shared tensor as its memory (the same numbers, a change seen
  both ways), anything else (and pickle itself) by value.
- Processes (fork, spawn, forkserver): a child trains a shared model with SGD and the parent sees exactly the
  numbers the same steps give in one process; a tensor passed unshared is not changed; a shared tensor put
  on a Queue is changed in place by the process that gets it; torch.multiprocessing.spawn runs fn(i, *args)
  and reports a child's exception. Every join has a timeout: nothing hangs.
"""
import copy
import multiprocessing
import pickle
import threading
import time
from multiprocessing.reduction import ForkingPickler

import numpy as np
import pytest

import autograd as ag
import autograd.multiprocessing as mp
import fake_device
import nn
import sharing_children as children

torch = pytest.importorskip("torch")  # the oracle for the API (CI installs it)

TIMEOUT = 60  # seconds a child may take (a spawned one imports numpy and the project first)
pytestmark = pytest.mark.timeout(180)  # (pytest-timeout, as test_threads.py: a hung process test fails, not the run)


def _both(make):
    """``make(T)`` with T = torch and T = autograd."""
    return make(torch), make(ag)


@pytest.mark.parametrize("make", [
    lambda T: T.arange(6.0).reshape(2, 3),
    lambda T: T.arange(6.0).reshape(2, 3).t(),  # transposed: strides (1, 3)
    lambda T: T.tensor(3.5),
    lambda T: T.empty(0),
    lambda T: T.arange(12).reshape(3, 4)[:, 1:3],  # int64, a view
    lambda T: T.ones(2, 3, dtype=T.float64, requires_grad=True),
], ids=["matrix", "transposed", "0-d", "empty", "int-view", "leaf-requires-grad"])
def test_share_memory_as_pytorch(make):
    for T in (torch, ag):
        t = make(T)
        before = (t.detach().numpy().copy(), t.dtype, tuple(t.shape), t.stride(), t.is_contiguous(), t._version,
                  t.requires_grad)
        assert t.is_shared() is False
        assert t.share_memory_() is t
        assert t.is_shared() is True
        assert t.share_memory_() is t and t.is_shared()  # (already shared: a no-op)
        after = (t.detach().numpy(), t.dtype, tuple(t.shape), t.stride(), t.is_contiguous(), t._version,
                 t.requires_grad)
        np.testing.assert_array_equal(after[0], before[0])
        assert after[1:] == before[1:], T.__name__
    theirs, ours = _both(make)
    assert (tuple(ours.stride()), ours.is_contiguous()) == (tuple(theirs.stride()), theirs.is_contiguous())


def test_already_shared_is_a_no_op():
    t = ag.ones(3).share_memory_()
    data = t._data
    assert t.share_memory_() is t and t._data is data


def test_reversed_storage_kept():
    """A storage with a negative stride (numpy's, which PyTorch's from_numpy refuses) keeps its layout."""
    t = ag.from_numpy(np.arange(10.0)[::-2])
    t.share_memory_()
    assert t.is_shared() and t.stride() == (-2,)
    np.testing.assert_array_equal(t.numpy(), [9, 7, 5, 3, 1])


def test_expanded_tensor_still_refuses_in_place():
    """An expanded tensor (one memory location under several elements) is shared with its layout, and an
    in-place change is still refused, as in PyTorch."""
    for T in (torch, ag):
        t = T.ones(3).expand(2, 3)
        t.share_memory_()
        assert t.is_shared() and tuple(t.stride()) == (0, 1)
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
            t.add_(1)
    got = pickle.loads(ForkingPickler.dumps(t))  # (sent to another process: the same layout, still refused)
    assert got.is_shared() and got.stride() == (0, 1)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        got.add_(1)


def test_grad_and_version_untouched():
    for T in (torch, ag):
        t = T.ones(3, requires_grad=True)
        (t * 2).sum().backward()
        grad = t.grad
        t.share_memory_()
        assert t.grad is grad and not t.grad.is_shared() and t._version == 0, T.__name__
        np.testing.assert_array_equal(t.grad.numpy(), [2, 2, 2])


def test_views_follow_their_base():
    """PyTorch moves the storage, so the views taken before are shared too (and a change through one is seen
    by the other); sharing a view shares its base's whole storage."""
    for T in (torch, ag):
        base = T.arange(6.0)
        view = base[1:4]
        base.share_memory_()
        assert view.is_shared(), T.__name__
        view[0] = 10.0
        assert base[1].item() == 10.0
        base2 = T.arange(6.0)
        part = base2[2:4]
        part.share_memory_()
        assert base2.is_shared() and part.is_shared(), T.__name__
        part[1] = -1.0
        np.testing.assert_array_equal(base2.numpy(), [0, 1, 2, -1, 4, 5])


def test_aliases_not_found_keep_the_old_memory():
    """The documented difference (autograd/sharing.py): PyTorch moves the storage under every tensor on it;
    here the aliases share_memory_ can't find (``.data``, ``detach()``, a view taken under no_grad) keep the
    old memory. Pinned so that a change is seen; the views it finds are in test_views_follow_their_base."""
    t = ag.arange(3.0)
    alias, detached = t.data, t.detach()
    with ag.no_grad():
        view = t[1:]
    t.share_memory_()
    assert [x.is_shared() for x in (t, alias, detached, view)] == [True, False, False, False]
    t.add_(1)
    np.testing.assert_array_equal(alias.numpy(), [0, 1, 2])


def test_in_place_ops_after_sharing():
    """The storage is still a numpy array: in-place ops, the version counter and the saved-tensor check work."""
    w = ag.ones(3, requires_grad=True)
    w.share_memory_()
    y = (w * w).sum()
    with ag.no_grad():
        w.mul_(2)
    assert w._version == 1 and w.is_shared()
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.backward()
    np.testing.assert_array_equal(w.detach().numpy(), [2, 2, 2])


def test_module_share_memory_as_pytorch():
    for T in (torch, ag):
        nnm = torch.nn if T is torch else nn
        model = nnm.Sequential(nnm.Linear(3, 2), nnm.BatchNorm1d(2))
        model[0].weight.grad = T.ones(2, 3)
        params = list(model.parameters())
        assert model.share_memory() is model
        assert [p is q for p, q in zip(model.parameters(), params)] == [True] * 4
        assert all(t.is_shared() for t in list(model.parameters()) + list(model.buffers())), T.__name__
        assert model[0].weight.grad.is_shared() and model[0].bias.grad is None


def test_lazy_module_refused_as_pytorch():
    with pytest.raises(RuntimeError) as theirs:
        torch.nn.LazyLinear(3).share_memory()
    with pytest.raises(RuntimeError) as ours:
        nn.LazyLinear(3).share_memory()
    assert str(ours.value) == str(theirs.value)


def test_device_tensor_refused():
    """PyTorch refuses a storage that isn't on the CPU (`_share_fd_: only available on CPU`, e.g. on "meta")."""
    with pytest.raises(RuntimeError, match="only available on CPU"):
        torch.ones(2, device="meta").share_memory_()
    device = fake_device.use()
    t = ag.ones(2, device=device)
    with pytest.raises(RuntimeError, match="share_memory_: only available on CPU; this tensor is on fakegpu"):
        t.share_memory_()
    assert t.is_shared() is False


def test_resize_of_shared_tensor():
    t = ag.ones(4).share_memory_()
    t.resize_(2)
    assert t.is_shared() and t.shape == (2,)
    with pytest.raises(RuntimeError, match="resize_: Trying to resize storage that is not resizable"):
        t.resize_(10)


def test_multiprocessing_pickles_shared_tensors_as_their_memory():
    shared, plain = ag.arange(4.0).share_memory_(), ag.arange(4.0)
    p = nn.Parameter(ag.ones(2, 2)).share_memory_()
    got, got_plain, got_p = (pickle.loads(ForkingPickler.dumps(t)) for t in (shared, plain, p))
    assert got.is_shared() and not got_plain.is_shared()
    assert type(got_p) is nn.Parameter and got_p.requires_grad and got_p.is_shared()
    got.add_(1)
    got_plain.add_(1)
    with ag.no_grad():
        got_p.mul_(3)
    np.testing.assert_array_equal(shared.numpy(), [1, 2, 3, 4])  # the same memory
    np.testing.assert_array_equal(plain.numpy(), [0, 1, 2, 3])  # a copy
    np.testing.assert_array_equal(p.detach().numpy(), [[3, 3], [3, 3]])
    copied = pickle.loads(pickle.dumps(shared))  # plain pickle (torch.save's kind): by value
    assert not copied.is_shared()
    copied.add_(1)
    np.testing.assert_array_equal(shared.numpy(), [1, 2, 3, 4])


def test_non_leaf_refused_as_pytorch():
    """multiprocessing's pickler refuses a tensor made by an op that requires grad (its graph can't cross
    processes); pickle itself saves its values, in both libraries."""
    import torch.multiprocessing  # noqa: F401  (PyTorch's reducers)

    messages = []
    for T in (torch, ag):
        y = T.ones(2, requires_grad=True) * 2
        with pytest.raises(RuntimeError, match="Cowardly refusing to serialize non-leaf tensor") as raised:
            ForkingPickler.dumps(y)
        messages.append(str(raised.value))
        assert pickle.loads(pickle.dumps(y)).tolist() == [2.0, 2.0]
        assert pickle.loads(ForkingPickler.dumps(y.detach())).tolist() == [2.0, 2.0]
    assert messages[0] == messages[1]


def test_names_of_torch_multiprocessing():
    for name in ("Process", "Queue", "SimpleQueue", "Pool", "Pipe", "Lock", "Event", "Manager", "cpu_count",
                 "current_process", "get_context", "get_start_method", "set_start_method",
                 "get_all_start_methods", "spawn", "start_processes", "ProcessContext", "ProcessRaisedException",
                 "ProcessExitedException", "get_sharing_strategy", "set_sharing_strategy",
                 "get_all_sharing_strategies"):
        assert hasattr(torch.multiprocessing, name) and hasattr(mp, name), name
    assert mp.Process is multiprocessing.Process and mp.get_context is multiprocessing.get_context
    assert ag.multiprocessing is mp
    assert mp.get_sharing_strategy() == "file_descriptor" == torch.multiprocessing.get_sharing_strategy()
    with pytest.raises(ValueError, match="file_system"):
        mp.set_sharing_strategy("file_system")


def _run(ctx, target, *args):
    process = ctx.Process(target=target, args=args)
    process.start()
    process.join(TIMEOUT)
    if process.is_alive():
        process.kill()
        process.join()
        pytest.fail(f"the child process did not end within {TIMEOUT} s")
    assert process.exitcode == 0


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_child_trains_the_shared_model(method):
    """The hogwild pattern: a child process's SGD steps on the shared parameters are the parent's, to the bit
    (the same steps in this process give the same numbers); a tensor passed unshared stays as it was."""
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} start method on this platform")
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
    data = (ag.randn(16, 4), ag.randn(16, 2))
    expected, before = copy.deepcopy(model), copy.deepcopy(model)
    children.sgd_steps(expected, data)
    model.share_memory()
    unshared = ag.zeros(3)
    _run(mp.get_context(method), children.train, model, data, unshared)
    for (name, got), want in zip(model.named_parameters(), expected.parameters()):
        np.testing.assert_array_equal(got.detach().numpy(), want.detach().numpy(), err_msg=name)
    assert not np.array_equal(model[0].weight.detach().numpy(), before[0].weight.detach().numpy())  # (trained)
    np.testing.assert_array_equal(unshared.numpy(), [0, 0, 0])


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_shared_tensor_through_a_queue(method):
    """A shared tensor put on a Queue reaches a running process as the same memory (its descriptor passed
    over a socket); an unshared one as a copy."""
    ctx = mp.get_context(method)
    queue, done = ctx.Queue(), ctx.Queue()
    process = ctx.Process(target=children.add_from_queue, args=(queue, done))
    process.start()
    try:
        shared, plain = ag.zeros(4).share_memory_(), ag.zeros(4)
        queue.put(shared)
        assert done.get(timeout=TIMEOUT) is True
        queue.put(plain)
        assert done.get(timeout=TIMEOUT) is False
        queue.put(None)
        process.join(TIMEOUT)
    finally:
        if process.is_alive():
            process.kill()
            process.join()
    assert process.exitcode == 0
    np.testing.assert_array_equal(shared.numpy(), [1, 1, 1, 1])
    np.testing.assert_array_equal(plain.numpy(), [0, 0, 0, 0])


def _joined(context):
    """Join a ProcessContext within TIMEOUT (True), killing its processes if they are still running (False)."""
    deadline = time.monotonic() + TIMEOUT
    while not context.join(max(deadline - time.monotonic(), 0)):
        if time.monotonic() >= deadline:
            for process in context.processes:
                process.kill()
                process.join()
            return False
    return True


def test_spawn_runs_fn_with_its_index():
    """torch.multiprocessing.spawn: fn(i, *args) in nprocs processes started with spawn; join=False gives the
    ProcessContext, join=True waits and returns None (run in a thread here, with a timeout)."""
    table = ag.zeros(2, 3).share_memory_()
    context = mp.spawn(children.fill_row, args=(table, 10.0), nprocs=2, join=False, daemon=True)
    assert isinstance(context, mp.ProcessContext) and len(context.pids()) == 2
    assert _joined(context), f"the spawned processes did not end within {TIMEOUT} s"
    np.testing.assert_array_equal(table.numpy(), [[10, 10, 10], [11, 11, 11]])
    returned = []
    thread = threading.Thread(target=lambda: returned.append(
        mp.spawn(children.fill_row, args=(table, 20.0), nprocs=1, daemon=True)), daemon=True)
    thread.start()
    thread.join(TIMEOUT)
    assert returned == [None], f"spawn(join=True) did not return within {TIMEOUT} s"
    np.testing.assert_array_equal(table.numpy(), [[20, 20, 20], [11, 11, 11]])


def test_spawn_reports_the_child_exception():
    context = mp.start_processes(children.fail, nprocs=1, join=False, daemon=True, start_method="fork")
    with pytest.raises(mp.ProcessRaisedException, match="process 0 failed on purpose") as raised:
        _joined(context)
    assert "-- Process 0 terminated with the following error:" in str(raised.value)
    assert raised.value.error_index == 0 and raised.value.error_pid == context.pids()[0]
