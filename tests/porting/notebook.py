"""Run a Jupyter notebook's code cells as one program under both libraries (harness.run_both), and compare
what the two printed as text.

    cells = '''
    # %% cell 7
    scalar = torch.tensor(7)
    scalar
    # %% cell 74: raises
    torch.matmul(tensor_A, tensor_B) # (this will error)
    '''
    torch_run, our_run = run_notebook(cells)

(harness.notebook keeps a notebook's shown values as ``_n`` to compare them as values; this module shows them
as text, which these notebooks are read for, and runs the cells they show erroring.)

``program(cells)`` turns the cells into the program Jupyter in effect runs: a cell's last line, when it is
an expression, is shown as Jupyter shows it (its repr, nothing for None). A cell marked ``raises`` must
raise: the program goes on after it (as a notebook does) and keeps in ``error_<n>`` the names of the
built-in exception classes it is an instance of, most derived first, and its message in ``error_<n>_message``.
run_notebook checks that ours is an instance of the built-in class PyTorch raised (seegrad's errors subclass
them: a ShapeError is a RuntimeError, a DTypeError a TypeError and a RuntimeError, so ``except RuntimeError``
catches both as it catches PyTorch's) and leaves the messages, the libraries' own words, to the tests (that
ours names the op and the values at fault).
A cell that does not raise is an error.

``assert_same_text`` compares the printed text line by line, the digits aside (assert_same compares the
numbers by value), after ``normalise`` has rewritten what differs by design: always a shape's and a dtype's
text and a grad_fn's name (harness.SIZE_AS_TUPLE; DTYPE_NAMES, GRAD_FN_NAMES below, each with its reason), and what
a test names (an object's address, a timing, a version string).
"""
import re

from harness import SIZE_AS_TUPLE, assert_same, run_both, shown_expression

PRELUDE = '''
def display(value):  # what Jupyter does with a cell's last expression: shows its repr (None: nothing)
    if value is not None:
        print(repr(value))
'''

_CELL = re.compile(r"^# %% cell (\d+)(: raises)?[^\n]*$", re.M)


def split_cells(cells):
    """(number, raises, source) for each cell of the text, in order."""
    marks = list(_CELL.finditer(cells))
    assert marks, "notebook: no '# %% cell <n>' line in the cells' text"
    ends = [m.start() for m in marks[1:]] + [len(cells)]
    return [(int(m.group(1)), bool(m.group(2)), cells[m.end():end].strip("\n")) for m, end in zip(marks, ends)]


def _displayed(source):
    """The cell with its last statement wrapped in display(...) when that statement is an expression (not
    followed by ``;``, which hides it in Jupyter)."""
    last = shown_expression(source)
    if last is None:
        return source
    lines = source.split("\n")
    start, end = last.lineno - 1, last.end_lineno  # (the expression's lines; a trailing comment stays on them)
    return "\n".join(lines[:start] + ["display(("] + lines[start:end] + ["))"] + lines[end:])


def program(cells):
    """The notebook's cells as one Python program (see the module's docstring)."""
    parts = [PRELUDE]
    for number, raises, source in split_cells(cells):
        code = _displayed(source)
        if raises:
            indented = "\n".join("    " + line for line in code.split("\n"))
            code = (f"try:\n{indented}\nexcept Exception as error:  # (the cell errors, as the notebook says)\n"
                    f"    error_{number} = ' '.join(c.__name__ for c in type(error).__mro__[:-1] "
                    f"if c.__module__ == 'builtins')\n"
                    f"    error_{number}_message = str(error)\n"
                    f"else:\n    raise AssertionError('cell {number} was to raise and did not')")
        parts.append(f"# cell {number}\n{code}\n")
    return "\n".join(parts)


def errors(run):
    """The names of what the ``raises`` cells left: error_<n> and error_<n>_message."""
    return [name for name in run.values if re.fullmatch(r"error_\d+(_message)?", name)]


def assert_same_errors(torch_run, our_run):
    """Each ``raises`` cell raised in both runs, ours an instance of the built-in class PyTorch's was."""
    for name in errors(torch_run):
        if not name.endswith("_message"):
            theirs = torch_run[name].split()[0]
            assert theirs in our_run[name].split(), f"{name}: PyTorch raised {theirs}, ours is {our_run[name]}"


def run_notebook(cells, rtol=1e-4, atol=1e-5, ignore=(), normalise=()):
    """Run the cells under both libraries; assert the same values, printed numbers and printed text."""
    torch_run, our_run = run_both(program(cells))
    for run in (torch_run, our_run):
        run.stdout = normalised(re.sub(*DTYPE_SUFFIX_JOINED, run.stdout),
                                [SIZE_AS_TUPLE, *DTYPE_NAMES, GRAD_FN_NAMES, *normalise])
    assert_same(torch_run, our_run, rtol=rtol, atol=atol, ignore=list(ignore) + errors(torch_run))
    assert_same_errors(torch_run, our_run)
    assert_same_text(torch_run, our_run)
    return torch_run, our_run


# seegrad's ag.Size prints as the tuple it is, ``(3, 4)``, where PyTorch's prints ``torch.Size([3, 4])``:
# a known difference (test_zero_to_mastery_fundamentals.py::test_a_shape_prints_as_pytorch_s, an xfail),
# written as ours in both texts by harness.SIZE_AS_TUPLE


# seegrad's dtypes are numpy's: ``x.dtype`` prints as ``dtype('float32')`` (str: ``float32``) and a tensor's repr
# says ``dtype=float16``, where PyTorch's print ``torch.float32`` and ``dtype=torch.float16``: deliberate (one
# dtype object for both libraries' arrays; test_zero_to_mastery_fundamentals.py's xfails show it), so both texts
# write a dtype by its bare name
DTYPE_NAMES = [(r"\btorch\.(float16|float32|float64|bfloat16|u?int8|int16|int32|int64|bool|complex64|complex128)\b",
                r"\1"), (r"\bdtype\('(\w+)'\)", r"\1")]

# ... and a repr's ``dtype=`` suffix goes on a line of its own when it would take the line past 80 characters
# (PyTorch's rule, which seegrad follows): ``dtype=torch.float64`` is 6 characters longer than ``dtype=float64``,
# so a line of numbers 75 to 80 wide wraps in PyTorch's repr and not in ours; both texts join the suffix back
DTYPE_SUFFIX_JOINED = (r",\n +dtype=", ", dtype=")


# the grad_fn nodes are named as PyTorch's (SliceBackward0, SqueezeBackward0...) except the fused Linear: a
# Linear layer's output is seegrad's one LinearBackward0 node, PyTorch's AddmmBackward0 (of a 2-d input)
GRAD_FN_NAMES = (r"grad_fn=<(?:AddmmBackward0|LinearBackward0)>", "grad_fn=<Linear's node>")


def normalised(text, rules):
    """``text`` with each (pattern, replacement) of ``rules`` applied (re.sub, line by line)."""
    lines = text.split("\n")
    for pattern, replacement in rules:
        lines = [re.sub(pattern, replacement, line) for line in lines]
    return "\n".join(lines)


# The numbers are assert_same's (by value, within its tolerance: the libraries' sums may round float32's last bit
# differently, and a tensor's repr rounds to 4 decimals, so -5.59185 can print -5.5918 or -5.5919); the text
# comparison checks how they are written: each digit read as 9 (a repr's widths, signs, points, exponents and
# padding stay), a number to 7 or more decimals (a Python float, ``f"{loss}"``, whose length varies) as <float>.
FULL_PRECISION = r"-?\d+\.\d{7,}(?:e[-+]\d+)?"


def _layout(text):
    return re.sub(r"\d", "9", re.sub(FULL_PRECISION, "<float>", text))


def assert_same_text(torch_run, our_run):
    """The two runs printed the same text, line by line (the first difference is named), their digits aside
    (see FULL_PRECISION: assert_same compares the numbers)."""
    theirs, ours = torch_run.stdout.split("\n"), our_run.stdout.split("\n")
    for i, (want, got) in enumerate(zip(theirs, ours)):
        assert _layout(got) == _layout(want), (f"printed line {i + 1} differs:\n  PyTorch: {want!r}\n  seegrad: "
                                               f"{got!r}\nPyTorch printed:\n{torch_run.stdout}")
    assert len(ours) == len(theirs), f"seegrad printed {len(ours)} lines, PyTorch {len(theirs)}"


# torchvision's FashionMNIST, for the notebooks that load it (torchvision is not installed here): a Dataset of
# its shapes and types, random images; the same text runs under both libraries (it uses the run's torch)
FASHION_MNIST = '''from types import SimpleNamespace
import numpy as np
from torch.utils.data import Dataset


class FashionMNIST(Dataset):
    """FashionMNIST's shapes and types (uint8 28x28 images in .data, int64 labels in .targets, its 10 classes),
    random images: 600 training and 100 test ones instead of 60000 and 10000."""
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]

    def __init__(self, root, train=True, download=False, transform=None, target_transform=None):
        rng = np.random.default_rng(0 if train else 1)
        n = 600 if train else 100
        self.data = torch.from_numpy(rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8))
        self.targets = torch.from_numpy(rng.integers(0, 10, size=n))
        self.transform, self.target_transform = transform, target_transform

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        img, target = self.data[index], int(self.targets[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target


class ToTensor:
    """torchvision's ToTensor for a uint8 greyscale image: (1, H, W) floats in [0, 1]."""
    def __call__(self, pic):
        return pic.unsqueeze(0).float().div(255)


datasets = SimpleNamespace(FashionMNIST=FashionMNIST)
transforms = SimpleNamespace(ToTensor=ToTensor)
'''
