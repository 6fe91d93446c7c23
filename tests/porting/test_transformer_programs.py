"""Programs built on nn.Transformer, nn.TransformerDecoder and nn.TransformerEncoder as PyTorch users
write them, each run from one source with PyTorch and with this project under torch's names
(harness.py). Dropout stays on while training: the harness replays PyTorch's masks, those of
nn.Dropout and those F.scaled_dot_product_attention draws inside the layers' attention. Every value
left (losses, final weights, decoded tokens) and every number printed must agree.

  - a sequence-to-sequence copy task on nn.Transformer (the "Attention Is All You Need" shape):
    embeddings, the tutorials' PositionalEncoding, a causal tgt_mask from
    generate_square_subsequent_mask, key padding masks for src, tgt and memory, Adam, then greedy
    decoding in eval mode through model.transformer.encoder / .decoder;
  - the "Language Modeling with nn.Transformer and torchtext" tutorial's TransformerModel (an
    encoder under a causal mask), its init_weights, SGD with clip_grad_norm_ and StepLR;
  - a pre-norm GELU decoder stack, batch_first, with its own final LayerNorm, over a fixed memory
    (an image-captioning shape), trained with AdamW."""
import pytest

from harness import assert_same, key_bias_aside, run_both

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch

COPY_TASK = '''
import math
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
VOCAB, PAD, BOS, D = 11, 0, 1, 16


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, dropout=0.1, max_len=32):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, 1, d_model)
        pe[:, 0, 0::2] = torch.sin(position * div_term)
        pe[:, 0, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe)

    def forward(self, x):  # (L, N, E)
        return self.dropout(x + self.pe[:x.size(0)])


class Seq2Seq(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, D, padding_idx=PAD)
        self.pos = PositionalEncoding(D)
        self.transformer = nn.Transformer(d_model=D, nhead=4, num_encoder_layers=2, num_decoder_layers=2,
                                          dim_feedforward=32, dropout=0.1)
        self.generator = nn.Linear(D, VOCAB)

    def forward(self, src, tgt):  # (S, N), (T, N) token ids
        tgt_mask = nn.Transformer.generate_square_subsequent_mask(tgt.size(0))
        src_pad, tgt_pad = (src == PAD).t(), (tgt == PAD).t()
        out = self.transformer(self.pos(self.embed(src) * math.sqrt(D)), self.pos(self.embed(tgt) * math.sqrt(D)),
                               tgt_mask=tgt_mask, src_key_padding_mask=src_pad, tgt_key_padding_mask=tgt_pad,
                               memory_key_padding_mask=src_pad)
        return self.generator(out)  # (T, N, VOCAB)


def batch(n, length):
    lengths = torch.randint(3, length + 1, (n,))
    src = torch.randint(2, VOCAB, (length, n))
    for j in range(n):
        src[lengths[j]:, j] = PAD
    tgt = torch.cat([torch.full((1, n), BOS), src])  # the decoder reads BOS + src, predicts src + PAD
    return src, tgt[:-1], tgt[1:]


model = Seq2Seq()
opt = torch.optim.Adam(model.parameters(), lr=5e-3)
losses = []
for step in range(6):
    src, tgt_in, tgt_out = batch(4, 6)
    model.train()
    logits = model(src, tgt_in)
    loss = F.cross_entropy(logits.reshape(-1, VOCAB), tgt_out.reshape(-1), ignore_index=PAD)
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    losses.append(loss.item())
    print(f"step {step} loss {loss.item():.5f}")

model.eval()
with torch.no_grad():  # greedy decoding, one token at a time, from the encoder's memory
    src = torch.tensor([[2, 5], [3, 6], [4, 7], [PAD, 8]])
    memory = model.transformer.encoder(model.pos(model.embed(src) * math.sqrt(D)),
                                       src_key_padding_mask=(src == PAD).t())
    decoded = torch.full((1, 2), BOS)
    for i in range(4):
        tgt_mask = nn.Transformer.generate_square_subsequent_mask(decoded.size(0))
        out = model.transformer.decoder(model.pos(model.embed(decoded) * math.sqrt(D)), memory, tgt_mask=tgt_mask,
                                        memory_key_padding_mask=(src == PAD).t())
        next_token = model.generator(out[-1]).argmax(-1)
        decoded = torch.cat([decoded, next_token.unsqueeze(0)])
    final_logits = model(src, decoded)
print(decoded.t().tolist())
'''

LANGUAGE_MODEL = '''
import math
import torch
from torch import nn, Tensor
from torch.nn import TransformerEncoder, TransformerEncoderLayer


class PositionalEncoding(nn.Module):
    def __init__(self, d_model: int, dropout: float = 0.1, max_len: int = 64):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, 1, d_model)
        pe[:, 0, 0::2] = torch.sin(position * div_term)
        pe[:, 0, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.pe[:x.size(0)]
        return self.dropout(x)


class TransformerModel(nn.Module):
    def __init__(self, ntoken: int, d_model: int, nhead: int, d_hid: int, nlayers: int, dropout: float = 0.5):
        super().__init__()
        self.model_type = "Transformer"
        self.pos_encoder = PositionalEncoding(d_model, dropout)
        encoder_layers = TransformerEncoderLayer(d_model, nhead, d_hid, dropout)
        self.transformer_encoder = TransformerEncoder(encoder_layers, nlayers, enable_nested_tensor=False)
        self.embedding = nn.Embedding(ntoken, d_model)
        self.d_model = d_model
        self.linear = nn.Linear(d_model, ntoken)
        self.init_weights()

    def init_weights(self) -> None:
        initrange = 0.1
        self.embedding.weight.data.uniform_(-initrange, initrange)
        self.linear.bias.data.zero_()
        self.linear.weight.data.uniform_(-initrange, initrange)

    def forward(self, src: Tensor, src_mask: Tensor = None) -> Tensor:
        src = self.embedding(src) * math.sqrt(self.d_model)
        src = self.pos_encoder(src)
        if src_mask is None:
            src_mask = nn.Transformer.generate_square_subsequent_mask(len(src))
        output = self.transformer_encoder(src, src_mask)
        return self.linear(output)


torch.manual_seed(0)
ntokens, bptt = 20, 8
data = (torch.arange(200) * 3 + torch.randint(0, 2, (200,))) % ntokens  # a nearly periodic "text"
batch_size = 4
seq_len = data.size(0) // batch_size
train_data = data[:seq_len * batch_size].view(batch_size, seq_len).t().contiguous()  # (seq, batch)


def get_batch(source: Tensor, i: int):
    seq_len = min(bptt, len(source) - 1 - i)
    data = source[i:i + seq_len]
    target = source[i + 1:i + 1 + seq_len].reshape(-1)
    return data, target


model = TransformerModel(ntokens, 16, 2, 32, 2, dropout=0.2)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=2.0)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1, gamma=0.95)
model.train()
losses = []
for batch, i in enumerate(range(0, 6 * bptt, bptt)):
    data, targets = get_batch(train_data, i)
    output = model(data)
    output_flat = output.view(-1, ntokens)
    loss = criterion(output_flat, targets)
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
    optimizer.step()
    scheduler.step()
    losses.append(loss.item())
    print(f"| batch {batch:3d} | lr {scheduler.get_last_lr()[0]:02.2f} | loss {loss.item():5.3f} | "
          f"ppl {math.exp(loss.item()):8.3f}")

model.eval()
with torch.no_grad():
    data, targets = get_batch(train_data, 0)
    eval_loss = criterion(model(data).view(-1, ntokens), targets).item()
print(f"eval loss {eval_loss:5.3f}")
'''

CAPTION_DECODER = '''
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
VOCAB, D = 9, 12


class Captioner(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Linear(5, D)  # a stand-in image encoder: 6 region features -> memory
        self.embed = nn.Embedding(VOCAB, D)
        self.pos = nn.Parameter(torch.randn(1, 16, D) * 0.02)
        layer = nn.TransformerDecoderLayer(D, nhead=3, dim_feedforward=24, dropout=0.1, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.decoder = nn.TransformerDecoder(layer, num_layers=2, norm=nn.LayerNorm(D))
        self.head = nn.Linear(D, VOCAB)

    def forward(self, regions, tokens):  # (N, R, 5), (N, T)
        memory = self.features(regions)
        x = self.embed(tokens) + self.pos[:, :tokens.size(1)]
        causal = torch.triu(torch.ones(tokens.size(1), tokens.size(1), dtype=torch.bool), diagonal=1)
        return self.head(self.decoder(x, memory, tgt_mask=causal, tgt_is_causal=True))


model = Captioner()
opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
regions = torch.randn(3, 6, 5)
tokens = torch.randint(0, VOCAB, (3, 7))
losses = []
for step in range(5):
    logits = model(regions, tokens[:, :-1])
    loss = F.cross_entropy(logits.transpose(1, 2), tokens[:, 1:])
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
model.eval()
with torch.no_grad():
    eval_logits = model(regions, tokens)
print(losses)
'''

PROGRAMS = {"copy task on nn.Transformer": COPY_TASK, "language model tutorial": LANGUAGE_MODEL,
            "caption decoder": CAPTION_DECODER}


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_transformer_program_runs_as_with_pytorch(name):
    torch_run, our_run = run_both(PROGRAMS[name])
    assert_same(torch_run, our_run, rtol=2e-4, atol=2e-5, ignore=key_bias_aside(torch_run, our_run))
    losses = torch_run["losses"]
    assert len(losses) >= 5 and losses[-1] < losses[0]  # they trained
