"""Two PyTorch programs with the optimizers PyTorch 2.13 has for special parameters, each run with PyTorch and
with this project under torch's names (harness.py): every value left and every number printed agree.

- A bag-of-words text classifier whose word vectors are an nn.Embedding(sparse=True), trained with SparseAdam for
  the embedding (its gradient a sparse COO tensor: only the rows of the words in a batch are updated) and Adam
  for the classifier head, the split PyTorch's SparseAdam docs describe; a padding word (padding_idx) that never
  learns; the gradient's layout printed.
- An MLP trained with Muon for its hidden 2-d weights and AdamW for the rest (biases, the input and output
  layers), as PyTorch's Muon docstring sets it up, with match_rms_adamw's lr adjustment and weight decay.
"""
import pytest

from harness import assert_same, run_both

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)

pytestmark = pytest.mark.filterwarnings("ignore:Sparse invariant checks")  # (PyTorch's, on each sparse tensor)

BAG_OF_WORDS = '''
import torch
import torch.nn as nn
import torch.nn.functional as F

VOCAB, DIM, CLASSES, PAD = 50, 8, 3, 0
torch.manual_seed(0)
docs = torch.randint(1, VOCAB, (64, 12))
lengths = torch.randint(4, 13, (64,))
docs[torch.arange(12)[None, :] >= lengths[:, None]] = PAD       # padded to 12 words
labels = (docs % CLASSES).sum(1) % CLASSES


class BagOfWords(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, DIM, padding_idx=PAD, sparse=True)
        self.head = nn.Sequential(nn.Linear(DIM, 16), nn.ReLU(), nn.Linear(16, CLASSES))

    def forward(self, x):
        mask = (x != PAD).float().unsqueeze(-1)
        mean = (self.embed(x) * mask).sum(1) / mask.sum(1)
        return self.head(mean)


model = BagOfWords()
sparse_opt = torch.optim.SparseAdam(list(model.embed.parameters()), lr=0.05)
dense_opt = torch.optim.Adam(model.head.parameters(), lr=0.01)
start = model.embed.weight.detach().clone()
losses = []
for epoch in range(3):
    for i in range(0, 64, 16):
        x, y = docs[i:i + 16], labels[i:i + 16]
        sparse_opt.zero_grad()
        dense_opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        if epoch == 0 and i == 0:
            grad = model.embed.weight.grad
            print("sparse:", grad.is_sparse, "entries:", grad._nnz(), "rows:", grad.coalesce()._nnz())
        sparse_opt.step()
        dense_opt.step()
        losses.append(loss.item())
    print(f"epoch {epoch}: loss {losses[-1]:.5f}")
unused = sorted(set(range(VOCAB)) - set(docs.flatten().tolist()))
unchanged = bool((model.embed.weight[unused] == start[unused]).all()) if unused else True
pad_row_zero = bool((model.embed.weight[PAD] == 0).all())
state = sparse_opt.state[model.embed.weight]
steps_taken = state["step"]
exp_avg = state["exp_avg"]
accuracy = (model(docs).argmax(1) == labels).float().mean().item()
del grad, state
'''

MUON_MLP = '''
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
x = torch.randn(128, 10)
y = torch.sin(x[:, :2].sum(1, keepdim=True)) + 0.1 * x[:, 2:3]

model = nn.Sequential(nn.Linear(10, 12), nn.Tanh(), nn.Linear(12, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(),
                      nn.Linear(8, 1))
hidden = [model[2].weight, model[4].weight]                       # the hidden layers' 2-d weights
others = [p for p in model.parameters() if all(p is not h for h in hidden)]
muon = torch.optim.Muon(hidden, lr=0.02, momentum=0.95, weight_decay=0.01, adjust_lr_fn="match_rms_adamw")
adamw = torch.optim.AdamW(others, lr=3e-3, weight_decay=0.01)
losses = []
for step in range(30):
    muon.zero_grad()
    adamw.zero_grad()
    loss = F.mse_loss(model(x), y)
    loss.backward()
    muon.step()
    adamw.step()
    losses.append(loss.item())
    if step % 10 == 9:
        print(f"step {step + 1}: loss {loss.item():.5f}")
buffer = muon.state[model[2].weight]["momentum_buffer"]
saved = muon.state_dict()
keys = sorted(saved["param_groups"][0])
adjust = saved["param_groups"][0]["adjust_lr_fn"]
del saved
'''


def test_bag_of_words_with_sparse_embedding_and_sparse_adam():
    torch_run, our_run = run_both(BAG_OF_WORDS)
    assert_same(torch_run, our_run)
    assert our_run["unchanged"] is True and our_run["pad_row_zero"] is True and our_run["steps_taken"] == 12
    assert "sparse: True" in our_run.stdout


def test_mlp_with_muon_for_hidden_weights_and_adamw_for_the_rest():
    """PyTorch's Newton-Schulz runs in bfloat16 (ours emulates it): on these small matrices (sums of at most 12
    products) every bfloat16 entry rounds as PyTorch's, and 30 steps of training agree to the usual tolerance.
    (On larger ones a float32 sum added in another order now and then rounds an entry the other way, by one
    bfloat16 step: tests/test_optim_muon_sparseadam.py bounds that.)"""
    torch_run, our_run = run_both(MUON_MLP)
    assert_same(torch_run, our_run)
    assert our_run["losses"][-1] < 0.6 * our_run["losses"][0]
