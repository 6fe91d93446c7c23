"""nn.parallel: DistributedDataParallel (one model replica per process, on ag.distributed)."""
from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
