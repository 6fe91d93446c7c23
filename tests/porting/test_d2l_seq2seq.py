"""Dive into Deep Learning (d2l.ai, the PyTorch edition), its sequence-to-sequence chapters as written there: the
Encoder / Decoder / EncoderDecoder interfaces, init_seq2seq (xavier_uniform_ through `module._flat_weights_names`
and `module._parameters[param]`), the GRU encoder and decoder (`context.repeat(embs.shape[0], 1, 1)`, the
embedding of `d2l.astype(d2l.transpose(X), d2l.int32)`), Seq2Seq's masked loss, predict_step and bleu, and
Bahdanau's attention decoder (additive attention over the encoder's outputs, one step at a time), each trained a
few Adam steps with d2l's gradient clipping and decoded greedily.

d2l's framework (Trainer, MTFraEng's download) is replaced by a plain loop on small synthetic token batches drawn
with torch. They train with the chapters' dropout=0.2, which reaches the dropout between nn.GRU's layers (the
harness replays those masks: in training the PyTorch run goes layer by layer with the recorded dropout between).
Each program runs with PyTorch and with this project under torch's names (harness.py): every value left and every
number printed agree."""
import pytest

from harness import assert_same, assert_same_in_float64, run_both

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)

SEQ2SEQ = '''
import collections
import math
import types

import torch
from torch import nn
from torch.nn import functional as F

d2l = types.SimpleNamespace(  # d2l/torch.py's aliases
    zeros=torch.zeros, concat=torch.cat, int32=torch.int32, int64=torch.int64, float32=torch.float32,
    reshape=lambda x, *args, **kwargs: x.reshape(*args, **kwargs),
    reduce_sum=lambda x, *args, **kwargs: x.sum(*args, **kwargs),
    argmax=lambda x, *args, **kwargs: x.argmax(*args, **kwargs),
    astype=lambda x, *args, **kwargs: x.type(*args, **kwargs),
    transpose=lambda x, *args, **kwargs: x.t(*args, **kwargs),
    swapaxes=lambda x, *args, **kwargs: x.swapaxes(*args, **kwargs),
    expand_dims=lambda x, *args, **kwargs: x.unsqueeze(*args, **kwargs),
    to=lambda x, *args, **kwargs: x.to(*args, **kwargs))


def check_shape(a, shape):  #@save
    """Check the shape of a tensor."""
    assert a.shape == shape, \\
            f'tensor\\'s shape {a.shape} != expected shape {shape}'


def check_len(a, n):  #@save
    """Check the length of a list."""
    assert len(a) == n, f'list\\'s length {len(a)} != expected length {n}'


class Encoder(nn.Module):  #@save
    """The base encoder interface for the encoder--decoder architecture."""
    def __init__(self):
        super().__init__()

    # Later there can be additional arguments (e.g., length excluding padding)
    def forward(self, X, *args):
        raise NotImplementedError


class Decoder(nn.Module):  #@save
    """The base decoder interface for the encoder--decoder architecture."""
    def __init__(self):
        super().__init__()

    # Later there can be additional arguments (e.g., length excluding padding)
    def init_state(self, enc_all_outputs, *args):
        raise NotImplementedError

    def forward(self, X, state):
        raise NotImplementedError


class EncoderDecoder(nn.Module):  #@save
    """The base class for the encoder--decoder architecture."""
    def __init__(self, encoder, decoder):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def forward(self, enc_X, dec_X, *args):
        enc_all_outputs = self.encoder(enc_X, *args)
        dec_state = self.decoder.init_state(enc_all_outputs, *args)
        # Return decoder output only
        return self.decoder(dec_X, dec_state)[0]

    def loss(self, Y_hat, Y, averaged=True):  # d2l.Classifier.loss
        Y_hat = d2l.reshape(Y_hat, (-1, Y_hat.shape[-1]))
        Y = d2l.reshape(Y, (-1,))
        return F.cross_entropy(
            Y_hat, Y, reduction='mean' if averaged else 'none')

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


class GRU(nn.Module):  #@save
    """The multilayer GRU model."""
    def __init__(self, num_inputs, num_hiddens, num_layers, dropout=0):
        super().__init__()
        self.num_inputs, self.num_hiddens, self.num_layers = num_inputs, num_hiddens, num_layers
        self.rnn = nn.GRU(num_inputs, num_hiddens, num_layers,
                          dropout=dropout)

    def forward(self, inputs, H=None):
        return self.rnn(inputs, H)


def init_seq2seq(module):  #@save
    """Initialize weights for sequence-to-sequence learning."""
    if type(module) == nn.Linear:
         nn.init.xavier_uniform_(module.weight)
    if type(module) == nn.GRU:
        for param in module._flat_weights_names:
            if "weight" in param:
                nn.init.xavier_uniform_(module._parameters[param])


class Seq2SeqEncoder(Encoder):  #@save
    """The RNN encoder for sequence-to-sequence learning."""
    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers,
                 dropout=0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = GRU(embed_size, num_hiddens, num_layers, dropout)
        self.apply(init_seq2seq)
            
    def forward(self, X, *args):
        # X shape: (batch_size, num_steps)
        embs = self.embedding(d2l.astype(d2l.transpose(X), d2l.int64))
        # embs shape: (num_steps, batch_size, embed_size)
        outputs, state = self.rnn(embs)
        # outputs shape: (num_steps, batch_size, num_hiddens)
        # state shape: (num_layers, batch_size, num_hiddens)
        return outputs, state


class Seq2Seq(EncoderDecoder):  #@save
    """The RNN encoder--decoder for sequence to sequence learning."""
    def __init__(self, encoder, decoder, tgt_pad, lr):
        super().__init__(encoder, decoder)
        self.tgt_pad, self.lr = tgt_pad, lr

    def configure_optimizers(self):
        # Adam optimizer is used here
        return torch.optim.Adam(self.parameters(), lr=self.lr)

    def loss(self, Y_hat, Y):
        l = super(Seq2Seq, self).loss(Y_hat, Y, averaged=False)
        mask = d2l.astype(d2l.reshape(Y, -1) != self.tgt_pad, d2l.float32)
        return d2l.reduce_sum(l * mask) / d2l.reduce_sum(mask)


def bleu(pred_seq, label_seq, k):  #@save
    """Compute the BLEU."""
    pred_tokens, label_tokens = pred_seq.split(' '), label_seq.split(' ')
    len_pred, len_label = len(pred_tokens), len(label_tokens)
    score = math.exp(min(0, 1 - len_label / len_pred))
    for n in range(1, min(k, len_pred) + 1):
        num_matches, label_subs = 0, collections.defaultdict(int)
        for i in range(len_label - n + 1):
            label_subs[' '.join(label_tokens[i: i + n])] += 1
        for i in range(len_pred - n + 1):
            if label_subs[' '.join(pred_tokens[i: i + n])] > 0:
                num_matches += 1
                label_subs[' '.join(pred_tokens[i: i + n])] -= 1
        score *= math.pow(num_matches / (len_pred - n + 1), math.pow(0.5, n))
    return score


def clip_gradients(grad_clip_val, model):  # d2l.Trainer.clip_gradients
    params = [p for p in model.parameters() if p.requires_grad]
    norm = torch.sqrt(sum(torch.sum((p.grad ** 2)) for p in params))
    if norm > grad_clip_val:
        for param in params:
            param.grad[:] *= grad_clip_val / norm


class Vocab:  # the target vocabulary, tokens made up
    idx_to_token = ['<pad>', '<bos>', '<eos>', 'va', '!', 'j\\'ai', 'perdu', '.', 'il', 'est', 'calme']

    def __getitem__(self, token):
        return self.idx_to_token.index(token)

    def __len__(self):
        return len(self.idx_to_token)

    def to_tokens(self, indices):
        return [self.idx_to_token[int(index)] for index in indices]


tgt_vocab, src_vocab_size, num_steps = Vocab(), 12, 6
src = torch.randint(3, src_vocab_size, (8, num_steps))
src_valid_len = torch.tensor([6, 4, 5, 3, 6, 2, 5, 4])
src[torch.arange(num_steps)[None, :] >= src_valid_len[:, None]] = 0
tgt = torch.randint(3, len(tgt_vocab), (8, num_steps))
tgt[:, -1] = tgt_vocab['<eos>']
tgt[1, 3:] = tgt_vocab['<pad>']
dec_X = torch.cat([torch.full((8, 1), tgt_vocab['<bos>']), tgt[:, :-1]], 1)


def fit(model, max_epochs=3):
    """d2l.Trainer.fit (with gradient_clip_val=1), on the batches above."""
    model(src[:1], dec_X[:1], src_valid_len[:1])  # (the lazy layers sized first, as d2l's Trainer)
    optim = model.configure_optimizers()
    losses = []
    for epoch in range(max_epochs):
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
    return losses


def translate(model):
    preds, _ = model.predict_step((src[:4], dec_X[:4], src_valid_len[:4], tgt[:4]), None, num_steps)
    scores = []
    for p, label in zip(preds, tgt[:4]):
        translation = []
        for token in tgt_vocab.to_tokens(p):
            if token == '<eos>':
                break
            translation.append(token)
        reference = ' '.join(t for t in tgt_vocab.to_tokens(label) if t not in ('<eos>', '<pad>'))
        scores.append(bleu(" ".join(translation), reference, k=2))
        print(f'{translation}, bleu,{scores[-1]:.3f}')
    return preds, scores
'''

RNN_ENCODER_DECODER = SEQ2SEQ + '''

class Seq2SeqDecoder(Decoder):
    """The RNN decoder for sequence to sequence learning."""
    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers,
                 dropout=0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = GRU(embed_size+num_hiddens, num_hiddens,
                       num_layers, dropout)
        self.dense = nn.LazyLinear(vocab_size)
        self.apply(init_seq2seq)
            
    def init_state(self, enc_all_outputs, *args):
        return enc_all_outputs

    def forward(self, X, state):
        # X shape: (batch_size, num_steps)
        # embs shape: (num_steps, batch_size, embed_size)
        embs = self.embedding(d2l.astype(d2l.transpose(X), d2l.int32))
        enc_output, hidden_state = state
        # context shape: (batch_size, num_hiddens)
        context = enc_output[-1]
        # Broadcast context to (num_steps, batch_size, num_hiddens)
        context = context.repeat(embs.shape[0], 1, 1)
        # Concat at the feature dimension
        embs_and_context = d2l.concat((embs, context), -1)
        outputs, hidden_state = self.rnn(embs_and_context, hidden_state)
        outputs = d2l.swapaxes(self.dense(outputs), 0, 1)
        # outputs shape: (batch_size, num_steps, vocab_size)
        # hidden_state shape: (num_layers, batch_size, num_hiddens)
        return outputs, [enc_output, hidden_state]


vocab_size, embed_size, num_hiddens, num_layers = 10, 8, 16, 2
batch_size, num_steps_check = 4, 9
encoder = Seq2SeqEncoder(vocab_size, embed_size, num_hiddens, num_layers)
X = d2l.zeros((batch_size, num_steps_check))
enc_outputs, enc_state = encoder(X)
check_shape(enc_outputs, (num_steps_check, batch_size, num_hiddens))
check_shape(enc_state, (num_layers, batch_size, num_hiddens))
check_len(enc_state, num_layers)
check_shape(enc_state[0], (batch_size, num_hiddens))
decoder = Seq2SeqDecoder(vocab_size, embed_size, num_hiddens, num_layers)
state = decoder.init_state(encoder(X))
dec_outputs, state = decoder(X, state)
check_shape(dec_outputs, (batch_size, num_steps_check, vocab_size))
check_shape(state[1], (num_layers, batch_size, num_hiddens))

embed_size, num_hiddens, num_layers, dropout = 16, 32, 2, 0.2  # (d2l: 256, 256, 2, 0.2)
encoder = Seq2SeqEncoder(
    src_vocab_size, embed_size, num_hiddens, num_layers, dropout)
decoder = Seq2SeqDecoder(
    len(tgt_vocab), embed_size, num_hiddens, num_layers, dropout)
model = Seq2Seq(encoder, decoder, tgt_pad=tgt_vocab['<pad>'],
                lr=0.005)
losses = fit(model)
preds, scores = translate(model)
'''

BAHDANAU = SEQ2SEQ + '''

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
        features = queries.unsqueeze(2) + keys.unsqueeze(1)
        features = torch.tanh(features)
        scores = self.w_v(features).squeeze(-1)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return torch.bmm(self.dropout(self.attention_weights), values)


class AttentionDecoder(Decoder):  #@save
    """The base attention-based decoder interface."""
    def __init__(self):
        super().__init__()

    @property
    def attention_weights(self):
        raise NotImplementedError


class Seq2SeqAttentionDecoder(AttentionDecoder):
    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers,
                 dropout=0):
        super().__init__()
        self.attention = AdditiveAttention(num_hiddens, dropout)
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(
            embed_size + num_hiddens, num_hiddens, num_layers,
            dropout=dropout)
        self.dense = nn.LazyLinear(vocab_size)
        self.apply(init_seq2seq)

    def init_state(self, enc_outputs, enc_valid_lens):
        # Shape of outputs: (num_steps, batch_size, num_hiddens).
        # Shape of hidden_state: (num_layers, batch_size, num_hiddens)
        outputs, hidden_state = enc_outputs
        return (outputs.permute(1, 0, 2), hidden_state, enc_valid_lens)

    def forward(self, X, state):
        # Shape of enc_outputs: (batch_size, num_steps, num_hiddens).
        # Shape of hidden_state: (num_layers, batch_size, num_hiddens)
        enc_outputs, hidden_state, enc_valid_lens = state
        # Shape of the output X: (num_steps, batch_size, embed_size)
        X = self.embedding(X).permute(1, 0, 2)
        outputs, self._attention_weights = [], []
        for x in X:
            # Shape of query: (batch_size, 1, num_hiddens)
            query = torch.unsqueeze(hidden_state[-1], dim=1)
            # Shape of context: (batch_size, 1, num_hiddens)
            context = self.attention(
                query, enc_outputs, enc_outputs, enc_valid_lens)
            # Concatenate on the feature dimension
            x = torch.cat((context, torch.unsqueeze(x, dim=1)), dim=-1)
            # Reshape x as (1, batch_size, embed_size + num_hiddens)
            out, hidden_state = self.rnn(x.permute(1, 0, 2), hidden_state)
            outputs.append(out)
            self._attention_weights.append(self.attention.attention_weights)
        # After fully connected layer transformation, shape of outputs:
        # (num_steps, batch_size, vocab_size)
        outputs = self.dense(torch.cat(outputs, dim=0))
        return outputs.permute(1, 0, 2), [enc_outputs, hidden_state,
                                          enc_valid_lens]

    @property
    def attention_weights(self):
        return self._attention_weights


vocab_size, embed_size, num_hiddens, num_layers = 10, 8, 16, 2
batch_size, num_steps_check = 4, 7
encoder = Seq2SeqEncoder(vocab_size, embed_size, num_hiddens, num_layers)
decoder = Seq2SeqAttentionDecoder(vocab_size, embed_size, num_hiddens,
                                  num_layers)
X = d2l.zeros((batch_size, num_steps_check), dtype=torch.long)
state = decoder.init_state(encoder(X), None)
output, state = decoder(X, state)
check_shape(output, (batch_size, num_steps_check, vocab_size))
check_shape(state[0], (batch_size, num_steps_check, num_hiddens))
check_shape(state[1][0], (batch_size, num_hiddens))

embed_size, num_hiddens, num_layers, dropout = 16, 32, 2, 0.2  # (d2l: 256, 256, 2, 0.2)
encoder = Seq2SeqEncoder(
    src_vocab_size, embed_size, num_hiddens, num_layers, dropout)
decoder = Seq2SeqAttentionDecoder(
    len(tgt_vocab), embed_size, num_hiddens, num_layers, dropout)
model = Seq2Seq(encoder, decoder, tgt_pad=tgt_vocab['<pad>'],
                lr=0.005)
losses = fit(model)
preds, scores = translate(model)
_, dec_attention_weights = model.predict_step(
    (src[-1:], dec_X[-1:], src_valid_len[-1:], tgt[-1:]), None, num_steps, True)
attention_matrix = d2l.concat([step[0] for step in dec_attention_weights], 0)
'''

PROGRAMS = {
    "RNN encoder-decoder (seq2seq), trained, decoded, BLEU": RNN_ENCODER_DECODER,
    "Bahdanau attention decoder, trained, decoded, its weights": BAHDANAU,
}


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_d2l_program_runs_as_with_pytorch(name):
    torch_run, our_run = run_both(PROGRAMS[name])
    assert_same(torch_run, our_run, rtol=2e-4, atol=2e-5)


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_d2l_program_runs_as_with_pytorch_in_float64(name):
    """The same program with float64 as the default dtype (torch.set_default_dtype), to float64's precision."""
    assert_same_in_float64(PROGRAMS[name])
