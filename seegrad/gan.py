"""A GAN on a toy 2-D distribution: a ring of 8 Gaussians (Goodfellow 2014; the ring from Metz 2017).

    real = ring_of_gaussians(1000)                         # (1000, 2) samples around 8 modes
    G, D = generator(), discriminator()
    history = train_gan(G, D, steps=2000, seed=0)
    fake = sample(G, 1000)
    mode_coverage(fake)   # how many of the 8 modes the generator reaches, and how closely

The generator G maps noise z ~ N(0, I) to points; the discriminator D gives a logit, high for
"real". Each step updates D, then G, with BCE-with-logits losses:

    D: minimise  BCE(D(x), 1) + BCE(D(G(z)), 0)      tell real from fake
    G: minimise  BCE(D(G(z)), 1)                      fool D (the "non-saturating" loss)

Mode collapse (G covering a few modes only) is the classic failure on this distribution;
``mode_coverage`` measures it.
"""
import numpy as np

import autograd as ag
import nn.functional as F
import optim

from .models import discriminator, generator  # the two nets are built in seegrad.models

__all__ = ["ring_centers", "ring_of_gaussians", "generator", "discriminator", "sample", "train_gan",
           "mode_coverage"]


def ring_centers(modes=8, radius=2.0):
    """The modes: ``modes`` points evenly spaced on a circle, (modes, 2)."""
    angles = 2 * np.pi * np.arange(modes) / modes
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def ring_of_gaussians(n, modes=8, radius=2.0, std=0.05, rng=None):
    """``n`` samples (float32, (n, 2)): a mode picked uniformly, plus N(0, std^2 I) noise."""
    rng = np.random.default_rng(rng)
    centers = ring_centers(modes, radius)
    picks = rng.integers(0, modes, n)
    return (centers[picks] + std * rng.standard_normal((n, 2))).astype(np.float32)


def sample(G, n, rng=None):
    """``n`` generated points as a numpy array (no graph recorded). The noise comes from
    ``np.random.default_rng(rng)`` when ``rng`` is given (leaving autograd's generator, and so a
    training run in progress, untouched), else from ``ag.randn``."""
    latent_dim = G[0].in_features
    if rng is None:
        z = ag.randn(n, latent_dim)
    else:
        z = ag.tensor(np.random.default_rng(rng).standard_normal((n, latent_dim)).astype(np.float32))
    with ag.no_grad():
        return G(z).numpy()


def train_gan(G, D, steps=2000, batch_size=256, lr=1e-3, betas=(0.5, 0.999), real_sampler=None,
              seed=None, callback=None):
    """Alternate one D step and one G step, ``steps`` times, with Adam for each network.

    ``real_sampler(n, rng)`` draws real data (default: ``ring_of_gaussians``). ``seed`` seeds the
    noise, the real samples and nothing else (initialise G and D after ``ag.manual_seed`` for a
    fully repeatable run). ``callback(step, d_loss, g_loss)`` is called after every step.
    Returns ``{"d_loss": [...], "g_loss": [...]}``.
    """
    if seed is not None:
        ag.manual_seed(seed)
    rng = np.random.default_rng(seed)
    real_sampler = real_sampler or (lambda n, rng: ring_of_gaussians(n, rng=rng))
    latent_dim = G[0].in_features
    opt_d = optim.Adam(D.parameters(), lr=lr, betas=betas)
    opt_g = optim.Adam(G.parameters(), lr=lr, betas=betas)
    ones, zeros = ag.ones(batch_size, 1), ag.zeros(batch_size, 1)
    history = {"d_loss": [], "g_loss": []}
    for step in range(steps):
        # D: real -> 1, fake -> 0 (the fakes are detached: this step changes D only)
        real = ag.tensor(real_sampler(batch_size, rng))
        fake = G(ag.randn(batch_size, latent_dim))
        d_loss = (F.binary_cross_entropy_with_logits(D(real), ones)
                  + F.binary_cross_entropy_with_logits(D(fake.detach()), zeros))
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        # G: make D call the fakes real (gradients flow through D into G; only G steps)
        g_loss = F.binary_cross_entropy_with_logits(D(fake), ones)
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()
        history["d_loss"].append(d_loss.item())
        history["g_loss"].append(g_loss.item())
        if callback is not None:
            callback(step, history["d_loss"][-1], history["g_loss"][-1])
    return history


def mode_coverage(samples, modes=8, radius=2.0, std=0.05, within=3.0, min_fraction=0.02):
    """Which modes the samples reach. Each sample is assigned to its nearest mode; it is
    "high quality" when it lies within ``within`` standard deviations of that mode.

    Returns a dict: ``fractions`` (modes,) the share of all samples that are high quality at each
    mode, ``high_quality`` the share of high-quality samples, and ``modes_covered`` the number of
    modes holding at least ``min_fraction`` of all samples as high-quality samples.
    """
    samples = np.asarray(samples)
    if samples.ndim != 2 or samples.shape[1] != 2:
        raise ValueError(f"mode_coverage: expected samples of shape (n, 2), got {samples.shape}")
    distances = np.linalg.norm(samples[:, None, :] - ring_centers(modes, radius)[None], axis=2)  # (n, modes)
    nearest, close = distances.argmin(1), distances.min(1) <= within * std
    fractions = np.bincount(nearest[close], minlength=modes) / len(samples)
    return {"fractions": fractions, "high_quality": float(close.mean()),
            "modes_covered": int((fractions >= min_fraction).sum())}
