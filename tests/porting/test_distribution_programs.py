"""Two programs written with torch.distributions as people write them, run from one source under
PyTorch and under this project (harness.py: the same draws, including torch.distributions'
torch.normal / torch.multinomial / torch.bernoulli, replayed): a variational autoencoder (the
encoder's mu and log-variance, Normal(mu, std).rsample(), a Bernoulli decoder, the KL to the prior
with kl_divergence, Adam), and REINFORCE on a made-up corridor (Categorical over a policy network's
softmax, m.sample() driving the environment, -log_prob * return plus an entropy bonus). Every value
left and every number printed agree."""
import pytest

from harness import assert_same, run_both

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch

VAE = '''
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Bernoulli, Independent, Normal, kl_divergence

torch.manual_seed(0)


class VAE(nn.Module):
    def __init__(self, d_in=12, d_hidden=16, d_latent=2):
        super().__init__()
        self.enc = nn.Linear(d_in, d_hidden)
        self.fc_mu = nn.Linear(d_hidden, d_latent)
        self.fc_logvar = nn.Linear(d_hidden, d_latent)
        self.dec1 = nn.Linear(d_latent, d_hidden)
        self.dec2 = nn.Linear(d_hidden, d_in)

    def encode(self, x):
        h = F.relu(self.enc(x))
        return self.fc_mu(h), self.fc_logvar(h)

    def decode(self, z):
        return self.dec2(F.relu(self.dec1(z)))  # the Bernoulli decoder's logits

    def forward(self, x):
        mu, logvar = self.encode(x)
        std = torch.exp(0.5 * logvar)
        q = Normal(mu, std)
        z = q.rsample()                       # reparameterized: gradients reach the encoder
        return self.decode(z), q


model = VAE()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
data = (torch.rand(32, 12) > 0.5).float()
prior = Normal(torch.zeros(2), torch.ones(2))

losses = []
for step in range(15):
    logits, q = model(data)
    recon = -Bernoulli(logits=logits).log_prob(data).sum()
    kl = kl_divergence(q, prior).sum()
    loss = (recon + kl) / data.shape[0]
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
    if step % 5 == 0:
        print(f"step {step}: loss {loss.item():.4f} (recon {recon.item():.3f}, kl {kl.item():.3f})")

with torch.no_grad():
    mu, logvar = model.encode(data[:4])
    posterior = Independent(Normal(mu, torch.exp(0.5 * logvar)), 1)
    log_q = posterior.log_prob(posterior.sample())   # one number per example
    z = prior.sample((4,))
    generated = Bernoulli(logits=model.decode(z)).sample()
    mean_image = torch.sigmoid(model.decode(prior.mean))
print("final loss", losses[-1])
'''

REINFORCE = '''
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.distributions import Categorical

torch.manual_seed(0)


class Corridor:
    """Five cells; start in the middle; the right end pays 1, the left end -1, each step -0.05."""

    def reset(self):
        self.pos = 2
        return self.state()

    def state(self):
        s = torch.zeros(5)
        s[self.pos] = 1.0
        return s

    def step(self, action):
        self.pos = max(0, min(4, self.pos + (1 if action == 1 else -1)))
        done = self.pos in (0, 4)
        reward = 1.0 if self.pos == 4 else (-1.0 if self.pos == 0 else -0.05)
        return self.state(), reward, done


class Policy(nn.Module):
    def __init__(self):
        super().__init__()
        self.affine1 = nn.Linear(5, 16)
        self.affine2 = nn.Linear(16, 2)

    def forward(self, x):
        return F.softmax(self.affine2(torch.tanh(self.affine1(x))), dim=-1)


policy = Policy()
optimizer = optim.Adam(policy.parameters(), lr=3e-2)
env = Corridor()
gamma = 0.9
episode_rewards = []
episode_lengths = []
for episode in range(25):
    state = env.reset()
    log_probs, entropies, rewards = [], [], []
    for t in range(20):
        probs = policy(state)
        m = Categorical(probs)
        action = m.sample()
        log_probs.append(m.log_prob(action))
        entropies.append(m.entropy())
        state, reward, done = env.step(action.item())
        rewards.append(reward)
        if done:
            break
    R = 0.0
    returns = []
    for r in reversed(rewards):
        R = r + gamma * R
        returns.insert(0, R)
    returns = torch.tensor(returns)
    returns = returns - returns.mean()
    loss = torch.stack([-lp * G for lp, G in zip(log_probs, returns)]).sum() - 0.01 * torch.stack(entropies).sum()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    episode_rewards.append(sum(rewards))
    episode_lengths.append(len(rewards))
    if episode % 5 == 0:
        print(f"episode {episode}: reward {sum(rewards):.2f}, length {len(rewards)}, loss {loss.item():.4f}")

batch = Categorical(logits=torch.randn(3, 4))     # a batch of policies, a batch of actions
actions = batch.sample((2,))
scores = batch.log_prob(actions)
'''


def test_a_variational_autoencoder_trains_as_with_pytorch():
    torch_run, our_run = run_both(VAE)
    assert_same(torch_run, our_run)
    assert our_run["losses"][-1] < our_run["losses"][0]


def test_reinforce_with_a_categorical_policy_runs_as_with_pytorch():
    torch_run, our_run = run_both(REINFORCE)
    assert_same(torch_run, our_run)
    assert len(our_run["episode_lengths"]) == 25 and our_run["actions"].shape == (2, 3)
