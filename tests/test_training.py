"""seegrad.training: fit / evaluate / History / EarlyStopping / checkpoints and exact resume."""
import math
import sys

import numpy as np
import pytest

import autograd as ag
import nn
import optim
from seegrad.data import DataLoader, TensorDataset, make_moons
from seegrad.training import EarlyStopping, History, accuracy, evaluate, fit, load_checkpoint


def moons_loaders(seed=0, n=200):
    s = make_moons(n_samples=n, noise=0.15, seed=seed)
    train, test = s.tensor_datasets()
    return DataLoader(train, batch_size=16, shuffle=True, seed=seed), DataLoader(test, batch_size=64)


def mlp(seed=0, dropout=0.0):
    ag.manual_seed(seed)
    layers = [nn.Linear(2, 16), nn.Tanh()] + ([nn.Dropout(dropout)] if dropout else []) + [nn.Linear(16, 2)]
    return nn.Sequential(*layers)


def weights(model):
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}


def test_fit_learns_and_records_history():
    train, test = moons_loaders()
    model = mlp()
    hist = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.05), train, epochs=8,
               val_loader=test, progress=False)
    assert isinstance(hist, History) and len(hist) == 8 and hist.epoch == list(range(8))
    assert list(hist.keys()) == ["loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds"]
    assert hist["loss"][-1] < hist["loss"][0] * 0.5
    assert hist.val_accuracy[-1] > 0.9
    assert all(s > 0 for s in hist.seconds) and hist.lr == [0.05] * 8
    # the recorded val figures are exactly what evaluate gives for the final model
    res = evaluate(model, test, nn.CrossEntropyLoss())
    assert res["loss"] == pytest.approx(hist.val_loss[-1]) and res["accuracy"] == pytest.approx(hist.val_accuracy[-1])
    assert hist.best("val_accuracy")[1] == max(hist.val_accuracy)
    assert "8 epochs" in repr(hist)


def test_fit_matches_a_hand_written_loop():
    def run(use_fit):
        train, _ = moons_loaders()
        model = mlp(1)
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        loss_fn = nn.CrossEntropyLoss()
        if use_fit:
            fit(model, loss_fn, opt, train, epochs=3, progress=False)
        else:
            for _ in range(3):
                for x, y in train:
                    opt.zero_grad()
                    loss_fn(model(x), y).backward()
                    opt.step()
        return weights(model)
    a, b = run(True), run(False)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


def test_train_eval_modes_handled():
    train, test = moons_loaders()
    model = mlp(dropout=0.5)
    seen = []
    model.register_forward_hook(lambda m, i, o: seen.append(m.training))
    fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.01), train, epochs=1, val_loader=test,
        progress=False)
    assert seen[:len(train)] == [True] * len(train) and seen[len(train):] == [False] * len(test)
    model.train()
    evaluate(model, test, nn.CrossEntropyLoss())
    assert model.training  # evaluate restores the mode it found


def test_evaluate_no_grad_and_without_loss():
    _, test = moons_loaders()
    model = mlp()
    res = evaluate(model, test, metrics=("accuracy",))
    assert set(res) == {"accuracy"} and 0 <= res["accuracy"] <= 1
    assert all(p.grad is None for p in model.parameters())


def test_accuracy_metric_forms():
    assert accuracy(np.array([[0.1, 0.9], [2.0, 1.0]]), np.array([1, 1])) == 0.5
    assert accuracy(np.array([[0.3], [-1.0]]), np.array([[1.0], [0.0]])) == 1.0   # one logit per sample
    assert accuracy(np.array([[0.1, 0.9]]), np.array([[0.2, 0.8]])) == 1.0        # probability targets
    with pytest.raises(ValueError, match="metrics=\\(\\) for a regression"):
        accuracy(np.zeros((4, 3)), np.zeros((4, 2)))


def test_custom_metrics_and_regression():
    from seegrad.data import make_sine
    s = make_sine(n_samples=100, seed=0)
    train = DataLoader(TensorDataset(s.X_train, s.y_train), batch_size=20)
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 1))

    def mae(out, target):
        return np.abs(out - target).mean()
    hist = fit(model, nn.MSELoss(), optim.Adam(model.parameters(), lr=0.01), train, epochs=3, metrics=[mae],
               progress=False)
    assert list(hist.keys()) == ["loss", "mae", "lr", "seconds"]
    with pytest.raises(ValueError, match="unknown metric 'f1'"):
        fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), train, epochs=1, metrics=["f1"])


class Plateau(nn.Module):
    """A model whose loss never improves (no parameters change): early stopping must fire."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(ag.zeros(2, 2))

    def forward(self, x):
        return x @ self.w


def test_early_stopping_patience_on_val_loss():
    train, test = moons_loaders()
    model = Plateau()
    hist = fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.0), train, epochs=50,
               val_loader=test, early_stopping=3, progress=False)
    assert len(hist) == 4  # epoch 0 sets the best, then 3 epochs without improvement


def test_early_stopping_restores_best_weights():
    train, test = moons_loaders()
    model = mlp()
    # a huge learning rate makes validation loss blow up after the first epochs
    stopper = EarlyStopping(patience=2, monitor="val_loss", restore_best_weights=True)
    hist = fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.2), train, epochs=40,
               val_loader=test, early_stopping=stopper, progress=False)
    best_epoch, best = hist.best("val_loss")
    assert stopper.best_epoch == best_epoch and len(hist) == best_epoch + 3
    assert evaluate(model, test, nn.CrossEntropyLoss())["loss"] == pytest.approx(best, rel=1e-6)


def test_early_stopping_needs_its_figure():
    train, _ = moons_loaders()
    model = mlp()
    with pytest.raises(KeyError, match="pass val_loader"):
        fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), train, epochs=2,
            early_stopping=EarlyStopping(monitor="val_accuracy"), progress=False)


def run(tmp_path, epochs, resume=False, opt="adam", dropout=0.3, scheduler=False):
    """Build everything from scratch (a new process would) and fit to ``epochs`` total."""
    train, test = moons_loaders(seed=3)
    model = mlp(seed=123 if resume else 0, dropout=dropout)  # a resumed run starts from other weights
    optimizer = (optim.Adam(model.parameters(), lr=0.02) if opt == "adam"
                 else optim.SGD(model.parameters(), lr=0.1, momentum=0.9))
    sched = optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7) if scheduler else None
    ag.manual_seed(99 if resume else 7)  # RNG state must come from the checkpoint
    hist = fit(model, nn.CrossEntropyLoss(), optimizer, train, epochs=epochs, val_loader=test,
               checkpoint=tmp_path / "ck.npz", resume=resume, progress=False, scheduler=sched,
               early_stopping=EarlyStopping(patience=100))
    return model, hist


@pytest.mark.parametrize("opt, scheduler", [("adam", False), ("sgd", True)])
def test_resume_gives_identical_weights(tmp_path, opt, scheduler):
    straight, h_straight = run(tmp_path / "a", 4, opt=opt, scheduler=scheduler)
    run(tmp_path / "b", 2, opt=opt, scheduler=scheduler)
    resumed, h_resumed = run(tmp_path / "b", 4, resume=True, opt=opt, scheduler=scheduler)
    for k, v in weights(straight).items():
        np.testing.assert_array_equal(v, weights(resumed)[k])
    assert len(h_resumed) == 4 and h_resumed.epoch == [0, 1, 2, 3]
    for key in ("loss", "val_loss", "val_accuracy", "lr"):
        assert h_resumed[key] == h_straight[key]
    state = load_checkpoint(tmp_path / "b" / "ck.npz")
    assert state["epoch"] == 4 and len(state["history"]) == 4
    assert not list((tmp_path / "b").glob(".*"))  # no temporary files left behind


def test_resume_without_checkpoint_starts_fresh_and_needs_a_path(tmp_path):
    _, hist = run(tmp_path, 1, resume=True)
    assert len(hist) == 1 and (tmp_path / "ck.npz").exists()
    train, _ = moons_loaders()
    model = mlp()
    with pytest.raises(ValueError, match="resume=True needs checkpoint"):
        fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), train, resume=True)


def test_load_checkpoint_rejects_a_plain_state_dict(tmp_path):
    nn.save(mlp().state_dict(), tmp_path / "w.npz")
    with pytest.raises(ValueError, match="not a training checkpoint"):
        load_checkpoint(tmp_path / "w.npz")


def test_history_plot_writes_png(tmp_path):
    hist = History([{"epoch": 0, "loss": 1.0, "accuracy": 0.5, "val_loss": 1.2, "val_accuracy": 0.4},
                    {"epoch": 1, "loss": 0.5, "accuracy": 0.8, "val_loss": 0.7, "val_accuracy": 0.7}])
    assert hist.records()[1]["val_loss"] == 0.7
    hist.plot(tmp_path / "h.png")
    assert (tmp_path / "h.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(AttributeError, match="no figure 'f1'"):
        hist.f1


def test_history_plot_to_a_file_leaves_the_backend_alone(tmp_path):
    # in Jupyter the backend is the inline one: writing history.png must not switch it to Agg,
    # or every plot the notebook makes afterwards shows nothing
    matplotlib = pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    before = matplotlib.get_backend()
    plt.switch_backend("svg")  # stands in for the inline backend: any backend but Agg
    try:
        History([{"epoch": 0, "loss": 1.0}]).plot(tmp_path / "h.png")
        assert matplotlib.get_backend() == "svg"
        assert (tmp_path / "h.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        plt.switch_backend(before)


def test_history_pads_late_keys_with_nan():
    hist = History()
    hist.append(0, loss=1.0)
    hist.append(1, loss=0.5, val_loss=0.7)
    assert math.isnan(hist.val_loss[0]) and hist.val_loss[1] == 0.7


def test_bad_batches_and_epochs():
    model = mlp()
    with pytest.raises(TypeError, match=r"\(inputs, targets\)"):
        fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), [ag.zeros(2, 2)], epochs=1)
    with pytest.raises(ValueError, match="epochs must be a non-negative integer"):
        fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), [], epochs=1.5)


def test_reduce_lr_on_plateau_gets_the_val_loss():
    train, test = moons_loaders()
    model = Plateau()
    opt = optim.SGD(model.parameters(), lr=0.0)
    opt.param_groups[0]["lr"] = 1e-12  # too small to change the loss: a plateau from the start
    sched = optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1)
    hist = fit(model, nn.CrossEntropyLoss(), opt, train, epochs=5, val_loader=test, scheduler=sched, progress=False)
    assert hist.lr == pytest.approx([1e-12, 1e-12, 1e-12, 5e-13, 5e-13], rel=1e-6)


def test_progress_bar_only_on_a_terminal(capsys, monkeypatch):
    pytest.importorskip("tqdm")
    train, test = moons_loaders()

    def run(progress):
        model = mlp()
        fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.01), train, epochs=2,
            val_loader=test, progress=progress)
        return capsys.readouterr().out

    assert run(True) == ""  # captured stdout is not a terminal: quiet
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setenv("COLUMNS", "200")  # wide enough for the whole line, whatever runs the tests
    out = run(True)
    assert "epoch 1/2" in out and "epoch 2/2" in out and "loss=" in out and "val_acc=" in out
    assert run(False) == ""


def test_fit_takes_any_iterable_of_batches(monkeypatch):
    pytest.importorskip("tqdm")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    train, _ = moons_loaders()
    batches = list(train)

    class Once:  # an iterable without __len__
        def __iter__(self):
            return iter(batches)

    model = mlp()
    hist = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.01), Once(), epochs=2)
    assert len(hist) == 2 and hist.loss[1] < hist.loss[0]
