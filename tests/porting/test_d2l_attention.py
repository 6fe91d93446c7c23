"""Dive into Deep Learning (d2l.ai, the PyTorch edition), its attention chapters as written there: attention
pooling (Nadaraya-Watson with four kernels, `y_train@attention_w`), the scoring functions (masked_softmax with
`X[~mask] = value` on a reshaped view and `torch.repeat_interleave`, DotProductAttention through `.bmm`,
AdditiveAttention), multi-head attention (transpose_qkv / transpose_output), self-attention with the sinusoidal
positional encoding (`self.P[:, :, 0::2] = torch.sin(X)`), and the Transformer (PositionWiseFFN, AddNorm, the
encoder and decoder blocks and stacks, layer norm next to batch norm), trained a few Adam steps with dropout as a
d2l.Seq2Seq with its masked loss, then decoded greedily with d2l's predict_step; and the vision Transformer
(PatchEmbedding's `flatten(2).transpose(1, 2)`, the cls token's `expand`, pre-norm ViTBlock) trained with SGD.

d2l's framework (Trainer, MTFraEng's download, the heat maps) is replaced by small synthetic token batches drawn
with torch and a plain loop; d2l's aliases are d2l/torch.py's. Each program runs with PyTorch and with this
project under torch's names (harness.py): every value left and every number printed agree."""
import pytest

from harness import assert_same, assert_same_in_float64, run_both

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)

D2L = '''
import math
import types

import torch
from torch import nn
from torch.nn import functional as F

d2l = types.SimpleNamespace(  # d2l/torch.py's aliases
    zeros=torch.zeros, ones=torch.ones, tensor=torch.tensor, arange=torch.arange, normal=torch.normal,
    matmul=torch.matmul, concat=torch.cat, exp=torch.exp, sin=torch.sin, abs=torch.abs, rand=torch.rand,
    randn=torch.randn, float32=torch.float32, int64=torch.int64,
    reshape=lambda x, *args, **kwargs: x.reshape(*args, **kwargs),
    reduce_sum=lambda x, *args, **kwargs: x.sum(*args, **kwargs),
    argmax=lambda x, *args, **kwargs: x.argmax(*args, **kwargs),
    astype=lambda x, *args, **kwargs: x.type(*args, **kwargs),
    transpose=lambda x, *args, **kwargs: x.t(*args, **kwargs),
    expand_dims=lambda x, *args, **kwargs: x.unsqueeze(*args, **kwargs),
    to=lambda x, *args, **kwargs: x.to(*args, **kwargs))


def check_shape(a, shape):  #@save
    """Check the shape of a tensor."""
    assert a.shape == shape, \\
            f'tensor\\'s shape {a.shape} != expected shape {shape}'


def masked_softmax(X, valid_lens):  #@save
    """Perform softmax operation by masking elements on the last axis."""
    # X: 3D tensor, valid_lens: 1D or 2D tensor 
    def _sequence_mask(X, valid_len, value=0):
        maxlen = X.size(1)
        mask = torch.arange((maxlen), dtype=torch.float32,
                            device=X.device)[None, :] < valid_len[:, None]
        X[~mask] = value
        return X
    
    if valid_lens is None:
        return nn.functional.softmax(X, dim=-1)
    else:
        shape = X.shape
        if valid_lens.dim() == 1:
            valid_lens = torch.repeat_interleave(valid_lens, shape[1])
        else:
            valid_lens = valid_lens.reshape(-1)
        # On the last axis, replace masked elements with a very large negative
        # value, whose exponentiation outputs 0
        X = _sequence_mask(X.reshape(-1, shape[-1]), valid_lens, value=-1e6)
        return nn.functional.softmax(X.reshape(shape), dim=-1)


class DotProductAttention(nn.Module):  #@save
    """Scaled dot product attention."""
    def __init__(self, dropout):
        super().__init__()
        self.dropout = nn.Dropout(dropout)

    # Shape of queries: (batch_size, no. of queries, d)
    # Shape of keys: (batch_size, no. of key-value pairs, d)
    # Shape of values: (batch_size, no. of key-value pairs, value dimension)
    # Shape of valid_lens: (batch_size,) or (batch_size, no. of queries)
    def forward(self, queries, keys, values, valid_lens=None):
        d = queries.shape[-1]
        # Swap the last two dimensions of keys with keys.transpose(1, 2)
        scores = torch.bmm(queries, keys.transpose(1, 2)) / math.sqrt(d)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return torch.bmm(self.dropout(self.attention_weights), values)


class MultiHeadAttention(nn.Module):  #@save
    """Multi-head attention."""
    def __init__(self, num_hiddens, num_heads, dropout, bias=False, **kwargs):
        super().__init__()
        self.num_heads = num_heads
        self.attention = DotProductAttention(dropout)
        self.W_q = nn.LazyLinear(num_hiddens, bias=bias)
        self.W_k = nn.LazyLinear(num_hiddens, bias=bias)
        self.W_v = nn.LazyLinear(num_hiddens, bias=bias)
        self.W_o = nn.LazyLinear(num_hiddens, bias=bias)

    def forward(self, queries, keys, values, valid_lens):
        # Shape of queries, keys, or values:
        # (batch_size, no. of queries or key-value pairs, num_hiddens)
        # Shape of valid_lens: (batch_size,) or (batch_size, no. of queries)
        # After transposing, shape of output queries, keys, or values:
        # (batch_size * num_heads, no. of queries or key-value pairs,
        # num_hiddens / num_heads)
        queries = self.transpose_qkv(self.W_q(queries))
        keys = self.transpose_qkv(self.W_k(keys))
        values = self.transpose_qkv(self.W_v(values))
        if valid_lens is not None:
            # On axis 0, copy the first item (scalar or vector) for num_heads
            # times, then copy the next item, and so on
            valid_lens = torch.repeat_interleave(
                valid_lens, repeats=self.num_heads, dim=0)
        # Shape of output: (batch_size * num_heads, no. of queries,
        # num_hiddens / num_heads)
        output = self.attention(queries, keys, values, valid_lens)
        # Shape of output_concat: (batch_size, no. of queries, num_hiddens)
        output_concat = self.transpose_output(output)
        return self.W_o(output_concat)

    def transpose_qkv(self, X):
        """Transposition for parallel computation of multiple attention heads."""
        # Shape of input X: (batch_size, no. of queries or key-value pairs,
        # num_hiddens). Shape of output X: (batch_size, no. of queries or
        # key-value pairs, num_heads, num_hiddens / num_heads)
        X = X.reshape(X.shape[0], X.shape[1], self.num_heads, -1)
        # Shape of output X: (batch_size, num_heads, no. of queries or key-value
        # pairs, num_hiddens / num_heads)
        X = X.permute(0, 2, 1, 3)
        # Shape of output: (batch_size * num_heads, no. of queries or key-value
        # pairs, num_hiddens / num_heads)
        return X.reshape(-1, X.shape[2], X.shape[3])

    def transpose_output(self, X):
        """Reverse the operation of transpose_qkv."""
        X = X.reshape(-1, self.num_heads, X.shape[1], X.shape[2])
        X = X.permute(0, 2, 1, 3)
        return X.reshape(X.shape[0], X.shape[1], -1)


class PositionalEncoding(nn.Module):  #@save
    """Positional encoding."""
    def __init__(self, num_hiddens, dropout, max_len=1000):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        # Create a long enough P
        self.P = d2l.zeros((1, max_len, num_hiddens))
        X = d2l.arange(max_len, dtype=torch.float32).reshape(
            -1, 1) / torch.pow(10000, torch.arange(
            0, num_hiddens, 2, dtype=torch.float32) / num_hiddens)
        self.P[:, :, 0::2] = torch.sin(X)
        self.P[:, :, 1::2] = torch.cos(X)

    def forward(self, X):
        X = X + self.P[:, :X.shape[1], :].to(X.device)
        return self.dropout(X)
'''

ATTENTION_POOLING = D2L + '''

# Define some kernels
def gaussian(x):
    return d2l.exp(-x**2 / 2)


def boxcar(x):
    return d2l.abs(x) < 1.0


def constant(x):
    return 1.0 + 0 * x


def epanechikov(x):
    return torch.max(1 - d2l.abs(x), torch.zeros_like(x))


kernels = (gaussian, boxcar, constant, epanechikov)
names = ('Gaussian', 'Boxcar', 'Constant', 'Epanechikov')
x = d2l.arange(-2.5, 2.5, 0.1)
curves = [kernel(x).float() for kernel in kernels]  # (what the chapter plots)


def f(x):
    return 2 * d2l.sin(x) + x


n = 40
x_train, _ = torch.sort(d2l.rand(n) * 5)
y_train = f(x_train) + d2l.randn(n)
x_val = d2l.arange(0, 5, 0.1)
y_val = f(x_val)


def nadaraya_watson(x_train, y_train, x_val, kernel):
    dists = d2l.reshape(x_train, (-1, 1)) - d2l.reshape(x_val, (1, -1))
    # Each column/row corresponds to each query/key
    k = d2l.astype(kernel(dists), d2l.float32)
    # Normalization over keys for each query
    attention_w = k / d2l.reduce_sum(k, 0)
    y_hat = y_train@attention_w
    return y_hat, attention_w


predictions = [nadaraya_watson(x_train, y_train, x_val, kernel)[0] for kernel in kernels]
weights = [nadaraya_watson(x_train, y_train, x_val, kernel)[1] for kernel in kernels]
sigmas = (0.1, 0.2, 0.5, 1)
names = ['Sigma ' + str(sigma) for sigma in sigmas]


def gaussian_with_width(sigma): 
    return (lambda x: d2l.exp(-x**2 / (2*sigma**2)))


kernels = [gaussian_with_width(sigma) for sigma in sigmas]
width_predictions = [nadaraya_watson(x_train, y_train, x_val, kernel)[0] for kernel in kernels]
'''

SCORING_FUNCTIONS = D2L + '''
first = masked_softmax(torch.rand(2, 2, 4), torch.tensor([2, 3]))
second = masked_softmax(torch.rand(2, 2, 4), d2l.tensor([[1, 3], [2, 4]]))
print(first, second)
Q = d2l.ones((2, 3, 4))
K = d2l.ones((2, 4, 6))
check_shape(torch.bmm(Q, K), (2, 3, 6))

queries = d2l.normal(0, 1, (2, 1, 2))
keys = d2l.normal(0, 1, (2, 10, 2))
values = d2l.normal(0, 1, (2, 10, 4))
valid_lens = d2l.tensor([2, 6])
attention = DotProductAttention(dropout=0.5)
attention.eval()
dot_out = attention(queries, keys, values, valid_lens)
check_shape(dot_out, (2, 1, 4))
dot_weights = d2l.reshape(attention.attention_weights, (1, 1, 2, 10))


class AdditiveAttention(nn.Module):  #@save
    """Additive attention."""
    def __init__(self, num_hiddens, dropout, **kwargs):
        super(AdditiveAttention, self).__init__(**kwargs)
        self.W_k = nn.LazyLinear(num_hiddens, bias=False)
        self.W_q = nn.LazyLinear(num_hiddens, bias=False)
        self.w_v = nn.LazyLinear(1, bias=False)
        self.dropout = nn.Dropout(dropout)

    def forward(self, queries, keys, values, valid_lens):
        queries, keys = self.W_q(queries), self.W_k(keys)
        # After dimension expansion, shape of queries: (batch_size, no. of
        # queries, 1, num_hiddens) and shape of keys: (batch_size, 1, no. of
        # key-value pairs, num_hiddens). Sum them up with broadcasting
        features = queries.unsqueeze(2) + keys.unsqueeze(1)
        features = torch.tanh(features)
        # There is only one output of self.w_v, so we remove the last
        # one-dimensional entry from the shape. Shape of scores: (batch_size,
        # no. of queries, no. of key-value pairs)
        scores = self.w_v(features).squeeze(-1)
        self.attention_weights = masked_softmax(scores, valid_lens)
        # Shape of values: (batch_size, no. of key-value pairs, value
        # dimension)
        return torch.bmm(self.dropout(self.attention_weights), values)


queries = d2l.normal(0, 1, (2, 1, 20))
attention = AdditiveAttention(num_hiddens=8, dropout=0.1)
attention.eval()
additive_out = attention(queries, keys, values, valid_lens)
check_shape(additive_out, (2, 1, 4))
additive_weights = attention.attention_weights

# (and in training mode: dropout on the weights, gradients back through the masked assignment)
attention.train()
queries.requires_grad_()
trained_out = attention(queries, keys, values, valid_lens)
trained_out.square().sum().backward()
query_grad, w_v_grad = queries.grad, attention.w_v.weight.grad
'''

MULTIHEAD_SELF_ATTENTION = D2L + '''
num_hiddens, num_heads = 100, 5
attention = MultiHeadAttention(num_hiddens, num_heads, 0.5)
batch_size, num_queries, num_kvpairs = 2, 4, 6
valid_lens = d2l.tensor([3, 2])
X = d2l.ones((batch_size, num_queries, num_hiddens))
Y = d2l.ones((batch_size, num_kvpairs, num_hiddens))
cross_out = attention(X, Y, Y, valid_lens)  # (in training mode: dropout on the weights)
check_shape(cross_out, (batch_size, num_queries, num_hiddens))

attention = MultiHeadAttention(num_hiddens, num_heads, 0.5)
batch_size, num_queries, valid_lens = 2, 4, d2l.tensor([3, 2])
X = d2l.randn((batch_size, num_queries, num_hiddens)).requires_grad_()
attention.eval()
self_out = attention(X, X, X, valid_lens)
check_shape(self_out, (batch_size, num_queries, num_hiddens))
self_out.sum().backward()
X_grad, W_q_grad = X.grad, attention.W_q.weight.grad

encoding_dim, num_steps = 32, 60
pos_encoding = PositionalEncoding(encoding_dim, 0)
X = pos_encoding(d2l.zeros((1, num_steps, encoding_dim)))
P = pos_encoding.P[:, :X.shape[1], :]
columns = P[0, :, 6:10].T
for i in range(8):
    print(f'{i} in binary is {i:>03b}')
P = P[0, :, :].unsqueeze(0).unsqueeze(0)
'''

TRANSFORMER = D2L + '''

class PositionWiseFFN(nn.Module):  #@save
    """The positionwise feed-forward network."""
    def __init__(self, ffn_num_hiddens, ffn_num_outputs):
        super().__init__()
        self.dense1 = nn.LazyLinear(ffn_num_hiddens)
        self.relu = nn.ReLU()
        self.dense2 = nn.LazyLinear(ffn_num_outputs)

    def forward(self, X):
        return self.dense2(self.relu(self.dense1(X)))


ffn = PositionWiseFFN(4, 8)
ffn.eval()
ffn_out = ffn(d2l.ones((2, 3, 4)))[0]
ln = nn.LayerNorm(2)
bn = nn.LazyBatchNorm1d()
X = d2l.tensor([[1, 2], [2, 3]], dtype=torch.float32)
# Compute mean and variance from X in the training mode
print('layer norm:', ln(X), '\\nbatch norm:', bn(X))


class AddNorm(nn.Module):  #@save
    """The residual connection followed by layer normalization."""
    def __init__(self, norm_shape, dropout):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.ln = nn.LayerNorm(norm_shape)

    def forward(self, X, Y):
        return self.ln(self.dropout(Y) + X)


add_norm = AddNorm(4, 0.5)
shape = (2, 3, 4)
check_shape(add_norm(d2l.ones(shape), d2l.ones(shape)), shape)


class TransformerEncoderBlock(nn.Module):  #@save
    """The Transformer encoder block."""
    def __init__(self, num_hiddens, ffn_num_hiddens, num_heads, dropout,
                 use_bias=False):
        super().__init__()
        self.attention = MultiHeadAttention(num_hiddens, num_heads,
                                            dropout, use_bias)
        self.addnorm1 = AddNorm(num_hiddens, dropout)
        self.ffn = PositionWiseFFN(ffn_num_hiddens, num_hiddens)
        self.addnorm2 = AddNorm(num_hiddens, dropout)

    def forward(self, X, valid_lens):
        Y = self.addnorm1(X, self.attention(X, X, X, valid_lens))
        return self.addnorm2(Y, self.ffn(Y))


X = d2l.ones((2, 10, 24))
valid_lens = d2l.tensor([3, 2])
encoder_blk = TransformerEncoderBlock(24, 48, 8, 0.5)
encoder_blk.eval()
check_shape(encoder_blk(X, valid_lens), X.shape)


class TransformerEncoder(nn.Module):  #@save
    """The Transformer encoder."""
    def __init__(self, vocab_size, num_hiddens, ffn_num_hiddens,
                 num_heads, num_blks, dropout, use_bias=False):
        super().__init__()
        self.num_hiddens = num_hiddens
        self.embedding = nn.Embedding(vocab_size, num_hiddens)
        self.pos_encoding = PositionalEncoding(num_hiddens, dropout)
        self.blks = nn.Sequential()
        for i in range(num_blks):
            self.blks.add_module("block"+str(i), TransformerEncoderBlock(
                num_hiddens, ffn_num_hiddens, num_heads, dropout, use_bias))

    def forward(self, X, valid_lens):
        # Since positional encoding values are between -1 and 1, the embedding
        # values are multiplied by the square root of the embedding dimension
        # to rescale before they are summed up
        X = self.pos_encoding(self.embedding(X) * math.sqrt(self.num_hiddens))
        self.attention_weights = [None] * len(self.blks)
        for i, blk in enumerate(self.blks):
            X = blk(X, valid_lens)
            self.attention_weights[
                i] = blk.attention.attention.attention_weights
        return X


encoder = TransformerEncoder(200, 24, 48, 8, 2, 0.5)
check_shape(encoder(d2l.ones((2, 10), dtype=torch.long), valid_lens),
            (2, 10, 24))


class TransformerDecoderBlock(nn.Module):
    # The i-th block in the Transformer decoder
    def __init__(self, num_hiddens, ffn_num_hiddens, num_heads, dropout, i):
        super().__init__()
        self.i = i
        self.attention1 = MultiHeadAttention(num_hiddens, num_heads,
                                             dropout)
        self.addnorm1 = AddNorm(num_hiddens, dropout)
        self.attention2 = MultiHeadAttention(num_hiddens, num_heads,
                                             dropout)
        self.addnorm2 = AddNorm(num_hiddens, dropout)
        self.ffn = PositionWiseFFN(ffn_num_hiddens, num_hiddens)
        self.addnorm3 = AddNorm(num_hiddens, dropout)

    def forward(self, X, state):
        enc_outputs, enc_valid_lens = state[0], state[1]
        # During training, all the tokens of any output sequence are processed
        # at the same time, so state[2][self.i] is None as initialized. When
        # decoding any output sequence token by token during prediction,
        # state[2][self.i] contains representations of the decoded output at
        # the i-th block up to the current time step
        if state[2][self.i] is None:
            key_values = X
        else:
            key_values = torch.cat((state[2][self.i], X), dim=1)
        state[2][self.i] = key_values
        if self.training:
            batch_size, num_steps, _ = X.shape
            # Shape of dec_valid_lens: (batch_size, num_steps), where every
            # row is [1, 2, ..., num_steps]
            dec_valid_lens = torch.arange(
                1, num_steps + 1, device=X.device).repeat(batch_size, 1)
        else:
            dec_valid_lens = None
        # Self-attention
        X2 = self.attention1(X, key_values, key_values, dec_valid_lens)
        Y = self.addnorm1(X, X2)
        # Encoder-decoder attention. Shape of enc_outputs:
        # (batch_size, num_steps, num_hiddens)
        Y2 = self.attention2(Y, enc_outputs, enc_outputs, enc_valid_lens)
        Z = self.addnorm2(Y, Y2)
        return self.addnorm3(Z, self.ffn(Z)), state


decoder_blk = TransformerDecoderBlock(24, 48, 8, 0.5, 0)
X = d2l.ones((2, 10, 24))
state = [encoder_blk(X, valid_lens), valid_lens, [None]]
check_shape(decoder_blk(X, state)[0], X.shape)


class TransformerDecoder(nn.Module):
    def __init__(self, vocab_size, num_hiddens, ffn_num_hiddens, num_heads,
                 num_blks, dropout):
        super().__init__()
        self.num_hiddens = num_hiddens
        self.num_blks = num_blks
        self.embedding = nn.Embedding(vocab_size, num_hiddens)
        self.pos_encoding = PositionalEncoding(num_hiddens, dropout)
        self.blks = nn.Sequential()
        for i in range(num_blks):
            self.blks.add_module("block"+str(i), TransformerDecoderBlock(
                num_hiddens, ffn_num_hiddens, num_heads, dropout, i))
        self.dense = nn.LazyLinear(vocab_size)

    def init_state(self, enc_outputs, enc_valid_lens):
        return [enc_outputs, enc_valid_lens, [None] * self.num_blks]

    def forward(self, X, state):
        X = self.pos_encoding(self.embedding(X) * math.sqrt(self.num_hiddens))
        self._attention_weights = [[None] * len(self.blks) for _ in range (2)]
        for i, blk in enumerate(self.blks):
            X, state = blk(X, state)
            # Decoder self-attention weights
            self._attention_weights[0][
                i] = blk.attention1.attention.attention_weights
            # Encoder-decoder attention weights
            self._attention_weights[1][
                i] = blk.attention2.attention.attention_weights
        return self.dense(X), state

    @property
    def attention_weights(self):
        return self._attention_weights


class Seq2Seq(nn.Module):  # d2l.EncoderDecoder + d2l.Seq2Seq (its masked loss, Adam, predict_step)
    def __init__(self, encoder, decoder, tgt_pad, lr):
        super().__init__()
        self.encoder, self.decoder, self.tgt_pad, self.lr = encoder, decoder, tgt_pad, lr

    def forward(self, enc_X, dec_X, *args):
        enc_all_outputs = self.encoder(enc_X, *args)
        dec_state = self.decoder.init_state(enc_all_outputs, *args)
        # Return decoder output only
        return self.decoder(dec_X, dec_state)[0]

    def loss(self, Y_hat, Y):
        Y_hat = d2l.reshape(Y_hat, (-1, Y_hat.shape[-1]))
        l = F.cross_entropy(Y_hat, d2l.reshape(Y, (-1,)), reduction='none')
        mask = d2l.astype(d2l.reshape(Y, -1) != self.tgt_pad, d2l.float32)
        return d2l.reduce_sum(l * mask) / d2l.reduce_sum(mask)

    def configure_optimizers(self):
        # Adam optimizer is used here
        return torch.optim.Adam(self.parameters(), lr=self.lr)

    def predict_step(self, batch, device, num_steps,
                     save_attention_weights=False):
        batch = [d2l.to(a, device) for a in batch]
        src, tgt, src_valid_len, _ = batch
        enc_all_outputs = self.encoder(src, src_valid_len)
        dec_state = self.decoder.init_state(enc_all_outputs, src_valid_len)
        outputs, attention_weights = [d2l.expand_dims(tgt[:, 0], 1), ], []
        for _ in range(num_steps):
            Y, dec_state = self.decoder(outputs[-1], dec_state)
            outputs.append(d2l.argmax(Y, 2))
            # Save attention weights (to be covered later)
            if save_attention_weights:
                attention_weights.append(self.decoder.attention_weights)
        return d2l.concat(outputs[1:], 1), attention_weights


def clip_gradients(grad_clip_val, model):  # d2l.Trainer.clip_gradients
    params = [p for p in model.parameters() if p.requires_grad]
    norm = torch.sqrt(sum(torch.sum((p.grad ** 2)) for p in params))
    if norm > grad_clip_val:
        for param in params:
            param.grad[:] *= grad_clip_val / norm


src_vocab, tgt_vocab, pad, bos, num_steps = 12, 11, 0, 1, 6
src = torch.randint(2, src_vocab, (8, num_steps))
src_valid_len = torch.tensor([6, 4, 5, 3, 6, 2, 5, 4])
src[torch.arange(num_steps)[None, :] >= src_valid_len[:, None]] = pad
tgt = torch.randint(2, tgt_vocab, (8, num_steps))
dec_X = torch.cat([torch.full((8, 1), bos), tgt[:, :-1]], 1)

num_hiddens, num_blks, dropout = 32, 2, 0.2
ffn_num_hiddens, num_heads = 16, 4
encoder = TransformerEncoder(
    src_vocab, num_hiddens, ffn_num_hiddens, num_heads,
    num_blks, dropout)
decoder = TransformerDecoder(
    tgt_vocab, num_hiddens, ffn_num_hiddens, num_heads,
    num_blks, dropout)
model = Seq2Seq(encoder, decoder, tgt_pad=pad, lr=0.001)
model(src[:1], dec_X[:1], src_valid_len[:1])  # (the lazy layers sized before the optimizer, as d2l's Trainer)
optim = model.configure_optimizers()
losses = []
for epoch in range(3):
    model.train()
    for i in range(0, 8, 4):
        batch = (src[i: i + 4], dec_X[i: i + 4], src_valid_len[i: i + 4], tgt[i: i + 4])
        loss = model.loss(model(*batch[:-1]), batch[-1])
        optim.zero_grad()
        with torch.no_grad():
            loss.backward()
            clip_gradients(1, model)
            optim.step()
        losses.append(loss.item())
model.eval()
preds, dec_attention_weights = model.predict_step((src[:2], dec_X[:2], src_valid_len[:2], tgt[:2]), None, num_steps,
                                                  True)
enc_attention_weights = d2l.concat(model.encoder.attention_weights, 0)
shape = (num_blks, num_heads, -1, num_steps)
enc_attention_weights = d2l.reshape(enc_attention_weights, shape)
last_step_weights = [w for blk in dec_attention_weights[-1] for w in blk]
print(preds)
'''

VISION_TRANSFORMER = D2L + '''

class PatchEmbedding(nn.Module):
    def __init__(self, img_size=96, patch_size=16, num_hiddens=512):
        super().__init__()
        def _make_tuple(x):
            if not isinstance(x, (list, tuple)):
                return (x, x)
            return x
        img_size, patch_size = _make_tuple(img_size), _make_tuple(patch_size)
        self.num_patches = (img_size[0] // patch_size[0]) * (
            img_size[1] // patch_size[1])
        self.conv = nn.LazyConv2d(num_hiddens, kernel_size=patch_size,
                                  stride=patch_size)

    def forward(self, X):
        # Output shape: (batch size, no. of patches, no. of channels)
        return self.conv(X).flatten(2).transpose(1, 2)


img_size, patch_size, num_hiddens, batch_size = 96, 16, 64, 4  # (d2l: 512 channels)
patch_emb = PatchEmbedding(img_size, patch_size, num_hiddens)
X = d2l.zeros(batch_size, 3, img_size, img_size)
check_shape(patch_emb(X),
            (batch_size, (img_size//patch_size)**2, num_hiddens))


class ViTMLP(nn.Module):
    def __init__(self, mlp_num_hiddens, mlp_num_outputs, dropout=0.5):
        super().__init__()
        self.dense1 = nn.LazyLinear(mlp_num_hiddens)
        self.gelu = nn.GELU()
        self.dropout1 = nn.Dropout(dropout)
        self.dense2 = nn.LazyLinear(mlp_num_outputs)
        self.dropout2 = nn.Dropout(dropout)

    def forward(self, x):
        return self.dropout2(self.dense2(self.dropout1(self.gelu(
            self.dense1(x)))))


class ViTBlock(nn.Module):
    def __init__(self, num_hiddens, norm_shape, mlp_num_hiddens,
                 num_heads, dropout, use_bias=False):
        super().__init__()
        self.ln1 = nn.LayerNorm(norm_shape)
        self.attention = MultiHeadAttention(num_hiddens, num_heads,
                                            dropout, use_bias)
        self.ln2 = nn.LayerNorm(norm_shape)
        self.mlp = ViTMLP(mlp_num_hiddens, num_hiddens, dropout)

    def forward(self, X, valid_lens=None):
        X = X + self.attention(*([self.ln1(X)] * 3), valid_lens)
        return X + self.mlp(self.ln2(X))


X = d2l.ones((2, 100, 24))
encoder_blk = ViTBlock(24, 24, 48, 8, 0.5)
encoder_blk.eval()
block_out = encoder_blk(X)
check_shape(block_out, X.shape)


class ViT(nn.Module):
    \"\"\"Vision Transformer.\"\"\"
    def __init__(self, img_size, patch_size, num_hiddens, mlp_num_hiddens,
                 num_heads, num_blks, emb_dropout, blk_dropout, lr=0.1,
                 use_bias=False, num_classes=10):
        super().__init__()
        self.lr = lr
        self.patch_embedding = PatchEmbedding(
            img_size, patch_size, num_hiddens)
        self.cls_token = nn.Parameter(d2l.zeros(1, 1, num_hiddens))
        num_steps = self.patch_embedding.num_patches + 1  # Add the cls token
        # Positional embeddings are learnable
        self.pos_embedding = nn.Parameter(
            torch.randn(1, num_steps, num_hiddens))
        self.dropout = nn.Dropout(emb_dropout)
        self.blks = nn.Sequential()
        for i in range(num_blks):
            self.blks.add_module(f"{i}", ViTBlock(
                num_hiddens, num_hiddens, mlp_num_hiddens,
                num_heads, blk_dropout, use_bias))
        self.head = nn.Sequential(nn.LayerNorm(num_hiddens),
                                  nn.Linear(num_hiddens, num_classes))

    def forward(self, X):
        X = self.patch_embedding(X)
        X = d2l.concat((self.cls_token.expand(X.shape[0], -1, -1), X), 1)
        X = self.dropout(X + self.pos_embedding)
        for blk in self.blks:
            X = blk(X)
        return self.head(X[:, 0])


img_size, patch_size = 96, 16
num_hiddens, mlp_num_hiddens, num_heads, num_blks = 64, 128, 8, 2  # (d2l: 512, 2048, 8, 2)
emb_dropout, blk_dropout, lr = 0.1, 0.1, 0.1
model = ViT(img_size, patch_size, num_hiddens, mlp_num_hiddens, num_heads,
            num_blks, emb_dropout, blk_dropout, lr)
images, labels = torch.rand(4, 1, img_size, img_size), torch.randint(0, 10, (4,))  # FashionMNIST resized, fewer
model(images[:1])  # (the lazy layers sized before the optimizer, as d2l's Trainer)
optimizer = torch.optim.SGD(model.parameters(), lr=model.lr)
losses = []
for step in range(3):
    loss = F.cross_entropy(model(images), labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
model.eval()
predictions = model(images).argmax(1)
'''

PROGRAMS = {
    "attention pooling (Nadaraya-Watson)": ATTENTION_POOLING,
    "scoring functions (masked_softmax, dot-product, additive)": SCORING_FUNCTIONS,
    "multi-head and self-attention, positional encoding": MULTIHEAD_SELF_ATTENTION,
    "Transformer encoder-decoder, trained and decoded": TRANSFORMER,
    "vision Transformer (patches, cls token), trained": VISION_TRANSFORMER,
}


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_d2l_program_runs_as_with_pytorch(name):
    torch_run, our_run = run_both(PROGRAMS[name])
    assert_same(torch_run, our_run, rtol=2e-4, atol=2e-5)


# (the others make float32 tensors themselves, as d2l writes them: `d2l.astype(kernel(dists), d2l.float32)`,
# PositionalEncoding's `dtype=torch.float32`, which a float64 model cannot multiply)
@pytest.mark.parametrize("name", ["scoring functions (masked_softmax, dot-product, additive)",
                                  "vision Transformer (patches, cls token), trained"])
def test_d2l_program_runs_as_with_pytorch_in_float64(name):
    """The same program with float64 as the default dtype (torch.set_default_dtype), to float64's precision."""
    assert_same_in_float64(PROGRAMS[name])
