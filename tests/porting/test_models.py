"""Models as PyTorch's tutorials and examples write them: a transformer block with
scaled_dot_product_attention (nanoGPT's), an LSTM language model step (the word_language_model
example's), a CNN on digits, a GAN step (the DCGAN tutorial's loop on small dense nets), an
autoencoder, dropout and batch norm switching between train() and eval(). Each runs with PyTorch
and with this project under torch's names (harness.py): every value left and every number printed
agree (dropout's masks replayed)."""
import pytest

from harness import assert_same, run_both

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)

TRANSFORMER_BLOCK = '''
import math
import torch
import torch.nn as nn
from torch.nn import functional as F


class LayerNorm(nn.Module):
    """ LayerNorm but with an optional bias. PyTorch doesn't support simply bias=False """

    def __init__(self, ndim, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(ndim))
        self.bias = nn.Parameter(torch.zeros(ndim)) if bias else None

    def forward(self, input):
        return F.layer_norm(input, self.weight.shape, self.weight, self.bias, 1e-5)


class CausalSelfAttention(nn.Module):

    def __init__(self, n_embd, n_head, bias=True):
        super().__init__()
        assert n_embd % n_head == 0
        # key, query, value projections for all heads, but in a batch
        self.c_attn = nn.Linear(n_embd, 3 * n_embd, bias=bias)
        # output projection
        self.c_proj = nn.Linear(n_embd, n_embd, bias=bias)
        self.n_head = n_head
        self.n_embd = n_embd

    def forward(self, x):
        B, T, C = x.size() # batch size, sequence length, embedding dimensionality (n_embd)

        # calculate query, key, values for all heads in batch and move head forward to be the batch dim
        q, k, v  = self.c_attn(x).split(self.n_embd, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) # (B, nh, T, hs)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) # (B, nh, T, hs)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) # (B, nh, T, hs)

        # causal self-attention; Self-attend: (B, nh, T, hs) x (B, nh, hs, T) -> (B, nh, T, T)
        y = torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=None, dropout_p=0, is_causal=True)
        y = y.transpose(1, 2).contiguous().view(B, T, C) # re-assemble all head outputs side by side

        # output projection
        y = self.c_proj(y)
        return y


class MLP(nn.Module):

    def __init__(self, n_embd, bias=True):
        super().__init__()
        self.c_fc    = nn.Linear(n_embd, 4 * n_embd, bias=bias)
        self.gelu    = nn.GELU()
        self.c_proj  = nn.Linear(4 * n_embd, n_embd, bias=bias)

    def forward(self, x):
        x = self.c_fc(x)
        x = self.gelu(x)
        x = self.c_proj(x)
        return x


class Block(nn.Module):

    def __init__(self, n_embd, n_head):
        super().__init__()
        self.ln_1 = LayerNorm(n_embd, bias=True)
        self.attn = CausalSelfAttention(n_embd, n_head)
        self.ln_2 = LayerNorm(n_embd, bias=True)
        self.mlp = MLP(n_embd)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        x = x + self.mlp(self.ln_2(x))
        return x


class TinyGPT(nn.Module):
    def __init__(self, vocab_size=17, block_size=8, n_embd=16, n_head=4, n_layer=2):
        super().__init__()
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.wpe = nn.Embedding(block_size, n_embd)
        self.h = nn.ModuleList([Block(n_embd, n_head) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
        self.wte.weight = self.lm_head.weight # https://paperswithcode.com/method/weight-tying
        self.apply(self._init_weights)

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, idx, targets=None):
        b, t = idx.size()
        pos = torch.arange(0, t, dtype=torch.long)
        x = self.wte(idx) + self.wpe(pos)
        for block in self.h:
            x = block(x)
        x = self.ln_f(x)
        logits = self.lm_head(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
        return logits, loss


model = TinyGPT()
n_params = sum(p.numel() for p in model.parameters())
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, betas=(0.9, 0.95), weight_decay=0.1)
data = torch.randint(0, 17, (4, 9))
x, y = data[:, :-1].contiguous(), data[:, 1:].contiguous()
for it in range(4):
    logits, loss = model(x, y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    print(it, loss.item())

# the same attention written out: the causal mask by masked_fill, as before flash attention
att_block = model.h[0].attn
with torch.no_grad():
    h = torch.randn(2, 8, 16)
    q, k, v = att_block.c_attn(h).split(16, dim=2)
    q, k, v = (t.view(2, 8, 4, 4).transpose(1, 2) for t in (q, k, v))
    bias = torch.tril(torch.ones(8, 8)).view(1, 1, 8, 8)
    att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
    att = att.masked_fill(bias[:, :, :8, :8] == 0, float('-inf'))
    att = F.softmax(att, dim=-1)
    manual = att @ v
    fused = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    same_attention = bool(torch.allclose(manual, fused, atol=1e-6))
'''

LSTM_LANGUAGE_MODEL = '''
import math
import torch
import torch.nn as nn
import torch.nn.functional as F


class RNNModel(nn.Module):
    """Container module with an encoder, a recurrent module, and a decoder."""

    def __init__(self, ntoken, ninp, nhid, nlayers, dropout=0.5, tie_weights=False):
        super(RNNModel, self).__init__()
        self.ntoken = ntoken
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        # (the example also passes dropout=dropout here; the LSTM's dropout between layers draws
        # inside PyTorch's C++ kernel, where the porting harness cannot record the mask)
        self.rnn = nn.LSTM(ninp, nhid, nlayers)
        self.decoder = nn.Linear(nhid, ntoken)
        if tie_weights:
            self.decoder.weight = self.encoder.weight
        self.init_weights()
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
        return (weight.new_zeros(self.nlayers, bsz, self.nhid),
                weight.new_zeros(self.nlayers, bsz, self.nhid))


def batchify(data, bsz):
    # Work out how cleanly we can divide the dataset into bsz parts.
    nbatch = data.size(0) // bsz
    # Trim off any extra elements that wouldn't cleanly fit (remainders).
    data = data.narrow(0, 0, nbatch * bsz)
    # Evenly divide the data across the bsz batches.
    data = data.view(bsz, -1).t().contiguous()
    return data


def repackage_hidden(h):
    """Wraps hidden states in new Tensors, to detach them from their history."""
    if isinstance(h, torch.Tensor):
        return h.detach()
    else:
        return tuple(repackage_hidden(v) for v in h)


bptt = 6
def get_batch(source, i):
    seq_len = min(bptt, len(source) - 1 - i)
    data = source[i:i+seq_len]
    target = source[i+1:i+1+seq_len].view(-1)
    return data, target


ntokens = 20
corpus = torch.randint(0, ntokens, (200,))
train_data = batchify(corpus, 4)
model = RNNModel(ntokens, 12, 12, 2, dropout=0.2, tie_weights=True)
criterion = nn.NLLLoss()
lr, clip = 5.0, 0.25

model.train()
total_loss = 0.
hidden = model.init_hidden(4)
for batch, i in enumerate(range(0, 4 * bptt, bptt)):
    data, targets = get_batch(train_data, i)
    # Starting each batch, we detach the hidden state from how it was previously produced.
    hidden = repackage_hidden(hidden)
    model.zero_grad()
    output, hidden = model(data, hidden)
    loss = criterion(output, targets)
    loss.backward()

    # `clip_grad_norm` helps prevent the exploding gradient problem in RNNs / LSTMs.
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
    for p in model.parameters():
        p.data.add_(p.grad, alpha=-lr)

    total_loss += loss.item()
    print(batch, loss.item(), math.exp(loss.item()), grad_norm.item())

model.eval()
with torch.no_grad():
    hidden = model.init_hidden(4)
    data, targets = get_batch(train_data, 0)
    output, hidden = model(data, hidden)
    eval_loss = criterion(output, targets).item()
'''

LSTM_CROSS_ENTROPY_BATCH_FIRST = '''
import torch
import torch.nn as nn


class CharModel(nn.Module):
    def __init__(self, vocab, embed, hidden):
        super().__init__()
        self.embed = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, x, state=None):
        out, state = self.lstm(self.embed(x), state)
        return self.head(out), state


torch.manual_seed(0)
vocab = 11
model = CharModel(vocab, 8, 16)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
loss_fn = nn.CrossEntropyLoss()
seq = torch.randint(0, vocab, (3, 13))
inputs, targets = seq[:, :-1], seq[:, 1:]
for step in range(8):
    logits, _ = model(inputs)
    loss = loss_fn(logits.reshape(-1, vocab), targets.reshape(-1))
    opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    opt.step()
    print(step, loss.item())

# greedy sampling, one character at a time, carrying the state
with torch.no_grad():
    token = seq[:1, :1]
    state = None
    generated = []
    for _ in range(10):
        logits, state = model(token, state)
        token = logits[:, -1].argmax(dim=-1, keepdim=True)
        generated.append(token.item())
'''

CNN_DIGITS = '''
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.datasets import load_digits

digits = load_digits()
images = torch.tensor(digits.images[:512] / 16.0, dtype=torch.float32).unsqueeze(1)  # (N, 1, 8, 8)
labels = torch.tensor(digits.target[:512])


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, 1, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(16 * 3 * 3, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(self.bn1(x))
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
for epoch in range(2):
    model.train()
    for batch_idx in range(0, 512, 128):
        data, target = images[batch_idx:batch_idx + 128], labels[batch_idx:batch_idx + 128]
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        print(epoch, batch_idx, loss.item())
    scheduler.step()

model.eval()
test_loss = 0
correct = 0
with torch.no_grad():
    output = model(images)
    test_loss += F.nll_loss(output, labels, reduction='sum').item()  # sum up batch loss
    pred = output.argmax(dim=1, keepdim=True)  # get the index of the max log-probability
    correct += pred.eq(labels.view_as(pred)).sum().item()
print(test_loss / 512, correct)
'''

GAN_STEP = '''
import torch
import torch.nn as nn
import torch.optim as optim

nz = 4
real_label = 1.
fake_label = 0.


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find('Linear') != -1:
        nn.init.normal_(m.weight.data, 0.0, 0.02)
        if m.bias is not None:
            nn.init.constant_(m.bias.data, 0)
    elif classname.find('BatchNorm') != -1:
        nn.init.normal_(m.weight.data, 1.0, 0.02)
        nn.init.constant_(m.bias.data, 0)


netG = nn.Sequential(nn.Linear(nz, 16, bias=False), nn.BatchNorm1d(16), nn.ReLU(True), nn.Linear(16, 2), nn.Tanh())
netD = nn.Sequential(nn.Linear(2, 16), nn.LeakyReLU(0.2, inplace=True), nn.Linear(16, 1), nn.Sigmoid())
netG.apply(weights_init)
netD.apply(weights_init)

criterion = nn.BCELoss()
fixed_noise = torch.randn(8, nz)
optimizerD = optim.Adam(netD.parameters(), lr=0.01, betas=(0.5, 0.999))
optimizerG = optim.Adam(netG.parameters(), lr=0.01, betas=(0.5, 0.999))

G_losses = []
D_losses = []
for i in range(5):
    real_cpu = torch.randn(16, 2) * 0.1 + torch.tensor([1.0, -1.0])
    ############################
    # (1) Update D network: maximize log(D(x)) + log(1 - D(G(z)))
    ###########################
    ## Train with all-real batch
    netD.zero_grad()
    b_size = real_cpu.size(0)
    label = torch.full((b_size,), real_label, dtype=torch.float)
    output = netD(real_cpu).view(-1)
    errD_real = criterion(output, label)
    errD_real.backward()
    D_x = output.mean().item()

    ## Train with all-fake batch
    noise = torch.randn(b_size, nz)
    fake = netG(noise)
    label.fill_(fake_label)
    output = netD(fake.detach()).view(-1)
    errD_fake = criterion(output, label)
    errD_fake.backward()
    D_G_z1 = output.mean().item()
    errD = errD_real + errD_fake
    optimizerD.step()

    ############################
    # (2) Update G network: maximize log(D(G(z)))
    ###########################
    netG.zero_grad()
    label.fill_(real_label)  # fake labels are real for generator cost
    output = netD(fake).view(-1)
    errG = criterion(output, label)
    errG.backward()
    D_G_z2 = output.mean().item()
    optimizerG.step()

    print('[%d]\\tLoss_D: %.4f\\tLoss_G: %.4f\\tD(x): %.4f\\tD(G(z)): %.4f / %.4f'
          % (i, errD.item(), errG.item(), D_x, D_G_z1, D_G_z2))
    G_losses.append(errG.item())
    D_losses.append(errD.item())

with torch.no_grad():
    fake = netG(fixed_noise).detach().cpu()
'''

AUTOENCODER = '''
import torch
from torch import nn


class Autoencoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 16), nn.Sigmoid())

    def forward(self, x):
        encoded = self.encoder(x)
        decoded = self.decoder(encoded)
        return decoded


model = Autoencoder()
criterion = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-5)
data = torch.rand(64, 16)
for epoch in range(10):
    for batch in data.split(16):
        recon = model(batch)
        loss = criterion(recon, batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(f'epoch [{epoch + 1}/10], loss:{loss.item():.4f}')

with torch.no_grad():
    codes = model.encoder(data)
    reconstruction_error = ((model(data) - data) ** 2).mean(dim=1)
'''

TRAIN_EVAL_MODES = '''
import torch
import torch.nn as nn

model = nn.Sequential(
    nn.Linear(6, 12),
    nn.BatchNorm1d(12),
    nn.ReLU(),
    nn.Dropout(p=0.3),
    nn.Linear(12, 3),
)
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
x = torch.randn(20, 6)
y = torch.randint(0, 3, (20,))
for step in range(4):
    model.train()
    loss = nn.functional.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(step, loss.item())

running_mean = model[1].running_mean
running_var = model[1].running_var
batches_tracked = model[1].num_batches_tracked

model.eval()
print(model.training, model[3].training)
with torch.no_grad():
    eval_out = model(x)
    eval_again = model(x)            # no dropout, running statistics: the same twice
deterministic = bool(torch.equal(eval_out, eval_again))

model.train()
with torch.no_grad():
    train_out = model(x)             # dropout on, batch statistics, running stats updated
mode_flags = [m.training for m in model.modules()]

# functional dropout follows the flag it is given
d = nn.Dropout(0.5)
d.eval()
unchanged = d(x)
z = nn.functional.dropout(torch.ones(4, 5), p=0.5, training=True)
kept_scale = z.max()                 # kept elements are scaled by 1 / (1 - p)
'''


@pytest.mark.parametrize("source", [TRANSFORMER_BLOCK, LSTM_LANGUAGE_MODEL, LSTM_CROSS_ENTROPY_BATCH_FIRST,
                                    CNN_DIGITS, GAN_STEP, AUTOENCODER, TRAIN_EVAL_MODES],
                         ids=["transformer_block", "lstm_language_model", "lstm_cross_entropy_batch_first",
                              "cnn_digits", "gan_step", "autoencoder", "train_eval_modes"])
def test_same_as_pytorch(source):
    if "sklearn" in source:
        pytest.importorskip("sklearn")  # the digits (in the dev extra)
    torch_run, our_run = run_both(source)
    assert_same(torch_run, our_run)
