"""nn.save / nn.load: round trips, safety (no pickle), atomic writes, clear errors on bad files."""
import os
import pickle
import re

import numpy as np
import pytest

import autograd as ag
import nn
import optim


def test_round_trip_nested_structure(tmp_path):
    obj = {
        "model": nn.Linear(3, 2).state_dict(),
        "opt": {"state": {0: {"step": 7, "exp_avg": ag.randn(2, 3)}, 3: {"momentum_buffer": ag.zeros(2)}},
                "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 3], "nesterov": False,
                                  "name": None}]},
        "ints": ag.tensor([1, 2, 3]), "f64": ag.randn(2, dtype=ag.float64), "mask": ag.tensor([True, False]),
        "raw": np.arange(6, dtype=np.int16).reshape(2, 3), "scalar": np.float32(1.5),
        "special": [float("nan"), float("inf"), -float("inf")], "text": "hello", "$weird": 1, "empty": ag.zeros(0, 4),
    }
    path = tmp_path / "ckpt.npz"
    nn.save(obj, path)
    back = nn.load(path)
    assert set(back) == set(obj)
    assert list(back["model"]) == ["weight", "bias"]
    np.testing.assert_array_equal(back["model"]["weight"].numpy(), obj["model"]["weight"].numpy())
    assert back["opt"]["state"][0]["step"] == 7 and set(back["opt"]["state"]) == {0, 3}
    assert back["opt"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert back["opt"]["param_groups"][0]["name"] is None
    for key in ("ints", "f64", "mask", "empty"):
        assert isinstance(back[key], ag.Tensor) and back[key].dtype == obj[key].dtype
        np.testing.assert_array_equal(back[key].numpy(), obj[key].numpy())
    assert isinstance(back["raw"], np.ndarray) and back["raw"].dtype == np.int16
    assert back["scalar"] == 1.5
    assert np.isnan(back["special"][0]) and back["special"][1:] == [float("inf"), -float("inf")]
    assert back["text"] == "hello" and back["$weird"] == 1
    # plain numpy can read it without pickle
    with np.load(path, allow_pickle=False) as npz:
        assert "__seegrad__" in npz.files


def test_module_state_dict_round_trip_restores_outputs(tmp_path):
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    x = ag.randn(5, 4)
    nn.save(model.state_dict(), str(tmp_path / "m.pt"))  # any suffix, path as str or PathLike
    other = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    other.load_state_dict(nn.load(str(tmp_path / "m.pt")))
    np.testing.assert_array_equal(other(x).detach().numpy(), model(x).detach().numpy())
    assert os.listdir(tmp_path) == ["m.pt"]  # exactly the path given, no temp files left


def test_optimizer_state_round_trip(tmp_path):
    p = nn.Parameter(ag.randn(3))
    opt = optim.Adam([p], lr=0.01, amsgrad=True)
    for _ in range(3):
        p.grad = ag.randn(3)
        opt.step()
    nn.save(opt.state_dict(), tmp_path / "o.npz")
    opt2 = optim.Adam([p], lr=0.5)
    opt2.load_state_dict(nn.load(tmp_path / "o.npz"))
    assert opt2.param_groups[0]["lr"] == 0.01 and opt2.param_groups[0]["amsgrad"] is True
    for k, v in opt.state[p].items():
        got = opt2.state[p][k]
        if isinstance(v, ag.Tensor):
            np.testing.assert_array_equal(got.numpy(), v.numpy())
        else:
            assert got == v


def test_unsupported_objects_are_refused():
    with pytest.raises(TypeError, match="save its state_dict"):
        nn.save({"model": nn.Linear(1, 1)}, os.devnull)
    with pytest.raises(TypeError, match=r"cannot save a function at obj\['f'\]"):
        nn.save({"f": lambda: 0}, os.devnull)
    for arr in (np.array(["a", "b"]), np.array(["2024-01-01"], dtype="datetime64[D]"), np.zeros(2, dtype="V4")):
        dtype = re.escape(str(arr.dtype))
        with pytest.raises(TypeError, match=rf"an array of dtype {dtype} cannot be saved \(at obj\['x'\]\)"):
            nn.save({"x": arr}, os.devnull)  # nn.load reads numbers only


def test_truncated_file_gives_clear_error(tmp_path):
    path = tmp_path / "ckpt.npz"
    nn.save({"w": ag.randn(100, 10)}, path)
    data = path.read_bytes()
    for cut in (len(data) // 2, len(data) - 10, 10):
        bad = tmp_path / f"cut{cut}.npz"
        bad.write_bytes(data[:cut])
        with pytest.raises(nn.CheckpointError, match=f"cut{cut}.npz.*(truncated or corrupted|unreadable)"):
            nn.load(bad)


def test_corrupted_file_gives_clear_error(tmp_path):
    path = tmp_path / "ckpt.npz"
    nn.save({"w": ag.randn(100, 10)}, path)
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0xFF  # flip a byte inside the array data
    path.write_bytes(bytes(data))
    with pytest.raises(nn.CheckpointError, match="ckpt.npz.*(truncated or corrupted|unreadable)"):
        nn.load(path)
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    with pytest.raises(nn.CheckpointError, match="empty.npz' is empty"):
        nn.load(empty)
    text = tmp_path / "notes.txt"
    text.write_text("not a checkpoint")
    with pytest.raises(nn.CheckpointError, match="notes.txt' is not a seegrad checkpoint"):
        nn.load(text)
    other = tmp_path / "plain.npz"
    np.savez(other, a=np.ones(2))
    with pytest.raises(nn.CheckpointError, match="plain.npz' is not a seegrad checkpoint"):
        nn.load(other)
    assert issubclass(nn.CheckpointError, ValueError)
    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "missing.npz")


class _Boom:
    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


def test_load_never_unpickles(tmp_path, monkeypatch):
    """A file holding a pickled object array is refused; nothing from it runs."""
    calls = []
    monkeypatch.setattr(pickle, "loads", lambda *a, **k: calls.append(a))
    path = tmp_path / "evil.npz"
    meta = b'{"format": "seegrad-npz", "version": 1, "tree": {"$ndarray": "t0"}}'
    arr = np.empty(1, dtype=object)
    arr[0] = _Boom()
    np.savez(path, __seegrad__=np.frombuffer(meta, dtype=np.uint8), t0=arr)
    with pytest.raises(nn.CheckpointError, match="evil.npz"):
        nn.load(path)
    assert calls == []


def test_metadata_errors(tmp_path):
    path = tmp_path / "m.npz"
    np.savez(path, __seegrad__=np.frombuffer(b"{not json", dtype=np.uint8))
    with pytest.raises(nn.CheckpointError, match="metadata is not valid JSON"):
        nn.load(path)
    np.savez(path, __seegrad__=np.frombuffer(b'{"format": "seegrad-npz", "version": 1, "tree": {"$tensor": "t9"}}',
                                             dtype=np.uint8))
    with pytest.raises(nn.CheckpointError, match="'t9' it refers to is missing"):
        nn.load(path)
    np.savez(path, __seegrad__=np.frombuffer(b'{"format": "seegrad-npz", "version": 99, "tree": 1}', dtype=np.uint8))
    with pytest.raises(nn.CheckpointError, match="newer version"):
        nn.load(path)


def test_crash_mid_save_leaves_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    nn.save({"w": ag.ones(3)}, path)
    before = path.read_bytes()
    real_savez = np.savez

    def crashing_savez(f, **arrays):
        f.write(b"PK\x03\x04 partial data")
        raise KeyboardInterrupt("simulated crash")

    monkeypatch.setattr(np, "savez", crashing_savez)
    with pytest.raises(KeyboardInterrupt):
        nn.save({"w": ag.zeros(3)}, path)
    monkeypatch.setattr(np, "savez", real_savez)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.npz"]  # the temp file was cleaned up
    np.testing.assert_array_equal(nn.load(path)["w"].numpy(), [1, 1, 1])


def test_save_keeps_permissions_and_accepts_file_objects(tmp_path):
    path = tmp_path / "p.npz"
    nn.save({"a": 1}, path)
    os.chmod(path, 0o640)
    nn.save({"a": 2}, path)
    assert (os.stat(path).st_mode & 0o777) == 0o640 and nn.load(path) == {"a": 2}
    with open(tmp_path / "f.npz", "wb") as fh:
        nn.save([ag.ones(2), (1, "x")], fh)
    with open(tmp_path / "f.npz", "rb") as fh:
        back = nn.load(fh)
    assert back[1] == (1, "x") and back[0].shape == (2,)
