"""fit(resume=True) and `seegrad train --resume` with a checkpoint that does not fit: one CheckpointError
naming the file and the entry, and nothing changed (weights, optimizer state, scheduler, callbacks, RNG)."""
import numpy as np
import pytest

import autograd as ag
import nn
import optim
from seegrad import cli
from seegrad.data import DataLoader, make_moons
from seegrad.training import Callback, EarlyStopping, fit


def loaders():
    train, test = make_moons(n_samples=96, noise=0.15, seed=1).tensor_datasets()
    return DataLoader(train, batch_size=16, shuffle=True, seed=1), DataLoader(test, batch_size=64)


class Counter(Callback):
    """A callback with state: how many epochs it saw."""

    def __init__(self):
        self.seen = 0

    def on_epoch_end(self, epoch, logs, model):
        self.seen += 1

    def state_dict(self):
        return {"seen": self.seen}

    def load_state_dict(self, state):
        if not isinstance(state.get("seen"), int):
            raise ValueError(f"Counter: 'seen' must be an int, got {state.get('seen')!r}")
        self.seen = state["seen"]


def setup(seed):
    ag.manual_seed(seed)
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
    opt = optim.Adam(model.parameters(), lr=0.02)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    return model, opt, sched, [Counter(), EarlyStopping(patience=50)]


def train(path, epochs, resume=False, seed=0, parts=None):
    model, opt, sched, callbacks = parts or setup(seed)
    train_loader, val_loader = loaders()
    fit(model, nn.CrossEntropyLoss(), opt, train_loader, epochs=epochs, val_loader=val_loader, checkpoint=path,
        resume=resume, progress=False, scheduler=sched, callbacks=callbacks[:1], early_stopping=callbacks[1])
    return model, opt, sched, callbacks


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """A good checkpoint after 2 epochs, as nn.load gives it back."""
    path = tmp_path_factory.mktemp("good") / "ck.npz"
    train(path, 2)
    return nn.load(path)


def snapshot(model, opt, sched, callbacks, train_loader):
    return {"weights": {k: v.numpy().copy() for k, v in model.state_dict().items()},
            "moments": {(i, k): np.array(v.numpy() if isinstance(v, ag.Tensor) else v)
                        for i, s in opt.state_dict()["state"].items() for k, v in s.items()},
            "groups": [{k: v for k, v in g.items()} for g in opt.state_dict()["param_groups"]],
            "sched": sched.state_dict(), "callbacks": [cb.state_dict() for cb in callbacks],
            "rng": (ag.get_rng().bit_generator.state, np.random.get_state()[1].copy(),
                    train_loader.generator.bit_generator.state)}


def assert_same(a, b):
    assert a.keys() == b.keys()
    for key in ("weights", "moments"):
        assert a[key].keys() == b[key].keys()
        for k in a[key]:
            np.testing.assert_array_equal(a[key][k], b[key][k], err_msg=f"{key} {k}")
    assert a["groups"] == b["groups"] and a["sched"] == b["sched"]
    assert a["callbacks"][0] == b["callbacks"][0] and a["callbacks"][1]["wait"] == b["callbacks"][1]["wait"]
    assert a["rng"][0] == b["rng"][0] and a["rng"][2] == b["rng"][2]
    np.testing.assert_array_equal(a["rng"][1], b["rng"][1])


def drop(key):
    return lambda s: s.pop(key)


def put(*path_and_value):
    *path, value = path_and_value

    def change(state):
        node = state
        for k in path[:-1]:
            node = node[k]
        node[path[-1]] = value(node[path[-1]]) if callable(value) else value
    return change


BAD = {  # how the checkpoint is spoiled -> the entry the error must name
    "model missing": (drop("model"), "model", "is missing"),
    "optimizer missing": (drop("optimizer"), "optimizer", "is missing"),
    "rng missing": (drop("rng"), "rng", "is missing"),
    "epoch missing": (drop("epoch"), "epoch", "is missing"),
    "history missing": (drop("history"), "history", "is missing"),
    "callbacks missing": (drop("callbacks"), "callbacks", "is missing"),
    "stopped missing": (drop("stopped"), "stopped", "is missing"),
    "epoch negative": (put("epoch", -1), "epoch", "is -1, not a count"),
    "epoch fractional": (put("epoch", 1.5), "epoch", "is 1.5"),
    "epoch a bool": (put("epoch", True), "epoch", "is True"),
    "epoch beyond the history": (put("epoch", 3), "history", "holds 2 epochs, but the checkpoint says 3"),
    "stopped a string": (put("stopped", "no"), "stopped", "is 'no', not True or False"),
    "history not a list": (put("history", {"epoch": 0}), "history", "is malformed"),
    "history record without epoch": (put("history", 1, lambda r: {"loss": 1.0}), "history", "is malformed"),
    "history figure a string": (put("history", 1, "loss", "low"), "history", "is malformed"),
    "callbacks not a list": (put("callbacks", "none"), "callbacks", "is not a list of dicts"),
    "callback state refused": (put("callbacks", 0, "seen", "two"), "callbacks[0]", "'seen' must be an int"),
    "rng not a dict": (put("rng", [1, 2]), "rng", "is malformed"),
    "rng autograd state garbage": (put("rng", "autograd", {"bit_generator": "PCG64", "state": 3}), "rng",
                                   "is malformed"),
    "rng numpy state garbage": (put("rng", "numpy_global", ["MT19937", [1, 2, 3], 0, 0, 0.0]), "rng",
                                "is malformed"),
    "rng loader state garbage": (put("rng", "loaders", 0, {"bit_generator": "MT19937"}), "rng", "is malformed"),
    "model entry complex": (put("model", "2.bias", np.ones(2, np.complex64)), "model", "losing their imaginary"),
    "model entry of the wrong shape": (put("model", "2.bias", ag.zeros(3)), "model", "size mismatch for 2.bias"),
    "model entry missing": (lambda s: s["model"].pop("2.bias"), "model", 'Missing key(s) in state_dict: "2.bias"'),
    "optimizer lr a string": (put("optimizer", "param_groups", 0, "lr", "fast"), "optimizer", "learning rate"),
    "optimizer moment of the wrong shape": (put("optimizer", "state", 3, "exp_avg", ag.zeros(5)), "optimizer",
                                            r"state[3]['exp_avg'] has shape (5,)"),
    "optimizer not a dict": (put("optimizer", [1]), "optimizer", "expected a dict with 'state'"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_checkpoint_that_does_not_fit_changes_nothing(case, checkpoint, tmp_path):
    spoil, entry, problem = BAD[case]
    path = tmp_path / "spoiled.npz"
    nn.save(checkpoint, path)
    state = nn.load(path)  # a fresh copy to spoil
    spoil(state)
    nn.save(state, path)

    parts = setup(seed=5)
    train_loader, _ = loaders()
    np.random.seed(11)
    ag.manual_seed(12)
    parts[2].step()  # the scheduler has its own state too
    parts[0][0].weight.grad = ag.ones(8, 2)  # and the optimizer some moments
    parts[1].step()
    before = snapshot(*parts, train_loader)
    with pytest.raises(nn.CheckpointError) as err:
        train(path, 4, resume=True, parts=parts)
    message = str(err.value)
    assert f"cannot resume from {str(path)!r}: its entry {entry!r}" in message
    assert problem in message and "nothing was changed" in message
    assert_same(snapshot(*parts, train_loader), before)


def test_the_good_checkpoint_still_resumes_exactly(checkpoint, tmp_path):
    straight = train(tmp_path / "a.npz", 4)[0]
    nn.save(checkpoint, tmp_path / "b.npz")
    resumed = train(tmp_path / "b.npz", 4, resume=True, seed=7)[0]
    for k, v in straight.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), resumed.state_dict()[k].numpy())


def test_cli_resume_with_a_broken_checkpoint_is_one_line(tmp_path, capsys):
    pytest.importorskip("sklearn")  # the CLI's datasets
    pytest.importorskip("matplotlib")  # its history plot
    out = tmp_path / "run"
    assert cli.main(["train", "--dataset", "moons", "--hidden", "8", "--epochs", "1", "--no-progress",
                     "--out", str(out)]) == 0
    model_before = (out / "model.npz").read_bytes()
    state = nn.load(out / "checkpoint.npz")
    del state["model"]
    nn.save(state, out / "checkpoint.npz")
    capsys.readouterr()
    assert cli.main(["train", "--resume", "--epochs", "2", "--no-progress", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == (f"seegrad: error: fit: cannot resume from {str(out / 'checkpoint.npz')!r}: its entry 'model' "
                   "is missing; nothing was changed (the model, optimizer and RNG are as they were)\n")
    assert (out / "model.npz").read_bytes() == model_before
    state["epoch"] = -3
    state["model"] = nn.load(out / "model.npz")
    nn.save(state, out / "checkpoint.npz")
    assert cli.main(["train", "--resume", "--epochs", "2", "--no-progress", "--out", str(out)]) == 2
    assert "its entry 'epoch' is -3, not a count of finished epochs" in capsys.readouterr().err
