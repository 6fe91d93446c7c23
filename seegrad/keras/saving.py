"""save / load_model / save_weights / load_weights in this project's safe format (``nn.save``).

A model file is one ``nn.save`` archive (numpy arrays and JSON, never pickle) holding

    {"format": "seegrad-keras-model", "version": 1,
     "model": {"class_name": "Sequential", "config": {... every layer's constructor arguments ...}},
     "weights": [arrays in get_weights() order],
     "compile": {"optimizer": {...}, "loss": ..., "metrics": [...]} or None,
     "optimizer": the optimizer's state (moments, iterations) or None}

so ``load_model`` rebuilds the layers, copies the weights, compiles it again and restores the
optimizer: training continues where it stopped. It is not Keras' ``.keras`` zip: Keras cannot
read it, nor this front end Keras' files (copy weights across with get_weights / set_weights).
"""
import os

import numpy as np

import nn

from . import losses, metrics, optimizers

__all__ = ["save_model", "load_model", "save_weights", "load_weights", "model_from_config"]

MODEL_FORMAT, WEIGHTS_FORMAT = "seegrad-keras-model", "seegrad-keras-weights"


def _check_overwrite(filepath, overwrite):
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath!r} exists; pass overwrite=True to replace it")


def _compile_config(model):
    if not model.compiled:
        return None
    loss = model.loss
    if not isinstance(loss, str):
        loss = losses.get(loss)
        if type(loss) is losses.Loss:
            raise ValueError(f"save: the loss {loss.name!r} is a function of yours and cannot be saved by name; "
                             "save_weights() and compile again after building the model in code")
        loss = {"class_name": type(loss).__name__, "config": loss.get_config()}
    names, built = [], model._metrics or [None] * len(model._metric_ids)  # built: named as in the logs
    for m, made in zip(model._metric_ids, built):
        if isinstance(m, type) and m in metrics.NAMES.values():
            m = {"class_name": m.__name__, "config": made.get_config() if made is not None else {}}
        elif isinstance(m, metrics.Metric) and type(m) in metrics.NAMES.values():
            m = {"class_name": type(m).__name__, "config": m.get_config()}
        elif not isinstance(m, str):
            raise ValueError(f"save: the metric {m!r} is a function or class of yours and cannot be saved; pass "
                             "Keras' metrics (names or seegrad.keras.metrics objects), or use save_weights()")
        names.append(m)
    opt = model.optimizer
    return {"optimizer": {"class_name": type(opt).__name__, "config": opt.get_config()}, "loss": loss,
            "metrics": names}


def save_model(model, filepath, overwrite=True, include_optimizer=True):
    filepath = os.fspath(filepath)
    _check_overwrite(filepath, overwrite)
    if not model.built:
        raise ValueError(f"save: the model {model.name!r} is not built yet (its input shape is unknown); call it on "
                         "data, fit it, or give the first layer input_shape=...")
    compiled = _compile_config(model)
    opt = model.optimizer if compiled and include_optimizer and model.optimizer.built else None
    nn.save({"format": MODEL_FORMAT, "version": 1,
             "model": {"class_name": type(model).__name__, "config": model.get_config()},
             "weights": model.get_weights(), "compile": compiled,
             "optimizer": opt.state_dict() if opt is not None else None}, filepath)


def _read(filepath, fmt, what):
    try:
        state = nn.load(os.fspath(filepath))
    except Exception as err:
        raise ValueError(f"{what}: cannot read {os.fspath(filepath)!r}: {err} (it must be a file written by "
                         "seegrad.keras' save / save_weights; Keras' own .keras and .h5 files are not read)") from None
    if not isinstance(state, dict) or state.get("format") != fmt:
        found = state.get("format") if isinstance(state, dict) else type(state).__name__
        raise ValueError(f"{what}: {os.fspath(filepath)!r} is not a {fmt} file (found {found!r}); "
                         "model.save() files load with load_model, save_weights() files with load_weights")
    return state


def model_from_config(config):
    """A layer or model from {"class_name": ..., "config": {...}} (what get_config gives)."""
    from . import layers
    from .models import Model, Sequential

    classes = {name: getattr(layers, name) for name in layers.__all__ if isinstance(getattr(layers, name), type)}
    classes.update(Sequential=Sequential, Model=Model)
    name, cfg = config["class_name"], dict(config["config"])
    if name not in classes:
        raise ValueError(f"load_model: unknown layer class {name!r}; known: {', '.join(sorted(classes))}")
    if name == "Sequential":
        children = [model_from_config(c) for c in cfg.pop("layers")]
        if cfg.get("batch_input_shape") is not None:
            cfg["batch_input_shape"] = tuple(cfg["batch_input_shape"])
        return Sequential(children, **cfg)
    if name == "Model":
        unique = [model_from_config(c) for c in cfg.pop("layers")]
        x = inputs = layers.Input(batch_shape=tuple(cfg.pop("input_shape")), dtype=cfg.pop("input_dtype", None))
        for i in cfg.pop("order"):
            x = unique[i](x)
        return Model(inputs, x, **{k: v for k, v in cfg.items() if k in ("name", "trainable")})
    if cfg.get("batch_input_shape") is not None:
        cfg["batch_input_shape"] = tuple(cfg["batch_input_shape"])
    return classes[name](**cfg)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """The model ``model.save(filepath)`` wrote: same layers and weights, compiled again with its
    optimizer state when it was compiled (``compile=False`` skips that)."""
    if custom_objects:
        from .utils import not_supported
        not_supported("load_model(custom_objects=...)")
    state = _read(filepath, MODEL_FORMAT, "load_model")
    model = model_from_config(state["model"])
    if not model.built:
        raise ValueError(f"load_model: the saved model in {os.fspath(filepath)!r} has no input shape to build from")
    model.set_weights(state["weights"])
    saved = state.get("compile")
    if compile and saved is not None:
        opt = saved["optimizer"]
        optimizer = optimizers.NAMES[opt["class_name"].lower()](**{k: v for k, v in opt["config"].items()})
        loss = saved["loss"]
        if isinstance(loss, dict):
            loss = getattr(losses, loss["class_name"])(**loss["config"])
        model.compile(optimizer=optimizer, loss=loss, metrics=[
            metrics.NAMES[m["class_name"]](**m["config"]) if isinstance(m, dict) else m for m in saved["metrics"]])
        if state.get("optimizer") is not None:
            optimizer.build(model.trainable_weights)
            optimizer.load_state_dict(state["optimizer"])
    return model


def save_weights(model, filepath, overwrite=True):
    filepath = os.fspath(filepath)
    _check_overwrite(filepath, overwrite)
    nn.save({"format": WEIGHTS_FORMAT, "version": 1, "weights": model.get_weights()}, filepath)


def load_weights(model, filepath):
    weights = _read(filepath, WEIGHTS_FORMAT, "load_weights")["weights"]
    model.set_weights([np.asarray(w) for w in weights])
