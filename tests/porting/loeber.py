"""Helpers for test_loeber_tutorial*.py: patrickloeber/pytorchTutorial (the "PyTorch Tutorials - Complete Beginner
Course" YouTube series, MIT License, Copyright (c) 2020 Patrick Loeber), each script run under PyTorch and under
this project (harness.run_both): every value left and every number printed agree, and every printed line agrees
once the differences below, each documented, are written alike in both runs.

``check(program, path)`` runs one script in ``path`` (which holds the wine data the scripts read) and compares."""
import re

import numpy as np

from harness import assert_same, run_both

WINE_HEADER = ("Wine,Alcohol,Malic.acid,Ash,Acl,Mg,Phenols,Flavanoids,Nonflavanoid.phenols,Proanth,Color.int,Hue,OD,"
               "Proline")

# What the two runs print differently by design, written alike: (pattern, replacement) for re.sub
SAME_TEXT = [
    # an object's repr shows its address (``print(y.grad_fn)``: ``<AddBackward0 object at 0x7f...>`` in both)
    (r" object at 0x[0-9a-fA-F]+>", " object at <address>>"),
    # dtypes are numpy dtypes here (README, "Differences from PyTorch"): ``float32``, PyTorch's ``torch.float32``
    (r"\btorch\.((?:b?float|u?int|bool|complex)\d*)\b", r"\1"),
    # ``type(features)``: PyTorch's class is torch.Tensor, seegrad's autograd.tensor.Tensor (that ``torch`` is
    # ``autograd`` in the seegrad run is the harness's doing)
    (r"<class '(?:torch|autograd\.tensor)\.Tensor'>", "<class Tensor>"),
]


def write_wine_csv(folder):
    """``data/wine/wine.csv`` as the repository has it (the UCI wine data: the class 1-3, then 13 features, one
    header line), written from scikit-learn's copy of the same 178 wines (offline) instead of downloaded."""
    from sklearn.datasets import load_wine

    wine = load_wine()
    (folder / "data" / "wine").mkdir(parents=True, exist_ok=True)
    np.savetxt(folder / "data" / "wine" / "wine.csv", np.column_stack([wine.target + 1, wine.data]), delimiter=",",
               fmt="%g", header=WINE_HEADER, comments="")


def same_text(run):
    text = run.stdout
    for pattern, replacement in SAME_TEXT:
        text = re.sub(pattern, replacement, text)
    return text


def check(program, rtol=1e-4, atol=1e-5):
    """Run ``program`` with both libraries (in the working folder) and compare every value, number and line."""
    torch_run, our_run = run_both(program)
    for run in (torch_run, our_run):
        run.stdout = same_text(run)  # (first: the digits of an address would count as printed numbers)
    assert_same(torch_run, our_run, rtol=rtol, atol=atol)
    assert our_run.printed_text() == torch_run.printed_text()
    return torch_run, our_run
