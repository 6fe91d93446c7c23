# Code cells from deep-learning-with-pytorch/dlwpt-code (github.com/deep-learning-with-pytorch/dlwpt-code),
# notebook p1ch3/1_tensors.ipynb:
# Apache-2.0, (c) Manning Publications / the authors ("Deep Learning with PyTorch", Stevens, Antiga, Viehmann).
"""Deep Learning with PyTorch, chapter 3 (it starts with a tensor): indexing, the storage behind a tensor and its
views (``storage()``, ``storage_offset()``, ``stride()``), transposes and ``contiguous()``, dtypes and conversions,
slicing, NumPy interoperability, torch.save and torch.load; every code cell as written, run under PyTorch and under
seegrad (notebook.py, harness.py): the same values, printed numbers and printed text. Changed (each marked): the
h5py cells are left out (h5py is not installed here), and so are the lines that move tensors to a CUDA device
(PyTorch here is a CPU build). The named-tensors notebook (p1ch3/2_named_tensors.ipynb, a prototype feature of
PyTorch) is not ported."""
import numpy as np
import pytest

from dlwpt import ADDRESS, GENERATOR, STORAGE_CLASS
from notebook import run_notebook

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)

TENSORS = r'''
# %% cell 0
a = [1.0, 2.0, 1.0]

# %% cell 1
a[0]

# %% cell 2
a[2] = 3.0
a

# %% cell 3
import torch # <1>
a = torch.ones(3) # <2>
a

# %% cell 4
a[1]

# %% cell 5
float(a[1])

# %% cell 6
a[2] = 2.0
a

# %% cell 7
points = torch.zeros(6) # <1>
points[0] = 4.0 # <2>
points[1] = 1.0
points[2] = 5.0
points[3] = 3.0
points[4] = 2.0
points[5] = 1.0

# %% cell 8
points = torch.tensor([4.0, 1.0, 5.0, 3.0, 2.0, 1.0])
points

# %% cell 9
float(points[0]), float(points[1])

# %% cell 10
points = torch.tensor([[4.0, 1.0], [5.0, 3.0], [2.0, 1.0]])
points

# %% cell 11
points.shape

# %% cell 12
points = torch.zeros(3, 2)
points

# %% cell 13
points = torch.tensor([[4.0, 1.0], [5.0, 3.0], [2.0, 1.0]])
points

# %% cell 14
points[0, 1]

# %% cell 15
points[0]

# %% cell 16
points = torch.tensor([[4.0, 1.0], [5.0, 3.0], [2.0, 1.0]])
points.storage()

# %% cell 17
points_storage = points.storage()
points_storage[0]

# %% cell 18
points.storage()[1]

# %% cell 19
points = torch.tensor([[4.0, 1.0], [5.0, 3.0], [2.0, 1.0]])
points_storage = points.storage()
points_storage[0] = 2.0
points

# %% cell 20
points = torch.tensor([[4.0, 1.0], [5.0, 3.0], [2.0, 1.0]])
second_point = points[1]
second_point.storage_offset()

# %% cell 21
second_point.size()

# %% cell 22
second_point.shape

# %% cell 23
points.stride()

# %% cell 24
second_point = points[1]
second_point.size()

# %% cell 25
second_point.storage_offset()

# %% cell 26
second_point.stride()

# %% cell 27
points = torch.tensor([[4.0, 1.0], [5.0, 3.0], [2.0, 1.0]])
second_point = points[1]
second_point[0] = 10.0
points

# %% cell 28
points = torch.tensor([[4.0, 1.0], [5.0, 3.0], [2.0, 1.0]])
second_point = points[1].clone()
second_point[0] = 10.0
points

# %% cell 29
points = torch.tensor([[4.0, 1.0], [5.0, 3.0], [2.0, 1.0]])
points

# %% cell 30
points_t = points.t()
points_t

# %% cell 31
# (The book writes id(points.storage()) == id(points_t.storage()): the ids of two temporaries, equal or not as
# the allocator happens to reuse the first one's memory, in either library; a flaky line. Its meaning, one storage:)
points.storage().data_ptr() == points_t.storage().data_ptr()

# %% cell 32
points.stride()

# %% cell 33
points_t.stride()

# %% cell 34
some_t = torch.ones(3, 4, 5)
transpose_t = some_t.transpose(0, 2)
some_t.shape

# %% cell 35
transpose_t.shape

# %% cell 36
some_t.stride()

# %% cell 37
transpose_t.stride()

# %% cell 38
points.is_contiguous()

# %% cell 39
points_t.is_contiguous()

# %% cell 40
points = torch.tensor([[4.0, 1.0], [5.0, 3.0], [2.0, 1.0]])
points_t = points.t()
points_t

# %% cell 41
points_t.storage()

# %% cell 42
points_t.stride()

# %% cell 43
points_t_cont = points_t.contiguous()
points_t_cont

# %% cell 44
points_t_cont.stride()

# %% cell 45
points_t_cont.storage()

# %% cell 46
double_points = torch.ones(10, 2, dtype=torch.double)
short_points = torch.tensor([[1, 2], [3, 4]], dtype=torch.short)

# %% cell 47
short_points.dtype

# %% cell 48
double_points = torch.zeros(10, 2).double()
short_points = torch.ones(10, 2).short()

# %% cell 49
double_points = torch.zeros(10, 2).to(torch.double)
short_points = torch.ones(10, 2).to(dtype=torch.short)

# %% cell 50
points_64 = torch.rand(5, dtype=torch.double)  # <1>
points_short = points_64.to(torch.short)
points_64 * points_short  # works from PyTorch 1.3 onwards

# %% cell 51
# reset points back to original value
points = torch.tensor([[4.0, 1.0], [5.0, 3.0], [2.0, 1.0]])

# %% cell 52
some_list = list(range(6))
some_list[:]     # <1>
some_list[1:4]   # <2>
some_list[1:]    # <3>
some_list[:4]    # <4>
some_list[:-1]   # <5>
some_list[1:4:2] # <6>

# %% cell 53
points[1:]       # <1>
points[1:, :]    # <2>
points[1:, 0]    # <3>
points[None]     # <4>

# %% cell 54
points = torch.ones(3, 4)
points_np = points.numpy()
points_np

# %% cell 55
points = torch.from_numpy(points_np)

# %% cell 56
torch.save(points, '../data/p1ch3/ourpoints.t')

# %% cell 57
with open('../data/p1ch3/ourpoints.t','wb') as f:
   torch.save(points, f)

# %% cell 58
points = torch.load('../data/p1ch3/ourpoints.t')

# %% cell 59
with open('../data/p1ch3/ourpoints.t','rb') as f:
   points = torch.load(f)

# %% cell 60 (left out: h5py is not installed here)
# import h5py
#
# f = h5py.File('../data/p1ch3/ourpoints.hdf5', 'w')
# dset = f.create_dataset('coords', data=points.numpy())
# f.close()

# %% cell 61 (left out: h5py is not installed here)
# f = h5py.File('../data/p1ch3/ourpoints.hdf5', 'r')
# dset = f['coords']
# last_points = dset[-2:]

# %% cell 62 (left out: h5py is not installed here)
# last_points = torch.from_numpy(dset[-2:])
# f.close()

# %% cell 63
# points_gpu = torch.tensor([[4.0, 1.0], [5.0, 3.0], [2.0, 1.0]], device='cuda')  # (left out: no CUDA here)

# %% cell 64
# points_gpu = points.to(device='cuda')  # (left out: no CUDA here)

# %% cell 65
# points_gpu = points.to(device='cuda:0')  # (left out: no CUDA here)

# %% cell 66
points = 2 * points  # <1>
# points_gpu = 2 * points.to(device='cuda')  # <2>  # (left out: no CUDA here)

# %% cell 67
# points_gpu = points_gpu + 4  # (left out: no CUDA here)

# %% cell 68
# points_cpu = points_gpu.to(device='cpu')  # (left out: no CUDA here)

# %% cell 69
# points_gpu = points.cuda()  # <1>  # (left out: no CUDA here)
# points_gpu = points.cuda(0)  # (left out: no CUDA here)
# points_cpu = points_gpu.cpu()  # (left out: no CUDA here)

# %% cell 70
a = torch.ones(3, 2)
a_t = torch.transpose(a, 0, 1)

a.shape, a_t.shape

# %% cell 71
a = torch.ones(3, 2)
a_t = a.transpose(0, 1)

a.shape, a_t.shape

# %% cell 72
a = torch.ones(3, 2)

# %% cell 73
a.zero_()
a
'''


@pytest.mark.filterwarnings("ignore:TypedStorage is deprecated")
def test_tensors(tmp_path, monkeypatch):
    (tmp_path / "data" / "p1ch3").mkdir(parents=True)  # (where cells 56-59 save and load ourpoints.t)
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    run_notebook(TENSORS, normalise=[ADDRESS, GENERATOR, STORAGE_CLASS])


# What the notebook found, each checked against PyTorch from the user's side: seegrad had no storage() and no
# storage_offset(), and no torch.short.

VIEWS = {  # name -> a tensor made with the library given: its storage, offset and strides must be PyTorch's
    "a matrix": lambda L: L.tensor([[4.0, 1.0], [5.0, 3.0], [2.0, 1.0]]),
    "a row": lambda L: L.tensor([[4.0, 1.0], [5.0, 3.0], [2.0, 1.0]])[1],
    "a column from the second row": lambda L: L.tensor([[4.0, 1.0], [5.0, 3.0], [2.0, 1.0]])[1:, 1],
    "a transpose": lambda L: L.tensor([[4.0, 1.0], [5.0, 3.0], [2.0, 1.0]]).t(),
    "a transpose made contiguous": lambda L: L.tensor([[4.0, 1.0], [5.0, 3.0], [2.0, 1.0]]).t().contiguous(),
    "a 3-d transpose's slice": lambda L: L.arange(24.).reshape(2, 3, 4).transpose(0, 2)[1:, :, 1],
    "every other element": lambda L: L.arange(10)[2::2],
    "a view of a view": lambda L: L.arange(12.).view(3, 4)[1:].view(-1)[3:],
    "bools": lambda L: L.tensor([True, False, True])[1:],
    "float64": lambda L: L.tensor([1.5, 2e-5, 3.0], dtype=L.float64)[1:],
    "a float32 that prints long": lambda L: L.tensor([1.5, 2e-5]),
    "an empty one": lambda L: L.tensor([]),
    "from a Fortran-ordered array": lambda L: L.from_numpy(np.asfortranarray(np.arange(6.).reshape(2, 3)))[1],
}


@pytest.mark.filterwarnings("ignore:TypedStorage is deprecated")
@pytest.mark.parametrize("name", VIEWS)
def test_storage_is_pytorch_s(name):
    import autograd

    theirs, ours = VIEWS[name](torch), VIEWS[name](autograd)
    assert ours.storage().tolist() == theirs.storage().tolist()
    assert (ours.storage_offset(), ours.stride()) == (theirs.storage_offset(), theirs.stride())
    assert len(ours.storage()) == len(theirs.storage()) == ours.storage().size()
    assert str(ours.storage().dtype) == str(theirs.storage().dtype).removeprefix("torch.")
    assert repr(ours.storage()).split("\n")[:-1] == repr(theirs.storage()).split("\n")[:-1]  # (the numbers)
    assert [type(x) for x in ours.storage()] == [type(x) for x in theirs.storage()]


@pytest.mark.filterwarnings("ignore:TypedStorage is deprecated")
def test_a_storage_reads_and_writes_the_tensor_s_memory():
    """Cell 19: ``points.storage()[0] = 2.0`` changes points; a view sees it too; a clone does not."""
    import autograd

    results = []
    for library in (torch, autograd):
        points = library.tensor([[4.0, 1.0], [5.0, 3.0], [2.0, 1.0]])
        column, copy = points.t()[0], points.clone()
        storage = points.t().storage()
        storage[0], storage[-1] = 2.0, 7.0
        results.append((points.tolist(), column.tolist(), copy.tolist(), storage[0], storage[-1]))
        with pytest.raises(IndexError, match="index 6 out of range for storage of size 6"):
            storage[6]
        with pytest.raises(IndexError, match="index -7 is out of bounds for dimension 0 with size 6"):
            storage[-7] = 1.0
    assert results[0] == results[1]


def test_storage_warns_as_pytorch_s():
    """PyTorch says TypedStorage is deprecated (once a process: not checked here, it may have said it already)."""
    import autograd

    with pytest.warns(UserWarning, match="TypedStorage is deprecated"):
        autograd.ones(2).storage()


def test_short_is_int16():
    import autograd

    assert str(autograd.short) == str(torch.short).removeprefix("torch.") == "int16"
    assert autograd.ones(2).to(autograd.short).dtype == autograd.ones(2).short().dtype == autograd.int16
