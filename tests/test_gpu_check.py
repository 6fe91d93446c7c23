"""benchmarks/gpu_check.py: without a GPU it says so and exits 0; on the fake device its code paths
run end to end (every part, a few rows and steps), so the script is known to work before it meets
a GPU."""
import importlib.util
import pathlib
import re

import pytest

import autograd as ag

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _script():
    spec = importlib.util.spec_from_file_location("gpu_check", ROOT / "benchmarks" / "gpu_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_without_a_gpu_it_skips_with_a_clear_message(capsys):
    if ag.cuda.is_available():
        pytest.skip("this machine has CUDA: the script would run")
    assert _script().main([]) == 0
    out = capsys.readouterr().out
    assert "gpu_check: skipped: CUDA is not available" in out and "seegrad[gpu]" in out


def test_every_part_runs_on_the_fake_device(capsys):
    pytest.importorskip("torch")  # the op table's rows import it
    parts = "ops,layers,train,time"
    assert _script().main(["--device", "fakegpu", "--quick", "--parts", parts]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["ops", "layers", "train", "time", "gpu_check"], lines
    every = re.match(r"ops: (\d+)/\1 rows of the op table match the CPU on fakegpu", lines[0])  # (every 20th row)
    assert every and int(every.group(1)) >= 40, lines[0]
    every = re.match(r"layers: (\d+)/\1 layers and losses match the CPU on fakegpu", lines[1])  # (all of them)
    assert every and int(every.group(1)) >= 30, lines[1]
    assert "W3 MLP" in lines[3] and "Conv2d" in lines[3]
    assert lines[-1].startswith("gpu_check: 4/4 parts passed on fakegpu")


def test_a_bad_part_is_refused():
    with pytest.raises(SystemExit):
        _script().main(["--device", "fakegpu", "--parts", "ops,warp"])
