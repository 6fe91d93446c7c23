"""Keras' learning-rate schedules (``keras.optimizers.schedules``): the learning rate as a function
of the optimizer's step count, ``schedule(step)``, with Keras 3's formulas in float32.

    optimizer = keras.optimizers.SGD(learning_rate=keras.optimizers.schedules.ExponentialDecay(
        initial_learning_rate=0.1, decay_steps=100, decay_rate=0.96))

The optimizer asks its schedule before every update, at ``step = optimizer.iterations`` (0 for the
first update); ``optimizer.learning_rate`` reads the current value.

    ExponentialDecay        lr0 * rate^(step / decay_steps)        (staircase: floor of the exponent)
    InverseTimeDecay        lr0 / (1 + rate * step / decay_steps)  (staircase: floor)
    PiecewiseConstantDecay  values[i] while boundaries[i-1] < step <= boundaries[i]
    PolynomialDecay         (lr0 - end) * (1 - min(step, decay_steps) / decay_steps)^power + end
                            (cycle: decay_steps times ceil(step / decay_steps))
    CosineDecay             lr0 * ((1 - alpha) * (1 + cos(pi * min(step, decay_steps) / decay_steps)) / 2
                            + alpha), after an optional linear warmup from lr0 to warmup_target
"""
import math

import numpy as np

from .utils import not_supported

__all__ = ["LearningRateSchedule", "ExponentialDecay", "InverseTimeDecay", "PiecewiseConstantDecay",
           "PolynomialDecay", "CosineDecay", "serialize", "deserialize"]

f32 = np.float32


class LearningRateSchedule:
    """Base class: ``__call__(step)`` gives the learning rate; ``get_config()`` the constructor arguments."""

    def __call__(self, step):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`.")

    def get_config(self):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must override `get_config()` "
                                  "in order to be serializable.")

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _positive(schedule, what, value):
    if value <= 0:
        raise ValueError(f"{schedule}: argument `{what}` must be > 0. Received: {what}={value}")
    return value


class _RateDecay(LearningRateSchedule):
    """What ExponentialDecay and InverseTimeDecay share: their arguments, and the progress
    step / decay_steps (floored with ``staircase``)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None):
        self.initial_learning_rate, self.decay_rate = initial_learning_rate, decay_rate
        self.decay_steps = _positive(type(self).__name__, "decay_steps", decay_steps)
        self.staircase, self.name = staircase, type(self).__name__ if name is None else name

    def _progress(self, step):
        p = f32(step) / f32(self.decay_steps)
        return np.floor(p) if self.staircase else p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_RateDecay):
    """lr0 * decay_rate ^ (step / decay_steps); with ``staircase`` the exponent is floored."""

    def __call__(self, step):
        return f32(self.initial_learning_rate) * f32(self.decay_rate) ** self._progress(step)


class InverseTimeDecay(_RateDecay):
    """lr0 / (1 + decay_rate * step / decay_steps); with ``staircase`` step / decay_steps is floored."""

    def __call__(self, step):
        return f32(self.initial_learning_rate) / (f32(1) + f32(self.decay_rate) * self._progress(step))


class PiecewiseConstantDecay(LearningRateSchedule):
    """values[0] while step <= boundaries[0], values[i] while boundaries[i-1] < step <= boundaries[i],
    values[-1] after the last boundary."""

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError("The length of boundaries should be 1 less than the length of values. Received: "
                             f"boundaries={boundaries} of length {len(boundaries)}, and values={values} "
                             f"of length {len(values)}.")
        self.boundaries, self.values, self.name = list(boundaries), list(values), name

    def __call__(self, step):
        i = sum(step > b for b in self.boundaries)  # how many boundaries lie below the step
        return f32(self.values[i])

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """(lr0 - end) * (1 - step / decay_steps)^power + end, the step held at decay_steps; with
    ``cycle`` decay_steps grows to the next multiple above the step instead."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0, cycle=False,
                 name="PolynomialDecay"):
        self.initial_learning_rate, self.end_learning_rate = initial_learning_rate, end_learning_rate
        self.decay_steps = _positive("PolynomialDecay", "decay_steps", decay_steps)
        self.power, self.cycle, self.name = power, cycle, name

    def __call__(self, step):
        step, decay_steps = f32(step), f32(self.decay_steps)
        if self.cycle:
            decay_steps = decay_steps * (f32(1) if step == 0 else np.ceil(step / f32(self.decay_steps)))
        else:
            step = min(step, decay_steps)
        lr0, end = f32(self.initial_learning_rate), f32(self.end_learning_rate)
        return (lr0 - end) * (f32(1) - step / decay_steps) ** f32(self.power) + end

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle,
                "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Half a cosine from lr to alpha * lr over decay_steps, then flat; with ``warmup_target`` a linear
    warmup from initial_learning_rate to warmup_target over warmup_steps first (the cosine starts there)."""

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay", warmup_target=None,
                 warmup_steps=0):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = _positive("CosineDecay", "decay_steps", decay_steps)
        self.alpha, self.name, self.warmup_target, self.warmup_steps = alpha, name, warmup_target, warmup_steps

    def _decay(self, step, start):
        cosine = f32(0.5) * (f32(1) + np.cos(f32(math.pi) * (step / f32(self.decay_steps))))
        return start * ((f32(1) - f32(self.alpha)) * cosine + f32(self.alpha))

    def __call__(self, step):
        lr0, step = f32(self.initial_learning_rate), f32(step)
        if self.warmup_target is None:
            return self._decay(min(step, f32(self.decay_steps)), lr0)
        target, warmup = f32(self.warmup_target), f32(self.warmup_steps)
        step = min(step, f32(self.decay_steps) + warmup)
        if step < warmup:
            return (target - lr0) * (step / warmup) + lr0
        return self._decay(step - warmup, target)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


def serialize(schedule):
    """{"class_name": ..., "config": ...}, for saving the optimizer with the model."""
    if type(schedule).__name__ not in __all__:
        raise ValueError(f"cannot save the learning-rate schedule {schedule!r}: only keras.optimizers.schedules' "
                         "own are saved; use save_weights / load_weights")
    return {"class_name": type(schedule).__name__, "config": schedule.get_config()}


def deserialize(config):
    return globals()[config["class_name"]].from_config(config["config"])


def __getattr__(name):  # a Keras schedule this front end does not have: say so by its name
    if name[:1].isupper():
        not_supported(f"keras.optimizers.schedules.{name}", f"available: {', '.join(__all__[1:6])}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
