"""Run a PyTorch script with this project under torch's names (tests/porting/harness.py's aliases):

    python tests/mpi_programs/as_torch.py script.py [its arguments]

as ``python script.py`` does: the script's folder first on the import path, ``__name__ == "__main__"``."""
import runpy
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "porting"))
from harness import _as_torch  # noqa: E402  (the path above)

script = Path(sys.argv[1]).resolve()
sys.argv = sys.argv[1:]
sys.path.insert(0, str(script.parent))
with _as_torch():
    runpy.run_path(str(script), run_name="__main__")
