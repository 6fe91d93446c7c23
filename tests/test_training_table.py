"""benchmarks/mnist1d_table.py --quick: the MNIST-1D table runs end to end and learns."""
import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("mnist1d")
SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "mnist1d_table.py"


def load_table():
    spec = importlib.util.spec_from_file_location("mnist1d_table", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quick_table_learns_and_prints_every_row(capsys):
    table = load_table()
    results = table.main(["--quick", "--rows", "logistic,mlp", "--no-torch"])
    out = capsys.readouterr().out
    assert set(results) == {"logistic", "mlp"}
    for name, res in results.items():
        assert len(res["accuracy"]) == 1 and res["accuracy"][0] > 20  # 10% is chance; 2 epochs reach ~28-44%
        assert res["seconds_per_epoch"] > 0
        assert table.ROWS[name].label in out
    assert "paper" in out and "recipes" in out


def test_rows_share_one_definition_with_pytorch():
    torch = pytest.importorskip("torch")
    import nn
    table = load_table()
    for name, row in table.ROWS.items():
        if any(not hasattr(nn, layer) for layer in row.needs):
            continue
        ours, theirs = row.build(nn), row.build(torch.nn)
        shapes = sorted(tuple(p.shape) for p in ours.parameters())
        assert shapes == sorted(tuple(p.shape) for p in theirs.parameters()), name


def test_unknown_row_is_an_error():
    table = load_table()
    with pytest.raises(SystemExit):
        table.main(["--rows", "transformer"])
