"""Small datasets that need no download at run time.

Every loader returns a ``Split``: a named tuple ``(X_train, y_train, X_test, y_test)``
of numpy arrays (features float32, class labels int64), so both of these work:

    X_train, y_train, X_test, y_test = load_digits()
    split = load_dataset("mnist1d"); train_ds, test_ds = split.tensor_datasets()

    name       loader           features            classes  samples (train/test)
    moons      make_moons       (N, 2)              2        800 / 200
    spirals    make_spirals     (N, 2)              3        800 / 200
    sine       make_sine        (N, 1) -> (N, 1)    regression  800 / 200
    digits     load_digits      (N, 64) in [0, 1]   10       1438 / 359   (scikit-learn's bundled 8x8 digits)
    mnist1d    load_mnist1d     (N, 40) standardised 10      4000 / 1000  (generated offline, cached)
    mnist      load_mnist(path) (N, 784) in [0, 1]  10       60000 / 10000 (IDX or CSV files you provide)

Generators are deterministic given ``seed`` and never touch the global random state.
"""
import gzip
import hashlib
import json
import os
import random
from pathlib import Path
from typing import NamedTuple

import numpy as np

from autograd.files import atomic_write

__all__ = ["Split", "DATASETS", "load_dataset", "make_moons", "make_spirals", "make_sine", "load_digits",
           "load_mnist1d", "load_mnist", "read_idx", "cache_dir"]


class Split(NamedTuple):
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray

    def tensor_datasets(self):
        """(train, test) as TensorDatasets, ready for a DataLoader."""
        from .dataset import TensorDataset
        return TensorDataset(self.X_train, self.y_train), TensorDataset(self.X_test, self.y_test)

    @property
    def num_classes(self):
        """Number of classes (labels are 0..K-1); None for a regression target."""
        if self.y_train.dtype.kind not in "iu":
            return None
        return int(max(self.y_train.max(), self.y_test.max())) + 1


def _split(X, y, test_fraction, rng):
    """Shuffle with ``rng`` and hold out ``test_fraction`` of the samples."""
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1 (exclusive), got {test_fraction}")
    order = rng.permutation(len(X))
    n_test = int(round(len(X) * test_fraction))
    test, train = order[:n_test], order[n_test:]
    return Split(X[train], y[train], X[test], y[test])


def _check_n(n_samples, minimum=2):
    if int(n_samples) != n_samples or n_samples < minimum:
        raise ValueError(f"n_samples must be an integer >= {minimum}, got {n_samples!r}")
    return int(n_samples)


# ----------------------------------------------------------------- generators


def make_moons(n_samples=1000, noise=0.1, test_fraction=0.2, seed=0):
    """Two interleaving half circles (scikit-learn's recipe): X (N, 2) float32, y (N,) int64 in {0, 1}."""
    n = _check_n(n_samples)
    rng = np.random.default_rng(seed)
    n_out = n // 2
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n - n_out)
    X = np.concatenate([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                        np.stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)], 1)])
    X = X + noise * rng.standard_normal(X.shape)
    y = np.concatenate([np.zeros(n_out, np.int64), np.ones(n - n_out, np.int64)])
    return _split(X.astype(np.float32), y, test_fraction, rng)


def make_spirals(n_samples=1000, n_classes=3, noise=0.2, test_fraction=0.2, seed=0):
    """Interleaved spiral arms (the CS231n toy): X (N, 2) float32, y (N,) int64 in 0..n_classes-1."""
    n = _check_n(n_samples, minimum=n_classes)
    rng = np.random.default_rng(seed)
    counts = [n // n_classes + (k < n % n_classes) for k in range(n_classes)]
    xs, ys = [], []
    for k, m in enumerate(counts):
        r = np.linspace(0.0, 1.0, m)
        t = np.linspace(k * 4.0, (k + 1) * 4.0, m) + noise * rng.standard_normal(m)
        xs.append(np.stack([r * np.sin(t), r * np.cos(t)], 1))
        ys.append(np.full(m, k, np.int64))
    return _split(np.concatenate(xs).astype(np.float32), np.concatenate(ys), test_fraction, rng)


def make_sine(n_samples=1000, noise=0.1, test_fraction=0.2, seed=0):
    """1-D regression: x ~ U(-3, 3), y = sin(2x) + x/3 + noise; X (N, 1), y (N, 1), both float32."""
    n = _check_n(n_samples)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, size=(n, 1))
    y = np.sin(2 * x) + x / 3 + noise * rng.standard_normal((n, 1))
    return _split(x.astype(np.float32), y.astype(np.float32), test_fraction, rng)


# ----------------------------------------------------------------- bundled data


def _digits_arrays():
    """(data (1797, 64) float64 in 0..16, target (1797,)) of scikit-learn's digits.

    Reads the CSV that scikit-learn ships (sklearn/datasets/data/digits.csv.gz) directly, which is
    what ``sklearn.datasets.load_digits`` does, without the second or two of importing sklearn;
    falls back to ``load_digits`` if the file is not where it used to be.
    """
    import importlib.util
    try:
        spec = importlib.util.find_spec("sklearn")
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        raise ImportError("the digits dataset comes with scikit-learn: pip install scikit-learn "
                          "(or pip install 'seegrad[train]')")
    for folder in spec.submodule_search_locations or ():
        path = Path(folder) / "datasets" / "data" / "digits.csv.gz"
        if path.is_file():
            raw = np.loadtxt(path, delimiter=",")
            if raw.shape == (1797, 65):
                return raw[:, :-1], raw[:, -1].astype(np.int64)
    from sklearn.datasets import load_digits as sk_load_digits
    bunch = sk_load_digits()
    return bunch.data, bunch.target


def load_digits(test_fraction=0.2, seed=0, flatten=True):
    """scikit-learn's bundled 8x8 handwritten digits (1797 samples; read from disk, no download).

    X is float32 in [0, 1], shape (N, 64), or (N, 1, 8, 8) with ``flatten=False``; y int64 in 0..9.
    """
    data, target = _digits_arrays()
    X = (data / 16.0).astype(np.float32)
    if not flatten:
        X = X.reshape(-1, 1, 8, 8)
    return _split(X, target.astype(np.int64), test_fraction, np.random.default_rng(seed))


def cache_dir():
    """Where generated datasets are cached: $SEEGRAD_CACHE, else $XDG_CACHE_HOME/seegrad, else ~/.cache/seegrad."""
    if os.environ.get("SEEGRAD_CACHE"):
        return Path(os.environ["SEEGRAD_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "seegrad"


def _save_npz_atomic(path, **arrays):
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as f:
        np.savez(f, **arrays)


def load_mnist1d(cache=True, **overrides):
    """MNIST-1D (Greydanus 2020) made by the ``mnist1d`` package's offline generator: 4000 train / 1000 test.

    X is float32 (N, 40), standardised; y int64 in 0..9. ``overrides`` change the generator's
    arguments (e.g. ``num_samples=10000``, ``seed=1``). The arrays are cached in ``cache_dir()``
    (generating takes a couple of seconds); ``cache=False`` always regenerates. The global
    ``random`` / ``numpy.random`` states, which the generator reseeds, are restored afterwards.
    """
    try:
        from mnist1d.data import get_dataset_args, make_dataset
    except ImportError:
        raise ImportError("MNIST-1D is generated by the mnist1d package: pip install mnist1d "
                          "(or pip install 'seegrad[train]')") from None
    args = get_dataset_args(as_dict=True)
    unknown = set(overrides) - set(args)
    if unknown:
        raise TypeError(f"load_mnist1d: unknown generator arguments {sorted(unknown)}; known: {sorted(args)}")
    args.update(overrides)
    args.pop("url", None)
    key = hashlib.sha1(json.dumps(args, sort_keys=True).encode()).hexdigest()[:12]
    path = cache_dir() / f"mnist1d-{key}.npz"
    if cache and path.exists():
        try:
            with np.load(path) as z:
                return Split(z["X_train"], z["y_train"], z["X_test"], z["y_test"])
        except Exception:  # a damaged cache file: make the data again
            pass
    np_state, py_state = np.random.get_state(), random.getstate()
    try:
        d = make_dataset(type("Args", (), dict(args, url=None))())
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)
    split = Split(d["x"].astype(np.float32), d["y"].astype(np.int64),
                  d["x_test"].astype(np.float32), d["y_test"].astype(np.int64))
    if cache:
        try:
            _save_npz_atomic(path, **split._asdict())
        except OSError:  # a read-only home is no reason to fail
            pass
    return split


# ----------------------------------------------------------------- MNIST from files

_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_MNIST_FILES = {"X_train": "train-images-idx3-ubyte", "y_train": "train-labels-idx1-ubyte",
                "X_test": "t10k-images-idx3-ubyte", "y_test": "t10k-labels-idx1-ubyte"}
_MNIST_HELP = ("Get the four IDX files (gzipped or not) from https://ossci-datasets.s3.amazonaws.com/mnist/ "
               "(the mirror torchvision uses) or http://yann.lecun.com/exdb/mnist/, or mnist_train.csv and "
               "mnist_test.csv (label then 784 pixels per row) from https://www.kaggle.com/datasets/oddrationale/"
               "mnist-in-csv, and pass their folder. seegrad never downloads at run time.")


def read_idx(path):
    """Read one IDX file (the MNIST format; ``.gz`` is decompressed) into a numpy array."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number {raw[:4].hex() or 'empty'}); "
                         "expected 0x0000 then a type byte (0x08 for unsigned bytes) and the number of dims")
    dtype, ndim = np.dtype(_IDX_DTYPES[raw[2]]), raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: IDX header is truncated ({len(raw)} bytes, need {header} for {ndim} dims)")
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", ndim, offset=4))
    count = int(np.prod(shape))
    if len(raw) - header != count * dtype.itemsize:
        raise ValueError(f"{path}: IDX header says shape {shape} ({count * dtype.itemsize} data bytes), "
                         f"but the file holds {len(raw) - header}")
    return np.frombuffer(raw, dtype, count, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def _find(folder, stem):
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def _read_csv(path):
    with open(path, "r") as f:
        first = f.readline()
    skip = 0 if first.split(",")[0].strip().isdigit() else 1  # a header line such as "label,1x1,..."
    data = np.loadtxt(path, delimiter=",", dtype=np.int64, skiprows=skip, ndmin=2)
    if data.shape[1] != 785:
        raise ValueError(f"{path}: expected 785 columns (label then 28*28 pixels), found {data.shape[1]}")
    return data[:, 1:].astype(np.uint8), data[:, 0]


def load_mnist(path, flatten=True):
    """MNIST from the files in folder ``path``: the four IDX files (``.gz`` or not), or two CSV files.

    X is float32 in [0, 1], shape (N, 784), or (N, 1, 28, 28) with ``flatten=False``; y int64 in 0..9.
    """
    if path is None:
        raise FileNotFoundError("MNIST needs a data folder (--data-dir / path=). " + _MNIST_HELP)
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(f"MNIST data folder {str(folder)!r} does not exist. " + _MNIST_HELP)
    found = {key: _find(folder, stem) for key, stem in _MNIST_FILES.items()}
    if all(found.values()):
        arrays = {key: read_idx(p) for key, p in found.items()}
        images, labels = (arrays["X_train"], arrays["X_test"]), (arrays["y_train"], arrays["y_test"])
    elif (folder / "mnist_train.csv").is_file() and (folder / "mnist_test.csv").is_file():
        (Xtr, ytr), (Xte, yte) = _read_csv(folder / "mnist_train.csv"), _read_csv(folder / "mnist_test.csv")
        images, labels = (Xtr.reshape(-1, 28, 28), Xte.reshape(-1, 28, 28)), (ytr, yte)
    else:
        missing = [_MNIST_FILES[k] + "[.gz]" for k, p in found.items() if p is None]
        raise FileNotFoundError(f"MNIST files not found in {str(folder)!r}: missing {', '.join(missing)} "
                                "(or mnist_train.csv + mnist_test.csv). " + _MNIST_HELP)
    out = []
    for X, y, split in zip(images, labels, ("train", "test")):
        if X.ndim != 3 or len(X) != len(y):
            raise ValueError(f"MNIST {split} images have shape {X.shape} and labels {y.shape}; "
                             "expected (N, rows, cols) and (N,)")
        X = (X.astype(np.float32) / 255.0)
        out += [X.reshape(len(X), -1) if flatten else X[:, None], y.astype(np.int64)]
    return Split(*out)


DATASETS = {
    "moons": make_moons,
    "spirals": make_spirals,
    "sine": make_sine,
    "digits": load_digits,
    "mnist1d": load_mnist1d,
    "mnist": load_mnist,
}


def load_dataset(name, **kwargs):
    """Load a dataset by name (see DATASETS): ``load_dataset("mnist", path="~/data/mnist")``."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose from: {', '.join(DATASETS)}")
    return DATASETS[name](**kwargs)
