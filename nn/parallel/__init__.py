"""nn.parallel: DistributedDataParallel (one model replica per process, on ag.distributed); DataParallel
(one device here: the module itself is called)."""
from .data_parallel import DataParallel
from .distributed import DistributedDataParallel

__all__ = ["DataParallel", "DistributedDataParallel"]
