# Code from rasbt/machine-learning-book, ch16/ch16-part1-self-attention.ipynb (MIT, (c) Sebastian Raschka)
"""Raschka, Liu and Mirjalili, "Machine Learning with PyTorch and Scikit-Learn", chapter 16 (Transformers --
Improving Natural Language Processing with Attention Mechanisms), part 1: every code cell, as written, run under
PyTorch and under seegrad (notebook.py, harness.py): self-attention by hand (dot products in a loop and as a
matmul, softmax weights, context vectors), scaled dot-product attention with query, key and value matrices, and
multi-head attention's projections with bmm, repeat and permute; the same values, printed numbers and printed
text (each cell's last expression shown by its repr, as Jupyter shows it). Source:
github.com/rasbt/machine-learning-book (MIT, (c) Sebastian Raschka). The notebook file itself is not readable in
the mirror this was taken from; its nbconvert script ch16/ch16-part1-self-attention.py is, and its code blocks are
the cells, numbered here in order (the package check left out). Parts 2 and 3 of the chapter (GPT-2, BERT) use
Hugging Face's transformers and pretrained weights, not PyTorch code of their own: not ported. The chapter has no
transformer block written in PyTorch.
"""
import pytest

from notebook import run_notebook

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)

CELLS = r'''
# %% cell 0
import torch
import torch.nn.functional as F

# %% cell 1
# input sequence / sentence:
#  "Can you help me to translate this sentence"

sentence = torch.tensor(
    [0, # can
     7, # you     
     1, # help
     2, # me
     5, # to
     6, # translate
     4, # this
     3] # sentence
)

sentence

# %% cell 2
torch.manual_seed(123)
embed = torch.nn.Embedding(10, 16)
embedded_sentence = embed(sentence).detach()
embedded_sentence.shape

# %% cell 3
omega = torch.empty(8, 8)

for i, x_i in enumerate(embedded_sentence):
    for j, x_j in enumerate(embedded_sentence):
        omega[i, j] = torch.dot(x_i, x_j)

# %% cell 4
omega_mat = embedded_sentence.matmul(embedded_sentence.T)

# %% cell 5
torch.allclose(omega_mat, omega)

# %% cell 6
attention_weights = F.softmax(omega, dim=1)
attention_weights.shape

# %% cell 7
attention_weights.sum(dim=1)

# %% cell 8
x_2 = embedded_sentence[1, :]
context_vec_2 = torch.zeros(x_2.shape)
for j in range(8):
    x_j = embedded_sentence[j, :]
    context_vec_2 += attention_weights[1, j] * x_j
    
context_vec_2

# %% cell 9
context_vectors = torch.matmul(
        attention_weights, embedded_sentence)

# %% cell 10
torch.allclose(context_vec_2, context_vectors[1])

# %% cell 11
torch.manual_seed(123)

d = embedded_sentence.shape[1]
U_query = torch.rand(d, d)
U_key = torch.rand(d, d)
U_value = torch.rand(d, d)

# %% cell 12
x_2 = embedded_sentence[1]
query_2 = U_query.matmul(x_2)

# %% cell 13
key_2 = U_key.matmul(x_2)
value_2 = U_value.matmul(x_2)

# %% cell 14
keys = U_key.matmul(embedded_sentence.T).T
torch.allclose(key_2, keys[1])

# %% cell 15
values = U_value.matmul(embedded_sentence.T).T
torch.allclose(value_2, values[1])

# %% cell 16
omega_23 = query_2.dot(keys[2])
omega_23

# %% cell 17
omega_2 = query_2.matmul(keys.T)
omega_2

# %% cell 18
attention_weights_2 = F.softmax(omega_2 / d**0.5, dim=0)
attention_weights_2

# %% cell 19
#context_vector_2nd = torch.zeros(values[1, :].shape)
#for j in range(8):
#    context_vector_2nd += attention_weights_2[j] * values[j, :]
    
#context_vector_2nd

# %% cell 20
context_vector_2 = attention_weights_2.matmul(values)
context_vector_2

# %% cell 21
torch.manual_seed(123)

d = embedded_sentence.shape[1]
one_U_query = torch.rand(d, d)

# %% cell 22
h = 8
multihead_U_query = torch.rand(h, d, d)
multihead_U_key = torch.rand(h, d, d)
multihead_U_value = torch.rand(h, d, d)

# %% cell 23
multihead_query_2 = multihead_U_query.matmul(x_2)
multihead_query_2.shape

# %% cell 24
multihead_key_2 = multihead_U_key.matmul(x_2)
multihead_value_2 = multihead_U_value.matmul(x_2)

# %% cell 25
multihead_key_2[2]

# %% cell 26
stacked_inputs = embedded_sentence.T.repeat(8, 1, 1)
stacked_inputs.shape

# %% cell 27
multihead_keys = torch.bmm(multihead_U_key, stacked_inputs)
multihead_keys.shape

# %% cell 28
multihead_keys = multihead_keys.permute(0, 2, 1)
multihead_keys.shape

# %% cell 29
multihead_keys[2, 1] # index: [2nd attention head, 2nd key]

# %% cell 30
multihead_values = torch.matmul(multihead_U_value, stacked_inputs)
multihead_values = multihead_values.permute(0, 2, 1)

# %% cell 31
multihead_z_2 = torch.rand(8, 16)

# %% cell 32
linear = torch.nn.Linear(8*16, 16)
context_vector_2 = linear(multihead_z_2.flatten())
context_vector_2.shape
'''


def test_self_attention():
    run_notebook(CELLS)


def test_self_attention_in_float64():
    """The same cells with float64 as the default dtype: the values agree beyond float32's rounding."""
    run_notebook(CELLS.replace("import torch\n", "import torch\ntorch.set_default_dtype(torch.float64)\n", 1),
                 rtol=1e-10, atol=1e-12)
