"""PyTorch's autograd tutorials ("A Gentle Introduction to torch.autograd", "Automatic
Differentiation with torch.autograd", the old 60-minute blitz), tensor hooks, module hooks,
gradient penalties and second derivatives, each run with PyTorch and with this project under
torch's names (harness.py): every value left and every number printed agree."""
import pytest

from harness import assert_close, assert_same, run_both

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)

GENTLE_INTRODUCTION = '''
import torch

a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)
Q = 3*a**3 - b**2
external_grad = torch.tensor([1., 1.])
Q.backward(gradient=external_grad)

# check if collected gradients are correct
print(9*a**2 == a.grad)
print(-2*b == b.grad)
a_ok = bool((9*a**2 == a.grad).all())

x = torch.rand(5, 5)
y = torch.rand(5, 5)
z = torch.rand((5, 5), requires_grad=True)

a = x + y
print(f"Does `a` require gradients?: {a.requires_grad}")
b = x + z
print(f"Does `b` require gradients?: {b.requires_grad}")
a_requires, b_requires = a.requires_grad, b.requires_grad
'''

AUTOMATIC_DIFFERENTIATION = '''
import torch

x = torch.ones(5)  # input tensor
y = torch.zeros(3)  # expected output
w = torch.randn(5, 3, requires_grad=True)
b = torch.randn(3, requires_grad=True)
z = torch.matmul(x, w)+b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)

print(f"Gradient function for z = {z.grad_fn.name()}")
# (the loss's node is named after its last op here: the loss is made of several ops)
z_grad_fn, loss_has_grad_fn = z.grad_fn.name(), loss.grad_fn is not None

loss.backward()
print(w.grad)
print(b.grad)

z = torch.matmul(x, w)+b
print(z.requires_grad)

with torch.no_grad():
    z = torch.matmul(x, w)+b
print(z.requires_grad)
no_grad_requires = z.requires_grad

z = torch.matmul(x, w)+b
z_det = z.detach()
print(z_det.requires_grad)

inp = torch.eye(4, 5, requires_grad=True)
out = (inp+1).pow(2).t()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"First call\\n{inp.grad}")
first = inp.grad.clone()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\\nSecond call\\n{inp.grad}")
second = inp.grad.clone()
inp.grad.zero_()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\\nCall after zeroing gradients\\n{inp.grad}")
'''

BLITZ_VECTOR_JACOBIAN = '''
import torch

x = torch.randn(3, requires_grad=True)

y = x * 2
while y.data.norm() < 1000:
    y = y * 2

print(y)

v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
y.backward(v)

print(x.grad)

print(x.requires_grad)
print((x ** 2).requires_grad)

with torch.no_grad():
    print((x ** 2).requires_grad)

print(x.requires_grad)
y = x.detach()
print(y.requires_grad)
print(x.eq(y).all())
'''

FREEZING_PARAMETERS = '''
import torch
from torch import nn, optim


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU())
        self.fc = nn.Linear(16, 5)

    def forward(self, x):
        return self.fc(self.features(x))


model = Net()
# Freeze all the parameters in the network
for param in model.parameters():
    param.requires_grad = False
# Replace the classifier: only it is trained
model.fc = nn.Linear(16, 3)
trainable = [name for name, p in model.named_parameters() if p.requires_grad]
print(trainable)
n_trainable = len(trainable)

optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
data, labels = torch.rand(8, 12), torch.randint(0, 3, (8,))
before = model.features[0].weight.clone()
for step in range(5):
    optimizer.zero_grad()
    loss = nn.functional.cross_entropy(model(data), labels)
    loss.backward()
    optimizer.step()
    print(step, loss.item())
frozen_unchanged = bool(torch.equal(before, model.features[0].weight))
feature_grad_is_none = model.features[0].weight.grad is None
'''

TENSOR_HOOKS = '''
import torch

x = torch.randn(3, requires_grad=True)
seen = []
handle = x.register_hook(lambda grad: seen.append(grad.clone()))
(x * 2).sum().backward()
handle.remove()
(x * 3).sum().backward()          # the hook is gone: seen holds one gradient
n_seen = len(seen)
first_seen = seen[0]

# a hook that returns a value replaces the gradient
w = torch.randn(4, requires_grad=True)
h = w * 3
h.register_hook(lambda grad: grad * 10)
(h ** 2).sum().backward()
print(w.grad)

# gradient clipping by a hook on every parameter
model = torch.nn.Linear(4, 2)
for p in model.parameters():
    p.register_hook(lambda grad: torch.clamp(grad, -0.1, 0.1))
out = model(torch.randn(5, 4) * 10)
(out ** 2).sum().backward()
max_grad = max(p.grad.abs().max().item() for p in model.parameters())

# retain_grad on an intermediate value
a = torch.randn(2, 2, requires_grad=True)
b = a * a
b.retain_grad()
c = b.sum() * 2
c.backward()
b_grad = b.grad
print(b.grad, a.grad)
'''

MODULE_HOOKS = '''
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 8)
        self.fc2 = nn.Linear(8, 4)
        self.fc3 = nn.Linear(4, 2)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = torch.tanh(self.fc2(x))
        return self.fc3(x)


model = Net()
activation = {}
def get_activation(name):
    def hook(model, input, output):
        activation[name] = output.detach()
    return hook

model.fc1.register_forward_hook(get_activation('fc1'))
model.fc2.register_forward_hook(get_activation('fc2'))
x = torch.randn(3, 6)
output = model(x)
fc1_out, fc2_out = activation['fc1'], activation['fc2']

# a forward hook that changes the output, and a pre-hook that changes the input
handle = model.fc3.register_forward_hook(lambda module, inputs, out: out * 2)
doubled = model(x)
handle.remove()
pre = model.fc1.register_forward_pre_hook(lambda module, inputs: (inputs[0] + 1,))
shifted = model(x)
pre.remove()
restored = model(x)
print(output.sum().item(), doubled.sum().item(), shifted.sum().item())

# inputs reach the hook as a tuple
shapes = []
model.fc2.register_forward_pre_hook(lambda module, inputs: shapes.append(tuple(inputs[0].shape)))
model(torch.randn(5, 6))
print(shapes)
'''

BACKWARD_HOOKS = '''
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.simplefilter("ignore")  # (the first layer's hook fires at its output: both libraries warn)


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.conv2 = nn.Conv2d(4, 6, 3, padding=1)
        self.fc = nn.Linear(6, 3)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        self.features = x
        return self.fc(x.mean(dim=(2, 3)))


model = SmallCNN()
grad_norms = {}
def log_grads(name):
    def hook(module, grad_input, grad_output):
        grad_norms[name] = (grad_output[0].norm().item(),
                            None if grad_input[0] is None else grad_input[0].norm().item())
    return hook

for name, module in model.named_children():
    module.register_full_backward_hook(log_grads(name))

# Grad-CAM: the gradient of a class score with respect to the last feature map
gradients = []
model.conv2.register_full_backward_hook(lambda m, gi, go: gradients.append(go[0].detach()))
x = torch.randn(2, 1, 8, 8)
scores = model(x)
scores[:, 1].sum().backward()
weights = gradients[0].mean(dim=(2, 3), keepdim=True)
cam = F.relu((weights * model.features.detach()).sum(1))
conv1_output_norm, conv1_input_grad = grad_norms["conv1"]   # (None: the image needs no gradient)
conv1_input_grad_is_none = conv1_input_grad is None
fc_norms = grad_norms["fc"]
node = scores.grad_fn.name()

# a hook that scales grad_input, and a pre-hook that scales grad_output
model.zero_grad()
handle = model.fc.register_full_backward_hook(lambda m, gi, go: (gi[0] * 0.5,))
pre = model.conv2.register_full_backward_pre_hook(lambda m, go: (go[0] * 2,))
model(x).sum().backward()
conv1_weight_grad = model.conv1.weight.grad
fc_weight_grad = model.fc.weight.grad
handle.remove()
pre.remove()
'''

GRADIENT_PENALTY = '''
import torch
import torch.nn as nn
import torch.autograd as autograd


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.model = nn.Sequential(
            nn.Linear(8, 16),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(16, 16),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(16, 1),
        )

    def forward(self, img):
        return self.model(img)


def compute_gradient_penalty(D, real_samples, fake_samples):
    """Calculates the gradient penalty loss for WGAN GP"""
    # Random weight term for interpolation between real and fake samples
    alpha = torch.rand(real_samples.size(0), 1)
    # Get random interpolation between real and fake samples
    interpolates = (alpha * real_samples + ((1 - alpha) * fake_samples)).requires_grad_(True)
    d_interpolates = D(interpolates)
    fake = torch.ones(real_samples.shape[0], 1, requires_grad=False)
    # Get gradient w.r.t. interpolates
    gradients = autograd.grad(
        outputs=d_interpolates,
        inputs=interpolates,
        grad_outputs=fake,
        create_graph=True,
        retain_graph=True,
        only_inputs=True,
    )[0]
    gradients = gradients.view(gradients.size(0), -1)
    gradient_penalty = ((gradients.norm(2, dim=1) - 1) ** 2).mean()
    return gradient_penalty


D = Discriminator()
optimizer_D = torch.optim.Adam(D.parameters(), lr=1e-3, betas=(0.5, 0.9))
lambda_gp = 10
for step in range(5):
    real = torch.randn(16, 8) + 2
    fake = torch.randn(16, 8)
    optimizer_D.zero_grad()
    real_validity = D(real)
    fake_validity = D(fake)
    gradient_penalty = compute_gradient_penalty(D, real.data, fake.data)
    d_loss = -torch.mean(real_validity) + torch.mean(fake_validity) + lambda_gp * gradient_penalty
    d_loss.backward()
    if step == 0:
        first_grads = [p.grad.clone() for p in D.parameters()]
    optimizer_D.step()
    print(step, d_loss.item(), gradient_penalty.item())
'''

HIGHER_ORDER = '''
import torch

# Hessian-vector product by double backward
x = torch.randn(4, requires_grad=True)
f = (x ** 3).sum() + x[0] * x[1] + torch.sin(x).prod()
g, = torch.autograd.grad(f, x, create_graph=True)
v = torch.tensor([1.0, 0.5, -1.0, 2.0])
hv, = torch.autograd.grad(g @ v, x, retain_graph=True)

# the full Hessian, row by row
rows = []
for i in range(4):
    row, = torch.autograd.grad(g[i], x, retain_graph=True)
    rows.append(row)
hessian = torch.stack(rows)

# gradient of a gradient norm (as in double-backprop regularisers)
w = torch.randn(3, 3, requires_grad=True)
inp = torch.randn(5, 3, requires_grad=True)
out = torch.tanh(inp @ w).sum()
g_inp, = torch.autograd.grad(out, inp, create_graph=True)
penalty = g_inp.pow(2).sum()
penalty.backward()
w_grad = w.grad

# third derivative of x^4 at 2: 24 * 2 = 48
t = torch.tensor(2.0, requires_grad=True)
y = t ** 4
d1, = torch.autograd.grad(y, t, create_graph=True)
d2, = torch.autograd.grad(d1, t, create_graph=True)
d3, = torch.autograd.grad(d2, t)
print(d1.item(), d2.item(), d3.item())

# allow_unused
u = torch.randn(2, requires_grad=True)
unused = torch.randn(2, requires_grad=True)
gu, gn = torch.autograd.grad((u * 2).sum(), [u, unused], allow_unused=True)
unused_is_none = gn is None
'''

GRADCHECK = '''
import torch
from torch.autograd import Function, gradcheck


class LinearFunction(Function):
    @staticmethod
    def forward(input, weight, bias):
        output = input.mm(weight.t())
        if bias is not None:
            output += bias.unsqueeze(0).expand_as(output)
        return output

    @staticmethod
    def setup_context(ctx, inputs, output):
        input, weight, bias = inputs
        ctx.save_for_backward(input, weight, bias)

    @staticmethod
    def backward(ctx, grad_output):
        input, weight, bias = ctx.saved_tensors
        grad_input = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_input = grad_output.mm(weight)
        if ctx.needs_input_grad[1]:
            grad_weight = grad_output.t().mm(input)
        if bias is not None and ctx.needs_input_grad[2]:
            grad_bias = grad_output.sum(0)
        return grad_input, grad_weight, grad_bias


linear = LinearFunction.apply
input = (torch.randn(6, 5, dtype=torch.double, requires_grad=True),
         torch.randn(4, 5, dtype=torch.double, requires_grad=True),
         torch.randn(4, dtype=torch.double, requires_grad=True))
test = gradcheck(linear, input, eps=1e-6, atol=1e-4)
print(test)

# the Function against nn.functional.linear
out = linear(*input)
ref = torch.nn.functional.linear(*input)
out.sum().backward()
grads = [t.grad.clone() for t in input]
same_as_linear = bool(torch.allclose(out, ref))

# only the weight needs a gradient: the others come back None
x = torch.randn(6, 5, dtype=torch.double)
w = torch.randn(4, 5, dtype=torch.double, requires_grad=True)
linear(x, w, None).pow(2).sum().backward()
w_grad = w.grad
'''


@pytest.mark.parametrize("source", [GENTLE_INTRODUCTION, AUTOMATIC_DIFFERENTIATION, BLITZ_VECTOR_JACOBIAN,
                                    FREEZING_PARAMETERS, TENSOR_HOOKS, MODULE_HOOKS, BACKWARD_HOOKS, HIGHER_ORDER,
                                    GRADCHECK],
                         ids=["gentle_introduction", "automatic_differentiation", "blitz_vector_jacobian",
                              "freezing_parameters", "tensor_hooks", "module_hooks", "backward_hooks", "higher_order",
                              "gradcheck"])
def test_same_as_pytorch(source):
    torch_run, our_run = run_both(source)
    assert_same(torch_run, our_run)


def test_wgan_gradient_penalty():
    # The discriminator is piecewise linear: a unit whose LeakyReLU side is the same for every
    # sample gets a bias gradient that is exactly 0, which rounding makes +-2e-9 in either library.
    # Adam turns such a crumb into a step of ~lr/6, so the weights after 5 steps are compared to
    # lr; the first step's gradients, the losses and the penalties (printed) to 1e-4.
    torch_run, our_run = run_both(GRADIENT_PENALTY)
    weights = [name for name in torch_run.values if name.startswith("D.")]
    assert_same(torch_run, our_run, ignore=weights)
    assert_close(torch_run, our_run, *weights, rtol=0, atol=1e-3)
    assert len([name for name in torch_run.values if name.startswith("first_grads.")]) == 6
