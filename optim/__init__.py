"""optim: optimizers that update parameters in place from their .grad, and lr schedules.

    opt = optim.Adam(model.parameters(), lr=1e-3)
    opt.zero_grad(); loss.backward(); opt.step()
"""
from . import lr_scheduler
from .adadelta import Adadelta
from .adafactor import Adafactor
from .adagrad import AdaGrad, Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .lbfgs import LBFGS
from .muon import Muon
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSProp, RMSprop
from .sgd import SGD, Momentum
from .sparse_adam import SparseAdam
from .zero_redundancy import ZeroRedundancyOptimizer
from .asgd import ASGD
from .rprop import Rprop
