"""``ag.distributions``: torch.distributions' common distributions, with its arguments, shapes,
validation and numbers; every parameter gets its gradient through log_prob, entropy, cdf and
(where PyTorch has it) rsample.

    m = ag.distributions.Normal(mu, std)
    z = m.rsample()                              # gradients reach mu and std
    kl = ag.distributions.kl_divergence(m, ag.distributions.Normal(0.0, 1.0)).sum()

    m = ag.distributions.Categorical(logits=policy(state))
    action = m.sample()                          # from ag.manual_seed's generator
    loss = -m.log_prob(action) * reward          # REINFORCE

Normal, Bernoulli, Categorical, OneHotCategorical, Uniform, Exponential, Laplace, Independent,
MultivariateNormal, Beta and Dirichlet (sample, no rsample); kl_divergence for pairs of one
type: Normal, Bernoulli, Categorical, OneHotCategorical, Uniform, Independent, MultivariateNormal,
Beta, Dirichlet (register_kl adds more). Draws come from ag's global
generator (ag.randn / ag.rand / uniform_), so ag.manual_seed makes them reproducible.
"""
from . import constraints
from .bernoulli import Bernoulli
from .beta import Beta
from .categorical import Categorical
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exponential import Exponential
from .independent import Independent
from .kl import kl_divergence, register_kl
from .laplace import Laplace
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .one_hot_categorical import OneHotCategorical
from .uniform import Uniform

__all__ = [
    "Bernoulli", "Beta", "Categorical", "Dirichlet", "Distribution", "Exponential", "Independent", "Laplace",
    "MultivariateNormal",
    "Normal", "OneHotCategorical", "Uniform", "constraints", "kl_divergence", "register_kl",
]
