"""torchrun's command line, on MPI: start a script as N ranks of one job on this machine.

    python -m autograd.distributed.run --nproc_per_node 4 train.py --epochs 3
    python -m autograd.distributed.run --nproc-per-node=4 -m mypackage.train

is ``mpiexec -n 4 python train.py --epochs 3`` (the mpiexec of ``pip install 'seegrad[distributed]'``).
Each rank finds torchrun's RANK, LOCAL_RANK, WORLD_SIZE and LOCAL_WORLD_SIZE in its environment
(``import autograd.distributed`` sets them from the MPI launcher's), and ``init_process_group``
with backend "gloo", "mpi" or None joins the job. As torchrun does, OMP_NUM_THREADS is set to 1
unless it is set already (N ranks on N cores: one BLAS thread each). Several machines: start
mpiexec yourself with a hostfile (docs/distributed.md); --nnodes other than 1 is refused.
The exit status is mpiexec's: a rank that fails ends the job with its error.
"""
import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["find_mpiexec", "main"]


def find_mpiexec():
    """The mpiexec next to this Python (the MPICH wheel of ``pip install 'seegrad[distributed]'`` puts it
    in the environment's bin folder), else the first on PATH; None when there is none."""
    here = Path(sys.executable).parent / ("mpiexec.exe" if os.name == "nt" else "mpiexec")
    return str(here) if here.exists() else shutil.which("mpiexec")


def _parser():
    parser = argparse.ArgumentParser(prog="python -m autograd.distributed.run",
                                     description="torchrun's command line, on MPI: run a script as N ranks")
    parser.add_argument("--nproc_per_node", "--nproc-per-node", type=int, default=1, metavar="N",
                        help="how many ranks to start (default 1)")
    parser.add_argument("--nnodes", default="1", help="only 1: on several machines start mpiexec with a hostfile")
    parser.add_argument("--standalone", action="store_true", help="accepted, as torchrun's (one machine)")
    parser.add_argument("-m", "--module", action="store_true", help="the script is a module: python -m script")
    parser.add_argument("script", help="the training script (or module, with -m)")
    parser.add_argument("script_args", nargs=argparse.REMAINDER, help="the script's own arguments")
    return parser


def main(argv=None):
    """Run the script under mpiexec; returns its exit status."""
    args = _parser().parse_args(argv)
    if args.nnodes != "1":
        raise SystemExit(f"autograd.distributed.run: --nnodes {args.nnodes}: only one machine here; on several, "
                         "start the job with mpiexec and a hostfile (docs/distributed.md, 'Several machines')")
    if args.nproc_per_node < 1:
        raise SystemExit(f"autograd.distributed.run: --nproc_per_node must be at least 1, got {args.nproc_per_node}")
    mpiexec = find_mpiexec()
    if mpiexec is None:
        raise SystemExit("autograd.distributed.run: no mpiexec found: pip install 'seegrad[distributed]' "
                         "(mpi4py and MPICH)")
    env = dict(os.environ)
    if args.nproc_per_node > 1 and "OMP_NUM_THREADS" not in env:
        env["OMP_NUM_THREADS"] = "1"
        print("autograd.distributed.run: OMP_NUM_THREADS=1 for each rank (as torchrun sets it); set it yourself "
              "to choose", file=sys.stderr)
    target = ["-m", args.script] if args.module else [args.script]
    command = [mpiexec, "-n", str(args.nproc_per_node), sys.executable, *target, *args.script_args]
    return subprocess.call(command, env=env)


if __name__ == "__main__":
    sys.exit(main())
