"""kill -9 during every kind of save: the target is always absent (nothing saved yet), the old complete
file or the new complete file, never a torn one; and the next save sweeps the temp files the kills left.

For each kind, a forked child saves version after version in a loop (each version is recognisable in
the file) and is killed with SIGKILL after a random delay of up to about two saves; the parent then
reads the target back with the kind's own loader. Forking the test process (already warmed up) instead
of starting an interpreter makes a kill cost milliseconds, so the whole file runs in seconds.
"""
import collections
import os
import random
import signal
import time
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import autograd as ag
import nn
import optim

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and SIGKILL (POSIX)")]

KILLS = 20
STRIDE = 1_000_000  # child k writes versions k * STRIDE, k * STRIDE + 1, ...


def model_with(value):
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    with ag.no_grad():
        for p in model.parameters():
            p.fill_(value)
    return model


# ----------------------------------------------------------------- the kinds: save version i / read it back


def save_state_dict(folder, i):
    nn.save({"version": i, "w": ag.full((512, 512), float(i % 4096))}, folder / "weights.npz")


def read_state_dict(folder):
    sd = nn.load(folder / "weights.npz")
    assert (sd["w"].numpy() == sd["version"] % 4096).all()
    return sd["version"]


def save_fit_checkpoint(folder, i):
    from seegrad.training import save_checkpoint
    model = model_with(i % 4096)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    save_checkpoint(folder / "checkpoint.npz", epoch=i, stopped=False, model=model.state_dict(),
                    optimizer=opt.state_dict(), history=[], callbacks=[], rng={})


def read_fit_checkpoint(folder):
    from seegrad.training import load_checkpoint
    state = load_checkpoint(folder / "checkpoint.npz")
    assert all((v.numpy() == state["epoch"] % 4096).all() for v in state["model"].values())
    return state["epoch"]


def save_run_config(folder, i):
    from seegrad.models import save_run_config
    save_run_config(folder, {"dataset": "digits", "data_dir": None, "model": "mlp", "optimizer": "adam",
                             "lr": 0.001, "batch_size": 32, "hidden": [128] * 200, "seed": i, "epochs": 3,
                             "in_features": 64, "num_classes": 10, "views": {"flat": [64]}})


def read_run_config(folder):
    from seegrad.models import load_run_config
    config = load_run_config(folder)
    assert config["hidden"] == [128] * 200
    return config["seed"]


def save_onnx(folder, i):
    from seegrad.export import export_onnx
    export_onnx(model_with(i % 4096), ag.randn(4, 64), folder / "model.onnx")


def read_onnx(folder):
    onnx = pytest.importorskip("onnx")
    from onnx import numpy_helper
    proto = onnx.load(str(folder / "model.onnx"))
    onnx.checker.check_model(proto)
    values = {float(v) for init in proto.graph.initializer for v in np.unique(numpy_helper.to_array(init))}
    assert len(values) == 1  # every weight of one version
    return None  # the version is known only modulo 4096: a complete, valid file is what is checked


def save_history_plot(folder, i):
    from seegrad.training import History
    History([{"epoch": e, "loss": 1 / (e + 1 + i % 7), "accuracy": 0.5} for e in range(4)]).plot(folder / "h.png")


def read_history_plot(folder):
    import matplotlib.image
    data = (folder / "h.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[-8:-4] == b"IEND"
    assert matplotlib.image.imread(folder / "h.png").shape[:2] == (400, 1000)
    return None


def save_graph_svg(folder, i):
    from autograd.render import render_to_file
    nodes = "; ".join(f'n{k} [label="v{i} node {k}"]' for k in range(30))
    render_to_file(f"digraph {{ {nodes}; n0 -> n1 }}", folder / "graph.svg")


def read_graph_svg(folder):
    root = ET.parse(folder / "graph.svg").getroot()
    labels = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    versions = {int(label.split()[0][1:]) for label in labels}
    assert len(labels) == 30 and len(versions) == 1
    return versions.pop()


KINDS = {
    "nn.save": (save_state_dict, read_state_dict, "weights.npz", None),
    "fit checkpoint": (save_fit_checkpoint, read_fit_checkpoint, "checkpoint.npz", None),
    "run config": (save_run_config, read_run_config, "config.json", None),
    "ONNX export": (save_onnx, read_onnx, "model.onnx", "onnx"),
    "History plot": (save_history_plot, read_history_plot, "h.png", "matplotlib"),
    "graph SVG": (save_graph_svg, read_graph_svg, "graph.svg", None),
}


def saving_forever(save, folder, first):
    """Fork a child that saves versions first, first + 1, ... until it is killed; its pid."""
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        try:
            i = first
            while True:
                save(folder, i)
                i += 1
        finally:
            os._exit(1)
    return pid


def temp_files(folder):
    return [n for n in os.listdir(folder) if n.endswith(".tmp")]


@pytest.mark.parametrize("kind", list(KINDS))
def test_kill_9_during_save_leaves_the_old_or_the_new_file(kind, tmp_path):
    save, read, target, needs = KINDS[kind]
    if needs:
        pytest.importorskip(needs)  # the kind's own optional dependency
    if kind == "graph SVG":
        from autograd.render import RenderError, available_renderers
        if not available_renderers():
            pytest.skip(f"no Graphviz renderer ({RenderError.__name__})")
    warm = tmp_path / "warm"
    warm.mkdir()
    t0 = time.perf_counter()
    save(warm, 0)  # imports, caches and the renderer probe, before forking
    save(warm, 1)
    one_save = (time.perf_counter() - t0) / 2
    kills = KILLS if one_save < 0.1 else 8  # the plot takes half a second: fewer kills
    folder = tmp_path / "run"
    folder.mkdir()
    rng = random.Random(kind)
    seen, last, left_behind = collections.Counter(), None, 0
    for k in range(1, kills + 1):
        pid = saving_forever(save, folder, k * STRIDE)
        time.sleep(rng.uniform(0, 2 * one_save))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL  # killed, not crashed
        left_behind += len(temp_files(folder))
        if not (folder / target).exists():
            assert last is None, f"kill {k}: {target} vanished after a complete save"
            seen["absent"] += 1
            continue
        version = read(folder)  # raises on a torn or invalid file
        if version is not None and last is not None and version == last:
            seen["old"] += 1
        else:
            assert version is None or k * STRIDE <= version < (k + 1) * STRIDE, (k, version, last)
            seen["new" if version is not None else "complete"] += 1
            last = version if version is not None else last
    assert sum(seen.values()) == kills
    save(folder, 0)  # one more save, by a live process: it sweeps what the killed ones left
    assert os.listdir(folder) == [target], os.listdir(folder)
    assert read(folder) in (0, None)
    print(f"{kind}: {kills} kills, {dict(seen)}, {left_behind} temp files seen after kills, 0 left after the next save")
