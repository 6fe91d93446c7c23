"""docs/porting.md lists the PyTorch API covered, generated from the registry by
scripts/gen_porting_api.py: the committed list must be what the script writes now, so an op,
layer or optimizer added without regenerating the list fails here (with the command to run)."""
import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "gen_porting_api.py"


def _generator():
    spec = importlib.util.spec_from_file_location("gen_porting_api", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_api_list_is_the_generated_one():
    gen = _generator()
    committed = gen.current(gen.DOC.read_text())
    assert committed is not None, f"docs/porting.md has no generated API list; run `{gen.COMMAND}`"
    assert committed == gen.generate(), f"docs/porting.md's PyTorch API list is out of date; run `{gen.COMMAND}`"


def test_the_list_names_every_op_layer_and_optimizer():
    import nn
    import optim
    from autograd.function import OPS

    text = _generator().generate()
    for name in [n for n in OPS if not n.startswith("__")] + ["Linear", "LSTM", "scaled_dot_product_attention",
                                                              "kaiming_uniform_", "AdamW", "OneCycleLR", "Generator"]:
        assert f"`{name}`" in text, name
    assert nn.Linear and optim.AdamW


def test_check_mode_fails_on_a_stale_list_and_writing_fixes_it(tmp_path, capsys):
    gen = _generator()
    doc = tmp_path / "porting.md"
    doc.write_text(gen.DOC.read_text().replace("| `exp` |", "| `exp_old` |"))
    assert gen.main(["--check"], doc=doc) == 1
    assert "run `python scripts/gen_porting_api.py`" in capsys.readouterr().out
    assert gen.main([], doc=doc) == 0 and gen.main(["--check"], doc=doc) == 0
    assert doc.read_text() == gen.DOC.read_text()
