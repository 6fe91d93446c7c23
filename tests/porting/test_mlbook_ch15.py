# Code from rasbt/machine-learning-book, ch15/ch15_part1.ipynb, ch15_part2.ipynb and ch15_part3.ipynb
# (MIT, (c) Sebastian Raschka)
"""Raschka, Liu and Mirjalili, "Machine Learning with PyTorch and Scikit-Learn", chapter 15 (Modeling Sequential
Data Using Recurrent Neural Networks): the code cells of the three notebooks, as written, run under PyTorch and
under seegrad (notebook.py, harness.py): an nn.RNN's output computed by hand from its weights, the IMDB sentiment
models (a tokenizer, a vocabulary, a collate function with pad_sequence, nn.Embedding with padding_idx, an LSTM
over pack_padded_sequence, then a bidirectional one) and the character-level language model (an LSTM stepped
one character at a time, text sampled with torch.distributions.Categorical at three temperatures); the same
values, printed numbers and printed text (the sampled texts too). Source: github.com/rasbt/machine-learning-book
(MIT, (c) Sebastian Raschka). Changed (each marked in the text): the package check, IPython image and shell
cells are left out; torchtext is not installed here and IMDB cannot be downloaded, so IMDB is a stand-in of
generated reviews (its (label, text) items, labels 1 and 2, HTML breaks and emoticons: 100 for training and 40
for testing instead of 25000 each) and torchtext's vocab a stand-in of its rules; pkg_resources is not installed,
so packaging's parse_version stands in; the book's "The Mysterious Island" text file is a generated text with
its start and end markers; the models run on the CPU; the datasets, the language model's sizes (embedding 16
and hidden size 32 instead of 256 and 512), the generated texts' length (200 characters instead of 500) and the
epochs are cut down; a cell's last expression is shown by
its repr as Jupyter shows it.
"""
import numpy as np
import pytest

from notebook import run_notebook

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)

PART1 = r'''
# %% cell 21
import torch
import torch.nn as nn

torch.manual_seed(1)

rnn_layer = nn.RNN(input_size=5, hidden_size=2, num_layers=1, batch_first=True) 

w_xh = rnn_layer.weight_ih_l0
w_hh = rnn_layer.weight_hh_l0
b_xh = rnn_layer.bias_ih_l0
b_hh = rnn_layer.bias_hh_l0

print('W_xh shape:', w_xh.shape)
print('W_hh shape:', w_hh.shape)
print('b_xh shape:', b_xh.shape)
print('b_hh shape:', b_hh.shape)

# %% cell 22
x_seq = torch.tensor([[1.0]*5, [2.0]*5, [3.0]*5]).float()

## output of the simple RNN:
output, hn = rnn_layer(torch.reshape(x_seq, (1, 3, 5)))

## manually computing the output:
out_man = []
for t in range(3):
    xt = torch.reshape(x_seq[t], (1, 5))
    print(f'Time step {t} =>')
    print('   Input           :', xt.numpy())
    
    ht = torch.matmul(xt, torch.transpose(w_xh, 0, 1)) + b_xh    
    print('   Hidden          :', ht.detach().numpy())
    
    if t>0:
        prev_h = out_man[t-1]
    else:
        prev_h = torch.zeros((ht.shape))

    ot = ht + torch.matmul(prev_h, torch.transpose(w_hh, 0, 1)) + b_hh
    ot = torch.tanh(ot)
    out_man.append(ot)
    print('   Output (manual) :', ot.detach().numpy())
    print('   RNN output      :', output[:, t].detach().numpy())
    print()
'''


# numpy prints a float32 with the fewest digits that read back as the same float32, and pads the numbers of an
# array to one width: where the two libraries' matmuls round the last bit apart (their sums' orders differ;
# assert_same compares the values), 0.58639044 prints 0.5863904 and the padding shifts. Both texts: one space
# between the numbers of a printed array, none before its closing bracket.
ARRAY_PADDING = [(r"(?<=\d) +(?=-?\d)", " "), (r"(?<=\d) +\]", "]")]


def test_part1_rnn_by_hand():
    torch_run, our_run = run_notebook(PART1, normalise=ARRAY_PADDING)
    for run in (torch_run, our_run):  # (the book's point: the layer computes what the loop computes)
        np.testing.assert_allclose(run["output"][0], np.concatenate([run[f"out_man.{t}"] for t in range(3)]),
                                   rtol=1e-6, atol=1e-7)


# torchtext's IMDB and vocab (torchtext is not installed here, IMDB is a download): program text, pasted where the
# book imports them
TORCHTEXT = r"""from types import SimpleNamespace
import numpy as np


def IMDB(split):
    '''torchtext's IMDB: (label, review) items, label 1 for a negative review and 2 for a positive one; generated
    reviews (words of each sentiment among neutral ones, HTML line breaks, emoticons): 100 in the training split,
    40 in the test split.'''
    rng = np.random.default_rng(0 if split == 'train' else 1)
    neutral = ['the', 'movie', 'film', 'this', 'was', 'and', 'a', 'story', 'actors', 'plot', 'I', 'it', 'of',
               'to', 'is', 'The', 'scenes', 'ending', 'music', 'Director']
    words = {1: ['awful', 'boring', 'worst', 'hated', 'waste', 'bad', 'dull'],
             2: ['great', 'wonderful', 'loved', 'best', 'excellent', 'fun', 'brilliant']}
    items = []
    for _ in range(100 if split == 'train' else 40):
        label = int(rng.integers(1, 3))
        review = [str(rng.choice(words[label] if rng.random() < 0.3 else neutral))
                  for _ in range(int(rng.integers(5, 30)))]
        if rng.random() < 0.3:
            review.insert(int(rng.integers(0, len(review))), '<br /><br />')
        if rng.random() < 0.3:
            review.append(':)' if label == 2 else ':-(')
        items.append((label, ' '.join(review) + '.'))
    return items


class Vocab:
    '''torchtext.vocab.vocab(ordered_dict)'s rules: the tokens in the dict's order, insert_token, a default index.'''
    def __init__(self, ordered_dict, min_freq=1):
        self.itos = [token for token, freq in ordered_dict.items() if freq >= min_freq]
        self.default_index = None

    def insert_token(self, token, index):
        self.itos.insert(index, token)

    def set_default_index(self, index):
        self.default_index = index

    def __getitem__(self, token):
        if token in self.itos:
            return self.itos.index(token)
        if self.default_index is None:
            raise RuntimeError(f"Token {token} not found and default index is not set")
        return self.default_index

    def __len__(self):
        return len(self.itos)


torchtext = SimpleNamespace(__version__='0.18.0', datasets=SimpleNamespace(IMDB=IMDB),
                            vocab=SimpleNamespace(vocab=Vocab))
"""

PART2 = r'''
# %% cell 10
import torch
import torch.nn as nn

# %% cell 16
# from torchtext.datasets import IMDB  (changed: torchtext is not installed here; the stand-in, which also
# defines the name torchtext that cell 20 uses)
<the torchtext stand-in>
from torch.utils.data.dataset import random_split

# Step 1: load and create the datasets

train_dataset = IMDB(split='train')
test_dataset = IMDB(split='test')

test_dataset = list(test_dataset)   #datapipe to list

torch.manual_seed(1)
train_dataset, valid_dataset = random_split(
    list(train_dataset), [80, 20])  # (changed: [20000, 5000] in the book)


# %% cell 17
## Step 2: find unique tokens (words)
import re
from collections import Counter, OrderedDict

token_counts = Counter()

def tokenizer(text):
    text = re.sub('<[^>]*>', '', text)
    emoticons = re.findall('(?::|;|=)(?:-)?(?:\)|\(|D|P)', text.lower())
    text = re.sub('[\W]+', ' ', text.lower()) +\
        ' '.join(emoticons).replace('-', '')
    tokenized = text.split()
    return tokenized


for label, line in train_dataset:
    tokens = tokenizer(line)
    token_counts.update(tokens)
 
    
print('Vocab-size:', len(token_counts))

# %% cell 18
## Step 3: encoding each unique token into integers
# from torchtext.vocab import vocab  (changed: the stand-in's)
vocab = torchtext.vocab.vocab

sorted_by_freq_tuples = sorted(token_counts.items(), key=lambda x: x[1], reverse=True)
ordered_dict = OrderedDict(sorted_by_freq_tuples)

vocab = vocab(ordered_dict)

vocab.insert_token("<pad>", 0)
vocab.insert_token("<unk>", 1)
vocab.set_default_index(1)

print([vocab[token] for token in ['this', 'is', 'an', 'example']])

# %% cell 19
if not torch.cuda.is_available():
    print("Warning: this code may be very slow on CPU")

# %% cell 20
## Step 3-A: define the functions for transformation

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

text_pipeline = lambda x: [vocab[token] for token in tokenizer(x)]

# from torchtext import __version__ as torchtext_version  (changed: the stand-in's)
torchtext_version = torchtext.__version__
# from pkg_resources import parse_version  (changed: pkg_resources is not installed here; packaging's)
from packaging.version import parse as parse_version

if parse_version(torchtext.__version__) > parse_version("0.10"):
    label_pipeline = lambda x: 1. if x == 2 else 0.         # 1 ~ negative, 2 ~ positive review
else:
    label_pipeline = lambda x: 1. if x == 'pos' else 0.


## Step 3-B: wrap the encode and transformation function
def collate_batch(batch):
    label_list, text_list, lengths = [], [], []
    for _label, _text in batch:
        label_list.append(label_pipeline(_label))
        processed_text = torch.tensor(text_pipeline(_text), 
                                      dtype=torch.int64)
        text_list.append(processed_text)
        lengths.append(processed_text.size(0))
    label_list = torch.tensor(label_list)
    lengths = torch.tensor(lengths)
    padded_text_list = nn.utils.rnn.pad_sequence(
        text_list, batch_first=True)
    return padded_text_list.to(device), label_list.to(device), lengths.to(device)

# %% cell 21
## Take a small batch

from torch.utils.data import DataLoader
dataloader = DataLoader(train_dataset, batch_size=4, shuffle=False, collate_fn=collate_batch)
text_batch, label_batch, length_batch = next(iter(dataloader))
print(text_batch)
print(label_batch)
print(length_batch)
print(text_batch.shape)

# %% cell 22
## Step 4: batching the datasets

batch_size = 32  

train_dl = DataLoader(train_dataset, batch_size=batch_size,
                      shuffle=True, collate_fn=collate_batch)
valid_dl = DataLoader(valid_dataset, batch_size=batch_size,
                      shuffle=False, collate_fn=collate_batch)
test_dl = DataLoader(test_dataset, batch_size=batch_size,
                     shuffle=False, collate_fn=collate_batch)

# %% cell 25
embedding = nn.Embedding(num_embeddings=10, 
                         embedding_dim=3, 
                         padding_idx=0)
 
# a batch of 2 samples of 4 indices each
text_encoded_input = torch.LongTensor([[1,2,4,5],[4,3,2,0]])
print(embedding(text_encoded_input))


# %% cell 27
## An example of building a RNN model
## with simple RNN layer

# Fully connected neural network with one hidden layer
class RNN(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.rnn = nn.RNN(input_size, 
                          hidden_size, 
                          num_layers=2, 
                          batch_first=True)
        #self.gru = nn.GRU(input_size, hidden_size, num_layers, batch_first=True)
        #self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_size, 1)
        
    def forward(self, x):
        _, hidden = self.rnn(x)
        out = hidden[-1, :, :]
        out = self.fc(out)
        return out

model = RNN(64, 32) 

print(model) 
 
model(torch.randn(5, 3, 64)) 

# %% cell 29
class RNN(nn.Module):
    def __init__(self, vocab_size, embed_dim, rnn_hidden_size, fc_hidden_size):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, 
                                      embed_dim, 
                                      padding_idx=0) 
        self.rnn = nn.LSTM(embed_dim, rnn_hidden_size, 
                           batch_first=True)
        self.fc1 = nn.Linear(rnn_hidden_size, fc_hidden_size)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(fc_hidden_size, 1)
        self.sigmoid = nn.Sigmoid()

    def forward(self, text, lengths):
        out = self.embedding(text)
        out = nn.utils.rnn.pack_padded_sequence(out, lengths.cpu().numpy(), enforce_sorted=False, batch_first=True)
        out, (hidden, cell) = self.rnn(out)
        out = hidden[-1, :, :]
        out = self.fc1(out)
        out = self.relu(out)
        out = self.fc2(out)
        out = self.sigmoid(out)
        return out
         
vocab_size = len(vocab)
embed_dim = 20
rnn_hidden_size = 64
fc_hidden_size = 64

torch.manual_seed(1)
model = RNN(vocab_size, embed_dim, rnn_hidden_size, fc_hidden_size) 
model = model.to(device)

# %% cell 30
def train(dataloader):
    model.train()
    total_acc, total_loss = 0, 0
    for text_batch, label_batch, lengths in dataloader:
        optimizer.zero_grad()
        pred = model(text_batch, lengths)[:, 0]
        loss = loss_fn(pred, label_batch)
        loss.backward()
        optimizer.step()
        total_acc += ((pred>=0.5).float() == label_batch).float().sum().item()
        total_loss += loss.item()*label_batch.size(0)
    return total_acc/len(dataloader.dataset), total_loss/len(dataloader.dataset)
 
def evaluate(dataloader):
    model.eval()
    total_acc, total_loss = 0, 0
    with torch.no_grad():
        for text_batch, label_batch, lengths in dataloader:
            pred = model(text_batch, lengths)[:, 0]
            loss = loss_fn(pred, label_batch)
            total_acc += ((pred>=0.5).float() == label_batch).float().sum().item()
            total_loss += loss.item()*label_batch.size(0)
    return total_acc/len(dataloader.dataset), total_loss/len(dataloader.dataset)

# %% cell 31
loss_fn = nn.BCELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.001)

num_epochs = 3  # (changed: 10 in the book)

torch.manual_seed(1)
 
for epoch in range(num_epochs):
    acc_train, loss_train = train(train_dl)
    acc_valid, loss_valid = evaluate(valid_dl)
    print(f'Epoch {epoch} accuracy: {acc_train:.4f} val_accuracy: {acc_valid:.4f}')
 

# %% cell 32
acc_test, _ = evaluate(test_dl)
print(f'test_accuracy: {acc_test:.4f}') 
lstm_model = model  # (added: kept to be compared, the next cells reuse the name)

# %% cell 35
class RNN(nn.Module):
    def __init__(self, vocab_size, embed_dim, rnn_hidden_size, fc_hidden_size):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, 
                                      embed_dim, 
                                      padding_idx=0) 
        self.rnn = nn.LSTM(embed_dim, rnn_hidden_size, 
                           batch_first=True, bidirectional=True)
        self.fc1 = nn.Linear(rnn_hidden_size*2, fc_hidden_size)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(fc_hidden_size, 1)
        self.sigmoid = nn.Sigmoid()

    def forward(self, text, lengths):
        out = self.embedding(text)
        out = nn.utils.rnn.pack_padded_sequence(out, lengths.cpu().numpy(), enforce_sorted=False, batch_first=True)
        _, (hidden, cell) = self.rnn(out)
        out = torch.cat((hidden[-2, :, :], hidden[-1, :, :]), dim=1)
        out = self.fc1(out)
        out = self.relu(out)
        out = self.fc2(out)
        out = self.sigmoid(out)
        return out
    
torch.manual_seed(1)
model = RNN(vocab_size, embed_dim, rnn_hidden_size, fc_hidden_size) 
model = model.to(device)

# %% cell 36
loss_fn = nn.BCELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.002)

num_epochs = 3  # (changed: 10 in the book)

torch.manual_seed(1)
 
for epoch in range(num_epochs):
    acc_train, loss_train = train(train_dl)
    acc_valid, loss_valid = evaluate(valid_dl)
    print(f'Epoch {epoch} accuracy: {acc_train:.4f} val_accuracy: {acc_valid:.4f}')

# %% cell 37
test_dataset = IMDB(split='test')
test_dl = DataLoader(test_dataset, batch_size=batch_size,
                     shuffle=False, collate_fn=collate_batch)

# %% cell 38
acc_test, _ = evaluate(test_dl)
print(f'test_accuracy: {acc_test:.4f}') 
'''


def in_float64(cells):
    """The cells with float64 as the default dtype from their first ``import torch`` on (added), to compare to
    1e-11: the LSTMs, the packed sequences and the sampling checked beyond float32's rounding."""
    return cells.replace("import torch\n", "import torch\ntorch.set_default_dtype(torch.float64)  # (added)\n", 1)


@pytest.mark.filterwarnings("ignore:invalid escape sequence")  # (the book's tokenizer's regexes: '[\W]+')
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_part2_sentiment_lstm(dtype):
    cells = PART2.replace("<the torchtext stand-in>\n", TORCHTEXT)
    if dtype == "float64":
        run_notebook(in_float64(cells), rtol=1e-9, atol=1e-11)
    else:
        run_notebook(cells)


PART3 = r'''
# %% cell 13
import numpy as np

## Reading and processing text
with open('1268-0.txt', 'r', encoding="utf8") as fp:
    text=fp.read()
    
start_indx = text.find('THE MYSTERIOUS ISLAND')
end_indx = text.find('End of the Project Gutenberg')

text = text[start_indx:end_indx]
char_set = set(text)
print('Total Length:', len(text))
print('Unique Characters:', len(char_set))

# %% cell 15
chars_sorted = sorted(char_set)
char2int = {ch:i for i,ch in enumerate(chars_sorted)}
char_array = np.array(chars_sorted)

text_encoded = np.array(
    [char2int[ch] for ch in text],
    dtype=np.int32)

print('Text encoded shape: ', text_encoded.shape)

print(text[:15], '     == Encoding ==> ', text_encoded[:15])
print(text_encoded[15:21], ' == Reverse  ==> ', ''.join(char_array[text_encoded[15:21]]))

# %% cell 16
for ex in text_encoded[:5]:
    print('{} -> {}'.format(ex, char_array[ex]))

# %% cell 19
seq_length = 40
chunk_size = seq_length + 1

text_chunks = [text_encoded[i:i+chunk_size] 
               for i in range(len(text_encoded)-chunk_size+1)] 

## inspection:
for seq in text_chunks[:1]:
    input_seq = seq[:seq_length]
    target = seq[seq_length] 
    print(input_seq, ' -> ', target)
    print(repr(''.join(char_array[input_seq])), 
          ' -> ', repr(''.join(char_array[target])))

# %% cell 20
import torch
from torch.utils.data import Dataset

class TextDataset(Dataset):
    def __init__(self, text_chunks):
        self.text_chunks = text_chunks

    def __len__(self):
        return len(self.text_chunks)
    
    def __getitem__(self, idx):
        text_chunk = self.text_chunks[idx]
        return text_chunk[:-1].long(), text_chunk[1:].long()
    
seq_dataset = TextDataset(torch.tensor(text_chunks))

# %% cell 21
for i, (seq, target) in enumerate(seq_dataset):
    print(' Input (x):', repr(''.join(char_array[seq])))
    print('Target (y):', repr(''.join(char_array[target])))
    print()
    if i == 1:
        break
    

# %% cell 22
# device = torch.device("cuda:0")  (changed: the book's other line, no GPU here)
device = 'cpu'

# %% cell 23
from torch.utils.data import DataLoader
 
batch_size = 64

torch.manual_seed(1)
seq_dl = DataLoader(seq_dataset, batch_size=batch_size, shuffle=True, drop_last=True)


# %% cell 25
import torch.nn as nn

class RNN(nn.Module):
    def __init__(self, vocab_size, embed_dim, rnn_hidden_size):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim) 
        self.rnn_hidden_size = rnn_hidden_size
        self.rnn = nn.LSTM(embed_dim, rnn_hidden_size, 
                           batch_first=True)
        self.fc = nn.Linear(rnn_hidden_size, vocab_size)

    def forward(self, x, hidden, cell):
        out = self.embedding(x).unsqueeze(1)
        out, (hidden, cell) = self.rnn(out, (hidden, cell))
        out = self.fc(out).reshape(out.size(0), -1)
        return out, hidden, cell

    def init_hidden(self, batch_size):
        hidden = torch.zeros(1, batch_size, self.rnn_hidden_size)
        cell = torch.zeros(1, batch_size, self.rnn_hidden_size)
        return hidden.to(device), cell.to(device)
    
vocab_size = len(char_array)
embed_dim = 16  # (changed: 256 in the book)
rnn_hidden_size = 32  # (changed: 512 in the book)

torch.manual_seed(1)
model = RNN(vocab_size, embed_dim, rnn_hidden_size) 
model = model.to(device)
model

# %% cell 26
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.005)

num_epochs = 30  # (changed: 10000 in the book)

torch.manual_seed(1)

for epoch in range(num_epochs):
    hidden, cell = model.init_hidden(batch_size)
    seq_batch, target_batch = next(iter(seq_dl))
    seq_batch = seq_batch.to(device)
    target_batch = target_batch.to(device)
    optimizer.zero_grad()
    loss = 0
    for c in range(seq_length):
        pred, hidden, cell = model(seq_batch[:, c], hidden, cell) 
        loss += loss_fn(pred, target_batch[:, c])
    loss.backward()
    optimizer.step()
    loss = loss.item()/seq_length
    if epoch % 10 == 0:  # (changed: every 500 in the book)
        print(f'Epoch {epoch} loss: {loss:.4f}')
 

# %% cell 28
from torch.distributions.categorical import Categorical

torch.manual_seed(1)

logits = torch.tensor([[1.0, 1.0, 1.0]])

print('Probabilities:', nn.functional.softmax(logits, dim=1).numpy()[0])

m = Categorical(logits=logits)
samples = m.sample((10,))
 
print(samples.numpy())

# %% cell 29
torch.manual_seed(1)

logits = torch.tensor([[1.0, 1.0, 3.0]])

print('Probabilities:', nn.functional.softmax(logits, dim=1).numpy()[0])

m = Categorical(logits=logits)
samples = m.sample((10,))
 
print(samples.numpy())

# %% cell 30
def sample(model, starting_str, 
           len_generated_text=200,  # (changed: 500 in the book)
           scale_factor=1.0):

    encoded_input = torch.tensor([char2int[s] for s in starting_str])
    encoded_input = torch.reshape(encoded_input, (1, -1))

    generated_str = starting_str

    model.eval()
    hidden, cell = model.init_hidden(1)
    hidden = hidden.to('cpu')
    cell = cell.to('cpu')
    for c in range(len(starting_str)-1):
        _, hidden, cell = model(encoded_input[:, c].view(1), hidden, cell) 
    
    last_char = encoded_input[:, -1]
    for i in range(len_generated_text):
        logits, hidden, cell = model(last_char.view(1), hidden, cell) 
        logits = torch.squeeze(logits, 0)
        scaled_logits = logits * scale_factor
        m = Categorical(logits=scaled_logits)
        last_char = m.sample()
        generated_str += str(char_array[last_char])
        
    return generated_str

torch.manual_seed(1)
model.to('cpu')
print(sample(model, starting_str='The island'))

# %% cell 32
logits = torch.tensor([[1.0, 1.0, 3.0]])

print('Probabilities before scaling:        ', nn.functional.softmax(logits, dim=1).numpy()[0])

print('Probabilities after scaling with 0.5:', nn.functional.softmax(0.5*logits, dim=1).numpy()[0])

print('Probabilities after scaling with 0.1:', nn.functional.softmax(0.1*logits, dim=1).numpy()[0])


# %% cell 33
torch.manual_seed(1)
print(sample(model, starting_str='The island', 
             scale_factor=2.0))

# %% cell 34
torch.manual_seed(1)
print(sample(model, starting_str='The island', 
             scale_factor=0.5))
'''


def _mysterious_island(path):
    """Project Gutenberg's file 1268-0.txt's shape: a header, the text from 'THE MYSTERIOUS ISLAND' on, the
    'End of the Project Gutenberg' line; the text here generated sentences (about 4000 characters)."""
    rng = np.random.default_rng(0)
    words = ("the island engineer Pencroft balloon sea shore cliff wind was and of to in they had which Harding "
             "Neb Herbert Spilett said colonists fire granite house water were on at it").split()
    sentences = []
    for _ in range(60):
        sentence = " ".join(str(rng.choice(words)) for _ in range(int(rng.integers(6, 14))))
        sentences.append(sentence[0].upper() + sentence[1:] + rng.choice([".", ".", "!", "?", ";"]))
    text = "\n".join(" ".join(sentences[i:i + 4]) for i in range(0, len(sentences), 4))
    path.write_text("The Project Gutenberg eBook\n\nTHE MYSTERIOUS ISLAND\n\nPART 1--DROPPED FROM THE CLOUDS\n\n"
                    + text + "\n\nEnd of the Project Gutenberg EBook\n", encoding="utf8")


# PyTorch warns that the book's torch.tensor(text_chunks), of a list of arrays, is slow
@pytest.mark.filterwarnings("ignore:Creating a tensor from a list of numpy.ndarrays")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_part3_character_language_model(dtype, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _mysterious_island(tmp_path / "1268-0.txt")
    if dtype == "float64":
        run_notebook(in_float64(PART3), rtol=1e-9, atol=1e-11, normalise=ARRAY_PADDING)
    else:
        run_notebook(PART3, normalise=ARRAY_PADDING)  # (softmax of [0.5, 0.5, 1.5] in float32: 1 ulp apart)
