"""Keras' optimizers, with Keras 3's update rules and defaults, on this project's Optimizer base.

Where Keras' rules differ from PyTorch's (optim.*), these follow Keras:

    SGD      lr 0.01;  m = momentum*m - lr*g;  p += m  (nesterov: p += momentum*m - lr*g)
    Adam     lr 0.001, beta_1 0.9, beta_2 0.999, epsilon 1e-7 (PyTorch 1e-8);  t = iterations + 1
             m += (g - m)(1 - beta_1);  v += (g^2 - v)(1 - beta_2);
             p -= lr * sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + epsilon)
             (epsilon is added to sqrt(v) before the bias correction: PyTorch adds it after)
    RMSprop  lr 0.001, rho 0.9 (PyTorch alpha 0.99), epsilon 1e-7 inside the root:
             v = rho*v + (1-rho)*g^2;  p -= lr * g / sqrt(v + epsilon)
    Adagrad  lr 0.001, initial_accumulator_value 0.1, epsilon 1e-7 inside the root:
             a += g^2;  p -= lr * g / sqrt(a + epsilon)
    AdamW    Adam with weight_decay 0.004;  Adamax, Nadam, Adadelta: Keras' rules (in their docstrings)

``Adam(learning_rate=...)`` holds only its settings; ``compile`` binds it to the model's weights.
``optimizer.learning_rate`` can be read and changed at any time;
``iterations`` counts the steps. ``learning_rate`` may be a schedule
(``optimizers.schedules.ExponentialDecay(...)``): each update then uses ``schedule(iterations)``.
"""
import sys

import numpy as np

import autograd as ag
import optim

from . import schedules
from .utils import not_supported

sys.modules[__name__ + ".schedules"] = schedules  # `from keras.optimizers.schedules import ExponentialDecay`

__all__ = ["Optimizer", "LearningRate", "SGD", "Adam", "RMSprop", "Adagrad", "AdamW", "Adamax", "Nadam", "Adadelta",
           "get"]


class LearningRate(float):
    """``optimizer.learning_rate``: the number (``float(lr)``, arithmetic, comparisons) that also answers
    the methods of Keras' variable, ``numpy()`` and ``assign(value)`` (which sets the optimizer's rate)."""

    def __new__(cls, value, optimizer):
        rate = super().__new__(cls, value)
        rate.optimizer = optimizer
        return rate

    def numpy(self):
        return np.float32(self)

    def assign(self, value):
        self.optimizer.learning_rate = float(value)


class Optimizer(optim.Optimizer):
    """A Keras optimizer: Keras' constructor (no parameters), bound to the weights by ``build``;
    ``step()`` is optim's (skips weights without a gradient, bumps versions) plus Keras' counter."""

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if kwargs:
            if "lr" in kwargs:
                raise ValueError("Argument `lr` is no longer supported (Keras 3). Use `learning_rate` instead.")
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        for key, value in (("use_ema", use_ema), ("loss_scale_factor", loss_scale_factor),
                           ("gradient_accumulation_steps", gradient_accumulation_steps)):
            if value not in (None, False):
                not_supported(f"{type(self).__name__}({key}=...)")
        if sum(c is not None for c in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(f"Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. Received: "
                             f"clipnorm={clipnorm}, clipvalue={clipvalue}, global_clipnorm={global_clipnorm}")
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self._decay = weight_decay  # Keras' weight_decay (optim's `weight_decay` names its mode)
        if isinstance(learning_rate, dict) and "class_name" in learning_rate:  # a saved schedule
            learning_rate = schedules.deserialize(learning_rate)
        self._schedule = learning_rate if isinstance(learning_rate, schedules.LearningRateSchedule) else None
        if self._schedule is not None:
            learning_rate = self._schedule(0)
        elif isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float, np.floating)) \
                or learning_rate < 0:
            raise ValueError(f"{type(self).__name__}: learning_rate must be a number >= 0 or a "
                             f"keras.optimizers.schedules schedule, got {learning_rate!r}")
        self.name = name or type(self).__name__.lower()
        self._learning_rate = float(learning_rate)
        self.iterations = 0
        self.built = False

    def build(self, variables):
        """Bind to ``variables`` (the model's trainable weights) once; later calls check that no other
        weight comes (as Keras: another model's, or a layer unfrozen after the first step, would
        otherwise go untrained while its gradient is silently dropped)."""
        variables = list(variables)
        if not self.built:
            optim.Optimizer.__init__(self, variables, {"lr": self._learning_rate})
            self._known = {id(v) for v in variables}
            self.built = True
            return
        for v in variables:
            if id(v) not in self._known:
                raise ValueError(f"Unknown variable of shape {tuple(v.shape)}: this {type(self).__name__} can only be "
                                 "called for the variables it was originally built with (Keras' rule). It was built "
                                 "for another model, or before this weight became trainable; create a new optimizer "
                                 "instance and compile again.")

    @property
    def learning_rate(self):
        """The learning rate of the next update (a schedule's value at ``iterations``)."""
        if self._schedule is not None:
            return LearningRate(self._schedule(self.iterations), self)
        return LearningRate(self._learning_rate, self)

    @learning_rate.setter
    def learning_rate(self, value):
        if self._schedule is not None:
            raise TypeError("This optimizer was created with a `LearningRateSchedule` object as its "
                            "`learning_rate` constructor argument, hence its learning rate is not settable.")
        self._learning_rate = float(value)
        for group in getattr(self, "param_groups", []):
            group["lr"] = self._learning_rate

    @property
    def lr(self):
        raise AttributeError(f"{type(self).__name__} has no `lr` in Keras 3: read or set `learning_rate` "
                             "(in Keras 3, setting `optimizer.lr` changes nothing)")

    @lr.setter
    def lr(self, value):
        raise AttributeError(f"{type(self).__name__} has no `lr` in Keras 3: set `optimizer.learning_rate = {value}` "
                             "(in Keras 3, setting `optimizer.lr` changes nothing)")

    def step(self, closure=None):
        if not self.built:
            raise RuntimeError(f"{type(self).__name__}: compile the model (or call build(weights)) before stepping")
        if self._schedule is not None:
            for group in self.param_groups:
                group["lr"] = float(self._schedule(self.iterations))
        self._clip_and_decay()
        loss = super().step(closure)
        self.iterations += 1
        return loss

    def apply(self, grads, trainable_variables=None):
        """Keras' ``optimizer.apply(grads, variables)``: one update of ``variables`` (bound to them at the
        first call, as ``build``) by ``grads`` in the same order; a None gradient leaves its variable
        as it is, and the optimizer's other weights are not touched. Returns the iteration count."""
        grads = list(grads)
        if trainable_variables is None:
            if not self.built:
                raise ValueError(f"{type(self).__name__}.apply: pass trainable_variables (the optimizer is not "
                                 "built yet)")
            variables = [p for group in self.param_groups for p in group["params"]]
        else:
            variables = list(trainable_variables)
        if len(grads) != len(variables):
            raise ValueError(f"{type(self).__name__}.apply: {len(grads)} gradients for {len(variables)} variables")
        self.build(variables)
        chosen = {id(v) for v in variables}
        others = [(p, p.grad) for group in self.param_groups for p in group["params"] if id(p) not in chosen]
        for p, _ in others:
            p.grad = None
        try:
            for v, g in zip(variables, grads):
                v.grad = None if g is None else ag.as_tensor(np.asarray(g, dtype=v.dtype) if not isinstance(
                    g, ag.Tensor) else g.detach().to(v.dtype))
            with ag.no_grad():
                self.step()
        finally:
            for p, grad in others:
                p.grad = grad
        return self.iterations

    def apply_gradients(self, grads_and_vars):
        """``apply`` on a list of (gradient, variable) pairs (Keras' older spelling)."""
        grads, variables = zip(*grads_and_vars)
        return self.apply(list(grads), list(variables))

    def _clip_and_decay(self):
        """Keras' steps before the update, in its order: the gradients clipped (each to norm ``clipnorm``,
        each value to +-``clipvalue``, or all together to norm ``global_clipnorm``), then the decoupled
        weight decay p -= p * weight_decay * lr."""
        f32 = np.float32
        params = [p for group in self.param_groups for p in group["params"] if p.grad is not None]
        if self.clipnorm is not None or self.clipvalue is not None or self.global_clipnorm is not None:
            grads = [ag.storage(p.grad) for p in params]
            if self.clipnorm is not None:
                c = f32(self.clipnorm)
                grads = [g * c / np.maximum(np.sqrt((g * g).sum()), c) for g in grads]
            elif self.clipvalue is not None:
                grads = [np.clip(g, -f32(self.clipvalue), f32(self.clipvalue)) for g in grads]
            else:
                norm = np.sqrt(sum((g * g).sum() for g in grads))
                scale = f32(self.global_clipnorm) * np.minimum(f32(1) / norm, f32(1) / f32(self.global_clipnorm))
                grads = [g * scale for g in grads]
            for p, g in zip(params, grads):
                p.grad = ag.from_numpy(np.asarray(g, dtype=np.float32))
        if self._decay:
            lr = f32(self.param_groups[0]["lr"])
            for p in params:
                w = ag.storage(p)
                w -= w * f32(self._decay) * lr

    def state_dict(self):
        return {**super().state_dict(), "iterations": self.iterations}

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        self.iterations = int(state.pop("iterations", 0))
        super().load_state_dict(state)
        self._learning_rate = float(self.param_groups[0]["lr"])

    def get_config(self):
        lr = self._learning_rate if self._schedule is None else schedules.serialize(self._schedule)
        options = {"weight_decay": self._decay, "clipnorm": self.clipnorm, "clipvalue": self.clipvalue,
                   "global_clipnorm": self.global_clipnorm}
        return {"name": self.name, "learning_rate": lr, **{k: v for k, v in options.items() if v is not None}}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """m = momentum*m - lr*g;  p += m  (nesterov: p += momentum*m - lr*g); plain p -= lr*g without momentum."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        if not isinstance(momentum, (int, float)) or not 0 <= momentum <= 1:
            raise ValueError("`momentum` must be a float between [0, 1].")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)

    def _update(self, p, g, state, group):
        lr = np.float32(group["lr"])
        if self.momentum == 0:
            p -= g * lr
            return
        m = self._moment(state, "momentum", p)
        m *= np.float32(self.momentum)
        m -= g * lr
        if self.nesterov:
            p -= g * lr
            p += m * np.float32(self.momentum)
        else:
            p += m

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class Adam(Optimizer):
    """p -= alpha * m / (sqrt(v) + epsilon), alpha = lr sqrt(1 - beta_2^t) / (1 - beta_1^t)."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = float(beta_1), float(beta_2), float(epsilon), amsgrad

    def _update(self, p, g, state, group):
        f32 = np.float32
        t = f32(self.iterations + 1)
        b1, b2 = f32(self.beta_1), f32(self.beta_2)
        alpha = f32(group["lr"]) * np.sqrt(f32(1) - b2 ** t) / (f32(1) - b1 ** t)  # float32, as Keras
        m = self._moment(state, "momentum", p)
        v = self._moment(state, "velocity", p)
        m *= b1
        m += g * f32(1 - self.beta_1)
        v *= b2
        v += (g * g) * f32(1 - self.beta_2)
        if self.amsgrad:
            v_hat = self._moment(state, "velocity_hat", p)
            np.maximum(v_hat, v, out=v_hat)
            v = v_hat
        p -= (m * alpha) / (np.sqrt(v) + f32(self.epsilon))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                "amsgrad": self.amsgrad}


class RMSprop(Optimizer):
    """v = rho*v + (1-rho)*g^2;  p -= lr * g / sqrt(v + epsilon)  (momentum: m = momentum*m + that; p -= m);
    centered: a = rho*a + (1-rho)*g and the root of v - a^2 + epsilon."""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho, self.momentum, self.epsilon = float(rho), float(momentum), float(epsilon)
        self.centered = bool(centered)

    def _update(self, p, g, state, group):
        f32 = np.float32
        v = self._moment(state, "velocity", p)
        v *= f32(self.rho)
        v += (g * g) * f32(1 - self.rho)
        denominator = v + f32(self.epsilon)
        if self.centered:  # v - (the mean gradient)^2 + epsilon
            a = self._moment(state, "average_gradient", p)
            a *= f32(self.rho)
            a += g * f32(1 - self.rho)
            denominator = v - a * a + f32(self.epsilon)
        increment = (g * f32(group["lr"])) / np.sqrt(denominator)
        if self.momentum > 0:
            m = self._moment(state, "momentum", p)
            m *= f32(self.momentum)
            m += increment
            increment = m
        p -= increment

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                "centered": self.centered}


class Adagrad(Optimizer):
    """a += g^2 (a starts at initial_accumulator_value);  p -= lr * g / sqrt(a + epsilon)."""

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.initial_accumulator_value, self.epsilon = float(initial_accumulator_value), float(epsilon)

    def _update(self, p, g, state, group):
        a = self._moment(state, "accumulator", p, fill=self.initial_accumulator_value)
        a += g * g
        p -= (g * np.float32(group["lr"])) / np.sqrt(a + np.float32(self.epsilon))

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}


class AdamW(Adam):
    """Adam with the decoupled weight decay on by default (weight_decay 0.004): p -= p * weight_decay * lr
    before Adam's update."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **kwargs):
        if weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: weight_decay=None")
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, weight_decay=weight_decay, **kwargs)


class Adamax(Optimizer):
    """m += (g - m)(1 - beta_1);  u = max(beta_2 u, |g|);  p -= lr m / ((1 - beta_1^t)(u + epsilon))."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)

    def _update(self, p, g, state, group):
        f32 = np.float32
        t = f32(self.iterations + 1)
        m = self._moment(state, "momentum", p)
        u = self._moment(state, "norm", p)
        m += (g - m) * f32(1 - self.beta_1)
        np.maximum(u * f32(self.beta_2), np.abs(g), out=u)
        p -= (f32(group["lr"]) * m) / ((f32(1) - f32(self.beta_1) ** t) * (u + f32(self.epsilon)))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


class Nadam(Optimizer):
    """Adam with Nesterov momentum (Keras' schedule of the momentum): with u_t = beta_1 (1 - 0.5 * 0.96^t)
    and P_t = u_1 ... u_t,  m_hat = u_(t+1) m / (1 - P_(t+1)) + (1 - u_t) g / (1 - P_t),
    v_hat = v / (1 - beta_2^t);  p -= lr m_hat / (sqrt(v_hat) + epsilon)."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)
        self._u_product = np.float32(1.0)

    def _u(self, step):
        return np.float32(self.beta_1) * (np.float32(1) - np.float32(0.5) * np.float32(0.96) ** np.float32(step))

    def step(self, closure=None):
        if self.built:  # P_t, once per step before the updates (Keras' _backend_update_step)
            self._u_product = np.float32(self._u_product * self._u(self.iterations + 1))
        return super().step(closure)

    def _update(self, p, g, state, group):
        f32 = np.float32
        t = self.iterations + 1
        u_t, u_next = self._u(t), self._u(t + 1)
        product, product_next = self._u_product, f32(self._u_product * u_next)
        m = self._moment(state, "momentum", p)
        v = self._moment(state, "velocity", p)
        m += (g - m) * f32(1 - self.beta_1)
        v += (g * g - v) * f32(1 - self.beta_2)
        m_hat = (m * u_next) / (f32(1) - product_next) + (g * (f32(1) - u_t)) / (f32(1) - product)
        v_hat = v / (f32(1) - f32(self.beta_2) ** f32(t))
        p -= (m_hat * f32(group["lr"])) / (np.sqrt(v_hat) + f32(self.epsilon))

    def state_dict(self):
        return {**super().state_dict(), "u_product": float(self._u_product)}

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        self._u_product = np.float32(state.pop("u_product", 1.0))
        super().load_state_dict(state)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


class Adadelta(Optimizer):
    """a = rho a + (1-rho) g^2;  delta = -sqrt(d + epsilon) g / sqrt(a + epsilon);
    d = rho d + (1-rho) delta^2;  p += lr * delta."""

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho, self.epsilon = float(rho), float(epsilon)

    def _update(self, p, g, state, group):
        f32 = np.float32
        rho, eps = f32(self.rho), f32(self.epsilon)
        a = self._moment(state, "accumulated_grad", p)
        d = self._moment(state, "accumulated_delta_var", p)
        a *= rho
        a += (g * g) * f32(1 - self.rho)
        delta = -(np.sqrt(d + eps) * g) / np.sqrt(a + eps)
        d *= rho
        d += (delta * delta) * f32(1 - self.rho)
        p += delta * f32(group["lr"])

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}


NAMES = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop, "adagrad": Adagrad, "adamw": AdamW, "adamax": Adamax,
         "nadam": Nadam, "adadelta": Adadelta}


def get(identifier):
    """An optimizer from a Keras name ("adam", "sgd", "rmsprop", "adagrad", "adamw", "adamax", "nadam",
    "adadelta", with Keras' defaults)
    or an instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, optim.Optimizer):
        raise TypeError(f"compile(optimizer=...) takes a Keras optimizer (seegrad.keras.optimizers.{type(identifier).__name__} "
                        "or a name like 'adam'), not an optim one: it is built with the model's weights at compile")
    if isinstance(identifier, str):
        if identifier.lower() not in NAMES:
            not_supported(f"the optimizer {identifier!r}", f"known: {', '.join(NAMES)}")
        return NAMES[identifier.lower()]()
    raise TypeError(f"an optimizer is a name like 'adam' or a Keras optimizer, got {identifier!r}")


def __getattr__(name):  # a Keras optimizers this front end does not have: say so by its name
    if name[:1].isupper():
        not_supported(f"keras.optimizers.{name}", "available: " + ", ".join(cls.__name__ for cls in NAMES.values()))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
