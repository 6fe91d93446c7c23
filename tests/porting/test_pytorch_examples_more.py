"""More programs from the pytorch/examples repository, as they are written there (datasets replaced by small
synthetic data, sizes cut, argparse's defaults written in; every change marked `# test:`):
- word_language_model: data.py's Dictionary and Corpus.tokenize on synthetic lines; model.py's RNNModel with LSTM,
  GRU and RNN_TANH (tied weights) and its TransformerModel with PositionalEncoding; main.py's batchify / get_batch /
  repackage_hidden training loop with clip_grad_norm_ and the manual SGD update `p.data.add_(p.grad, alpha=-lr)`,
  the learning rate annealed when the validation loss rises, the best model's state saved and loaded back, the
  test loss; generate.py's sampling with torch.multinomial, feeding the word back with `input.fill_(word_idx)`
  (RNNs) or torch.cat (Transformer), the words looked up with a 0-d tensor as the index.
- mnist_rnn: a batch_first LSTM's last step, BatchNorm1d, Dropout2d on a 2-D input, Adadelta with StepLR.
- reinforcement_learning/reinforce.py: a dropout policy, Categorical sampling, returns from a deque normalised.
- siamese_network: torchvision's resnet18 written out (widths cut) with its conv1 replaced and fc dropped,
  `children()[:-1]`, init by `apply`, BCELoss, `torch.where(outputs > 0.5, 1, 0)`, a Dataset drawing pairs with
  Python's random and `np.array(tensor, copy=None)`; in float64 (see its note).
- gcn: load_cora's sparse matrices (to_sparse, sparse_coo_tensor with repeated int32 indices, eye + sparse,
  sparse @ dense @ sparse), GraphConv's torch.mm / torch.spmm with a sparse factor, Adam with weight_decay.
- mnist_hogwild: its train.py and main.py, model.share_memory() and two torch.multiprocessing processes (fork,
  each joined before the next starts, so that the numbers are deterministic) that train the shared model with
  SGD; the parent tests the model they trained.
- language_translation: Translator on nn.Transformer with bool and float masks and padding masks, a pad_sequence
  collate, Adam with betas, greedy_decode.
Each runs with PyTorch and with this project under torch's names (harness.py): every value left and every
number and word printed agree (dropout's masks replayed, also those between a stacked RNN's layers)."""
import pytest

from harness import assert_same, key_bias_aside, run_both

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)

WORD_LANGUAGE_MODEL = r'''
# coding: utf-8
import math
import os
import tempfile
import time
import torch
import torch.nn as nn
import torch.nn.functional as F


# ---- data.py (its Dictionary; the corpus is synthetic words, not wikitext-2) ----
class Dictionary(object):
    def __init__(self):
        self.word2idx = {}
        self.idx2word = []

    def add_word(self, word):
        if word not in self.word2idx:
            self.idx2word.append(word)
            self.word2idx[word] = len(self.idx2word) - 1
        return self.word2idx[word]

    def __len__(self):
        return len(self.idx2word)


class Corpus(object):
    def __init__(self):  # test: three synthetic texts instead of reading train/valid/test.txt
        self.dictionary = Dictionary()
        self.train = self.tokenize(SYNTHETIC_TEXT[0])
        self.valid = self.tokenize(SYNTHETIC_TEXT[1])
        self.test = self.tokenize(SYNTHETIC_TEXT[2])

    def tokenize(self, lines):
        """Tokenizes a text file."""
        # Add words to the dictionary
        for line in lines:
            words = line.split() + ['<eos>']
            for word in words:
                self.dictionary.add_word(word)

        # Tokenize file content
        idss = []
        for line in lines:
            words = line.split() + ['<eos>']
            ids = []
            for word in words:
                ids.append(self.dictionary.word2idx[word])
            idss.append(torch.tensor(ids).type(torch.int64))
        ids = torch.cat(idss)

        return ids


# test: a text of 24 words drawn with Python's random (seeded alike for both runs), 3 files of short lines
import random
_VOCAB = ['w%d' % k for k in range(24)]
SYNTHETIC_TEXT = [[' '.join(random.choice(_VOCAB) for _ in range(random.randint(3, 9))) for _ in range(n)]
                  for n in (22, 8, 8)]


# ---- model.py ----
class RNNModel(nn.Module):
    """Container module with an encoder, a recurrent module, and a decoder."""

    def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.5, tie_weights=False):
        super(RNNModel, self).__init__()
        self.ntoken = ntoken
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        if rnn_type in ['LSTM', 'GRU']:
            self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=dropout)
        else:
            try:
                nonlinearity = {'RNN_TANH': 'tanh', 'RNN_RELU': 'relu'}[rnn_type]
            except KeyError as e:
                raise ValueError( """An invalid option for `--model` was supplied,
                                 options are ['LSTM', 'GRU', 'RNN_TANH' or 'RNN_RELU']""") from e
            self.rnn = nn.RNN(ninp, nhid, nlayers, nonlinearity=nonlinearity, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)

        # Optionally tie weights as in:
        # "Using the Output Embedding to Improve Language Models" (Press & Wolf 2016)
        if tie_weights:
            if nhid != ninp:
                raise ValueError('When using the tied flag, nhid must be equal to emsize')
            self.decoder.weight = self.encoder.weight

        self.init_weights()

        self.rnn_type = rnn_type
        self.nhid = nhid
        self.nlayers = nlayers

    def init_weights(self):
        initrange = 0.1
        nn.init.uniform_(self.encoder.weight, -initrange, initrange)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -initrange, initrange)

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output)
        decoded = decoded.view(-1, self.ntoken)
        return F.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        if self.rnn_type == 'LSTM':
            return (weight.new_zeros(self.nlayers, bsz, self.nhid),
                    weight.new_zeros(self.nlayers, bsz, self.nhid))
        else:
            return weight.new_zeros(self.nlayers, bsz, self.nhid)

# Temporarily leave PositionalEncoding module here. Will be moved somewhere else.
class PositionalEncoding(nn.Module):
    def __init__(self, d_model, dropout=0.1, max_len=5000):
        super(PositionalEncoding, self).__init__()
        self.dropout = nn.Dropout(p=dropout)

        pe = torch.zeros(max_len, d_model)
        position = torch.arange(0, max_len, dtype=torch.float).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term)
        pe = pe.unsqueeze(0).transpose(0, 1)
        self.register_buffer('pe', pe)

    def forward(self, x):
        x = x + self.pe[:x.size(0), :]
        return self.dropout(x)

class TransformerModel(nn.Transformer):
    """Container module with an encoder, a recurrent or transformer module, and a decoder."""

    def __init__(self, ntoken, ninp, nhead, nhid, nlayers, dropout=0.5):
        super(TransformerModel, self).__init__(d_model=ninp, nhead=nhead, dim_feedforward=nhid, num_encoder_layers=nlayers)
        self.model_type = 'Transformer'
        self.src_mask = None
        self.pos_encoder = PositionalEncoding(ninp, dropout)

        self.input_emb = nn.Embedding(ntoken, ninp)
        self.ninp = ninp
        self.decoder = nn.Linear(ninp, ntoken)

        self.init_weights()

    def _generate_square_subsequent_mask(self, sz):
        return torch.log(torch.tril(torch.ones(sz,sz)))

    def init_weights(self):
        initrange = 0.1
        nn.init.uniform_(self.input_emb.weight, -initrange, initrange)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -initrange, initrange)

    def forward(self, src, has_mask=True):
        if has_mask:
            device = src.device
            if self.src_mask is None or self.src_mask.size(0) != len(src):
                mask = self._generate_square_subsequent_mask(len(src)).to(device)
                self.src_mask = mask
        else:
            self.src_mask = None

        src = self.input_emb(src) * math.sqrt(self.ninp)
        src = self.pos_encoder(src)
        output = self.encoder(src, mask=self.src_mask)
        output = self.decoder(output)
        return F.log_softmax(output, dim=-1)


# ---- main.py ----
class Args:  # test: argparse's defaults written in, sizes cut (emsize/nhid 200, bptt 35, batch 20, 40 epochs)
    model, emsize, nhid, nlayers, lr, clip, epochs, batch_size, bptt = 'MODEL_TYPE', 16, 16, 2, LR, 0.25, 3, 4, 5
    dropout, tied, seed, log_interval, nhead, dry_run, use_optimizer = 0.2, TIED, 1111, 2, 2, False, False


args = Args()

# Set the random seed manually for reproducibility.
torch.manual_seed(args.seed)

device = torch.device("cpu")

print("Using device:", device)

corpus = Corpus()

def batchify(data, bsz):
    # Work out how cleanly we can divide the dataset into bsz parts.
    nbatch = data.size(0) // bsz
    # Trim off any extra elements that wouldn't cleanly fit (remainders).
    data = data.narrow(0, 0, nbatch * bsz)
    # Evenly divide the data across the bsz batches.
    data = data.view(bsz, -1).t().contiguous()
    return data.to(device)

eval_batch_size = 3  # test: 10
train_data = batchify(corpus.train, args.batch_size)
val_data = batchify(corpus.valid, eval_batch_size)
test_data = batchify(corpus.test, eval_batch_size)

ntokens = len(corpus.dictionary)
if args.model == 'Transformer':
    model = TransformerModel(ntokens, args.emsize, args.nhead, args.nhid, args.nlayers, args.dropout).to(device)
else:
    model = RNNModel(args.model, ntokens, args.emsize, args.nhid, args.nlayers, args.dropout, args.tied).to(device)

criterion = nn.NLLLoss()
if args.use_optimizer:
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr)


def repackage_hidden(h):
    """Wraps hidden states in new Tensors, to detach them from their history."""

    if isinstance(h, torch.Tensor):
        return h.detach()
    else:
        return tuple(repackage_hidden(v) for v in h)


def get_batch(source, i):
    seq_len = min(args.bptt, len(source) - 1 - i)
    data = source[i:i+seq_len]
    target = source[i+1:i+1+seq_len].view(-1)
    return data, target


def evaluate(data_source):
    # Turn on evaluation mode which disables dropout.
    model.eval()
    total_loss = 0.
    ntokens = len(corpus.dictionary)
    if args.model != 'Transformer':
        hidden = model.init_hidden(eval_batch_size)
    with torch.no_grad():
        for i in range(0, data_source.size(0) - 1, args.bptt):
            data, targets = get_batch(data_source, i)
            if args.model == 'Transformer':
                output = model(data)
                output = output.view(-1, ntokens)
            else:
                output, hidden = model(data, hidden)
                hidden = repackage_hidden(hidden)
            total_loss += len(data) * criterion(output, targets).item()
    return total_loss / (len(data_source) - 1)


def train():
    # Turn on training mode which enables dropout.
    model.train()
    total_loss = 0.
    start_time = time.time()
    ntokens = len(corpus.dictionary)
    if args.model != 'Transformer':
        hidden = model.init_hidden(args.batch_size)
    for batch, i in enumerate(range(0, train_data.size(0) - 1, args.bptt)):
        data, targets = get_batch(train_data, i)
        # Starting each batch, we detach the hidden state from how it was previously produced.
        # If we didn't, the model would try backpropagating all the way to start of the dataset.
        if args.use_optimizer:
            optimizer.zero_grad()
        else:
            model.zero_grad()
        if args.model == 'Transformer':
            output = model(data)
            output = output.view(-1, ntokens)
        else:
            hidden = repackage_hidden(hidden)
            output, hidden = model(data, hidden)
        loss = criterion(output, targets)
        loss.backward()

        # `clip_grad_norm` helps prevent the exploding gradient problem in RNNs / LSTMs.
        torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        if args.use_optimizer:
            optimizer.step()
        else:
            for p in model.parameters():
                p.data.add_(p.grad, alpha=-lr)

        total_loss += loss.item()

        if batch % args.log_interval == 0 and batch > 0:
            cur_loss = total_loss / args.log_interval
            elapsed = time.time() - start_time
            print('| epoch {:3d} | {:5d}/{:5d} batches | lr {:02.2f} | '  # test: ms/batch (a timing) not printed
                    'loss {:5.2f} | ppl {:8.2f}'.format(
                epoch, batch, len(train_data) // args.bptt, lr,
                cur_loss, math.exp(cur_loss)))
            total_loss = 0
            start_time = time.time()
        if args.dry_run:
            break


# Loop over epochs.
lr = args.lr
best_val_loss = None
val_losses = []  # test: the validation losses kept, to compare
checkpoint = os.path.join(tempfile.mkdtemp(), 'model.pt')  # test: args.save in a temporary folder

# At any point you can hit Ctrl + C to break out of training early.
try:
    for epoch in range(1, args.epochs+1):
        epoch_start_time = time.time()
        train()
        val_loss = evaluate(val_data)
        val_losses.append(val_loss)
        print('-' * 89)
        print('| end of epoch {:3d} | valid loss {:5.2f} | '  # test: the epoch's time not printed
                'valid ppl {:8.2f}'.format(epoch, val_loss, math.exp(val_loss)))
        print('-' * 89)
        # Save the model if the validation loss is the best we've seen so far.
        if not best_val_loss or val_loss < best_val_loss:
            with open(checkpoint, 'wb') as f:
                torch.save(model.state_dict(), f)  # test: the state dict (this project saves data, not pickled modules)
            best_val_loss = val_loss
        else:
            # Anneal the learning rate if no improvement has been seen in the validation dataset.
            lr /= 4.0
except KeyboardInterrupt:
    print('-' * 89)
    print('Exiting from training early')

# Load the best saved model.
with open(checkpoint, 'rb') as f:
    model.load_state_dict(torch.load(f))  # test: the state dict into the model (no safe_globals needed)
    # after load the rnn params are not a continuous chunk of memory
    # this makes them a continuous chunk, and will speed up forward pass
    # Currently, only rnn model supports flatten_parameters function.
    if args.model in ['RNN_TANH', 'RNN_RELU', 'LSTM', 'GRU']:
        model.rnn.flatten_parameters()
os.remove(checkpoint)  # test: the temporary file removed (its path differs from run to run)
del checkpoint

# Run on test data.
test_loss = evaluate(test_data)
print('=' * 89)
print('| End of training | test loss {:5.2f} | test ppl {:8.2f}'.format(
    test_loss, math.exp(test_loss)))
print('=' * 89)


# ---- generate.py (the model just trained instead of loading ./model.pt; words printed, not written to a file) ----
class GenArgs:  # test: argparse's defaults, 1000 words cut to 30, log interval 100 to 10
    words, seed, temperature, log_interval = 30, 1111, 1.0, 10


gen_args = GenArgs()
torch.manual_seed(gen_args.seed)
model.eval()

is_transformer_model = hasattr(model, 'model_type') and model.model_type == 'Transformer'
if not is_transformer_model:
    hidden = model.init_hidden(1)
input = torch.randint(ntokens, (1, 1), dtype=torch.long).to(device)

generated = []  # test: outf.write's text kept here
with torch.no_grad():  # no tracking history
    for i in range(gen_args.words):
        if is_transformer_model:
            output = model(input, False)
            word_weights = output[-1].squeeze().div(gen_args.temperature).exp().cpu()
            word_idx = torch.multinomial(word_weights, 1)[0]
            word_tensor = torch.Tensor([[word_idx]]).long().to(device)
            input = torch.cat([input, word_tensor], 0)
        else:
            output, hidden = model(input, hidden)
            word_weights = output.squeeze().div(gen_args.temperature).exp().cpu()
            word_idx = torch.multinomial(word_weights, 1)[0]
            input.fill_(word_idx)

        word = corpus.dictionary.idx2word[word_idx]

        generated.append(word + ('\n' if i % 20 == 19 else ' '))

        if i % gen_args.log_interval == 0:
            print('| Generated {}/{} words'.format(i, gen_args.words))
print(''.join(generated))
'''


MNIST_RNN = r'''
from __future__ import print_function

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.rnn = nn.LSTM(input_size=28, hidden_size=64, batch_first=True)
        self.batchnorm = nn.BatchNorm1d(64)
        self.dropout1 = nn.Dropout2d(0.25)
        self.dropout2 = nn.Dropout2d(0.5)
        self.fc1 = nn.Linear(64, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, input):
        # Shape of input is (batch_size,1, 28, 28)
        # converting shape of input to (batch_size, 28, 28)
        # as required by RNN when batch_first is set True
        input = input.reshape(-1, 28, 28)
        output, hidden = self.rnn(input)

        # RNN output shape is (seq_len, batch, input_size)
        # Get last output of RNN
        output = output[:, -1, :]
        output = self.batchnorm(output)
        output = self.dropout1(output)
        output = self.fc1(output)
        output = F.relu(output)
        output = self.dropout2(output)
        output = self.fc2(output)
        output = F.log_softmax(output, dim=1)
        return output


def train(args, model, device, train_loader, optimizer, epoch):
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        if batch_idx % args.log_interval == 0:
            print('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(
                epoch, batch_idx * len(data), len(train_loader.dataset),
                       100. * batch_idx / len(train_loader), loss.item()))
            if args.dry_run:
                break


def test(args, model, device, test_loader):
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction='sum').item()  # sum up batch loss
            pred = output.argmax(dim=1, keepdim=True)  # get the index of the max log-probability
            correct += pred.eq(target.view_as(pred)).sum().item()
            if args.dry_run:
                break

    test_loss /= len(test_loader.dataset)

    print('\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n'.format(
        test_loss, correct, len(test_loader.dataset),
        100. * correct / len(test_loader.dataset)))


# test: main()'s body at module level (its values compared), argparse's defaults written in, sizes cut
class Args:
    batch_size, test_batch_size, epochs, lr, gamma, accel, dry_run, seed, log_interval = 16, 32, 2, 0.1, 0.7, False, False, 1, 1


args = Args()
device = torch.device("cpu")

torch.manual_seed(args.seed)

# test: synthetic 28x28 images, normalised as transforms.Normalize((0.1307,), (0.3081,)), instead of MNIST
images = (torch.rand(80, 1, 28, 28) - 0.1307) / 0.3081
labels = torch.randint(0, 10, (80,))
kwargs = {'num_workers': 1, 'pin_memory': True} if args.accel else {}
train_loader = torch.utils.data.DataLoader(
    torch.utils.data.TensorDataset(images[:48], labels[:48]),
    batch_size=args.batch_size, shuffle=True, **kwargs)
test_loader = torch.utils.data.DataLoader(
    torch.utils.data.TensorDataset(images[48:], labels[48:]),
    batch_size=args.test_batch_size, shuffle=True, **kwargs)

model = Net().to(device)
optimizer = optim.Adadelta(model.parameters(), lr=args.lr)

scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
for epoch in range(1, args.epochs + 1):
    train(args, model, device, train_loader, optimizer, epoch)
    test(args, model, device, test_loader)
    scheduler.step()
'''


REINFORCE = r'''
import math
import numpy as np
from itertools import count
from collections import deque
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.distributions import Categorical


class CartPole:  # test: gym's CartPole-v1 dynamics written out (no gymnasium here), 60 steps at most
    """gym's CartPole-v1 dynamics, written out (no gym here): push left or right, +1 per step upright."""

    class spec:
        reward_threshold = 475.0

    def __init__(self):
        self.rng = np.random.RandomState(0)

    def reset(self, seed=None):
        if seed is not None:
            self.rng = np.random.RandomState(seed)
        self.state = self.rng.uniform(-0.05, 0.05, 4)
        self.steps = 0
        return np.array(self.state, dtype=np.float32), {}

    def step(self, action):
        x, x_dot, theta, theta_dot = self.state
        force = 10.0 if action == 1 else -10.0
        costheta, sintheta = math.cos(theta), math.sin(theta)
        temp = (force + 0.05 * theta_dot ** 2 * sintheta) / 1.1
        thetaacc = (9.8 * sintheta - costheta * temp) / (0.5 * (4.0 / 3.0 - 0.1 * costheta ** 2 / 1.1))
        xacc = temp - 0.05 * thetaacc * costheta / 1.1
        x, x_dot = x + 0.02 * x_dot, x_dot + 0.02 * xacc
        theta, theta_dot = theta + 0.02 * theta_dot, theta_dot + 0.02 * thetaacc
        self.state = (x, x_dot, theta, theta_dot)
        self.steps += 1
        terminated = bool(x < -2.4 or x > 2.4 or theta < -12 * 2 * math.pi / 360 or theta > 12 * 2 * math.pi / 360)
        return np.array(self.state, dtype=np.float32), 1.0, terminated, self.steps >= 60, {}


class Args:  # test: argparse's defaults written in, log interval 10 cut to 2
    gamma, seed, render, log_interval = 0.99, 543, False, 2


args = Args()


render_mode = "human" if args.render else None
env = CartPole()  # test: gym.make('CartPole-v1', render_mode=render_mode)
env.reset(seed=args.seed)
torch.manual_seed(args.seed)


class Policy(nn.Module):
    def __init__(self):
        super(Policy, self).__init__()
        self.affine1 = nn.Linear(4, 128)
        self.dropout = nn.Dropout(p=0.6)
        self.affine2 = nn.Linear(128, 2)

        self.saved_log_probs = []
        self.rewards = []

    def forward(self, x):
        x = self.affine1(x)
        x = self.dropout(x)
        x = F.relu(x)
        action_scores = self.affine2(x)
        return F.softmax(action_scores, dim=1)


policy = Policy()
optimizer = optim.Adam(policy.parameters(), lr=1e-2)
eps = np.finfo(np.float32).eps.item()


def select_action(state):
    state = torch.from_numpy(state).float().unsqueeze(0)
    probs = policy(state)
    m = Categorical(probs)
    action = m.sample()
    policy.saved_log_probs.append(m.log_prob(action))
    return action.item()


def finish_episode():
    R = 0
    policy_loss = []
    returns = deque()
    for r in policy.rewards[::-1]:
        R = r + args.gamma * R
        returns.appendleft(R)
    returns = torch.tensor(returns)
    returns = (returns - returns.mean()) / (returns.std() + eps)
    for log_prob, R in zip(policy.saved_log_probs, returns):
        policy_loss.append(-log_prob * R)
    optimizer.zero_grad()
    policy_loss = torch.cat(policy_loss).sum()
    policy_loss.backward()
    optimizer.step()
    del policy.rewards[:]
    del policy.saved_log_probs[:]


episode_rewards = []  # test: each episode's reward kept, to compare


def main():
    running_reward = 10
    for i_episode in count(1):
        state, _ = env.reset()
        ep_reward = 0
        for t in range(1, 10000):  # Don't infinite loop while learning
            action = select_action(state)
            state, reward, terminated, truncated, _ = env.step(action)
            if args.render:
                env.render()
            policy.rewards.append(reward)
            ep_reward += reward
            if terminated or truncated:
                break

        running_reward = 0.05 * ep_reward + (1 - 0.05) * running_reward
        episode_rewards.append(ep_reward)
        finish_episode()
        if i_episode % args.log_interval == 0:
            print(f'Episode {i_episode}\tLast reward: {ep_reward:.2f}\tAverage reward: {running_reward:.2f}')
        if running_reward > env.spec.reward_threshold:
            print(f"Solved! Running reward is now {running_reward} and the last episode runs to {t} time steps!")
            break
        if i_episode == 16:  # test: 16 episodes
            break


if __name__ == '__main__':
    main()
'''


# siamese_network runs in float64: in float32 the two libraries' roundings (1e-7) take different paths within
# three steps (losses 1e-5 apart at the second step, weights 1e-2 apart after two epochs): Adadelta's first steps
# are about sign(grad) * 3e-3 whatever the gradient's size, on raw 0..255 pixels through BatchNorm over batches of
# 8. In float64 every value agrees to 3e-12 (compared at rtol 1e-9).
SIAMESE_NETWORK = r'''
from __future__ import print_function
import random, copy
import numpy as np

import torch
torch.set_default_dtype(torch.float64)  # test: float64 (see SIAMESE_NETWORK's note)
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import Dataset
from torch.optim.lr_scheduler import StepLR


# test: torchvision.models.resnet18 written out (torchvision is not installed here), as torchvision builds and
# initialises it, its widths cut from 64/128/256/512 to 8/16/32/64
class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x
        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)
        out = self.conv2(out)
        out = self.bn2(out)
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        out = self.relu(out)
        return out


class ResNet(nn.Module):
    def __init__(self, block, layers, num_classes=1000, widths=(8, 16, 32, 64)):
        super().__init__()
        self.inplanes = widths[0]
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, widths[0], layers[0])
        self.layer2 = self._make_layer(block, widths[1], layers[1], stride=2)
        self.layer3 = self._make_layer(block, widths[2], layers[2], stride=2)
        self.layer4 = self._make_layer(block, widths[3], layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(widths[3] * block.expansion, num_classes)

        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def _make_layer(self, block, planes, blocks, stride=1):
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes * block.expansion, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(planes * block.expansion),
            )
        layers = [block(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(x)


def resnet18(weights=None):
    return ResNet(BasicBlock, [2, 2, 2, 2])


class SiameseNetwork(nn.Module):
    """
        Siamese network for image similarity estimation.
        The network is composed of two identical networks, one for each input.
        The output of each network is concatenated and passed to a linear layer.
        The output of the linear layer passed through a sigmoid function.
    """
    def __init__(self):
        super(SiameseNetwork, self).__init__()
        # get resnet model
        self.resnet = resnet18(weights=None)  # test: torchvision.models.resnet18, written out above

        # over-write the first conv layer to be able to read MNIST images
        # as resnet18 reads (3,x,x) where 3 is RGB channels
        # whereas MNIST has (1,x,x) where 1 is a gray-scale channel
        self.resnet.conv1 = nn.Conv2d(1, 8, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3), bias=False)  # test: 64
        self.fc_in_features = self.resnet.fc.in_features

        # remove the last layer of resnet18 (linear layer which is before avgpool layer)
        self.resnet = torch.nn.Sequential(*(list(self.resnet.children())[:-1]))

        # add linear layers to compare between the features of the two images
        self.fc = nn.Sequential(
            nn.Linear(self.fc_in_features * 2, 256),
            nn.ReLU(inplace=True),
            nn.Linear(256, 1),
        )

        self.sigmoid = nn.Sigmoid()

        # initialize the weights
        self.resnet.apply(self.init_weights)
        self.fc.apply(self.init_weights)

    def init_weights(self, m):
        if isinstance(m, nn.Linear):
            torch.nn.init.xavier_uniform_(m.weight)
            m.bias.data.fill_(0.01)

    def forward_once(self, x):
        output = self.resnet(x)
        output = output.view(output.size()[0], -1)
        return output

    def forward(self, input1, input2):
        # get two images' features
        output1 = self.forward_once(input1)
        output2 = self.forward_once(input2)

        # concatenate both images' features
        output = torch.cat((output1, output2), 1)

        # pass the concatenation to the linear layers
        output = self.fc(output)

        # pass the out of the linear layers to sigmoid layer
        output = self.sigmoid(output)

        return output


class FakeMNIST:  # test: datasets.MNIST's .data (uint8 N x 28 x 28) and .targets, synthetic
    def __init__(self, root, train, download=False):
        n = 40 if train else 20
        self.data = (torch.rand(n, 28, 28) * 255).to(torch.uint8)
        self.targets = torch.arange(n) % 10


class APP_MATCHER(Dataset):
    def __init__(self, root, train, download=False):
        super(APP_MATCHER, self).__init__()

        # get MNIST dataset
        self.dataset = FakeMNIST(root, train=train, download=download)  # test: datasets.MNIST

        self.data = self.dataset.data.unsqueeze(1).clone()

        self.group_examples()

    def group_examples(self):
        # get the targets from MNIST dataset
        np_arr = np.array(self.dataset.targets.clone(), dtype=None, copy=None)

        # group examples based on class
        self.grouped_examples = {}
        for i in range(0,10):
            self.grouped_examples[i] = np.where((np_arr==i))[0]

    def __len__(self):
        return self.data.shape[0]

    def __getitem__(self, index):
        # pick some random class for the first image
        selected_class = random.randint(0, 9)

        # pick a random index for the first image in the grouped indices based of the label
        # of the class
        random_index_1 = random.randint(0, self.grouped_examples[selected_class].shape[0]-1)

        # pick the index to get the first image
        index_1 = self.grouped_examples[selected_class][random_index_1]

        # get the first image
        image_1 = self.data[index_1].clone().double()  # test: .float()

        # same class
        if index % 2 == 0:
            # pick a random index for the second image
            random_index_2 = random.randint(0, self.grouped_examples[selected_class].shape[0]-1)

            # ensure that the index of the second image isn't the same as the first image
            while random_index_2 == random_index_1:
                random_index_2 = random.randint(0, self.grouped_examples[selected_class].shape[0]-1)

            # pick the index to get the second image
            index_2 = self.grouped_examples[selected_class][random_index_2]

            # get the second image
            image_2 = self.data[index_2].clone().double()  # test: .float()

            # set the label for this example to be positive (1)
            target = torch.tensor(1, dtype=torch.double)  # test: torch.float

        # different class
        else:
            # pick a random class
            other_selected_class = random.randint(0, 9)

            # ensure that the class of the second image isn't the same as the first image
            while other_selected_class == selected_class:
                other_selected_class = random.randint(0, 9)

            # pick a random index for the second image in the grouped indices based of the label
            # of the class
            random_index_2 = random.randint(0, self.grouped_examples[other_selected_class].shape[0]-1)

            # pick the index to get the second image
            index_2 = self.grouped_examples[other_selected_class][random_index_2]

            # get the second image
            image_2 = self.data[index_2].clone().double()  # test: .float()

            # set the label for this example to be negative (0)
            target = torch.tensor(0, dtype=torch.double)  # test: torch.float

        return image_1, image_2, target


def train(args, model, device, train_loader, optimizer, epoch):
    model.train()

    # we aren't using `TripletLoss` as the MNIST dataset is simple, so `BCELoss` can do the trick.
    criterion = nn.BCELoss()

    for batch_idx, (images_1, images_2, targets) in enumerate(train_loader):
        images_1, images_2, targets = images_1.to(device), images_2.to(device), targets.to(device)
        optimizer.zero_grad()
        outputs = model(images_1, images_2).squeeze()
        loss = criterion(outputs, targets)
        loss.backward()
        optimizer.step()
        if batch_idx % args.log_interval == 0:
            print('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(
                epoch, batch_idx * len(images_1), len(train_loader.dataset),
                100. * batch_idx / len(train_loader), loss.item()))
            if args.dry_run:
                break


def test(model, device, test_loader):
    model.eval()
    test_loss = 0
    correct = 0

    # we aren't using `TripletLoss` as the MNIST dataset is simple, so `BCELoss` can do the trick.
    criterion = nn.BCELoss()

    with torch.no_grad():
        for (images_1, images_2, targets) in test_loader:
            images_1, images_2, targets = images_1.to(device), images_2.to(device), targets.to(device)
            outputs = model(images_1, images_2).squeeze()
            test_loss += criterion(outputs, targets).sum().item()  # sum up batch loss
            pred = torch.where(outputs > 0.5, 1, 0)  # get the index of the max log-probability
            correct += pred.eq(targets.view_as(pred)).sum().item()

    test_loss /= len(test_loader.dataset)

    print('\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n'.format(
        test_loss, correct, len(test_loader.dataset),
        100. * correct / len(test_loader.dataset)))


# test: main()'s body at module level (its values compared), argparse's defaults written in, sizes cut
class Args:
    batch_size, test_batch_size, epochs, lr, gamma, no_accel, dry_run, seed, log_interval = 8, 10, 2, 1.0, 0.7, True, False, 1, 2


args = Args()

use_accel = not args.no_accel and torch.accelerator.is_available()

torch.manual_seed(args.seed)

device = torch.device("cpu")

print(f"Using device: {device}")

train_kwargs = {'batch_size': args.batch_size}
test_kwargs = {'batch_size': args.test_batch_size}

train_dataset = APP_MATCHER('../data', train=True, download=True)
test_dataset = APP_MATCHER('../data', train=False)
train_loader = torch.utils.data.DataLoader(train_dataset,**train_kwargs)
test_loader = torch.utils.data.DataLoader(test_dataset, **test_kwargs)

model = SiameseNetwork().to(device)
optimizer = optim.Adadelta(model.parameters(), lr=args.lr)

scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
for epoch in range(1, args.epochs + 1):
    train(args, model, device, train_loader, optimizer, epoch)
    test(model, device, test_loader)
    scheduler.step()
'''


GCN = r'''
import os
import time
import numpy as np

import torch
from torch import nn
import torch.nn.functional as F
from torch.optim import Adam


def synthetic_cora(num_nodes=60, num_features=20, num_edges=120):  # test: a small graph instead of cora.tgz
    """cora.content's rows (paper id, 0/1 word features, class name) and cora.cites' (cited id, citing id)."""
    rng = np.random.RandomState(0)
    ids = rng.choice(np.arange(1000, 100000), num_nodes, replace=False)
    words = (rng.rand(num_nodes, num_features) < 0.2).astype(np.int32)
    classes = np.array(['Neural_Networks', 'Theory', 'Rule_Learning'])[rng.randint(0, 3, num_nodes)]
    content = np.column_stack([ids.astype(str), words.astype(str), classes])
    cites = ids[rng.randint(0, num_nodes, (num_edges, 2))].astype(np.int32)
    return content, cites


class GraphConv(nn.Module):
    """
        Graph Convolutional Layer described in "Semi-Supervised Classification with Graph Convolutional Networks".

        Given an input feature representation for each node in a graph, the Graph Convolutional Layer aims to aggregate
        information from the node's neighborhood to update its own representation. This is achieved by applying a graph
        convolutional operation that combines the features of a node with the features of its neighboring nodes.

        Mathematically, the Graph Convolutional Layer can be described as follows:

            H' = f(D^(-1/2) * A * D^(-1/2) * H * W)

        where:
            H: Input feature matrix with shape (N, F_in), where N is the number of nodes and F_in is the number of 
                input features per node.
            A: Adjacency matrix of the graph with shape (N, N), representing the relationships between nodes.
            W: Learnable weight matrix with shape (F_in, F_out), where F_out is the number of output features per node.
            D: The degree matrix.
    """
    def __init__(self, input_dim, output_dim, use_bias=False):
        super(GraphConv, self).__init__()

        # Initialize the weight matrix W (in this case called `kernel`)
        self.kernel = nn.Parameter(torch.Tensor(input_dim, output_dim))
        nn.init.xavier_normal_(self.kernel) # Initialize the weights using Xavier initialization

        # Initialize the bias (if use_bias is True)
        self.bias = None
        if use_bias:
            self.bias = nn.Parameter(torch.Tensor(output_dim))
            nn.init.zeros_(self.bias) # Initialize the bias to zeros

    def forward(self, input_tensor, adj_mat):
        """
        Performs a graph convolution operation.

        Args:
            input_tensor (torch.Tensor): Input tensor representing node features.
            adj_mat (torch.Tensor): Normalized adjacency matrix representing graph structure.

        Returns:
            torch.Tensor: Output tensor after the graph convolution operation.
        """

        support = torch.mm(input_tensor, self.kernel) # Matrix multiplication between input and weight matrix
        output = torch.spmm(adj_mat, support) # Sparse matrix multiplication between adjacency matrix and support
        # Add the bias (if bias is not None)
        if self.bias is not None:
            output = output + self.bias

        return output


class GCN(nn.Module):
    """
    Graph Convolutional Network (GCN) as described in the paper `"Semi-Supervised Classification with Graph 
    Convolutional Networks" <https://arxiv.org/pdf/1609.02907.pdf>`.

    The Graph Convolutional Network is a deep learning architecture designed for semi-supervised node 
    classification tasks on graph-structured data. It leverages the graph structure to learn node representations 
    by propagating information through the graph using graph convolutional layers.

    The original implementation consists of two stacked graph convolutional layers. The ReLU activation function is 
    applied to the hidden representations, and the Softmax activation function is applied to the output representations.
    """
    def __init__(self, input_dim, hidden_dim, output_dim, use_bias=True, dropout_p=0.1):
        super(GCN, self).__init__()

        # Define the Graph Convolution layers
        self.gc1 = GraphConv(input_dim, hidden_dim, use_bias=use_bias)
        self.gc2 = GraphConv(hidden_dim, output_dim, use_bias=use_bias)

        # Define the dropout layer
        self.dropout = nn.Dropout(dropout_p)

    def forward(self, input_tensor, adj_mat):
        """
        Performs forward pass of the Graph Convolutional Network (GCN).

        Args:
            input_tensor (torch.Tensor): Input node feature matrix with shape (N, input_dim), where N is the number of nodes
                and input_dim is the number of input features per node.
            adj_mat (torch.Tensor): Normalized adjacency matrix of the graph with shape (N, N), representing the relationships between
                nodes.

        Returns:
            torch.Tensor: Output tensor with shape (N, output_dim), representing the predicted class probabilities for each node.
        """

        # Perform the first graph convolutional layer
        x = self.gc1(input_tensor, adj_mat)
        x = F.relu(x) # Apply ReLU activation function
        x = self.dropout(x) # Apply dropout regularization

        # Perform the second graph convolutional layer
        x = self.gc2(x, adj_mat)

        # Apply log-softmax activation function for classification
        return F.log_softmax(x, dim=1)


def load_cora(path='./cora', device='cpu'):
    """
    The graph convolutional operation rquires the normalized adjacency matrix: D^(-1/2) * A * D^(-1/2). This step 
    scales the adjacency matrix such that the features of neighboring nodes are weighted appropriately during 
    aggregation. The steps involved in the renormalization trick are as follows:
        - Compute the degree matrix.
        - Compute the inverse square root of the degree matrix.
        - Multiply the inverse square root of the degree matrix with the adjacency matrix.
    """

    # Set the paths to the data files
    content_path = os.path.join(path, 'cora.content')
    cites_path = os.path.join(path, 'cora.cites')

    # Load data from files
    content_tensor, cites_tensor = synthetic_cora()  # test: instead of np.genfromtxt on the two files

    # Process features
    features = torch.FloatTensor(content_tensor[:, 1:-1].astype(np.int32)) # Extract feature values
    scale_vector = torch.sum(features, dim=1) # Compute sum of features for each node
    scale_vector = 1 / scale_vector # Compute reciprocal of the sums
    scale_vector[scale_vector == float('inf')] = 0 # Handle division by zero cases
    scale_vector = torch.diag(scale_vector).to_sparse() # Convert the scale vector to a sparse diagonal matrix
    features = scale_vector @ features # Scale the features using the scale vector

    # Process labels
    classes, labels = np.unique(content_tensor[:, -1], return_inverse=True) # Extract unique classes and map labels to indices
    labels = torch.LongTensor(labels) # Convert labels to a tensor

    # Process adjacency matrix
    idx = content_tensor[:, 0].astype(np.int32) # Extract node indices
    idx_map = {id: pos for pos, id in enumerate(idx)} # Create a dictionary to map indices to positions

    # Map node indices to positions in the adjacency matrix
    edges = np.array(
        list(map(lambda edge: [idx_map[edge[0]], idx_map[edge[1]]], 
            cites_tensor)), dtype=np.int32)

    V = len(idx) # Number of nodes
    E = edges.shape[0] # Number of edges
    adj_mat = torch.sparse_coo_tensor(edges.T, torch.ones(E), (V, V), dtype=torch.int64) # Create the initial adjacency matrix as a sparse tensor
    adj_mat = torch.eye(V) + adj_mat # Add self-loops to the adjacency matrix

    degree_mat = torch.sum(adj_mat, dim=1) # Compute the sum of each row in the adjacency matrix (degree matrix)
    degree_mat = torch.sqrt(1 / degree_mat) # Compute the reciprocal square root of the degrees
    degree_mat[degree_mat == float('inf')] = 0 # Handle division by zero cases
    degree_mat = torch.diag(degree_mat).to_sparse() # Convert the degree matrix to a sparse diagonal matrix

    adj_mat = degree_mat @ adj_mat @ degree_mat # Apply the renormalization trick

    return features.to_sparse().to(device), labels.to(device), adj_mat.to_sparse().to(device)

def train_iter(epoch, model, optimizer, criterion, input, target, mask_train, mask_val, print_every=10):
    start_t = time.time()
    model.train()
    optimizer.zero_grad()

    # Forward pass
    output = model(*input) 
    loss = criterion(output[mask_train], target[mask_train]) # Compute the loss using the training mask

    loss.backward()
    optimizer.step()

    # Evaluate the model performance on training and validation sets
    loss_train, acc_train = test(model, criterion, input, target, mask_train)
    loss_val, acc_val = test(model, criterion, input, target, mask_val)

    if epoch % print_every == 0:
        # Print the training progress at specified intervals
        # test: the epoch's time not printed
        print(f'Epoch: {epoch:04d} loss_train: {loss_train:.4f} acc_train: {acc_train:.4f} loss_val: {loss_val:.4f} acc_val: {acc_val:.4f}')


def test(model, criterion, input, target, mask):
    model.eval()

def test(model, criterion, input, target, mask):
    model.eval()
    with torch.no_grad():
        output = model(*input)
        output, target = output[mask], target[mask]

        loss = criterion(output, target)
        acc = (output.argmax(dim=1) == target).float().sum() / len(target)
    return loss.item(), acc.item()


# test: the __main__ block at module level, argparse's defaults written in (200 epochs cut to 40, val-every 20
# to 10), no download; the split 1000/500/rest cut to 20/10/rest
class Args:
    epochs, lr, l2, dropout_p, hidden_dim, val_every, include_bias, no_accel, dry_run, seed = 40, 0.01, 5e-4, 0.5, 16, 10, False, True, False, 42


args = Args()

use_accel = not args.no_accel and torch.accelerator.is_available()

torch.manual_seed(args.seed)

device = torch.device('cpu')

print(f'Using {device} device')

print('Loading dataset...')
features, labels, adj_mat = load_cora(device=device)
idx = torch.randperm(len(labels)).to(device)
idx_test, idx_val, idx_train = idx[:20], idx[20:30], idx[30:]

gcn = GCN(features.shape[1], args.hidden_dim, labels.max().item() + 1, args.include_bias, args.dropout_p).to(device)
optimizer = Adam(gcn.parameters(), lr=args.lr, weight_decay=args.l2)
criterion = nn.NLLLoss()

for epoch in range(args.epochs):
    train_iter(epoch + 1, gcn, optimizer, criterion, (features, adj_mat), labels, idx_train, idx_val, args.val_every)
    if args.dry_run:
        break

loss_test, acc_test = test(gcn, criterion, (features, adj_mat), labels, idx_test)
print(f'Test set results: loss {loss_test:.4f} accuracy {acc_test:.4f}')
features, adj_mat = features.to_dense(), adj_mat.to_dense()  # test: the sparse tensors compared dense
'''


MNIST_HOGWILD = r'''
from __future__ import print_function
import os
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
import torch.multiprocessing as mp


# ---- train.py ----
def train(rank, args, model, device, dataset, dataloader_kwargs):
    torch.manual_seed(args.seed + rank)

    train_loader = torch.utils.data.DataLoader(dataset, **dataloader_kwargs)

    optimizer = optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    for epoch in range(1, args.epochs + 1):
        train_epoch(epoch, args, model, device, train_loader, optimizer)


def test(args, model, device, dataset, dataloader_kwargs):
    torch.manual_seed(args.seed)

    test_loader = torch.utils.data.DataLoader(dataset, **dataloader_kwargs)

    test_epoch(model, device, test_loader)


def train_epoch(epoch, args, model, device, data_loader, optimizer):
    model.train()
    pid = os.getpid()
    for batch_idx, (data, target) in enumerate(data_loader):
        optimizer.zero_grad()
        output = model(data.to(device))
        loss = F.nll_loss(output, target.to(device))
        loss.backward()
        optimizer.step()
        if batch_idx % args.log_interval == 0:
            print('{}\tTrain Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(
                pid, epoch, batch_idx * len(data), len(data_loader.dataset),
                100. * batch_idx / len(data_loader), loss.item()))
            if args.dry_run:
                break


def test_epoch(model, device, data_loader):
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in data_loader:
            output = model(data.to(device))
            test_loss += F.nll_loss(output, target.to(device), reduction='sum').item() # sum up batch loss
            pred = output.max(1)[1] # get the index of the max log-probability
            correct += pred.eq(target.to(device)).sum().item()

    test_loss /= len(data_loader.dataset)
    print('\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n'.format(
        test_loss, correct, len(data_loader.dataset),
        100. * correct / len(data_loader.dataset)))


# ---- main.py ----
class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.conv2_drop = nn.Dropout2d()
        self.fc1 = nn.Linear(320, 50)
        self.fc2 = nn.Linear(50, 10)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
        x = x.view(-1, 320)
        x = F.relu(self.fc1(x))
        x = F.dropout(x, training=self.training)
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


# test: the __main__ block at module level, argparse's defaults written in (sizes cut), synthetic images
class Args:
    batch_size, test_batch_size, epochs, lr, momentum, seed, log_interval, num_processes = 16, 32, 1, 0.01, 0.5, 1, 1, 2
    cuda, mps, save_model, dry_run = False, False, False, False


args = Args()
device = torch.device("cpu")

images = (torch.rand(64, 1, 28, 28) - 0.1307) / 0.3081
labels = torch.randint(0, 10, (64,))
dataset1 = torch.utils.data.TensorDataset(images[:48], labels[:48])
dataset2 = torch.utils.data.TensorDataset(images[48:], labels[48:])
kwargs = {'batch_size': args.batch_size,
          'shuffle': True}

torch.manual_seed(args.seed)
mp.set_start_method('fork', force=True)  # test: fork, not spawn (which would import this program by name)

model = Net().to(device)
model.share_memory() # gradients are allocated lazily, so they are not shared here

processes = []
for rank in range(args.num_processes):
    p = mp.Process(target=train, args=(rank, args, model, device,
                                       dataset1, kwargs))
    p.start()
    p.join(60)  # test: each process joined before the next starts (deterministic numbers), with a timeout
    assert p.exitcode == 0, f"process {rank} ended with exit code {p.exitcode}"  # test:
    processes.append(p)
for p in processes:
    p.join()
exit_codes = [p.exitcode for p in processes]  # test: kept to compare

# Once training is complete, we can test the model
test(args, model, device, dataset2, kwargs)
'''


LANGUAGE_TRANSLATION = r'''
import math
import random
import torch
from torch.nn import functional as F
from torch import nn
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader


# ---- src/model.py ----
class PositionalEncoding(nn.Module):
    def __init__(
        self,
        emb_size,
        dropout,
        maxlen=5000
    ):
        super(PositionalEncoding, self).__init__()
        den = torch.exp(- torch.arange(0, emb_size, 2)* math.log(10000) / emb_size)
        pos = torch.arange(0, maxlen).reshape(maxlen, 1)
        pos_embedding = torch.zeros((maxlen, emb_size))
        pos_embedding[:, 0::2] = torch.sin(pos * den)
        pos_embedding[:, 1::2] = torch.cos(pos * den)
        pos_embedding = pos_embedding.unsqueeze(-2)

        self.dropout = nn.Dropout(dropout)
        self.register_buffer('pos_embedding', pos_embedding)

    def forward(self, token_embedding):
        return self.dropout(token_embedding + self.pos_embedding[:token_embedding.size(0), :])

class Translator(nn.Module):
    def __init__(
            self,
            num_encoder_layers,
            num_decoder_layers,
            embed_size,
            num_heads,
            src_vocab_size,
            tgt_vocab_size,
            dim_feedforward,
            dropout
        ):
        super(Translator, self).__init__()

        # Output of embedding must be equal (embed_size)
        self.src_embedding = nn.Embedding(src_vocab_size, embed_size)
        self.tgt_embedding = nn.Embedding(tgt_vocab_size, embed_size)

        self.pos_enc = PositionalEncoding(embed_size, dropout)

        self.transformer = nn.Transformer(
            d_model=embed_size,
            nhead=num_heads,
            num_encoder_layers=num_encoder_layers,
            num_decoder_layers=num_decoder_layers,
            dim_feedforward=dim_feedforward,
            dropout=dropout
        )

        self.ff = nn.Linear(embed_size, tgt_vocab_size)

        self._init_weights()

    def _init_weights(self):
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)

    def forward(self, src, trg, src_mask, tgt_mask, src_padding_mask, tgt_padding_mask, memory_key_padding_mask):

        src_emb = self.pos_enc(self.src_embedding(src))
        tgt_emb = self.pos_enc(self.tgt_embedding(trg))

        outs = self.transformer(
            src_emb,
            tgt_emb,
            src_mask,
            tgt_mask,
            None,
            src_padding_mask,
            tgt_padding_mask,
            memory_key_padding_mask
        )

        return self.ff(outs)

    def encode(self, src, src_mask):

        embed = self.src_embedding(src)

        pos_enc = self.pos_enc(embed)

        return self.transformer.encoder(pos_enc, src_mask)

    def decode(self, tgt, memory, tgt_mask):

        embed = self.tgt_embedding(tgt)

        pos_enc = self.pos_enc(embed)

        return self.transformer.decoder(pos_enc, memory, tgt_mask)


# ---- src/data.py ----
class Vocab:  # test: torchtext's build_vocab_from_iterator's Vocab, as the program uses it
    def __init__(self, token_lists, specials):
        self.itos = list(specials)
        for tokens in token_lists:
            for token in tokens:
                if token not in self.itos:
                    self.itos.append(token)
        self.stoi = {token: i for i, token in enumerate(self.itos)}
        self.default = None

    def set_default_index(self, index):
        self.default = index

    def __call__(self, tokens):
        return [self.stoi.get(token, self.default) for token in tokens]

    def __len__(self):
        return len(self.itos)

    def lookup_tokens(self, indices):
        return [self.itos[int(i)] for i in indices]


# test: synthetic "de -> en" pairs instead of Multi30k: the English is the German reversed, each word mapped
random.seed(0)
_DE = ['ein', 'mann', 'hund', 'rennt', 'im', 'park', 'eine', 'frau', 'spielt', 'ball']
_EN = dict(zip(_DE, ['a', 'man', 'dog', 'runs', 'in', 'park', 'an', 'woman', 'plays', 'ball']))
def _pair():
    words = [random.choice(_DE) for _ in range(random.randint(2, 6))]
    return ' '.join(words) + '\n', ' '.join(_EN[w] for w in reversed(words)) + '\n'
TRAIN_PAIRS = [_pair() for _ in range(24)]
VALID_PAIRS = [_pair() for _ in range(8)]


def get_data(opts):

    src_lang = opts.src
    tgt_lang = opts.tgt

    # Define a token "unkown", "padding", "beginning of sentence", and "end of sentence"
    special_symbols = {
        "<unk>":0,
        "<pad>":1,
        "<bos>":2,
        "<eos>":3
    }

    train_iterator = TRAIN_PAIRS  # test: Multi30k(split="train", language_pair=(src_lang, tgt_lang))
    valid_iterator = VALID_PAIRS  # test: Multi30k(split="valid", ...)

    src_tokenizer = str.split  # test: get_tokenizer("spacy", src_lang)
    tgt_tokenizer = str.split  # test: get_tokenizer("spacy", tgt_lang)

    # Build a vocabulary object for these languages
    src_vocab = Vocab((src_tokenizer(s) for s, _ in train_iterator), special_symbols.keys())  # test: build_vocab_from_iterator
    tgt_vocab = Vocab((tgt_tokenizer(t) for _, t in train_iterator), special_symbols.keys())  # test: build_vocab_from_iterator

    src_vocab.set_default_index(special_symbols["<unk>"])
    tgt_vocab.set_default_index(special_symbols["<unk>"])

    # Helper function to sequentially apply transformations
    def _seq_transform(*transforms):
        def func(txt_input):
            for transform in transforms:
                txt_input = transform(txt_input)
            return txt_input
        return func

    # Function to add BOS/EOS and create tensor for input sequence indices
    def _tensor_transform(token_ids):
        return torch.cat(
            (torch.tensor([special_symbols["<bos>"]]),
             torch.tensor(token_ids),
             torch.tensor([special_symbols["<eos>"]]))
        )

    src_lang_transform = _seq_transform(src_tokenizer, src_vocab, _tensor_transform)
    tgt_lang_transform = _seq_transform(tgt_tokenizer, tgt_vocab, _tensor_transform)

    def _collate_fn(batch):
        src_batch, tgt_batch = [], []
        for src_sample, tgt_sample in batch:
            src_batch.append(src_lang_transform(src_sample.rstrip("\n")))
            tgt_batch.append(tgt_lang_transform(tgt_sample.rstrip("\n")))

        src_batch = pad_sequence(src_batch, padding_value=special_symbols["<pad>"])
        tgt_batch = pad_sequence(tgt_batch, padding_value=special_symbols["<pad>"])
        return src_batch, tgt_batch

    # Create the dataloader
    train_dataloader = DataLoader(train_iterator, batch_size=opts.batch, collate_fn=_collate_fn)
    valid_dataloader = DataLoader(valid_iterator, batch_size=opts.batch, collate_fn=_collate_fn)

    return train_dataloader, valid_dataloader, src_vocab, tgt_vocab, src_lang_transform, tgt_lang_transform, special_symbols

def generate_square_subsequent_mask(size, device):
    mask = (torch.triu(torch.ones((size, size), device=device)) == 1).transpose(0, 1)
    mask = mask.float().masked_fill(mask == 0, float('-inf')).masked_fill(mask == 1, float(0.0))
    return mask

# Create masks for input into model
def create_mask(src, tgt, pad_idx, device):

    # Get sequence length
    src_seq_len = src.shape[0]
    tgt_seq_len = tgt.shape[0]

    # Generate the mask
    tgt_mask = generate_square_subsequent_mask(tgt_seq_len, device)
    src_mask = torch.zeros((src_seq_len, src_seq_len),device=device).type(torch.bool)

    # Overlay the mask over the original input
    src_padding_mask = (src == pad_idx).transpose(0, 1)
    tgt_padding_mask = (tgt == pad_idx).transpose(0, 1)
    return src_mask, tgt_mask, src_padding_mask, tgt_padding_mask


# ---- main.py ----
DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")

def greedy_decode(model, src, src_mask, max_len, start_symbol, end_symbol):

    src = src.to(DEVICE)
    src_mask = src_mask.to(DEVICE)

    memory = model.encode(src, src_mask)

    ys = torch.ones(1, 1).fill_(start_symbol).type(torch.long).to(DEVICE)

    for _ in range(max_len-1):

        memory = memory.to(DEVICE)
        tgt_mask = (generate_square_subsequent_mask(ys.size(0), DEVICE).type(torch.bool)).to(DEVICE)
        out = model.decode(ys, memory, tgt_mask)

        out = out.transpose(0, 1)

        prob = model.ff(out[:, -1])
        _, next_word = torch.max(prob, dim=1)
        next_word = next_word.item()

        ys = torch.cat([ys, torch.ones(1, 1).type_as(src.data).fill_(next_word)], dim=0)
        if next_word == end_symbol:
            break

    return ys

def train(model, train_dl, loss_fn, optim, special_symbols, opts):

    losses = 0

    model.train()
    for src, tgt in train_dl:  # test: tqdm(train_dl, ascii=True)

        src = src.to(DEVICE)
        tgt = tgt.to(DEVICE)

        tgt_input = tgt[:-1, :]

        src_mask, tgt_mask, src_padding_mask, tgt_padding_mask = create_mask(src, tgt_input, special_symbols["<pad>"], DEVICE)

        logits = model(src, tgt_input, src_mask, tgt_mask,src_padding_mask, tgt_padding_mask, src_padding_mask)

        optim.zero_grad()

        tgt_out = tgt[1:, :]

        loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1))
        loss.backward()

        optim.step()

        losses += loss.item()

        if opts.dry_run:
            break

    return losses / len(list(train_dl))

def validate(model, valid_dl, loss_fn, special_symbols):

    losses = 0

    model.eval()

    for src, tgt in valid_dl:  # test: tqdm(valid_dl)

        src = src.to(DEVICE)
        tgt = tgt.to(DEVICE)

        tgt_input = tgt[:-1, :]

        src_mask, tgt_mask, src_padding_mask, tgt_padding_mask = create_mask(src, tgt_input, special_symbols["<pad>"], DEVICE)

        logits = model(src, tgt_input, src_mask, tgt_mask,src_padding_mask, tgt_padding_mask, src_padding_mask)

        tgt_out = tgt[1:, :]
        loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1))
        losses += loss.item()

    return losses / len(list(valid_dl))


# test: argparse's defaults written in, sizes cut (8 heads, 5 + 5 layers, 512 wide, 30 epochs, batch 128)
class Opts:
    src, tgt, epochs, lr, batch, attn_heads, enc_layers, dec_layers = "de", "en", 3, 1e-3, 8, 2, 2, 2
    embed_size, dim_feedforward, dropout, dry_run = 16, 32, 0.1, False


opts = Opts()
torch.manual_seed(0)  # test: (the program leaves the seed unset)

# test: main(opts)'s body at module level (its values compared), print instead of logging, no timing, no files
train_dl, valid_dl, src_vocab, tgt_vocab, src_transform, _, special_symbols = get_data(opts)

src_vocab_size = len(src_vocab)
tgt_vocab_size = len(tgt_vocab)

model = Translator(
    num_encoder_layers=opts.enc_layers,
    num_decoder_layers=opts.dec_layers,
    embed_size=opts.embed_size,
    num_heads=opts.attn_heads,
    src_vocab_size=src_vocab_size,
    tgt_vocab_size=tgt_vocab_size,
    dim_feedforward=opts.dim_feedforward,
    dropout=opts.dropout
).to(DEVICE)

loss_fn = torch.nn.CrossEntropyLoss(ignore_index=special_symbols["<pad>"])

optim = torch.optim.Adam(model.parameters(), lr=opts.lr, betas=(0.9, 0.98), eps=1e-9)

best_val_loss = 1e6

for idx, epoch in enumerate(range(1, opts.epochs+1)):

    train_loss = train(model, train_dl, loss_fn, optim, special_symbols, opts)
    val_loss   = validate(model, valid_dl, loss_fn, special_symbols)

    if val_loss < best_val_loss:
        best_val_loss = val_loss

    print(f"Epoch: {epoch}\n\tTrain loss: {train_loss:.3f}\n\tVal loss: {val_loss:.3f}")

# test: inference(opts)'s loop on two sentences instead of input(), with the model just trained
model.eval()
translations = []
for sentence in ["ein mann spielt ball", "eine frau rennt im park"]:
    src = src_transform(sentence).view(-1, 1)
    num_tokens = src.shape[0]

    src_mask = (torch.zeros(num_tokens, num_tokens)).type(torch.bool)

    tgt_tokens = greedy_decode(
        model, src, src_mask, max_len=num_tokens+5, start_symbol=special_symbols["<bos>"], end_symbol=special_symbols["<eos>"]
    ).flatten()

    output_as_list = list(tgt_tokens.cpu().numpy())

    output_list_words = tgt_vocab.lookup_tokens(output_as_list)

    translation = " ".join(output_list_words).replace("<bos>", "").replace("<eos>", "")

    print(translation)
    translations.append(translation)
'''


def word_language_model(model, tied=False, lr=20):
    """main.py with --model ``model`` (--tied, --lr): its default lr of 20 trains the RNN_TANH and Transformer
    models cut to this size chaotically (losses jumping to 15 and back): the libraries' float32 roundings
    (a sin or tanh an ulp apart) grow to 1e-3 within three epochs, and in float64 to 4e-10 (RNN_TANH) and 1e-4
    (Transformer, whose PositionalEncoding computes in float32 whatever the default dtype); these run with lr=2."""
    return (WORD_LANGUAGE_MODEL.replace("'MODEL_TYPE'", repr(model)).replace("TIED", repr(tied))
            .replace("LR,", repr(lr) + ","))


PROGRAMS = {
    "word_language_model (LSTM)": word_language_model("LSTM"),
    "word_language_model (GRU)": word_language_model("GRU"),
    "word_language_model (RNN_TANH, tied)": word_language_model("RNN_TANH", tied=True, lr=2),
    "word_language_model (Transformer, SGD)": word_language_model("Transformer", lr=2),
    "mnist_rnn": MNIST_RNN, "reinforce": REINFORCE, "siamese_network": SIAMESE_NETWORK, "gcn": GCN,
    "language_translation": LANGUAGE_TRANSLATION,
}
TOLERANCE = {  # name -> (rtol, atol) where the default is too tight or loose, and why
    "siamese_network": (1e-9, 1e-11),  # in float64 (see above)
}
IGNORE = {}


XFAIL = {}  # name -> the reason of a strict xfail


@pytest.mark.parametrize("name", [pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=XFAIL[name]))
                                  if name in XFAIL else name for name in PROGRAMS])
def test_example_runs_as_with_pytorch(name):
    torch_run, our_run = run_both(PROGRAMS[name])
    rtol, atol = TOLERANCE.get(name, (2e-4, 2e-5))
    ignore = list(IGNORE.get(name, ())) + key_bias_aside(torch_run, our_run)
    assert_same(torch_run, our_run, rtol=rtol, atol=atol, ignore=ignore)


def test_mnist_hogwild_with_processes():
    """mnist_hogwild with real processes: model.share_memory(), then two torch.multiprocessing.Process (fork,
    each joined before the next starts) train the shared model with SGD; the parent tests what they trained
    (the harness brings each child's printed lines and random draws back at its join). Every value and every
    printed number agree with PyTorch's run, the process ids aside: each line starts with its child's pid,
    checked to be two processes other than this one, then left out."""
    import os
    import re

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # (a forked child of a parent whose OpenMP pool ran hangs in its first parallel op)
    try:
        torch_run, our_run = run_both(MNIST_HOGWILD)
    finally:
        torch.set_num_threads(threads)
    for run in (torch_run, our_run):
        pids = re.findall(r"^(\d+)\tTrain Epoch", run.stdout, flags=re.M)
        assert len(pids) == 6 and len(set(pids)) == 2 and str(os.getpid()) not in pids, run.stdout
        run.stdout = re.sub(r"^\d+\tTrain Epoch", "<pid>\tTrain Epoch", run.stdout, flags=re.M)
    assert our_run["exit_codes"].tolist() == [0, 0]
    assert_same(torch_run, our_run, rtol=2e-4, atol=2e-5)


STACKED_RNN_DROPOUT = r'''
import torch
import torch.nn as nn

torch.manual_seed(0)
lstm = nn.LSTM(5, 6, num_layers=3, dropout=0.5, bidirectional=True, batch_first=True)
gru = nn.GRU(12, 4, num_layers=2, dropout=0.3)
rnn = nn.RNN(4, 3, num_layers=2, nonlinearity='relu', dropout=0.4)
params = list(lstm.parameters()) + list(gru.parameters()) + list(rnn.parameters())
optimizer = torch.optim.SGD(params, lr=0.1)
x = torch.randn(2, 7, 5)
losses = []
for step in range(3):
    optimizer.zero_grad()
    out, (h, c) = lstm(x)                      # (2, 7, 12), h and c (6, 2, 6)
    out2, h2 = gru(out.transpose(0, 1))        # (7, 2, 4), h2 (2, 2, 4)
    out3, h3 = rnn(out2, torch.zeros(2, 2, 3))
    loss = out3.pow(2).mean() + h.sum() * 0.1 + c.abs().mean() + h2.mean() + h3.mean()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
lstm.eval()
evaluated, _ = lstm(x)                         # no dropout in eval mode
'''


def test_stacked_rnn_dropout_masks_replayed():
    """The harness replays the masks nn.LSTM/GRU/RNN(num_layers > 1, dropout=p) draw between their layers in
    training (PyTorch draws them inside one C++ call; the PyTorch run goes layer by layer through F.dropout):
    a 3-layer bidirectional batch_first LSTM, a GRU and an RNN with relu, their outputs, final states and
    three SGD steps agree."""
    torch_run, our_run = run_both(STACKED_RNN_DROPOUT)
    assert_same(torch_run, our_run, rtol=1e-5, atol=1e-6)
