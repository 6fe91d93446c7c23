"""numpy is named only in the backend module (autograd/backend.py): the engine, nn and optim reach
the array library through the seam (``ctx.xp``, ``backend.get_array_module``, ``backend.host`` for
dtypes and host-side data). App-layer files that handle host arrays (file formats, protobufs, HTTP)
may name numpy; each is listed here with its reason, so that a new file that names numpy fails."""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
NUMPY = re.compile(r"^\s*(import numpy|from numpy)|\bnumpy\.\w|(?<![\w.])np\.", re.M)

APP_LAYER = {  # file -> why it may name numpy (host data crossing the boundary through .cpu()/.numpy()/ag.tensor)
    "seegrad/cli.py": "command line: reads data files and prints host numbers",
    "seegrad/data/dataset.py": "datasets hold host arrays (files, splits); batches become tensors in collate",
    "seegrad/data/datasets.py": "dataset files (MNIST, MNIST-1D, digits) are read as host arrays",
    "seegrad/data/loader.py": "collation of host samples (numbers, numpy arrays) into tensors",
    "seegrad/data/sampler.py": "index permutations on the host",
    "seegrad/data/samplers.py": "index permutations and weighted draws on the host",
    "seegrad/export/onnx/export.py": "ONNX tensors are host protobufs (export moves the model to the host)",
    "seegrad/export/onnx/graph.py": "ONNX initializers from host arrays",
    "seegrad/export/onnx/ops.py": "ONNX constants from host arrays",
    "seegrad/export/onnx/trace.py": "example inputs and checks of the exported graph run on the host",
    "seegrad/gan.py": "latent noise and image grids for files, on the host",
    "seegrad/serving.py": "HTTP bodies are host arrays",
    "seegrad/serving_requests.py": "request parsing into host arrays",
    "seegrad/training.py": "metrics, checkpoints' RNG states and logs are host values",
    "seegrad/keras/activations.py": "activation functions called by hand on numpy arrays, as Keras takes them",
    "seegrad/keras/callbacks.py": "learning-rate callbacks read the rate as Keras' float32 host number",
    "seegrad/keras/initializers.py": "Keras-style initial values computed on the host",
    "seegrad/keras/layers/augmentation.py": "Keras' image transforms (flip, affine) on the host, on input images",
    "seegrad/keras/layers/base.py": "Keras weights as host arrays (get_weights/set_weights)",
    "seegrad/keras/layers/core.py": "Keras layers' host-side shapes and weights",
    "seegrad/keras/layers/normalization.py": "Keras weights as host arrays",
    "seegrad/keras/layers/recurrent.py": "Keras weights as host arrays",
    "seegrad/keras/losses.py": "Keras losses on host arrays (evaluate on numpy inputs)",
    "seegrad/keras/metrics.py": "Keras metrics accumulate host numbers",
    "seegrad/keras/models.py": "Keras fit/predict take and return numpy arrays",
    "seegrad/keras/ops.py": "keras.ops takes numpy arrays and Python numbers, and names dtypes, as Keras' does",
    "seegrad/keras/optimizers.py": "Keras optimizer variables as host arrays",
    "seegrad/keras/regularizers.py": "penalty factors as float32 host numbers",
    "seegrad/keras/saving.py": "Keras files hold host arrays",
    "seegrad/keras/schedules.py": "learning-rate schedules: Keras' float32 formulas on host numbers",
    "seegrad/keras/summary.py": "parameter counts on the host",
    "seegrad/keras/trainer.py": "Keras fit loop over numpy inputs",
    "seegrad/keras/utils.py": "to_categorical and friends on numpy arrays",
    "seegrad/keras/variables.py": "Keras variables' numpy() and __array__ give host arrays",
}


def _naming_numpy(folder):
    for path in sorted((ROOT / folder).rglob("*.py")):
        if NUMPY.search(path.read_text()):
            yield path.relative_to(ROOT).as_posix()


def test_engine_nn_optim_name_numpy_only_in_the_backend():
    found = [p for folder in ("autograd", "nn", "optim") for p in _naming_numpy(folder)]
    assert found == ["autograd/backend.py"], f"numpy named outside autograd/backend.py: {found}"


def test_app_layer_files_naming_numpy_are_listed_with_a_reason():
    found = set(_naming_numpy("seegrad"))
    unlisted = sorted(found - set(APP_LAYER))
    assert not unlisted, f"these app-layer files name numpy without a reason in APP_LAYER: {unlisted}"
    stale = sorted(set(APP_LAYER) - found)
    assert not stale, f"APP_LAYER lists files that no longer name numpy: {stale}"


def test_the_pattern_sees_each_way_of_naming_numpy():
    for text in ("import numpy as np\n", "from numpy import zeros\n", "x = np.zeros(3)\n", "numpy.ones(2)\n"):
        assert NUMPY.search(text), text
    for text in ("x = host.zeros(3)\n", "ctx.xp.exp(a)\n", "# numpy's names\n", "t.numpy()\n"):
        assert not NUMPY.search(text), text
