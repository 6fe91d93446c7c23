"""Every model seegrad builds by name, and the run config (config.json) that names one.

    model = seegrad.models.cnn1d()                    # the MNIST-1D paper's CNN: (N, 40) -> (N, 10)
    model = seegrad.models.mlp(40, [100, 100], 10)
    G, D = seegrad.models.generator(), seegrad.models.discriminator()      # the GAN's two nets

    # `seegrad train --model cnn` builds from the data's size and layout:
    model = RUN_MODELS["cnn"](in_features=64, num_classes=10, hidden=[16, 32], views={"image": (1, 8, 8)})
    # and its run folder says so in config.json, written and read here only:
    save_run_config("run1", config)       # seegrad train
    config = load_run_config("run1")      # --resume, seegrad-export, seegrad-serve
    model = build_from_run_config(config)

All plain nn.Sequential or small nn.Modules, nothing hidden.
"""
import json
import numbers
import os

from autograd.files import atomic_write_text
from nn import (GRU, Conv1d, Conv2d, Flatten, LeakyReLU, Linear, MaxPool2d, Module, ReLU, Sequential, Sigmoid,
                Unflatten)

__all__ = ["mlp", "cnn1d", "gru", "generator", "discriminator", "build_mlp", "build_cnn", "build_rnn",
           "RUN_MODELS", "MODEL_VIEWS", "DEFAULT_HIDDEN", "HEADS", "build_run_model", "RUN_CONFIG",
           "RUN_CONFIG_KEYS", "RunConfigError",
           "save_run_config", "load_run_config", "build_from_run_config"]


# ----------------------------------------------------------------- the MNIST-1D paper's models


def mlp(in_features=40, hidden=(100, 100), out_features=10, activation=ReLU):
    """Linear -> activation -> ... -> Linear, with ``hidden`` the widths of the hidden layers."""
    layers, width = [], in_features
    for h in hidden:
        layers += [Linear(width, h), activation()]
        width = h
    layers.append(Linear(width, out_features))
    return Sequential(*layers)


def cnn1d(in_length=40, num_classes=10, channels=25):
    """The MNIST-1D paper's CNN (Greydanus 2020, ``ConvBase``): three Conv1d layers with stride 2
    (kernels 5, 3, 3; padding 1) and ReLU, then one Linear on the flattened features.

    Input (N, in_length); for length 40 the feature map is 25 x 5 = 125."""
    length = in_length
    for k in (5, 3, 3):
        length = (length + 2 - k) // 2 + 1
    return Sequential(
        Unflatten(1, (1, in_length)),  # (N, L) -> (N, 1, L)
        Conv1d(1, channels, 5, stride=2, padding=1), ReLU(),
        Conv1d(channels, channels, 3, stride=2, padding=1), ReLU(),
        Conv1d(channels, channels, 3, stride=2, padding=1), ReLU(),
        Flatten(),
        Linear(channels * length, num_classes),
    )


class GRUClassifier(Module):
    """(N, L) -> a GRU reads one value per step -> all L outputs flattened -> Linear -> (N, classes)."""

    def __init__(self, in_length, num_classes, hidden_size, bidirectional):
        super().__init__()
        self.rnn = GRU(1, hidden_size, batch_first=True, bidirectional=bidirectional)
        self.linear = Linear(in_length * hidden_size * (2 if bidirectional else 1), num_classes)

    def forward(self, x):
        out, _ = self.rnn(x.unsqueeze(-1))  # (N, L, 1) -> (N, L, D*hidden)
        return self.linear(out.flatten(1))


def gru(in_length=40, num_classes=10, hidden_size=6, bidirectional=True):
    """The MNIST-1D paper's GRU (Greydanus 2020): a bidirectional GRU(1, 6) over the 40 samples,
    every step's output flattened into one Linear. Input (N, in_length)."""
    return GRUClassifier(in_length, num_classes, hidden_size, bidirectional)


# ----------------------------------------------------------------- the GAN's two nets (seegrad.gan)


def generator(latent_dim=2, hidden=128, out=2):
    """Noise (N, latent_dim) -> points (N, out): an MLP with two ReLU hidden layers."""
    return Sequential(Linear(latent_dim, hidden), ReLU(), Linear(hidden, hidden), ReLU(), Linear(hidden, out))


def discriminator(inp=2, hidden=128):
    """Points (N, inp) -> one logit each (N, 1): an MLP with two LeakyReLU(0.2) hidden layers."""
    return Sequential(Linear(inp, hidden), LeakyReLU(0.2), Linear(hidden, hidden), LeakyReLU(0.2),
                      Linear(hidden, 1))


# ----------------------------------------------------------------- the models of `seegrad train`
# Each takes (in_features, num_classes, hidden, views): the flat size of a sample, the number of
# classes, the --hidden widths, and the ways the data lets a model view one sample:
# "image": (C, H, W) for a 2-D CNN, "signal": (C, L) for a 1-D CNN, "sequence": (steps, features)
# for an RNN. Every one takes a flat batch (B, in_features) and returns logits (B, num_classes).


def build_mlp(in_features, num_classes, hidden, views=None):
    """Flatten, then Linear + ReLU per hidden width, then a Linear to the class logits."""
    return Sequential(Flatten(), *mlp(in_features, hidden, num_classes))


def build_cnn(in_features, num_classes, hidden, views):
    """Images: (Conv2d 3x3 + ReLU + MaxPool2d 2) per width in ``hidden``, then Linear.
    1-D signals (MNIST-1D): the paper's CNN (three strided Conv1d, ``cnn1d``) with ``hidden[0]`` channels."""
    if "image" in views:
        (c, h, w), layers = views["image"], [Unflatten(1, tuple(views["image"]))]
        for width in hidden:
            layers += [Conv2d(c, width, 3, padding=1), ReLU(), MaxPool2d(2)]
            c, h, w = width, h // 2, w // 2
        if h == 0 or w == 0:
            raise ValueError(f"--model cnn: {len(hidden)} conv layers halve the {tuple(views['image'][1:])} image "
                             "to nothing; pass fewer --hidden widths")
        return Sequential(*layers, Flatten(), Linear(c * h * w, num_classes))
    if len(hidden) != 1:
        raise ValueError(f"--model cnn on a 1-D signal takes one channel count (e.g. --hidden 25), got {hidden}")
    return cnn1d(views["signal"][1], num_classes, channels=hidden[0])


class SequenceGRU(Module):
    """(B, steps * features) -> a GRU reads it as ``steps`` rows of ``features`` -> its last output
    -> Linear -> (B, classes)."""

    def __init__(self, steps, features, hidden_size, num_layers, num_classes):
        super().__init__()
        self.steps, self.features = steps, features
        self.gru = GRU(features, hidden_size, num_layers=num_layers, batch_first=True)
        self.head = Linear(hidden_size, num_classes)

    def forward(self, x):
        out, _ = self.gru(x.reshape(x.shape[0], self.steps, self.features))  # (B, T, H)
        return self.head(out[:, -1])                                           # (B, classes)


def build_rnn(in_features, num_classes, hidden, views):
    """Read the sample as a sequence (an 8x8 digit as 8 rows of 8 pixels) with a GRU; classify its last state."""
    if len(set(hidden)) != 1:
        raise ValueError(f"--model rnn uses one width for all GRU layers; got --hidden {','.join(map(str, hidden))}")
    steps, features = views["sequence"]
    return SequenceGRU(steps, features, hidden[0], len(hidden), num_classes)


RUN_MODELS = {"mlp": build_mlp, "cnn": build_cnn, "rnn": build_rnn}  # adding a model is one line here
# the views of a sample each model can use (see above); the mlp takes any flat sample
MODEL_VIEWS = {"cnn": ("image", "signal"), "rnn": ("sequence",)}
# default hidden widths (cnn: channels per conv layer; on a 1-D signal the MNIST-1D paper's 25)
DEFAULT_HIDDEN = {"mlp": [128], "cnn": [16, 32], "rnn": [64]}
# the output of a run's model: num_classes logits (softmax, for CrossEntropyLoss), or for two classes
# one probability (sigmoid, for BCELoss, the textbook's head) or one logit (logit, for BCEWithLogitsLoss)
HEADS = ("softmax", "sigmoid", "logit")


def build_run_model(kind, in_features, num_classes, hidden, views, head="softmax"):
    """RUN_MODELS[kind] with its ``head``: a one-output body (+ Sigmoid) for the binary heads."""
    if head not in HEADS:
        raise ValueError(f"head must be one of {', '.join(HEADS)}, got {head!r}")
    if head != "softmax" and num_classes != 2:
        raise ValueError(f"a {head} head has one output, for two classes; this data has {num_classes}")
    body = RUN_MODELS[kind](in_features, num_classes if head == "softmax" else 1, hidden, views)
    return Sequential(body, Sigmoid()) if head == "sigmoid" else body


# ----------------------------------------------------------------- the run config


RUN_CONFIG = "config.json"


class RunConfigError(ValueError):
    """A run config that can't be used: the message names the file and the key."""


def _positive_int(v):
    return isinstance(v, numbers.Integral) and not isinstance(v, bool) and v > 0


def _views(v):
    return isinstance(v, dict) and all(isinstance(k, str) and isinstance(s, (list, tuple)) and s
                                       and all(_positive_int(n) for n in s) for k, s in v.items())


# key: (check, what the value must be). model and hidden are required; the rest may be missing
# from configs written before seegrad train wrote them (in_features, num_classes, views).
RUN_CONFIG_KEYS = {
    "model": (lambda v: v in RUN_MODELS, f"one of {', '.join(RUN_MODELS)}"),
    "hidden": (lambda v: isinstance(v, list) and v and all(_positive_int(h) for h in v),
               "a list of positive integers"),
    "in_features": (_positive_int, "a positive integer"),
    "num_classes": (_positive_int, "a positive integer"),
    "views": (_views, 'an object of shapes, like {"image": [1, 8, 8]}'),
    "dataset": (lambda v: isinstance(v, str), "a dataset name"),
    "data_dir": (lambda v: v is None or isinstance(v, str), "a folder or null"),
    "optimizer": (lambda v: isinstance(v, str), "an optimizer name"),
    "lr": (lambda v: isinstance(v, numbers.Real) and not isinstance(v, bool) and v > 0, "a positive number"),
    "batch_size": (_positive_int, "a positive integer"),
    "seed": (lambda v: isinstance(v, numbers.Integral) and not isinstance(v, bool), "an integer"),
    "epochs": (_positive_int, "a positive integer"),
    "head": (lambda v: v in HEADS, f"one of {', '.join(HEADS)}"),
}
_REQUIRED = ("model", "hidden")


def _check_run_config(config, where):
    if not isinstance(config, dict):
        raise RunConfigError(f"{where}: a run config is a JSON object, got {type(config).__name__}")
    for key in _REQUIRED:
        if key not in config:
            raise RunConfigError(f"{where}: no {key!r}; is it the config.json of a seegrad train run?")
    for key, (ok, what) in RUN_CONFIG_KEYS.items():
        if key in config and not ok(config[key]):
            raise RunConfigError(f"{where}: {key!r} must be {what}, got {json.dumps(config[key])[:60]}")


def save_run_config(folder, config):
    """Write ``config`` (the keys of RUN_CONFIG_KEYS) as ``folder``/config.json, atomically; checked
    first, so what is written can be read back. Returns the path."""
    path = os.path.join(folder, RUN_CONFIG)
    _check_run_config(config, path)
    atomic_write_text(path, json.dumps(config, indent=2) + "\n")
    return path


def load_run_config(folder):
    """The config.json of the run in ``folder``, checked (RunConfigError names the file and the key).
    views come back as tuples."""
    path = os.path.join(folder, RUN_CONFIG)
    try:
        with open(path, encoding="utf-8") as f:
            config = json.load(f)
    except FileNotFoundError:
        raise RunConfigError(f"{path}: no such file; a seegrad train run folder has one") from None
    except (OSError, UnicodeDecodeError) as err:
        raise RunConfigError(f"cannot read {path}: {err}") from None
    except json.JSONDecodeError as err:
        raise RunConfigError(f"{path} is not valid JSON: {err.msg} at line {err.lineno} column {err.colno}") from None
    _check_run_config(config, path)
    if "views" in config:
        config["views"] = {k: tuple(v) for k, v in config["views"].items()}
    return config


def build_from_run_config(config, state=None):
    """The (untrained) model a run config names: ``config`` from load_run_config, or a run folder.

    Configs written before seegrad train recorded in_features and num_classes (mlp runs) get them
    from the weights: pass ``state``, the run's state dict."""
    where = "the run config"
    if not isinstance(config, dict):
        where, config = os.path.join(config, RUN_CONFIG), load_run_config(config)
    kind = config["model"]
    views = config.get("views") or {}
    if MODEL_VIEWS.get(kind) and not set(MODEL_VIEWS[kind]) & set(views):
        raise RunConfigError(f"{where} has no views ({' or '.join(MODEL_VIEWS[kind])}) for its {kind!r} model "
                             "(written by an older seegrad train?); train it again, or pass --model-def")
    in_features, num_classes = config.get("in_features"), config.get("num_classes")
    if in_features is None or num_classes is None:
        matrices = [v for v in (state or {}).values() if getattr(v, "ndim", 0) == 2]
        if not matrices:
            raise RunConfigError(f"{where} has no in_features / num_classes; pass the run's weights as state")
        in_features = in_features or matrices[0].shape[1]
        num_classes = num_classes or matrices[-1].shape[0]
    return build_run_model(kind, int(in_features), int(num_classes), list(config["hidden"]), views,
                           config.get("head") or "softmax")
