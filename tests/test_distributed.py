"""ag.distributed, nn.parallel.DistributedDataParallel, nn.SyncBatchNorm, DistributedSampler, `seegrad train --nproc`.

In-process tests run on the "self" backend (a world of one) and compare with PyTorch (gloo, world of
one, a file store: no network). The multi-process tests start `mpiexec -n 2` and `-n 3` on the
programs in tests/mpi_programs/, each bounded by a timeout; they are skipped, with the reason, where
mpi4py or mpiexec is missing (pip install -e ".[dev]" brings both).
"""
import importlib.util
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

import autograd as ag
import autograd.distributed as dist
import nn
import optim
from nn.parallel import DistributedDataParallel as DDP
from seegrad import training
from seegrad.data import DataLoader, DistributedSampler, TensorDataset
from seegrad.launch import find_mpiexec

ROOT = Path(__file__).resolve().parents[1]
PROGRAMS = ROOT / "tests" / "mpi_programs"
MPIEXEC = find_mpiexec()
needs_mpi = pytest.mark.skipif(MPIEXEC is None or importlib.util.find_spec("mpi4py") is None,
                               reason="needs mpiexec and mpi4py: pip install -e '.[distributed]'")


@pytest.fixture
def world_of_one():
    dist.init_process_group("self")
    yield
    dist.destroy_process_group()


@pytest.fixture
def torch_world_of_one(tmp_path):
    torch = pytest.importorskip("torch")  # the oracle for torch.distributed's behaviour
    torch.distributed.init_process_group("gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1)
    yield torch
    torch.distributed.destroy_process_group()


def mlp():
    return nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 3))


# ----------------------------------------------------------------- ag.distributed in one process


def test_importing_the_packages_loads_no_mpi():
    code = ("import sys, autograd as ag, nn, seegrad, seegrad.cli\n"
            "assert ag.distributed.is_available() and not ag.distributed.is_initialized()\n"
            "ag.distributed.init_process_group('self'); ag.distributed.all_reduce(ag.ones(2))\n"
            "assert 'mpi4py' not in sys.modules, 'mpi4py was imported'")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={k: v for k, v in os.environ.items() if "PMI" not in k and "OMPI" not in k})
    assert proc.returncode == 0, proc.stderr


def test_uninitialised_group_errors_are_torchs():
    torch = pytest.importorskip("torch")  # the oracle for the errors before init_process_group
    assert not torch.distributed.is_initialized() and not dist.is_initialized()
    for ours, theirs in ((dist.get_rank, torch.distributed.get_rank),
                         (dist.get_world_size, torch.distributed.get_world_size),
                         (lambda: dist.all_reduce(ag.ones(2)), lambda: torch.distributed.all_reduce(torch.ones(2))),
                         (dist.barrier, torch.distributed.barrier),
                         (dist.destroy_process_group, torch.distributed.destroy_process_group)):
        with pytest.raises(Exception) as want:
            theirs()
        with pytest.raises(type(want.value)) as got:
            ours()
        assert str(want.value) in str(got.value)


def test_world_of_one_gives_torchs_results(world_of_one, torch_world_of_one):
    torch, tdist = torch_world_of_one, torch_world_of_one.distributed
    with pytest.raises(ValueError, match="twice"):
        dist.init_process_group("self")
    assert (dist.get_rank(), dist.get_world_size(), dist.get_backend()) == (0, 1, "self")
    x = np.array([[1.5, -2.0], [3.0, 4.25]], dtype=np.float32)
    for op in ("SUM", "AVG", "PRODUCT", "MIN", "MAX"):
        ours, theirs = ag.tensor(x), torch.tensor(x)
        work = dist.all_reduce(ours, op=getattr(dist.ReduceOp, op), async_op=True)
        tdist.all_reduce(theirs, op=getattr(tdist.ReduceOp, op), async_op=True).wait()
        assert work.wait() is True and work.is_completed()
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    ours_list, theirs_list = [ag.zeros(2)], [torch.zeros(2)]
    dist.all_gather(ours_list, ag.tensor([1.0, 2.0]))
    tdist.all_gather(theirs_list, torch.tensor([1.0, 2.0]))
    np.testing.assert_array_equal(ours_list[0].numpy(), theirs_list[0].numpy())
    out = ag.zeros(2)
    dist.reduce_scatter(out, [ag.tensor([3.0, 4.0])], op=dist.ReduceOp.MAX)
    assert out.tolist() == [3.0, 4.0]
    b = ag.tensor([5, 6])
    assert dist.broadcast(b, src=0) is None and b.tolist() == [5, 6]
    for ours_call, theirs_call in ((lambda: dist.broadcast(ag.ones(2), src=1),
                                    lambda: tdist.broadcast(torch.ones(2), src=1)),
                                   (lambda: dist.all_gather([ag.zeros(2)] * 2, ag.ones(2)),
                                    lambda: tdist.all_gather([torch.zeros(2)] * 2, torch.ones(2))),
                                   (lambda: dist.all_reduce(ag.ones(2, dtype=ag.int64), op=dist.ReduceOp.AVG),
                                    lambda: tdist.all_reduce(torch.ones(2, dtype=torch.int64),
                                                             op=tdist.ReduceOp.AVG))):
        with pytest.raises(Exception) as want:
            theirs_call()
        with pytest.raises(type(want.value)):
            ours_call()
    objects = [None]
    dist.all_gather_object(objects, {"a": 1})
    assert objects == [{"a": 1}]
    assert dist.barrier() is None and dist.barrier(async_op=True).wait()


def test_a_collective_changes_its_tensor_in_place_and_the_graph_knows(world_of_one):
    w = ag.ones(3, requires_grad=True)
    h = w * 2
    y = (h * h).sum()  # saves h
    dist.all_reduce(h)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.backward()


def test_bad_arguments_say_what_to_do(world_of_one):
    with pytest.raises(TypeError, match="all_reduce: tensor must be a Tensor"):
        dist.all_reduce(np.ones(2))
    with pytest.raises(TypeError, match="float16"):
        dist.all_reduce(ag.ones(2, dtype=ag.float16))
    with pytest.raises(RuntimeError, match=r"all_gather: tensor_list\[0\] has shape \(3,\)"):
        dist.all_gather([ag.zeros(3)], ag.ones(2))
    with pytest.raises(TypeError, match="dist.ReduceOp"):
        dist.all_reduce(ag.ones(2), op="sum")
    with pytest.raises(ValueError, match="read-only"):
        dist.all_reduce(ag.ones(1).expand(3))


def test_backend_choice_and_unknown_backends(monkeypatch):
    for var in ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "MV2_COMM_WORLD_RANK"):
        monkeypatch.delenv(var, raising=False)
    assert not dist.launched_by_mpi()
    dist.init_process_group()  # no launcher: a world of one
    try:
        assert dist.get_backend() == "self"
    finally:
        dist.destroy_process_group()
    with pytest.raises(ValueError, match="backend 'nccl' is not available.*mpiexec"):
        dist.init_process_group("nccl")
    with pytest.raises(ValueError, match="init_method"):
        dist.init_process_group("self", init_method="tcp://10.0.0.1:23456")
    with pytest.raises(ValueError, match="world_size=4 but the self backend has world_size 1"):
        dist.init_process_group("self", world_size=4)
    assert not dist.is_initialized()
    monkeypatch.setenv("PMI_RANK", "0")
    assert dist.launched_by_mpi()


def torch_distributed_names():
    return pytest.importorskip("torch").distributed  # the oracle for the names


def test_scripts_written_for_torchrun(monkeypatch):
    """backend "gloo" (PyTorch's for the CPU) means MPI's ranks, or one process; torchrun's variables come
    from the MPI launcher's; a process torchrun started (WORLD_SIZE > 1, no MPI) is refused, not left
    to train alone."""
    for var in ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "MV2_COMM_WORLD_RANK", "WORLD_SIZE", "RANK"):
        monkeypatch.delenv(var, raising=False)
    assert dist.is_gloo_available() == torch_distributed_names().is_gloo_available() is True
    assert dist.is_nccl_available() is False
    dist.init_process_group("gloo")
    try:
        assert dist.get_backend() == "self" and dist.get_world_size() == 1
    finally:
        dist.destroy_process_group()
    monkeypatch.setenv("WORLD_SIZE", "2")
    for backend in (None, "gloo", "self"):
        with pytest.raises(RuntimeError, match=r"WORLD_SIZE=2 .*torchrun.*it would train alone.*mpiexec -n 2 python "
                                               r"script.py.*autograd.distributed.run --nproc_per_node 2"):
            dist.init_process_group(backend)
    assert not dist.is_initialized()
    from autograd.distributed.process_group import export_torchrun_variables
    for launcher in ({"PMI_RANK": "3", "PMI_SIZE": "4", "MPI_LOCALRANKID": "1", "MPI_LOCALNRANKS": "2"},  # MPICH
                     {"OMPI_COMM_WORLD_RANK": "3", "OMPI_COMM_WORLD_SIZE": "4", "OMPI_COMM_WORLD_LOCAL_RANK": "1",
                      "OMPI_COMM_WORLD_LOCAL_SIZE": "2"}):  # Open MPI
        environ = dict(launcher)
        export_torchrun_variables(environ)
        assert {k: environ[k] for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE")} == \
            {"RANK": "3", "WORLD_SIZE": "4", "LOCAL_RANK": "1", "LOCAL_WORLD_SIZE": "2"}
    environ = {"PMI_RANK": "3", "PMI_SIZE": "4", "RANK": "7"}  # set already: kept (init_process_group checks it)
    export_torchrun_variables(environ)
    assert environ["RANK"] == "7" and environ["WORLD_SIZE"] == "4"
    environ = {"WORLD_SIZE": "2"}  # no MPI launcher: nothing to set
    export_torchrun_variables(environ)
    assert environ == {"WORLD_SIZE": "2"}


def test_the_torchrun_like_launcher_checks_its_options(monkeypatch, capsys):
    from autograd.distributed import run
    with pytest.raises(SystemExit, match="--nnodes 2: only one machine here.*hostfile"):
        run.main(["--nnodes", "2", "train.py"])
    with pytest.raises(SystemExit, match="--nproc_per_node must be at least 1, got 0"):
        run.main(["--nproc_per_node", "0", "train.py"])
    monkeypatch.setattr(run, "find_mpiexec", lambda: None)
    with pytest.raises(SystemExit, match="no mpiexec found: pip install 'seegrad.distributed.'"):
        run.main(["--nproc-per-node=2", "train.py"])
    calls = []
    monkeypatch.setattr(run, "find_mpiexec", lambda: "/bin/mpiexec")
    monkeypatch.setattr(run.subprocess, "call", lambda command, env: calls.append((command, env)) or 3)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert run.main(["--standalone", "--nproc_per_node", "4", "-m", "pkg.train", "--epochs", "3"]) == 3
    (command, env), = calls
    assert command == ["/bin/mpiexec", "-n", "4", sys.executable, "-m", "pkg.train", "--epochs", "3"]
    assert env["OMP_NUM_THREADS"] == "1" and "OMP_NUM_THREADS=1" in capsys.readouterr().err


# ----------------------------------------------------------------- the engine hook DDP uses


def test_post_accumulate_grad_hooks_fire_as_torchs_do():
    torch = pytest.importorskip("torch")  # the oracle for hook order and timing
    runs = {}
    for lib, Linear, Tanh, randn in (("ours", nn.Linear, nn.Tanh, ag.randn),
                                     ("torch", torch.nn.Linear, torch.nn.Tanh, torch.randn)):
        layers = [Linear(3, 4), Tanh(), Linear(4, 2)]
        events = []
        for name, p in (("0.weight", layers[0].weight), ("0.bias", layers[0].bias),
                        ("2.weight", layers[2].weight), ("2.bias", layers[2].bias)):
            p.register_post_accumulate_grad_hook(lambda p, name=name: events.append((name, p.grad is not None)))
        h = layers[0](randn(5, 3))
        h.register_hook(lambda g: events.append(("h", layers[2].weight.grad is not None)))
        layers[2](layers[1](h)).sum().backward()
        runs[lib] = events
    assert runs["ours"] == runs["torch"]  # the last layer's .grad is set before the first layer's backward


def test_post_accumulate_grad_hook_handles_and_errors():
    torch = pytest.importorskip("torch")  # the oracle for the errors
    w = ag.ones(2, requires_grad=True)
    calls = []
    handle = w.register_post_accumulate_grad_hook(lambda t: calls.append(t.grad.tolist()))
    (w * 3).sum().backward()
    (w * 3).sum().backward()
    assert calls == [[3.0, 3.0], [6.0, 6.0]]  # after accumulation, once per backward
    handle.remove()
    (w * 3).sum().backward()
    assert len(calls) == 2
    ag.grad((w * w).sum(), w)  # no .grad is accumulated: no hook
    for ours, theirs in (((w * 2), torch.ones(2, requires_grad=True) * 2), (ag.ones(2), torch.ones(2))):
        with pytest.raises(RuntimeError) as want:
            theirs.register_post_accumulate_grad_hook(lambda t: None)
        with pytest.raises(type(want.value)):
            ours.register_post_accumulate_grad_hook(lambda t: None)


# ----------------------------------------------------------------- DistributedDataParallel in one process


def test_ddp_wraps_like_torch(world_of_one, torch_world_of_one):
    torch = torch_world_of_one
    torch.manual_seed(0)  # the same weights every run (a float32 sum's rounding depends on them)
    ours = DDP(mlp())
    theirs = torch.nn.parallel.DistributedDataParallel(torch.nn.Sequential(
        torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3)))
    assert list(ours.state_dict()) == list(theirs.state_dict())  # module.0.weight, ...
    assert isinstance(ours.module, nn.Sequential) and "(module): Sequential(" in repr(ours)
    ours.load_state_dict({k: ag.from_numpy(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((4, 6)).astype(np.float32)
    a, b = ours(ag.from_numpy(x)), theirs(torch.from_numpy(x))
    a.sum().backward()
    b.sum().backward()
    for p, q in zip(ours.parameters(), theirs.parameters()):  # float32 sums in two orders: a few ulps apart
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_gradient_as_bucket_view_as_torch(world_of_one, torch_world_of_one):
    """gradient_as_bucket_view=True: after backward each .grad is a view of its bucket (the same memory
    step after step, whether zero_grad sets grads to None or to zeros), with torch's values; the default
    keeps .grad out of the buckets."""
    torch = torch_world_of_one
    ours = DDP(mlp(), gradient_as_bucket_view=True)
    theirs = torch.nn.parallel.DistributedDataParallel(torch.nn.Sequential(
        torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3)), gradient_as_bucket_view=True)
    ours.load_state_dict({k: ag.from_numpy(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()})
    opts = optim.SGD(ours.parameters(), lr=0.1, momentum=0.9), torch.optim.SGD(theirs.parameters(), lr=0.1,
                                                                               momentum=0.9)
    rng = np.random.default_rng(0)
    before = None
    for step, set_to_none in enumerate([True, True, False, False, True]):
        x = rng.standard_normal((4, 6)).astype(np.float32)
        for opt in opts:
            opt.zero_grad(set_to_none=set_to_none)
        if not set_to_none:  # zeroed in place: the views stay, as torch's do
            assert [p.grad.numpy().any() for p in ours.parameters()] == [False] * 4
            assert all(np.shares_memory(p.grad.numpy(), q) for p, q in zip(ours.parameters(), before))
        else:
            assert [p.grad for p in ours.parameters()] == [None] * 4
        ours(ag.from_numpy(x)).pow(2).sum().backward()
        theirs(torch.from_numpy(x)).pow(2).sum().backward()
        for p, q in zip(ours.parameters(), theirs.parameters()):
            np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-6)
        buckets = [b.array for b in ours._buckets]
        assert all(any(np.shares_memory(p.grad.numpy(), b) for b in buckets) for p in ours.parameters())
        if step >= 2:  # after the first step's rebuild of the buckets: the same memory every step, in torch too
            assert all(np.shares_memory(p.grad.numpy(), q) for p, q in zip(ours.parameters(), before))
            assert all(q.grad.data_ptr() == ptr for q, ptr in zip(theirs.parameters(), torch_before))
        before = [p.grad.numpy() for p in ours.parameters()]
        torch_before = [q.grad.data_ptr() for q in theirs.parameters()]
        for opt in opts:
            opt.step()
        for p, q in zip(ours.parameters(), theirs.parameters()):
            np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-5, atol=1e-6)
    plain = DDP(mlp())
    plain(ag.randn(4, 6)).sum().backward()
    assert not any(np.shares_memory(p.grad.numpy(), b.array) for p in plain.parameters() for b in plain._buckets)


def test_unused_parameters_as_torch(world_of_one, torch_world_of_one):
    torch = torch_world_of_one

    def two_heads(lib):
        class TwoHeads(lib.Module):
            def __init__(self):
                super().__init__()
                self.a, self.b = lib.Linear(3, 2), lib.Linear(3, 2)

            def forward(self, x):
                return self.a(x)
        return TwoHeads()

    for Wrap, lib, randn in ((DDP, nn, ag.randn), (torch.nn.parallel.DistributedDataParallel, torch.nn, torch.randn)):
        model = Wrap(two_heads(lib))
        model(randn(4, 3)).sum().backward()
        with pytest.raises(RuntimeError, match="Expected to have finished reduction.*find_unused_parameters=True"):
            model(randn(4, 3))
        model = Wrap(two_heads(lib), find_unused_parameters=True)
        for _ in range(2):
            model(randn(4, 3)).sum().backward()
        assert [p.grad is None for p in model.parameters()] == [False, False, True, True]
    with pytest.raises(RuntimeError, match="did not receive grad for rank 0: b.weight, b.bias"):
        model = DDP(two_heads(nn))
        model(ag.randn(4, 3)).sum().backward()
        model(ag.randn(4, 3))


def test_ddp_sends_buckets_while_backward_runs(world_of_one):
    """The last layer's bucket is on its way before the first layer's backward has started."""
    model = DDP(nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 4)),
                bucket_cap_mb=0.001)
    # 1 kB buckets filled in registration order (0.weight 8 kB, 0.bias 256 B, 2.weight 16 kB, 2.bias 256 B,
    # 4.weight 1 kB, 4.bias 16 B), then reversed: [1, 2] waits for 0.bias, which comes with the last layer
    assert [[i for i, _ in b.members] for b in model._buckets] == [[5], [3, 4], [1, 2], [0]]
    seen = []  # at the gradient of the first layer's output: which buckets are on their way

    def watch(module, inputs, out):
        out.register_hook(lambda g: seen.append([b.work is not None for b in model._buckets]))
    model.module[0].register_forward_hook(watch)
    for step in range(2):  # the second backward runs on buckets rebuilt in the order gradients came
        model(ag.randn(8, 32)).sum().backward()
        assert all(b.work is not None and b.work.is_completed() for b in model._buckets)
    assert model._rebuild_order == [5, 4, 3, 2, 1, 0]  # each bias before its weight, the last layer first
    assert [[i for i, _ in b.members] for b in model._buckets] == [[5, 4, 3], [2], [1, 0]]
    assert seen == [[True, True, False, False], [True, True, False]]


def test_no_sync_accumulates_and_the_next_backward_averages(world_of_one):
    ag.manual_seed(0)
    plain, wrapped = mlp(), mlp()
    wrapped.load_state_dict(plain.state_dict())
    model = DDP(wrapped)
    x1, x2 = ag.randn(4, 6), ag.randn(4, 6)
    with model.no_sync():
        model(x1).pow(2).sum().backward()
        assert not model._expect_hooks and all(b.work is None for b in model._buckets)
    model(x2).pow(2).sum().backward()
    plain(x1).pow(2).sum().backward()
    plain(x2).pow(2).sum().backward()
    for p, q in zip(model.parameters(), plain.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-6)
    out = model(x1)  # a synced forward, then an evaluation before its backward: the backward still syncs
    with ag.no_grad():
        model(x2)
    out.sum().backward()
    assert not model._expect_hooks and all(b.work is not None and b.work.is_completed() for b in model._buckets)


def test_ddp_errors_and_torchs_deprecations(world_of_one):
    with pytest.raises(RuntimeError, match="doesn't have any parameter that requires a gradient"):
        DDP(nn.ReLU())
    with pytest.raises(ValueError, match="device_ids"):
        DDP(mlp(), device_ids=[0])
    with pytest.raises(ValueError, match="bucket_cap_mb must be positive"):
        DDP(mlp(), bucket_cap_mb=0)
    with pytest.warns(FutureWarning, match="`broadcast_buffers` is deprecated"):
        model = DDP(nn.BatchNorm1d(3), broadcast_buffers=False)
    assert model.forward_sync_buffers is False
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert DDP(mlp()).forward_sync_buffers is True
    dist.destroy_process_group()
    try:
        with pytest.raises(ValueError, match="init_process_group"):
            DDP(mlp())
    finally:
        dist.init_process_group("self")


@pytest.mark.filterwarnings("ignore:`torch.jit.:DeprecationWarning")  # (torch's own ZeRO module uses torch.jit)
@pytest.mark.parametrize("bucket_view", [False, True])
@pytest.mark.parametrize("name,options", [("SGD", dict(lr=0.01, momentum=0.9)), ("Adam", dict(lr=1e-2))])
def test_zero_redundancy_optimizer_is_torchs(world_of_one, torch_world_of_one, bucket_view, name, options):
    """20 steps against torch.distributed.optim.ZeroRedundancyOptimizer (world of one): the same parameters
    (a few ulps: the forward sums in float32 in another order), the same consolidated state_dict layout."""
    torch = torch_world_of_one
    from torch.distributed.optim import ZeroRedundancyOptimizer

    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
    ours = mlp()
    ours.load_state_dict({k: ag.from_numpy(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()})
    zt = ZeroRedundancyOptimizer(theirs.parameters(), getattr(torch.optim, name),
                                 parameters_as_bucket_view=bucket_view, **options)
    zo = optim.ZeroRedundancyOptimizer(ours.parameters(), getattr(optim, name), parameters_as_bucket_view=bucket_view,
                                       **options)
    assert isinstance(zo.optim, getattr(optim, name)) and zo.rank_of(next(ours.parameters())) == 0
    rng = np.random.default_rng(0)
    for _ in range(20):
        x = rng.standard_normal((5, 6)).astype(np.float32)
        zt.zero_grad()
        theirs(torch.from_numpy(x)).pow(2).sum().backward()
        zt.step()
        zo.zero_grad()
        (ours(ag.from_numpy(x)) ** 2).sum().backward()
        zo.step()
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-5, atol=1e-6)
    zt.consolidate_state_dict()
    zo.consolidate_state_dict()
    a, b = zo.state_dict(), zt.state_dict()
    assert [{k: g[k] for k in g if k in a["param_groups"][0]} for g in b["param_groups"]] == a["param_groups"]
    assert list(a["state"]) == list(b["state"]) and all(set(a["state"][i]) == set(b["state"][i]) for i in b["state"])
    for i in b["state"]:
        for k, v in b["state"][i].items():
            np.testing.assert_allclose(np.asarray(a["state"][i][k].numpy() if k != "step" else a["state"][i][k]),
                                       v.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_zero_redundancy_optimizer_errors(world_of_one):
    assert ag.distributed.optim.ZeroRedundancyOptimizer is optim.ZeroRedundancyOptimizer  # torch.distributed.optim
    with pytest.raises(TypeError, match="optimizer_class must be an optimizer class"):
        optim.ZeroRedundancyOptimizer(mlp().parameters(), "SGD", lr=0.1)
    with pytest.raises(ValueError, match="overlap_with_ddp=True"):
        optim.ZeroRedundancyOptimizer(mlp().parameters(), optim.SGD, overlap_with_ddp=True, lr=0.1)
    with pytest.raises(ValueError, match="same dense type"):
        optim.ZeroRedundancyOptimizer([ag.zeros(2, requires_grad=True), ag.zeros(2, dtype=ag.float64,
                                                                             requires_grad=True)], optim.SGD, lr=0.1)
    with pytest.raises(ValueError, match="invalid learning rate"):  # the local optimizer checks its options
        optim.ZeroRedundancyOptimizer(mlp().parameters(), optim.SGD, lr=-1.0)
    model = DDP(mlp())
    opt = optim.ZeroRedundancyOptimizer(model.parameters(), optim.SGD, lr=0.1)
    with pytest.raises(RuntimeError, match=r"call `consolidate_state_dict\(to=0\)`"):
        opt.state_dict()
    with pytest.raises(ValueError, match="not one of this optimizer's parameters"):
        opt.rank_of(ag.zeros(3))
    with pytest.raises(RuntimeError, match="after construction is not supported"):
        opt.add_param_group({"params": [ag.zeros(2, requires_grad=True)]})
    with pytest.raises(ValueError, match="needs gradient_as_bucket_view=True"):
        model.shard_gradients(opt)
    with pytest.raises(ValueError, match=r"bounds must be world size \+ 1"):
        dist.reduce_scatter_in_place(ag.zeros(4), [0, 5])
    t = ag.arange(4.0)
    dist.reduce_scatter_in_place(t, [0, 4])  # a world of one: its chunk is the whole, as it was
    np.testing.assert_array_equal(t.numpy(), [0, 1, 2, 3])
    assert dist.ranks_share_memory()
    one = dist.empty_shared(3, one_copy=True)
    assert one.shape == (3,) and one.dtype == ag.float32
    dist.destroy_process_group()
    try:
        with pytest.raises(ValueError, match="init_process_group"):
            optim.ZeroRedundancyOptimizer(mlp().parameters(), optim.SGD, lr=0.1)
    finally:
        dist.init_process_group("self")


def test_sync_batchnorm_in_a_world_of_one_is_batchnorm(world_of_one):
    torch = pytest.importorskip("torch")  # the oracle for convert_sync_batchnorm's result
    ag.manual_seed(0)
    plain = nn.Sequential(nn.Conv2d(1, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.InstanceNorm2d(3))
    synced = nn.SyncBatchNorm.convert_sync_batchnorm(plain)
    reference = torch.nn.SyncBatchNorm.convert_sync_batchnorm(torch.nn.Sequential(
        torch.nn.Conv2d(1, 3, 3), torch.nn.BatchNorm2d(3), torch.nn.ReLU(), torch.nn.InstanceNorm2d(3)))
    assert [type(m).__name__ for m in synced] == [type(m).__name__ for m in reference]
    assert synced[1].weight is plain[1].weight and synced[1].running_mean is plain[1].running_mean
    fresh = nn.Sequential(nn.Conv2d(1, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.InstanceNorm2d(3))
    fresh.load_state_dict(plain.state_dict())
    x = ag.randn(4, 1, 6, 6)
    np.testing.assert_allclose(synced(x).numpy(force=True), fresh(x).numpy(force=True), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(synced[1].running_var.numpy(), fresh[1].running_var.numpy(), rtol=1e-6)


# ----------------------------------------------------------------- DistributedSampler


def test_distributed_sampler_is_torchs_without_shuffle():
    torch = pytest.importorskip("torch")  # the oracle for sharding, padding and drop_last
    from torch.utils.data.distributed import DistributedSampler as TorchSampler
    for n in (0, 1, 7, 10, 12):
        for replicas in (1, 2, 3, 4, 13):
            for drop_last in (False, True):
                for rank in range(replicas):
                    kw = dict(num_replicas=replicas, rank=rank, drop_last=drop_last)
                    assert list(DistributedSampler(range(n), shuffle=False, **kw)) == \
                        list(TorchSampler(range(n), shuffle=False, **kw))
                    assert len(DistributedSampler(range(n), **kw)) == len(TorchSampler(range(n), **kw))
    for bad in (3, -1):
        with pytest.raises(ValueError) as want:
            TorchSampler(range(5), num_replicas=3, rank=bad)
        with pytest.raises(ValueError, match=str(want.value).replace("[", r"\[").replace("]", r"\]")):
            DistributedSampler(range(5), num_replicas=3, rank=bad)


def test_distributed_sampler_shuffles_the_same_on_every_rank_and_covers_the_data():
    n, replicas = 23, 4
    for epoch in range(3):
        shards = []
        for rank in range(replicas):
            sampler = DistributedSampler(range(n), num_replicas=replicas, rank=rank, seed=5)
            sampler.set_epoch(epoch)
            shards.append(list(sampler))
        seen = [i for s in shards for i in s]
        assert len({len(s) for s in shards}) == 1 and len(seen) == 24 and sorted(set(seen)) == list(range(n))
        if epoch:
            assert shards != previous
        previous = shards
    with pytest.raises(RuntimeError, match="num_replicas= and rank=.*init_process_group"):
        DistributedSampler(range(4))


def test_fit_sets_the_epoch_and_sums_figures_in_a_world_of_one(world_of_one, tmp_path):
    X = np.random.default_rng(0).standard_normal((12, 6)).astype(np.float32)
    ds = TensorDataset(ag.from_numpy(X), ag.from_numpy(np.arange(12) % 3))
    sampler = DistributedSampler(ds, seed=1)
    epochs = []
    sampler.set_epoch = lambda e, s=sampler: (epochs.append(e), DistributedSampler.set_epoch(s, e))
    ag.manual_seed(0)
    model = DDP(mlp())
    training.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
                 DataLoader(ds, batch_size=4, sampler=sampler), epochs=3, progress=False,
                 checkpoint=tmp_path / "ckpt.npz")
    assert epochs == [0, 1, 2]
    state = training.load_checkpoint(tmp_path / "ckpt.npz")
    assert list(state["model"]) == list(model.module.state_dict())  # no "module." prefix in checkpoints


def test_seegrad_train_nproc_checks_its_options_before_starting_mpiexec(capsys, monkeypatch):
    from seegrad import cli
    for var in ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "MV2_COMM_WORLD_RANK"):
        monkeypatch.delenv(var, raising=False)
    assert cli.main(["train", "--nproc", "3", "--batch-size", "32"]) == 2
    assert "--batch-size 32 is the global batch: it must divide among the 3 processes" in capsys.readouterr().err
    monkeypatch.setattr(cli.launch, "find_mpiexec", lambda: None)
    assert cli.main(["train", "--nproc", "2"]) == 2
    assert "--nproc 2 needs mpiexec: pip install 'seegrad[distributed]'" in capsys.readouterr().err


# ----------------------------------------------------------------- under mpiexec


def mpirun(n, *command, timeout=180, env=None):
    """Run ``command`` as n ranks; kill the whole job if it outlives ``timeout``. Returns (process, seconds)."""
    start = time.monotonic()
    proc = subprocess.Popen([MPIEXEC, "-n", str(n), *command], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            env=dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1", **(env or {})))
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"mpiexec -n {n} {' '.join(command)} ran over {timeout} s:\n{out[-2000:]}\n{err[-2000:]}")
    proc.stdout, proc.stderr = out, err
    return proc, time.monotonic() - start


@needs_mpi
@pytest.mark.slow
@pytest.mark.parametrize("ranks,windows,thread", [(2, "1", "1"), (3, "1", ""), (2, "0", "1")])
def test_ranks_train_what_one_process_trains(ranks, windows, thread):
    """MLP, CNN with BatchNorm (per-rank statistics, and SyncBatchNorm) and GRU, 20 SGD and 20 Adam steps,
    gradients copied out of the buckets or views of them: the ranks stay identical and equal one process
    with the global batch (see the program's docstring); the buckets in shared windows, or not; moved along
    by DDP's helper thread (forced: this machine may have no core to spare for it), or as DDP decides."""
    proc, _ = mpirun(ranks, sys.executable, str(PROGRAMS / "ddp_equals_one_process.py"),
                     env={"SEEGRAD_SHARED_MEMORY": windows, "SEEGRAD_PROGRESS_THREAD": thread})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"OK on {ranks} ranks" in proc.stdout


@needs_mpi
@pytest.mark.slow
@pytest.mark.parametrize("ranks,windows", [(2, "1"), (3, "1"), (2, "0")])
def test_all_reduce_through_shared_memory(ranks, windows):
    """dist.empty_shared tensors: every op and dtype, uneven chunks, reductions in flight at once (see the
    program's docstring), equal to numpy's results and to MPI's messages. SEEGRAD_SHARED_MEMORY=0: no
    windows (as across machines): empty_shared is plain memory, the same results through MPI."""
    proc, _ = mpirun(ranks, sys.executable, str(PROGRAMS / "shared_memory.py"), env={"SEEGRAD_SHARED_MEMORY": windows})
    assert proc.returncode == 0, proc.stderr[-3000:]
    through = "through windows" if windows == "1" else "without windows"
    assert f"shared-memory all_reduce OK on {ranks} ranks, {through}" in proc.stdout


@needs_mpi
@pytest.mark.slow
@pytest.mark.parametrize("ranks,windows,thread", [(2, "1", ""), (3, "1", "1"), (2, "0", ""), (3, "0", "1")])
def test_zero_redundancy_optimizer_trains_what_one_process_trains(ranks, windows, thread):
    """DDP + ZeroRedundancyOptimizer (SGD, Adam; parameters per parameter, in one flat buffer: one copy in
    shared memory, or broadcast without windows; gradients sharded or not) equal one process, the ranks
    stay identical, the consolidated state is the one-process optimizer's and resumes (the program's
    docstring); DDP's helper thread as DDP decides, or forced on."""
    proc, _ = mpirun(ranks, sys.executable, str(PROGRAMS / "zero.py"),
                     env={"SEEGRAD_SHARED_MEMORY": windows, "SEEGRAD_PROGRESS_THREAD": thread})
    assert proc.returncode == 0, proc.stderr[-3000:]
    how = "one copy of the parameters" if windows == "1" else "parameters broadcast"
    assert f"ZeRO OK on {ranks} ranks, {how}" in proc.stdout


@needs_mpi
@pytest.mark.slow
def test_collectives_on_three_ranks():
    proc, _ = mpirun(3, sys.executable, str(PROGRAMS / "collectives.py"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "collectives OK on 3 ranks" in proc.stdout


@needs_mpi
@pytest.mark.slow
def test_a_rank_that_raises_ends_the_job_with_its_message():
    proc, seconds = mpirun(3, sys.executable, str(PROGRAMS / "rank_fails.py"), "raise", timeout=60)
    assert proc.returncode != 0
    assert "[rank 1] ValueError: rank 1 fails on purpose at step 3" in proc.stderr
    assert "finished step 3" not in proc.stdout
    assert "DistBackendError" not in proc.stderr  # MPI_Abort ended the others, not their 2-s timeouts
    assert seconds < 30


@needs_mpi
@pytest.mark.slow
def test_a_rank_that_hangs_times_the_others_out():
    proc, seconds = mpirun(2, sys.executable, str(PROGRAMS / "rank_fails.py"), "hang", timeout=60)
    assert proc.returncode != 0
    assert "[rank 0] autograd.distributed.DistBackendError: all_reduce: rank 0 of 2 waited" in proc.stderr
    assert seconds < 30  # the collective timeout is 2 s; rank 1 alone would sleep 120 s


@needs_mpi
@pytest.mark.slow
def test_under_mpiexec_torchruns_variables_are_mpis_and_must_agree_with_it():
    script = ("import os, autograd.distributed as dist; dist.init_process_group('gloo'); r = dist.get_rank(); "
              "seen = [os.environ[v] for v in ('RANK', 'LOCAL_RANK', 'WORLD_SIZE', 'LOCAL_WORLD_SIZE')]; "
              "assert seen == [str(r), str(r), '2', '2'], seen; print('agreed') if r == 0 else None")
    proc, _ = mpirun(2, sys.executable, "-c", script)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "agreed"  # (rank 0 only: the ranks' lines may run into each other)
    proc, _ = mpirun(2, sys.executable, "-c", script, env={"RANK": "5"})  # set by hand, and wrong
    assert proc.returncode != 0
    assert "RANK=5 in the environment (torchrun's variable) but MPI says 0; unset RANK" in proc.stderr


@needs_mpi
@pytest.mark.slow
def test_a_rank_that_hangs_times_out_one_starting_too_many_shared_all_reduces():
    """Through the shared windows at most RING all-reduces can be in flight; starting one more waits
    for the oldest to be done on every rank, under the group's timeout too."""
    proc, seconds = mpirun(2, sys.executable, str(PROGRAMS / "rank_fails.py"), "flood", timeout=60)
    assert proc.returncode != 0
    assert "DistBackendError: all_reduce: rank 0 waited 2 s for the other ranks to finish op 1" in proc.stderr
    assert "started" not in proc.stdout and seconds < 30


@needs_mpi
@pytest.mark.slow
def test_seegrad_train_nproc_logs_once_and_resumes_exactly(tmp_path):
    def train(out, *extra):
        proc = subprocess.run([sys.executable, "-m", "seegrad", "train", "--nproc", "2", "--out", str(out),
                               "--no-progress", "--hidden", "32", *extra], cwd=ROOT, capture_output=True,
                              text=True, timeout=300, env=dict(os.environ, PYTHONPATH=str(ROOT)))
        assert proc.returncode == 0, proc.stderr[-3000:]
        return proc.stdout

    log = train(tmp_path / "straight", "--epochs", "3")
    assert log.count("epoch 3/3") == 1 and log.count("test accuracy") == 1  # rank 0 alone speaks
    train(tmp_path / "resumed", "--epochs", "1")
    train(tmp_path / "resumed", "--epochs", "3", "--resume")
    straight, resumed = nn.load(tmp_path / "straight" / "model.npz"), nn.load(tmp_path / "resumed" / "model.npz")
    for key in straight:
        np.testing.assert_array_equal(np.asarray(straight[key]), np.asarray(resumed[key]))
