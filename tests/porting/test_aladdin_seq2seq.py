"""The sequence-to-sequence programs of aladdinpersson/Machine-Learning-Collection (ML/Pytorch/more_advanced:
Seq2Seq/seq2seq.py and Seq2Seq_attention/seq2seq_attention.py, with the translate_sentence and checkpoint
helpers of their utils.py), as written there, without torchtext and spacy: a small synthetic vocabulary
stands in for `Field.build_vocab` on Multi30k (its `vocab.stoi`/`vocab.itos`, init and eos tokens), batches
of random token ids (sequence first, padded) for BucketIterator's, and str.split for spacy's tokenizer;
sizes and epochs are cut down, tensorboard and the BLEU score (torchtext's bleu_score) are left out. Every
change is marked ``# test:``.

- seq2seq.py: an LSTM encoder and decoder (two layers, the LSTM's own dropout between them, dropout on the
  embeddings), the decoder fed one token at a time with `x.unsqueeze(0)`, outputs collected in
  `outputs[t] = output` of a zeros tensor, teacher forcing with Python's `random.random()`, argmax for the
  best guess, cross-entropy with ignore_index on the padding, `clip_grad_norm_(max_norm=1)`, Adam, a
  checkpoint saved each epoch, and the greedy translation of the example sentence in eval mode (no_grad,
  `torch.LongTensor(list)`, `.item()`, stopping at <eos>);
- seq2seq_attention.py: a bidirectional encoder whose final states go through Linear layers
  (`torch.cat((hidden[0:1], hidden[1:2]), dim=2)`), attention energies from `hidden.repeat(seq_len, 1, 1)`
  concatenated with the encoder states, ReLU, Softmax(dim=0), the context from
  `torch.einsum('snk,snl->knl', attention, encoder_states)`;
- seq2seq_transformer/seq2seq_transformer.py (and its utils.py's translate_sentence): nn.Transformer with
  sequence-first inputs, learned position embeddings from `arange(...).unsqueeze(1).expand(...)`, a
  src_key_padding_mask from `src.transpose(0, 1) == pad`, `generate_square_subsequent_mask`, the program's
  forward_expansion (4) passed as dim_feedforward, dropout 0.05 (the attention's masks replayed too),
  greedy decoding feeding the whole prefix back in, ReduceLROnPlateau on the epoch's mean loss (embedding
  32 and four heads in place of 512 and eight).

Each runs with PyTorch and with this project under torch's names (harness.py); every value left and every
number and word printed agree (dropout's masks replayed)."""
import pytest

from harness import assert_same, key_bias_aside, run_both

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)

DATA = '''
class Vocab:  # test: a synthetic vocabulary in place of torchtext's build_vocab on Multi30k
    def __init__(self, words):
        self.itos = ["<unk>", "<pad>", "<sos>", "<eos>"] + words
        self.stoi = {word: index for index, word in enumerate(self.itos)}

    def __len__(self):
        return len(self.itos)


class Field:  # test: torchtext's Field: its init and eos tokens and its vocabulary
    def __init__(self, words):
        self.init_token, self.eos_token = "<sos>", "<eos>"
        self.vocab = Vocab(words)


german = Field("ein boot mit mehreren männern darauf wird von einem großen pferdegespann ans ufer gezogen .".split())
english = Field("a boat with several men on it is pulled to the shore by a large team of horses .".split())


class Batch:  # test: BucketIterator's batches: src and trg token ids, (seq_len, N), <sos> ... <eos> <pad>...
    def __init__(self, src_len, trg_len, batch_size):
        self.src = torch.randint(4, len(german.vocab), (src_len, batch_size))
        self.trg = torch.randint(4, len(english.vocab), (trg_len, batch_size))
        for tokens in (self.src, self.trg):
            tokens[0] = german.vocab.stoi["<sos>"]
            tokens[-1] = german.vocab.stoi["<eos>"]
            tokens[-2:, 0] = torch.tensor([german.vocab.stoi["<eos>"], german.vocab.stoi["<pad>"]])


def save_checkpoint(state, filename="my_checkpoint.pth.tar"):  # test: utils.py's
    print("=> Saving checkpoint")
    torch.save(state, filename)


def load_checkpoint(checkpoint, model, optimizer):  # test: utils.py's
    print("=> Loading checkpoint")
    model.load_state_dict(checkpoint["state_dict"])
    optimizer.load_state_dict(checkpoint["optimizer"])
'''

SEQ2SEQ = '''
import torch
import torch.nn as nn
import torch.optim as optim
import numpy as np
import random
''' + DATA + '''

def translate_sentence(model, sentence, german, english, device, max_length=50):  # test: Seq2Seq/utils.py's
    if type(sentence) == str:
        tokens = [token.lower() for token in sentence.split()]  # test: spacy_ger(sentence)'s tokens
    else:
        tokens = [token.lower() for token in sentence]

    tokens.insert(0, german.init_token)
    tokens.append(german.eos_token)

    text_to_indices = [german.vocab.stoi[token] for token in tokens]

    sentence_tensor = torch.LongTensor(text_to_indices).unsqueeze(1).to(device)

    with torch.no_grad():
        hidden, cell = model.encoder(sentence_tensor)

    outputs = [english.vocab.stoi["<sos>"]]

    for _ in range(max_length):
        previous_word = torch.LongTensor([outputs[-1]]).to(device)

        with torch.no_grad():
            output, hidden, cell = model.decoder(previous_word, hidden, cell)
            best_guess = output.argmax(1).item()

        outputs.append(best_guess)

        if output.argmax(1).item() == english.vocab.stoi["<eos>"]:
            break

    translated_sentence = [english.vocab.itos[idx] for idx in outputs]

    return translated_sentence[1:]


class Encoder(nn.Module):
    def __init__(self, input_size, embedding_size, hidden_size, num_layers, p):
        super(Encoder, self).__init__()
        self.dropout = nn.Dropout(p)
        self.hidden_size = hidden_size
        self.num_layers = num_layers

        self.embedding = nn.Embedding(input_size, embedding_size)
        self.rnn = nn.LSTM(embedding_size, hidden_size, num_layers, dropout=p)

    def forward(self, x):
        embedding = self.dropout(self.embedding(x))

        outputs, (hidden, cell) = self.rnn(embedding)

        return hidden, cell

class Decoder(nn.Module):
    def __init__(self, input_size, embedding_size, hidden_size,
                 output_size, num_layers, p):
        super(Decoder, self).__init__()
        self.dropout = nn.Dropout(p)
        self.hidden_size = hidden_size
        self.num_layers = num_layers

        self.embedding = nn.Embedding(input_size, embedding_size)
        self.rnn = nn.LSTM(embedding_size, hidden_size, num_layers, dropout=p)
        self.fc = nn.Linear(hidden_size, output_size)

    def forward(self, x, hidden, cell):
        x = x.unsqueeze(0)

        embedding = self.dropout(self.embedding(x))

        outputs, (hidden, cell) = self.rnn(embedding, (hidden, cell))

        predictions = self.fc(outputs)

        predictions = predictions.squeeze(0)

        return predictions, hidden, cell

class Seq2Seq(nn.Module):
    def __init__(self, encoder, decoder):
        super(Seq2Seq, self).__init__()
        self.encoder = encoder
        self.decoder = decoder

    def forward(self, source, target, teacher_force_ratio=0.5):
        batch_size = source.shape[1]
        target_len = target.shape[0]
        target_vocab_size = len(english.vocab)

        outputs = torch.zeros(target_len, batch_size, target_vocab_size).to(device)

        hidden, cell = self.encoder(source)

        x = target[0]

        for t in range(1, target_len):
            output, hidden, cell = self.decoder(x, hidden, cell)

            outputs[t] = output

            best_guess = output.argmax(1)

            x = target[t] if random.random() < teacher_force_ratio else best_guess

        return outputs


num_epochs = 2  # test: 100
learning_rate = 0.001
batch_size = 4  # test: 64

load_model = False
device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
input_size_encoder = len(german.vocab)
input_size_decoder = len(english.vocab)
output_size = len(english.vocab)
encoder_embedding_size = 12  # test: 300
decoder_embedding_size = 12  # test: 300
hidden_size = 16  # test: 1024
num_layers = 2
enc_dropout = 0.5
dec_dropout = 0.5

step = 0

train_iterator = [Batch(7, 6, batch_size), Batch(5, 8, batch_size)]  # test: BucketIterator.splits(...)

encoder_net = Encoder(input_size_encoder, encoder_embedding_size,
              hidden_size, num_layers, enc_dropout).to(device)

decoder_net = Decoder(input_size_decoder, decoder_embedding_size,
              hidden_size, output_size, num_layers, dec_dropout).to(device)

model = Seq2Seq(encoder_net, decoder_net).to(device)
optimizer = optim.Adam(model.parameters(), lr = learning_rate)

pad_idx = english.vocab.stoi['<pad>']
criterion = nn.CrossEntropyLoss(ignore_index = pad_idx)

if load_model:
    load_checkpoint(torch.load("my_checkpoint.pth.tar"), model, optimizer)


sentence = 'ein boot mit mehreren männern darauf wird von einem großen pferdegespann ans ufer gezogen .'  # test: 'gezogen.'
losses = []  # test: the losses, compared between the libraries

for epoch in range(num_epochs):
    print(f'[Epoch {epoch} / {num_epochs}]')

    checkpoint = {'state_dict' : model.state_dict(), 'optimizer': optimizer.state_dict()}
    save_checkpoint(checkpoint)

    model.eval()

    translated_sentence = translate_sentence(model, sentence, german,
                                             english, device, max_length=10)  # test: max_length=50

    print(f'Translated example sentence: \\n {translated_sentence}')

    model.train()

    for batch_idx, batch in enumerate(train_iterator):
        inp_data = batch.src.to(device)
        target = batch.trg.to(device)

        output = model(inp_data, target)

        output = output[1:].reshape(-1, output.shape[2])
        target = target[1:].reshape(-1)

        optimizer.zero_grad()
        loss = criterion(output, target)

        loss.backward()

        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1)

        optimizer.step()

        losses.append(loss.item())  # test: writer.add_scalar('Training loss', loss, global_step=step)
        step += 1

translated = translate_sentence(model, sentence, german, english, device, max_length=10)  # test: bleu(...)
'''

SEQ2SEQ_ATTENTION = '''
import random
import torch
import torch.nn as nn
import torch.optim as optim
import numpy as np
''' + DATA + '''

def translate_sentence(model, sentence, german, english, device, max_length=50):  # test: utils.py's
    if type(sentence) == str:
        tokens = [token.lower() for token in sentence.split()]  # test: spacy_ger(sentence)'s tokens
    else:
        tokens = [token.lower() for token in sentence]

    tokens.insert(0, german.init_token)
    tokens.append(german.eos_token)

    text_to_indices = [german.vocab.stoi[token] for token in tokens]

    sentence_tensor = torch.LongTensor(text_to_indices).unsqueeze(1).to(device)

    with torch.no_grad():
        outputs_encoder, hiddens, cells = model.encoder(sentence_tensor)

    outputs = [english.vocab.stoi["<sos>"]]

    for _ in range(max_length):
        previous_word = torch.LongTensor([outputs[-1]]).to(device)

        with torch.no_grad():
            output, hiddens, cells = model.decoder(
                previous_word, outputs_encoder, hiddens, cells
            )
            best_guess = output.argmax(1).item()

        outputs.append(best_guess)

        if output.argmax(1).item() == english.vocab.stoi["<eos>"]:
            break

    translated_sentence = [english.vocab.itos[idx] for idx in outputs]

    return translated_sentence[1:]


class Encoder(nn.Module):
    def __init__(self, input_size, embedding_size, hidden_size, num_layers, p):
        super(Encoder, self).__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers

        self.embedding = nn.Embedding(input_size, embedding_size)
        self.rnn = nn.LSTM(embedding_size, hidden_size, num_layers, bidirectional=True)

        self.fc_hidden = nn.Linear(hidden_size * 2, hidden_size)
        self.fc_cell = nn.Linear(hidden_size * 2, hidden_size)
        self.dropout = nn.Dropout(p)

    def forward(self, x):
        embedding = self.dropout(self.embedding(x))

        encoder_states, (hidden, cell) = self.rnn(embedding)

        hidden = self.fc_hidden(torch.cat((hidden[0:1], hidden[1:2]), dim=2))
        cell = self.fc_cell(torch.cat((cell[0:1], cell[1:2]), dim=2))

        return encoder_states, hidden, cell


class Decoder(nn.Module):
    def __init__(
            self, input_size, embedding_size, hidden_size, output_size, num_layers, p
    ):
        super(Decoder, self).__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers

        self.embedding = nn.Embedding(input_size, embedding_size)
        self.rnn = nn.LSTM(hidden_size * 2 + embedding_size, hidden_size, num_layers)

        self.energy = nn.Linear(hidden_size * 3, 1)
        self.fc = nn.Linear(hidden_size, output_size)
        self.dropout = nn.Dropout(p)
        self.softmax = nn.Softmax(dim=0)
        self.relu = nn.ReLU()

    def forward(self, x, encoder_states, hidden, cell):
        x = x.unsqueeze(0)

        embedding = self.dropout(self.embedding(x))

        sequence_length = encoder_states.shape[0]
        h_reshaped = hidden.repeat(sequence_length, 1, 1)

        energy = self.relu(self.energy(torch.cat((h_reshaped, encoder_states), dim=2)))

        attention = self.softmax(energy)

        context_vector = torch.einsum('snk,snl->knl', attention, encoder_states)

        rnn_input = torch.cat((context_vector, embedding), dim=2)

        outputs, (hidden, cell) = self.rnn(rnn_input, (hidden, cell))

        predictions = self.fc(outputs).squeeze(0)

        return predictions, hidden, cell


class Seq2Seq(nn.Module):
    def __init__(self, encoder, decoder):
        super(Seq2Seq, self).__init__()
        self.encoder = encoder
        self.decoder = decoder

    def forward(self, source, target, teacher_force_ratio=0.5):
        batch_size = source.shape[1]
        target_len = target.shape[0]
        target_vocab_size = len(english.vocab)

        outputs = torch.zeros(target_len, batch_size, target_vocab_size).to(device)
        encoder_states, hidden, cell = self.encoder(source)

        x = target[0]

        for t in range(1, target_len):
            output, hidden, cell = self.decoder(x, encoder_states, hidden, cell)

            outputs[t] = output

            best_guess = output.argmax(1)

            x = target[t] if random.random() < teacher_force_ratio else best_guess

        return outputs


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
load_model = False
save_model = True

num_epochs = 2  # test: 100
learning_rate = 3e-4
batch_size = 4  # test: 32

input_size_encoder = len(german.vocab)
input_size_decoder = len(english.vocab)
output_size = len(english.vocab)
encoder_embedding_size = 12  # test: 300
decoder_embedding_size = 12  # test: 300
hidden_size = 16  # test: 1024
num_layers = 1
enc_dropout = 0.0
dec_dropout = 0.0

step = 0

train_iterator = [Batch(7, 6, batch_size), Batch(5, 8, batch_size)]  # test: BucketIterator.splits(...)

encoder_net = Encoder(
    input_size_encoder, encoder_embedding_size, hidden_size, num_layers, enc_dropout
).to(device)

decoder_net = Decoder(
    input_size_decoder,
    decoder_embedding_size,
    hidden_size,
    output_size,
    num_layers,
    dec_dropout,
).to(device)

model = Seq2Seq(encoder_net, decoder_net).to(device)
optimizer = optim.Adam(model.parameters(), lr=learning_rate)

pad_idx = english.vocab.stoi["<pad>"]
criterion = nn.CrossEntropyLoss(ignore_index=pad_idx)

if load_model:
    load_checkpoint(torch.load("my_checkpoint.pth.tar"), model, optimizer)

sentence = (
    "ein boot mit mehreren männern darauf wird von einem großen "  # test: no space before pferdegespann
    "pferdegespann ans ufer gezogen ."  # test: "gezogen."
)
losses = []  # test: the losses, compared between the libraries

for epoch in range(num_epochs):
    print(f"[Epoch {epoch} / {num_epochs}]")

    if save_model:
        checkpoint = {"state_dict": model.state_dict(), "optimizer": optimizer.state_dict()}
        save_checkpoint(checkpoint)

    model.eval()

    translated_sentence = translate_sentence(
        model, sentence, german, english, device, max_length=10  # test: max_length=50
    )

    print(f"Translated example sentence: \\n {translated_sentence}")

    model.train()

    for batch_idx, batch in enumerate(train_iterator):
        inp_data = batch.src.to(device)
        target = batch.trg.to(device)

        output = model(inp_data, target)

        output = output[1:].reshape(-1, output.shape[2])
        target = target[1:].reshape(-1)

        optimizer.zero_grad()
        loss = criterion(output, target)

        loss.backward()

        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1)

        optimizer.step()

        losses.append(loss.item())  # test: writer.add_scalar("Training loss", loss, global_step=step)
        step += 1

translated = translate_sentence(model, sentence, german, english, device, max_length=10)  # test: bleu(...)
'''


SEQ2SEQ_TRANSFORMER = '''
import random
import torch
import torch.nn as nn
import torch.optim as optim
import numpy as np
import sys
''' + DATA + '''

def translate_sentence(model, sentence, german, english, device, max_length=50):  # test: utils.py's
    if type(sentence) == str:
        tokens = [token.lower() for token in sentence.split()]  # test: spacy_ger(sentence)'s tokens
    else:
        tokens = [token.lower() for token in sentence]

    tokens.insert(0, german.init_token)
    tokens.append(german.eos_token)

    text_to_indices = [german.vocab.stoi.get(token, 0) for token in tokens]  # test: stoi[token] (<unk> = 0)

    sentence_tensor = torch.LongTensor(text_to_indices).unsqueeze(1).to(device)

    outputs = [english.vocab.stoi["<sos>"]]
    for i in range(max_length):
        trg_tensor = torch.LongTensor(outputs).unsqueeze(1).to(device)

        with torch.no_grad():
            output = model(sentence_tensor, trg_tensor)

        best_guess = output.argmax(2)[-1, :].item()
        outputs.append(best_guess)

        if best_guess == english.vocab.stoi["<eos>"]:
            break

    translated_sentence = [english.vocab.itos[idx] for idx in outputs]
    return translated_sentence[1:]


class Transformer(nn.Module):
    def __init__(
        self,
        embedding_size,
        src_vocab_size,
        trg_vocab_size,
        src_pad_idx,
        num_heads,
        num_encoder_layers,
        num_decoder_layers,
        forward_expansion,
        dropout,
        max_len,
        device,
    ):
        super(Transformer, self).__init__()
        self.src_word_embedding = nn.Embedding(src_vocab_size, embedding_size)
        self.src_position_embedding = nn.Embedding(max_len, embedding_size)
        self.trg_word_embedding = nn.Embedding(trg_vocab_size, embedding_size)
        self.trg_position_embedding = nn.Embedding(max_len, embedding_size)

        self.device = device
        self.transformer = nn.Transformer(
            embedding_size,
            num_heads,
            num_encoder_layers,
            num_decoder_layers,
            forward_expansion,
            dropout,
        )
        self.fc_out = nn.Linear(embedding_size, trg_vocab_size)
        self.dropout = nn.Dropout(dropout)
        self.src_pad_idx = src_pad_idx

    def make_src_mask(self, src):
        src_mask = src.transpose(0, 1) == self.src_pad_idx

        return src_mask.to(self.device)

    def make_trg_mask(self, trg):
        trg_len, N = trg.shape

        trg_mask = torch.tril(torch.ones((trg_len, trg_len)))
        trg_mask = (
            trg_mask.float()
            .masked_fill(trg_mask == 0, float("-inf"))
            .masked_fill(trg_mask == 1, float(0.0))
        )
        return trg_mask.to(device)

    def forward(self, src, trg):
        src_seq_length, N = src.shape
        trg_seq_length, N = trg.shape

        src_positions = (
            torch.arange(0, src_seq_length)
            .unsqueeze(1)
            .expand(src_seq_length, N)
            .to(self.device)
        )

        trg_positions = (
            torch.arange(0, trg_seq_length)
            .unsqueeze(1)
            .expand(trg_seq_length, N)
            .to(self.device)
        )

        embed_src = self.dropout(
            (self.src_word_embedding(src) + self.src_position_embedding(src_positions))
        )
        embed_trg = self.dropout(
            (self.trg_word_embedding(trg) + self.trg_position_embedding(trg_positions))
        )

        src_padding_mask = self.make_src_mask(src)
        trg_mask = self.transformer.generate_square_subsequent_mask(trg_seq_length).to(
            self.device
        )

        out = self.transformer(
            embed_src,
            embed_trg,
            src_key_padding_mask=src_padding_mask,
            tgt_mask=trg_mask,
        )
        out = self.fc_out(out)
        return out


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
load_model = False  # test: True (there is no checkpoint to load)

num_epochs = 2  # test: 10000
learning_rate = 1e-3  # test: 1e-5
batch_size = 4  # test: 32

src_vocab_size = len(german.vocab)
trg_vocab_size = len(english.vocab)
embedding_size = 32  # test: 512
num_heads = 4  # test: 8
num_encoder_layers = 3
num_decoder_layers = 3
dropout = 0.05
max_len = 100
forward_expansion = 4
src_pad_idx = english.vocab.stoi["<pad>"]

step = 0

train_iterator = [Batch(7, 6, batch_size), Batch(5, 8, batch_size)]  # test: BucketIterator.splits(...)

model = Transformer(
    embedding_size,
    src_vocab_size,
    trg_vocab_size,
    src_pad_idx,
    num_heads,
    num_encoder_layers,
    num_decoder_layers,
    forward_expansion,
    dropout,
    max_len,
    device,
).to(device)

optimizer = optim.Adam(model.parameters(), lr=learning_rate)
scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
    optimizer, factor=0.1, patience=10  # test: verbose=True (no longer an argument)
)

pad_idx = english.vocab.stoi["<pad>"]
criterion = nn.CrossEntropyLoss(ignore_index=pad_idx)
sentence = "ein pferd geht unter einer brücke neben einem boot."
all_losses = []  # test: compared between the libraries

if load_model:
    load_checkpoint(torch.load("my_checkpoint.pth.tar"), model, optimizer)

for epoch in range(num_epochs):
    print(f"[Epoch {epoch} / {num_epochs}]")
    checkpoint = {"state_dict": model.state_dict(), "optimizer": optimizer.state_dict()}
    save_checkpoint(checkpoint)

    model.eval()
    translated_sentence = translate_sentence(
        model, sentence, german, english, device, max_length=10  # test: max_length=50
    )

    print(f"Translated example sentence: \\n {translated_sentence}")

    model.train()

    losses = []

    for batch_idx, batch in enumerate(train_iterator):
        inp_data = batch.src.to(device)
        target = batch.trg.to(device)

        output = model(inp_data, target[:-1, :])
        output = output.reshape(-1, output.shape[2])
        target = target[1:].reshape(-1)

        optimizer.zero_grad()
        loss = criterion(output, target)
        losses.append(loss.item())

        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1)

        optimizer.step()

        step += 1

    mean_loss = sum(losses) / len(losses)
    scheduler.step(mean_loss)
    all_losses += losses  # test: (as above)
'''

PROGRAMS = {"seq2seq.py": SEQ2SEQ, "seq2seq_attention.py": SEQ2SEQ_ATTENTION,
            "seq2seq_transformer.py": SEQ2SEQ_TRANSFORMER}


@pytest.mark.parametrize("name", PROGRAMS)
def test_program_runs_as_with_pytorch(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # (each epoch saves my_checkpoint.pth.tar)
    torch_run, our_run = run_both(PROGRAMS[name])
    # (nn.Transformer's attention key bias: its true gradient is zero, each library's rounding noise, which
    # Adam turns into different steps; harness.key_bias_aside compares the query and value thirds)
    assert_same(torch_run, our_run, ignore=key_bias_aside(torch_run, our_run))
    assert torch_run.stdout.count("Translated example sentence") == 2
    assert torch_run.printed_text() == our_run.printed_text()  # the translations' words too


STACKED_RNNS_WITH_DROPOUT = '''
import torch
import torch.nn as nn

outputs = []
for rnn, x in ((nn.LSTM(3, 5, num_layers=3, dropout=0.4), torch.randn(6, 2, 3)),
               (nn.GRU(3, 4, num_layers=2, dropout=0.5, bidirectional=True, batch_first=True), torch.randn(2, 6, 3)),
               (nn.RNN(3, 4, num_layers=2, dropout=0.3), torch.randn(6, 3)),  # unbatched
               (nn.LSTM(3, 6, num_layers=2, dropout=0.5, proj_size=2), torch.randn(4, 2, 3))):
    out = rnn(x)[0]
    out.sum().backward()
    outputs.append(out)
    outputs.append(rnn.weight_ih_l0.grad)
'''


def test_the_masks_stacked_rnns_draw_between_layers_are_replayed():
    """The harness records the dropout masks PyTorch's RNN/LSTM/GRU draw in C++ between their layers (two
    layers and three, bidirectional, batch_first, unbatched, with proj_size): the outputs and gradients
    agree, so the masks are the same."""
    torch_run, our_run = run_both(STACKED_RNNS_WITH_DROPOUT)
    assert_same(torch_run, our_run)
