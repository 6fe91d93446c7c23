"""seegrad.data: Dataset / TensorDataset / DataLoader / collate, and the offline datasets."""
import gzip
import random
from collections import namedtuple

import numpy as np
import pytest

import autograd as ag
from seegrad import data as D
from seegrad.data import DataLoader, Dataset, TensorDataset, default_collate


def xy(n=10):
    return TensorDataset(np.arange(n * 2, dtype=np.float32).reshape(n, 2), np.arange(n))


# ----------------------------------------------------------------- DataLoader


def test_batches_in_order_with_last_partial_batch():
    batches = list(DataLoader(xy(10), batch_size=4))
    assert [tuple(x.shape) for x, _ in batches] == [(4, 2), (4, 2), (2, 2)]
    assert np.concatenate([y.numpy() for _, y in batches]).tolist() == list(range(10))
    assert isinstance(batches[0][0], ag.Tensor) and batches[0][0].dtype == np.float32
    assert batches[0][1].dtype == np.int64
    assert len(DataLoader(xy(10), batch_size=4)) == 3


def test_drop_last():
    loader = DataLoader(xy(10), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert [len(y) for _, y in loader] == [4, 4]
    assert len(DataLoader(xy(8), batch_size=4, drop_last=True)) == 2


def test_shuffle_is_a_permutation_and_reshuffles_each_epoch():
    loader = DataLoader(xy(50), batch_size=7, shuffle=True, seed=3)
    e1 = np.concatenate([y.numpy() for _, y in loader])
    e2 = np.concatenate([y.numpy() for _, y in loader])
    assert sorted(e1.tolist()) == list(range(50)) and sorted(e2.tolist()) == list(range(50))
    assert e1.tolist() != list(range(50)) and e1.tolist() != e2.tolist()
    # samples stay paired with their labels
    for x, y in loader:
        np.testing.assert_array_equal(x.numpy()[:, 0], 2 * y.numpy())


def test_shuffle_determinism_with_seed_generator_and_manual_seed():
    def order(**kw):
        return np.concatenate([y.numpy() for _, y in DataLoader(xy(30), batch_size=8, shuffle=True, **kw)])
    assert order(seed=1).tolist() == order(seed=1).tolist()
    assert order(seed=1).tolist() != order(seed=2).tolist()
    assert order(generator=np.random.default_rng(5)).tolist() == order(generator=np.random.default_rng(5)).tolist()
    ag.manual_seed(7)
    a = order()
    ag.manual_seed(7)
    assert order().tolist() == a.tolist()


def test_generic_dataset_uses_default_collate():
    class Pairs(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"x": np.full(3, i, np.float32), "label": i, "w": float(i), "name": f"s{i}"}

    batch = next(iter(DataLoader(Pairs(), batch_size=2)))
    assert batch["x"].shape == (2, 3) and batch["x"].dtype == np.float32
    assert batch["label"].dtype == np.int64 and batch["label"].tolist() == [0, 1]
    assert batch["w"].dtype == np.float64  # Python floats -> float64, as in PyTorch
    assert batch["name"] == ["s0", "s1"]


def test_default_collate_matches_pytorch():
    pytest.importorskip("torch")
    from torch.utils.data import default_collate as torch_collate
    samples = [(np.ones(2, np.float32) * i, i, float(i), np.float32(i)) for i in range(3)]
    ours, theirs = default_collate(samples), torch_collate(samples)
    assert isinstance(ours, list) and isinstance(theirs, list)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        assert str(a.dtype) == str(b.dtype).replace("torch.", "")
    Point = namedtuple("Point", "x y")
    out = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(out, Point) and out.x.tolist() == [1, 3]
    with pytest.raises(TypeError, match="cannot batch samples of type object"):
        default_collate([object(), object()])


def test_custom_collate_fn_and_sampler():
    loader = DataLoader(xy(6), batch_size=2, sampler=[5, 4, 3, 2, 1, 0],
                        collate_fn=lambda samples: [int(s[1].item()) for s in samples])
    assert list(loader) == [[5, 4], [3, 2], [1, 0]]


def test_batch_size_none_yields_samples():
    assert list(DataLoader([1, 2, 3], batch_size=None)) == [1, 2, 3]


def test_dataloader_bad_arguments():
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(xy(), batch_size=0)
    with pytest.raises(ValueError, match="mutually exclusive"):
        DataLoader(xy(), sampler=[0], shuffle=True)
    with pytest.raises(TypeError, match="unexpected arguments: bogus"):
        DataLoader(xy(), bogus=1)


def test_tensor_dataset_checks_lengths_and_indexes():
    ds = xy(4)
    x, y = ds[2]
    assert x.tolist() == [4.0, 5.0] and y.item() == 2
    with pytest.raises(ValueError, match=r"same first dimension.*\(3, 1\), \(4,\)"):
        TensorDataset(np.zeros((3, 1)), np.zeros(4))
    with pytest.raises(TypeError, match="argument 1 is a str"):
        TensorDataset(np.zeros(3), "abc")


def test_random_split_subset_concat():
    parts = D.random_split(xy(10), [0.7, 0.3], generator=0)
    assert [len(p) for p in parts] == [7, 3]
    seen = sorted(int(p[i][1].item()) for p in parts for i in range(len(p)))
    assert seen == list(range(10))
    cat = parts[0] + parts[1]
    assert len(cat) == 10 and int(cat[-1][1].item()) == int(parts[1][2][1].item())
    with pytest.raises(ValueError, match="sum to 9"):
        D.random_split(xy(10), [4, 5])


# ----------------------------------------------------------------- datasets


@pytest.mark.parametrize("name, n_feat, classes", [("moons", 2, 2), ("spirals", 2, 3)])
def test_generators_shape_dtype_determinism(name, n_feat, classes):
    state = np.random.get_state()
    s = D.load_dataset(name, n_samples=100, seed=4)
    assert s.X_train.shape == (80, n_feat) and s.X_test.shape == (20, n_feat)
    assert s.X_train.dtype == np.float32 and s.y_train.dtype == np.int64
    assert set(np.concatenate([s.y_train, s.y_test]).tolist()) == set(range(classes))
    again = D.load_dataset(name, n_samples=100, seed=4)
    for a, b in zip(s, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(D.load_dataset(name, n_samples=100, seed=5).X_train, s.X_train)
    assert np.array_equal(np.random.get_state()[1], state[1])  # global RNG untouched


def test_moons_labels_match_their_half_circle():
    s = D.make_moons(n_samples=400, noise=0.0)
    X, y = s.X_train, s.y_train
    upper = X[y == 0]  # outer moon: unit half circle centred at the origin, y >= 0
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0, atol=1e-5)
    lower = X[y == 1]
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0, atol=1e-5)


def test_sine_regression():
    s = D.make_sine(n_samples=50, noise=0.0, seed=1)
    assert s.X_train.shape == (40, 1) and s.y_train.shape == (40, 1) and s.y_train.dtype == np.float32
    np.testing.assert_allclose(s.y_train, np.sin(2 * s.X_train) + s.X_train / 3, atol=1e-5)
    assert s.num_classes is None
    noisy = D.make_sine(n_samples=50, seed=2)
    np.testing.assert_array_equal(noisy.y_test, D.make_sine(n_samples=50, seed=2).y_test)
    assert not np.array_equal(noisy.y_test, D.make_sine(n_samples=50, seed=3).y_test)


def test_digits():
    pytest.importorskip("sklearn")
    s = D.load_digits()
    assert s.X_train.shape == (1438, 64) and s.X_test.shape == (359, 64)
    assert s.X_train.dtype == np.float32 and 0 <= s.X_train.min() and s.X_train.max() <= 1
    assert s.num_classes == 10
    assert D.load_digits(flatten=False).X_train.shape == (1438, 1, 8, 8)
    np.testing.assert_array_equal(D.load_digits().y_test, s.y_test)
    from sklearn.datasets import load_digits as sk_load_digits  # the CSV read directly == sklearn's loader
    data, target = D.datasets._digits_arrays()
    bunch = sk_load_digits()
    np.testing.assert_array_equal(data, bunch.data)
    np.testing.assert_array_equal(target, bunch.target)


def test_mnist1d_generated_offline_and_cached(tmp_path, monkeypatch):
    pytest.importorskip("mnist1d")
    monkeypatch.setenv("SEEGRAD_CACHE", str(tmp_path))
    py_state, np_state = random.getstate(), np.random.get_state()
    s = D.load_mnist1d(num_samples=500)
    assert random.getstate() == py_state and np.array_equal(np.random.get_state()[1], np_state[1])
    assert s.X_train.shape == (400, 40) and s.X_test.shape == (100, 40) and s.X_train.dtype == np.float32
    assert s.y_train.dtype == np.int64 and set(s.y_train.tolist()) <= set(range(10))
    cached = list(tmp_path.glob("mnist1d-*.npz"))
    assert len(cached) == 1 and not list(tmp_path.glob(".*tmp"))
    again = D.load_mnist1d(num_samples=500)  # from the cache
    for a, b in zip(s, again):
        np.testing.assert_array_equal(a, b)
    fresh = D.load_mnist1d(num_samples=500, cache=False)
    np.testing.assert_array_equal(fresh.X_test, s.X_test)
    with pytest.raises(TypeError, match="unknown generator arguments"):
        D.load_mnist1d(bogus=1)


def test_load_dataset_unknown_name():
    with pytest.raises(ValueError, match="unknown dataset 'cifar'; choose from: moons"):
        D.load_dataset("cifar")


# ----------------------------------------------------------------- MNIST files


def write_idx(path, array, gz=False):
    codes = {np.dtype(np.uint8): 0x08, np.dtype(">i4"): 0x0C, np.dtype(">f4"): 0x0D}
    header = bytes([0, 0, codes[array.dtype], array.ndim]) + np.array(array.shape, ">u4").tobytes()
    data = header + array.tobytes()
    if gz:
        with gzip.open(path, "wb") as f:
            f.write(data)
    else:
        path.write_bytes(data)


def fake_mnist(folder, n_train=5, n_test=3, gz=False):
    rng = np.random.default_rng(0)
    arrays = {"train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
              "train-labels-idx1-ubyte": rng.integers(0, 10, n_train, dtype=np.uint8),
              "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
              "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test, dtype=np.uint8)}
    for name, arr in arrays.items():
        write_idx(folder / (name + (".gz" if gz else "")), arr, gz=gz)
    return arrays


@pytest.mark.parametrize("gz", [False, True])
def test_load_mnist_idx(tmp_path, gz):
    arrays = fake_mnist(tmp_path, gz=gz)
    s = D.load_mnist(tmp_path)
    assert s.X_train.shape == (5, 784) and s.X_test.shape == (3, 784) and s.X_train.dtype == np.float32
    np.testing.assert_allclose(s.X_train[2], arrays["train-images-idx3-ubyte"][2].ravel() / 255.0, rtol=1e-6)
    assert s.y_test.tolist() == arrays["t10k-labels-idx1-ubyte"].tolist() and s.y_test.dtype == np.int64
    assert D.load_mnist(tmp_path, flatten=False).X_test.shape == (3, 1, 28, 28)


def test_read_idx_other_dtypes_and_errors(tmp_path):
    a = np.arange(6, dtype=">i4").reshape(2, 3)
    write_idx(tmp_path / "a.idx", a)
    out = D.read_idx(tmp_path / "a.idx")
    assert out.tolist() == a.tolist() and out.dtype == np.int32
    (tmp_path / "bad").write_bytes(b"\x12\x34\x08\x01" + b"\x00" * 8)
    with pytest.raises(ValueError, match="not an IDX file"):
        D.read_idx(tmp_path / "bad")
    (tmp_path / "short").write_bytes(bytes([0, 0, 8, 1]) + np.array([10], ">u4").tobytes() + b"\x00" * 3)
    with pytest.raises(ValueError, match=r"shape \(10,\).*holds 3"):
        D.read_idx(tmp_path / "short")


def test_load_mnist_csv(tmp_path):
    rows = np.random.default_rng(1).integers(0, 256, (4, 785))
    rows[:, 0] %= 10
    for name in ("mnist_train.csv", "mnist_test.csv"):
        (tmp_path / name).write_text("label," + ",".join(f"p{i}" for i in range(784)) + "\n"
                                     + "\n".join(",".join(map(str, r)) for r in rows) + "\n")
    s = D.load_mnist(tmp_path)
    assert s.X_train.shape == (4, 784) and s.y_train.tolist() == rows[:, 0].tolist()
    np.testing.assert_allclose(s.X_test[1], rows[1, 1:] / 255.0, rtol=1e-6)


def test_load_mnist_missing_files_says_where_to_get_them(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist.*ossci-datasets.*never downloads"):
        D.load_mnist(tmp_path / "nowhere")
    (tmp_path / "train-images-idx3-ubyte").write_bytes(b"")
    with pytest.raises(FileNotFoundError, match="missing train-labels-idx1-ubyte.*t10k-images.*yann.lecun"):
        D.load_mnist(tmp_path)


# ----------------------------------------------------------------- samplers (the order itself is checked
# against torch in tests/porting/test_training_idioms.py; WeightedRandomSampler's draws come from
# torch.multinomial, which the porting harness cannot replay, so its distribution is checked here)


def test_weighted_random_sampler_draws_in_proportion_to_the_weights_as_pytorch():
    torch = pytest.importorskip("torch")
    weights = [1.0, 2.0, 3.0, 4.0, 0.0]
    ours = D.WeightedRandomSampler(weights, num_samples=20000, generator=ag.Generator().manual_seed(0))
    theirs = torch.utils.data.WeightedRandomSampler(weights, num_samples=20000,
                                                    generator=torch.Generator().manual_seed(0))
    for drawn in (list(ours), list(theirs)):
        assert len(drawn) == 20000 and set(drawn) <= {0, 1, 2, 3}  # never the zero weight
        np.testing.assert_allclose(np.bincount(drawn, minlength=5) / 20000, [0.1, 0.2, 0.3, 0.4, 0.0], atol=0.015)
    assert len(ours) == 20000


def test_weighted_random_sampler_without_replacement_includes_like_pytorch():
    torch = pytest.importorskip("torch")
    weights, rounds = [1.0, 2.0, 3.0, 4.0, 0.0], 3000
    ours_gen, torch_gen = ag.Generator().manual_seed(1), torch.Generator().manual_seed(1)
    counts = np.zeros((2, 5))
    firsts = np.zeros((2, 5))
    for _ in range(rounds):
        for row, drawn in enumerate((list(D.WeightedRandomSampler(weights, 3, replacement=False, generator=ours_gen)),
                                     list(torch.utils.data.WeightedRandomSampler(weights, 3, replacement=False,
                                                                                 generator=torch_gen)))):
            assert len(set(drawn)) == 3 and 4 not in drawn
            counts[row, drawn] += 1
            firsts[row, drawn[0]] += 1
    np.testing.assert_allclose(counts[0] / rounds, counts[1] / rounds, atol=0.05)  # how often each is included
    np.testing.assert_allclose(firsts[0] / rounds, [0.1, 0.2, 0.3, 0.4, 0.0], atol=0.03)  # the first: by weight
    np.testing.assert_allclose(firsts[1] / rounds, [0.1, 0.2, 0.3, 0.4, 0.0], atol=0.03)


@pytest.mark.parametrize("make, error", [
    (lambda: D.WeightedRandomSampler([1.0, 2.0], num_samples=0), ValueError),
    (lambda: D.WeightedRandomSampler([[1.0, 2.0]], num_samples=1), ValueError),
    (lambda: D.WeightedRandomSampler([1.0, 2.0], num_samples=1, replacement="yes"), ValueError),
    (lambda: D.WeightedRandomSampler([1.0, 0.0], num_samples=2, replacement=False), RuntimeError),
    (lambda: D.RandomSampler(range(3), num_samples=0), ValueError),
    (lambda: D.BatchSampler(range(3), batch_size=0, drop_last=False), ValueError),
    (lambda: DataLoader(xy(), batch_size=2, batch_sampler=[[0, 1]]), ValueError),
    (lambda: DataLoader(xy(), shuffle=True, batch_sampler=[[0, 1]]), ValueError),
    (lambda: DataLoader(xy(), batch_size=None, drop_last=True), ValueError),  # (drop_last was ignored)
])
def test_bad_sampler_settings_are_refused_as_pytorch_refuses_them(make, error):
    with pytest.raises(error):
        make()


def test_random_sampler_with_replacement_and_more_samples_than_the_dataset():
    ag.manual_seed(0)
    drawn = list(D.RandomSampler(range(4), replacement=True, num_samples=1000))
    assert len(drawn) == 1000 and set(drawn) == {0, 1, 2, 3}
    longer = list(D.RandomSampler(range(4), num_samples=10))  # whole permutations, then part of one
    assert sorted(longer[:4]) == sorted(longer[4:8]) == [0, 1, 2, 3] and len(set(longer[8:])) == 2
    loader = DataLoader(xy(6), batch_sampler=D.BatchSampler(D.SequentialSampler(range(6)), 4, drop_last=False))
    assert [y.tolist() for _, y in loader] == [[0, 1, 2, 3], [4, 5]] and len(loader) == 2


def test_an_endless_sampler_is_read_a_batch_at_a_time_as_in_pytorch():
    """minGPT's trainer: DataLoader(sampler=RandomSampler(ds, replacement=True, num_samples=int(1e10))), read
    with next() for as many steps as it trains. The sampler's indices are taken a batch at a time (they were
    all collected first, forever), and drop_last with a sampler cuts the same batches as PyTorch's."""
    torch = pytest.importorskip("torch")
    ag.manual_seed(0)
    endless = DataLoader(xy(10), batch_size=4, sampler=D.RandomSampler(xy(10), replacement=True,
                                                                     num_samples=int(1e10)))
    batches = iter(endless)
    for _ in range(3):
        x, y = next(batches)
        assert x.shape == (4, 2) and set(y.tolist()) <= set(range(10))
    theirs = torch.utils.data.DataLoader(range(10), batch_size=4, sampler=torch.utils.data.RandomSampler(
        range(10), replacement=True, num_samples=int(1e10)))
    assert len(endless) == len(theirs) == 2_500_000_000
    ag.manual_seed(0)  # a whole number of 32-index draws, then the rest
    drawn = list(D.RandomSampler(range(10), replacement=True, num_samples=70))
    assert len(drawn) == 70 and set(drawn) <= set(range(10))
    for drop_last in (False, True):
        ours = [y.tolist() for _, y in DataLoader(xy(10), batch_size=4, sampler=D.SequentialSampler(range(10)),
                                                  drop_last=drop_last)]
        dataset = torch.utils.data.TensorDataset(torch.zeros(10, 2), torch.arange(10.0))
        theirs = [y.tolist() for _, y in torch.utils.data.DataLoader(
            dataset, batch_size=4, sampler=torch.utils.data.SequentialSampler(range(10)), drop_last=drop_last)]
        assert ours == theirs
