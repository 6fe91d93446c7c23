"""``ag.special``: torch.special's names for the ops that have them here (the same functions as
``ag.lgamma``, ``ag.digamma``... : ops/special.py and the rest of the op table).

    gammaln = lgamma,  psi = digamma,  expit = sigmoid,  polygamma(n, x),  erf, erfc, erfinv, sinc...
"""
from . import functions as _ag
from .ops.special import polygamma

__all__ = ["gammaln", "digamma", "psi", "polygamma", "erf", "erfc", "erfinv", "sinc", "expit", "logit", "xlogy",
           "expm1", "exp2", "log1p", "logsumexp", "softmax", "log_softmax", "round"]

gammaln = _ag.lgamma
digamma = psi = _ag.digamma
erf, erfc, erfinv, sinc = _ag.erf, _ag.erfc, _ag.erfinv, _ag.sinc
expit, logit, xlogy = _ag.sigmoid, _ag.logit, _ag.xlogy
expm1, exp2, log1p, round = _ag.expm1, _ag.exp2, _ag.log1p, _ag.round
logsumexp, softmax, log_softmax = _ag.logsumexp, _ag.softmax, _ag.log_softmax
