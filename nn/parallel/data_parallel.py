"""nn.DataParallel, as PyTorch's runs without several GPUs: the module itself is called. seegrad runs on one
device (the CPU, or one GPU through CuPy), so there is nothing to split a batch across; code written for
``model = nn.DataParallel(model)`` keeps working (``model.module``, state dict keys prefixed ``module.``), with
the same numbers. Several processes on MPI: nn.parallel.DistributedDataParallel."""
from ..module import Module


class DataParallel(Module):
    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        if device_ids is not None and len(device_ids) > 1:
            raise ValueError(f"DataParallel: seegrad runs a model on one device, so it cannot split batches across "
                             f"devices {list(device_ids)}; use nn.parallel.DistributedDataParallel (one process per "
                             "device, on MPI) or pass device_ids=None")
        self.module = module
        self.device_ids = list(device_ids or [])
        self.output_device = output_device
        self.dim = dim

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)
