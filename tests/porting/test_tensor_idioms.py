"""Tensor idioms that ordinary PyTorch code is made of: indexing (gather for per-row picks,
masked_fill for attention masks, scatter_add for bincount-like sums, topk, argmax accuracy),
broadcasting and reductions (softmax, log_softmax, logsumexp by hand against the built-ins),
einsum attention, cat/stack/split/chunk, clamping and where, mixed dtypes (.double(), .long(),
integer tensors and //), and a numpy round trip. Each runs with PyTorch and with this project
under torch's names (harness.py): every value left and every number printed agree."""
import pytest

from harness import assert_same, run_both

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)

INDEXING = '''
import torch
import torch.nn.functional as F

logits = torch.randn(5, 4, requires_grad=True)
targets = torch.tensor([0, 3, 1, 1, 2])

# per-row picks: log-probability of the target class
logp = F.log_softmax(logits, dim=1)
picked = logp.gather(1, targets.unsqueeze(1)).squeeze(1)
by_index = logp[torch.arange(5), targets]
nll = -picked.mean()
nll.backward()
logits_grad = logits.grad
same_as_builtin = bool(torch.allclose(nll, F.cross_entropy(logits, targets)))

# accuracy by argmax
preds = logits.argmax(dim=1)
accuracy = (preds == targets).float().mean().item()
correct = preds.eq(targets).sum().item()

# top-k accuracy
top2_values, top2 = logits.topk(2, dim=1)
top2_acc = (top2 == targets.unsqueeze(1)).any(dim=1).float().mean()

# attention mask with masked_fill
scores = torch.randn(2, 4, 4)
pad = torch.tensor([[False, False, True, True], [False, False, False, True]])
masked = scores.masked_fill(pad[:, None, :], float('-inf'))
weights = torch.softmax(masked, dim=-1)

# bincount-like sums with scatter_add / index_add
labels = torch.tensor([0, 2, 2, 1, 0, 2])
values = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
sums = torch.zeros(3).scatter_add(0, labels, values)
counts = torch.zeros(3).scatter_add_(0, labels, torch.ones(6))
means = sums / counts
index_added = torch.zeros(3, 2).index_add_(0, labels, torch.stack([values, -values], 1))
one_hot = torch.zeros(6, 3).scatter_(1, labels.unsqueeze(1), 1.0)
one_hot_f = F.one_hot(labels, num_classes=3)

# boolean masks, nonzero-free selection, clones
x = torch.randn(4, 3)
positive = x[x > 0]
x2 = x.clone()
x2[x2 < 0] = 0
rows = x[[0, 2]]
cols = x[:, [2, 0]]
last = x[..., -1]
every_other = x[::2, 1:]
new_axis = x[:, None, :].shape
picked_rows = x.index_select(0, torch.tensor([3, 1]))
sorted_vals, order = x[:, 0].sort(descending=True)
ranked = x[order]
'''

REDUCTIONS = '''
import torch
import torch.nn.functional as F

x = torch.randn(3, 5, requires_grad=True)

def softmax(x, dim):
    e = (x - x.max(dim=dim, keepdim=True).values).exp()
    return e / e.sum(dim=dim, keepdim=True)

def log_softmax(x, dim):
    return x - x.logsumexp(dim=dim, keepdim=True)

def logsumexp(x, dim):
    m = x.max(dim=dim, keepdim=True)[0]
    return (m + (x - m).exp().sum(dim=dim, keepdim=True).log()).squeeze(dim)

mine = softmax(x, 1)
builtin = F.softmax(x, dim=1)
mine_log = log_softmax(x, 1)
builtin_log = torch.log_softmax(x, dim=1)
mine_lse = logsumexp(x, 1)
builtin_lse = torch.logsumexp(x, dim=1)
(mine * torch.arange(5.0)).sum().backward()
grad_mine = x.grad.clone()
x.grad = None
(builtin * torch.arange(5.0)).sum().backward()
grad_builtin = x.grad.clone()

# broadcasting: pairwise distances and normalisation
a = torch.randn(4, 1, 3)
b = torch.randn(1, 6, 3)
dist = ((a - b) ** 2).sum(-1).sqrt()
cdist_like = torch.norm(a - b, dim=-1)
data = torch.randn(10, 3) * 5 + 2
standardised = (data - data.mean(0)) / data.std(0)
unbiased, biased = data.var(0), data.var(0, unbiased=False)
normalized = F.normalize(data, p=2, dim=1)
row_norms = normalized.norm(dim=1)

# reductions over several dims, keepdim, and the named tuples of max/min
img = torch.randn(2, 3, 4, 4)
channel_mean = img.mean(dim=(0, 2, 3))
channel_var = img.var(dim=(0, 2, 3), unbiased=False)
keep = img.sum(dim=(2, 3), keepdim=True).shape
values, indices = img.flatten(2).max(dim=-1)
amin = img.amin(dim=(2, 3))
prod = torch.tensor([1.5, 2.0, -3.0]).prod()
cumsum = torch.arange(1, 6).cumsum(0)
mean_std = torch.std_mean(data, dim=0)
std_part, mean_part = mean_std
'''

EINSUM_ATTENTION = '''
import math
import torch
import torch.nn.functional as F

B, H, T, D = 2, 3, 5, 4
q = torch.randn(B, H, T, D, requires_grad=True)
k = torch.randn(B, H, T, D, requires_grad=True)
v = torch.randn(B, H, T, D, requires_grad=True)

scores = torch.einsum("bhqd,bhkd->bhqk", q, k) / math.sqrt(D)
causal = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
scores = scores.masked_fill(causal, float("-inf"))
attn = scores.softmax(dim=-1)
out = torch.einsum("bhqk,bhkd->bhqd", attn, v)
fused = F.scaled_dot_product_attention(q, k, v, is_causal=True)
same = bool(torch.allclose(out, fused, atol=1e-6))
out.pow(2).sum().backward()
gq, gk, gv = q.grad, k.grad, v.grad

# more einsum: batched matmul, outer product, trace, bilinear form, transpose
A = torch.randn(3, 4)
Bm = torch.randn(4, 2)
mm = torch.einsum("ij,jk->ik", A, Bm)
outer = torch.einsum("i,j->ij", torch.arange(3.0), torch.arange(4.0))
trace = torch.einsum("ii", torch.randn(4, 4))
bilinear = torch.einsum("bn,anm,bm->ba", torch.randn(2, 3), torch.randn(5, 3, 4), torch.randn(2, 4))
transposed = torch.einsum("ij->ji", A)
diag = torch.einsum("ii->i", torch.arange(9.0).view(3, 3))
batch = torch.einsum("bij,bjk->bik", torch.randn(2, 3, 4), torch.randn(2, 4, 5))
'''

JOIN_AND_SPLIT = '''
import torch

a = torch.arange(6.0).view(2, 3)
b = torch.arange(6.0, 12.0).view(2, 3)
cat0 = torch.cat([a, b])
cat1 = torch.cat((a, b), dim=1)
stacked = torch.stack([a, b])
stacked_last = torch.stack([a, b], dim=-1)
halves = torch.arange(10).split(4)
n_halves = len(halves)
last_half = halves[-1]
sizes = torch.arange(10).split([2, 3, 5])
middle = sizes[1]
chunks = torch.arange(7).chunk(3)
chunk_sizes = [len(c) for c in chunks]
row0, row1 = a.unbind(0)
q, k, v = torch.randn(2, 9).chunk(3, dim=-1)
hs = torch.hstack([a, b]) if hasattr(torch, "hstack") else torch.cat([a, b], 1)
repeated = a.repeat(2, 1)
tiled = a.repeat_interleave(2, dim=0)
expanded = a[:, :1].expand(-1, 4)
flipped = a.flip(1)
rolled = torch.roll(torch.arange(5), 2)
tri = torch.tril(torch.ones(3, 3))
grid_x, grid_y = torch.meshgrid(torch.arange(2), torch.arange(3), indexing="ij")

# gradients flow through all of it
w = torch.randn(4, 3, requires_grad=True)
parts = w.split(2)
joined = torch.cat([parts[1] * 2, parts[0]], dim=0)
st = torch.stack(joined.chunk(2, dim=1)[:1] * 2).sum()
(joined.sum() + st).backward()
w_grad = w.grad
'''

CLAMP_AND_WHERE = '''
import torch

x = torch.linspace(-3, 3, 13, requires_grad=True)
clamped = x.clamp(min=-1.0, max=2.0)
clamped_min = torch.clamp(x, min=0)
clipped = torch.clip(x, -0.5, 0.5)
relu_like = torch.where(x > 0, x, torch.zeros_like(x))
leaky = torch.where(x > 0, x, 0.1 * x)
safe_log = torch.where(x > 0, x, torch.ones_like(x)).log()
huber = torch.where(x.abs() < 1, 0.5 * x ** 2, x.abs() - 0.5)
(clamped.sum() + leaky.sum() + safe_log.sum() + huber.sum()).backward()
x_grad = x.grad

# tensor bounds, as in PPO's ratio clipping
ratio = torch.tensor([0.5, 0.9, 1.0, 1.3, 2.0], requires_grad=True)
advantage = torch.tensor([1.0, -1.0, 2.0, 1.0, -0.5])
eps = 0.2
surr1 = ratio * advantage
surr2 = torch.clamp(ratio, 1 - eps, 1 + eps) * advantage
loss = -torch.min(surr1, surr2).mean()
loss.backward()
ratio_grad = ratio.grad

# nan handling
y = torch.tensor([1.0, float("nan"), -2.0, float("inf")])
no_nan = torch.where(torch.isnan(y), torch.zeros_like(y), y)
finite = torch.isfinite(y)
nan_count = torch.isnan(y).sum().item()
maximum = torch.maximum(torch.tensor([1.0, 5.0]), torch.tensor([3.0, 2.0]))
'''

MIXED_DTYPES = '''
import numpy as np
import torch

i = torch.tensor([7, -7, 8, 3], dtype=torch.int32)
floor_div = i // 2
floor_div_neg = i // -2
mod = i % 3
true_div = i / 2
int_mul = i * 3
mixed = i + 2.5
widened = i + torch.tensor([1, 1, 1, 1])
as_float = i.float()
as_double = i.double()
as_long = as_float.long()
as_bool = i.bool()
truncated = torch.tensor([2.7, -2.7]).long()
rounded = torch.tensor([0.5, 1.5, 2.5, -0.5]).round()
div_floor = torch.div(torch.tensor([7.0, -7.0]), 2, rounding_mode="floor")
div_trunc = torch.div(torch.tensor([7, -7]), 2, rounding_mode="trunc")
is_float32 = mixed.dtype == torch.float32
sum_is_int64 = i.sum().dtype == torch.int64   # (the dtypes of all tensors are compared too)
mean_of_ints = i.float().mean()
bool_sum = (i > 0).sum()

d = torch.randn(3, dtype=torch.float64, requires_grad=True)
f = torch.randn(3, requires_grad=True)
out = (d * f.double()).sum()
out.backward()
d_grad, f_grad = d.grad, f.grad
to_dtype = f.to(torch.float64).dtype == torch.float64
half_trip = f.detach().half().float()
scalar_float64 = f * torch.tensor(2.0, dtype=torch.float64)   # a 0-d tensor does not widen

# numpy round trip
arr = np.arange(6, dtype=np.float32).reshape(2, 3)
t = torch.from_numpy(arr)
arr[0, 0] = 100.0                  # shared memory: t sees it
back = t.numpy()
t2 = torch.tensor(arr)             # a copy
arr[0, 1] = -1.0
as_list = t2.tolist()
item = t2[1, 2].item()
as_int64 = torch.as_tensor(np.array([1, 2, 3])).dtype == torch.int64
'''


@pytest.mark.parametrize("source", [INDEXING, REDUCTIONS, EINSUM_ATTENTION, JOIN_AND_SPLIT, CLAMP_AND_WHERE,
                                    MIXED_DTYPES],
                         ids=["indexing", "reductions", "einsum_attention", "join_and_split", "clamp_and_where",
                              "mixed_dtypes"])
def test_same_as_pytorch(source):
    torch_run, our_run = run_both(source)
    assert_same(torch_run, our_run, ignore=["arr"])  # (the numpy array itself)


FORMATTING = '''
import torch

w = torch.tensor([1.25, -0.5, 3.0], requires_grad=True)
loss = (w * w).sum()
printed = []
for i, x in enumerate(w):
    printed.append('{:+.2f} x^{} '.format(x, i + 1))     # pytorch/examples' regression poly_desc
print(f"loss {loss:.4f}, {loss:8.3e}, {torch.tensor(7):d}, {torch.tensor(7):>4}, {w[0]}")
empty_format = format(w, "")
try:
    format(w, ".2f")
except TypeError as err:
    refused = str(err)
'''


def test_format_as_pytorch():
    """A 0-d tensor formats as its number (f"{loss:.4f}"); a tensor with dims takes only the empty format."""
    torch_run, our_run = run_both(FORMATTING)
    assert_same(torch_run, our_run, ignore=["empty_format"])  # (each library's own repr)
    assert our_run.values["refused"] == torch_run.values["refused"]
