"""seegrad: the applications built on the library (autograd < nn, optim < seegrad).

    import seegrad
    from seegrad.data import DataLoader, TensorDataset, load_digits
    history = seegrad.fit(model, nn.CrossEntropyLoss(), opt, DataLoader(train_ds, 32, shuffle=True),
                          epochs=20, val_loader=DataLoader(test_ds, 500))
    model = seegrad.models.mlp(64, [64], 10)
    from seegrad.export import export_onnx, ExportError

What is here:
    data        Dataset, TensorDataset, DataLoader and small offline datasets (torch.utils.data)
    training    fit / evaluate, History, EarlyStopping, checkpoints with exact resume
    models      every model seegrad builds by name, and the run config (config.json) of a run
    cli         the ``seegrad train`` command (``python -m seegrad train``)
    export      ONNX export (``seegrad-export``)
    serving     an HTTP server speaking SageMaker's container contract (``seegrad-serve``)
    gan         a GAN on a ring of Gaussians
    keras       Keras 3's Sequential API on nn (``import seegrad as tf`` runs ``tf.keras.Sequential(...)``)

``import seegrad`` loads data, training and models; cli, export, serving, gan and keras load on first use.
"""
import importlib

from . import data, models
from .training import Callback, EarlyStopping, History, evaluate, fit

__all__ = ["data", "models", "fit", "evaluate", "Callback", "EarlyStopping", "History",
           "cli", "export", "serving", "gan", "keras"]

_LAZY = ("cli", "export", "serving", "gan", "keras")


def __getattr__(name):  # seegrad.export, seegrad.serving...: imported on first use
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'seegrad' has no attribute {name!r}")
