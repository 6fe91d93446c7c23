# Source: github.com/karpathy/nn-zero-to-hero (commit 73c3fcc741f0ec104ca850b1fb0df90e7e8d4cde),
# lectures/micrograd/micrograd_lecture_second_half_roughly.ipynb
# MIT, (c) Andrej Karpathy (Copyright (c) 2022 Andrej Karpathy; the MIT license text is in that repository)
"""The micrograd lecture ("Neural Networks: Zero to Hero", part 1), its second notebook's code cells as written
there, run with PyTorch and with this project under torch's names (harness.py): the notebook's own Value class
(unchanged: it is plain Python) next to its PyTorch cell, `torch.Tensor([2.0]).double()` with
`requires_grad = True`, `o.data.item()` and `x2.grad.item()`, then the Value MLP trained for 20 steps from
Python's `random` (seeded alike in both runs). Every value left (a cell's shown value too, as ``_n``) and every
number printed agree; the PyTorch cell's numbers are also the Value class's own.

Adapted: matplotlib's lines and the graphviz drawing (`draw_dot`, and the cell that only shows it) are
removed. The first notebook (derivatives by hand, the Value class built up) has no PyTorch in it."""
import math
import re

import numpy as np
import pytest

from harness import assert_same, notebook, run_both

torch = pytest.importorskip("torch")  # the oracle: the notebook also runs with PyTorch (CI installs it)

MICROGRAD = notebook(r'''
# In[0]:
import math
import random
import numpy as np
# In[1]:
def f(x):
  return 3*x**2 - 4*x + 5
# In[2]:
f(3.0)
# In[3]:
xs = np.arange(-5, 5, 0.25)
ys = f(xs)
# In[4]:
h = 0.000001
x = 2/3
(f(x + h) - f(x))/h
# In[5]:
# les get more complex
a = 2.0
b = -3.0
c = 10.0
d = a*b + c
print(d)
# In[6]:
h = 0.0001

# inputs
a = 2.0
b = -3.0
c = 10.0

d1 = a*b + c
c += h
d2 = a*b + c

print('d1', d1)
print('d2', d2)
print('slope', (d2 - d1)/h)
# In[7]:
class Value:
  
  def __init__(self, data, _children=(), _op='', label=''):
    self.data = data
    self.grad = 0.0
    self._backward = lambda: None
    self._prev = set(_children)
    self._op = _op
    self.label = label

  def __repr__(self):
    return f"Value(data={self.data})"
  
  def __add__(self, other):
    other = other if isinstance(other, Value) else Value(other)
    out = Value(self.data + other.data, (self, other), '+')
    
    def _backward():
      self.grad += 1.0 * out.grad
      other.grad += 1.0 * out.grad
    out._backward = _backward
    
    return out

  def __mul__(self, other):
    other = other if isinstance(other, Value) else Value(other)
    out = Value(self.data * other.data, (self, other), '*')
    
    def _backward():
      self.grad += other.data * out.grad
      other.grad += self.data * out.grad
    out._backward = _backward
      
    return out
  
  def __pow__(self, other):
    assert isinstance(other, (int, float)), "only supporting int/float powers for now"
    out = Value(self.data**other, (self,), f'**{other}')

    def _backward():
        self.grad += other * (self.data ** (other - 1)) * out.grad
    out._backward = _backward

    return out
  
  def __rmul__(self, other): # other * self
    return self * other

  def __truediv__(self, other): # self / other
    return self * other**-1

  def __neg__(self): # -self
    return self * -1

  def __sub__(self, other): # self - other
    return self + (-other)

  def __radd__(self, other): # other + self
    return self + other

  def tanh(self):
    x = self.data
    t = (math.exp(2*x) - 1)/(math.exp(2*x) + 1)
    out = Value(t, (self, ), 'tanh')
    
    def _backward():
      self.grad += (1 - t**2) * out.grad
    out._backward = _backward
    
    return out
  
  def exp(self):
    x = self.data
    out = Value(math.exp(x), (self, ), 'exp')
    
    def _backward():
      self.grad += out.data * out.grad # NOTE: in the video I incorrectly used = instead of +=. Fixed here.
    out._backward = _backward
    
    return out
  
  
  def backward(self):
    
    topo = []
    visited = set()
    def build_topo(v):
      if v not in visited:
        visited.add(v)
        for child in v._prev:
          build_topo(child)
        topo.append(v)
    build_topo(self)
    
    self.grad = 1.0
    for node in reversed(topo):
      node._backward()
# In[9]:
# inputs x1,x2
x1 = Value(2.0, label='x1')
x2 = Value(0.0, label='x2')
# weights w1,w2
w1 = Value(-3.0, label='w1')
w2 = Value(1.0, label='w2')
# bias of the neuron
b = Value(6.8813735870195432, label='b')
# x1*w1 + x2*w2 + b
x1w1 = x1*w1; x1w1.label = 'x1*w1'
x2w2 = x2*w2; x2w2.label = 'x2*w2'
x1w1x2w2 = x1w1 + x2w2; x1w1x2w2.label = 'x1*w1 + x2*w2'
n = x1w1x2w2 + b; n.label = 'n'
o = n.tanh(); o.label = 'o'
o.backward()
# In[11]:
# inputs x1,x2
x1 = Value(2.0, label='x1')
x2 = Value(0.0, label='x2')
# weights w1,w2
w1 = Value(-3.0, label='w1')
w2 = Value(1.0, label='w2')
# bias of the neuron
b = Value(6.8813735870195432, label='b')
# x1*w1 + x2*w2 + b
x1w1 = x1*w1; x1w1.label = 'x1*w1'
x2w2 = x2*w2; x2w2.label = 'x2*w2'
x1w1x2w2 = x1w1 + x2w2; x1w1x2w2.label = 'x1*w1 + x2*w2'
n = x1w1x2w2 + b; n.label = 'n'
# ----
e = (2*n).exp()
o = (e - 1) / (e + 1)
# ----
o.label = 'o'
o.backward()
# In[12]:
import torch
# In[13]:

x1 = torch.Tensor([2.0]).double()                ; x1.requires_grad = True
x2 = torch.Tensor([0.0]).double()                ; x2.requires_grad = True
w1 = torch.Tensor([-3.0]).double()               ; w1.requires_grad = True
w2 = torch.Tensor([1.0]).double()                ; w2.requires_grad = True
b = torch.Tensor([6.8813735870195432]).double()  ; b.requires_grad = True
n = x1*w1 + x2*w2 + b
o = torch.tanh(n)

print(o.data.item())
o.backward()

print('---')
print('x2', x2.grad.item())
print('w2', w2.grad.item())
print('x1', x1.grad.item())
print('w1', w1.grad.item())
# In[14]:

class Neuron:
  
  def __init__(self, nin):
    self.w = [Value(random.uniform(-1,1)) for _ in range(nin)]
    self.b = Value(random.uniform(-1,1))
  
  def __call__(self, x):
    # w * x + b
    act = sum((wi*xi for wi, xi in zip(self.w, x)), self.b)
    out = act.tanh()
    return out
  
  def parameters(self):
    return self.w + [self.b]

class Layer:
  
  def __init__(self, nin, nout):
    self.neurons = [Neuron(nin) for _ in range(nout)]
  
  def __call__(self, x):
    outs = [n(x) for n in self.neurons]
    return outs[0] if len(outs) == 1 else outs
  
  def parameters(self):
    return [p for neuron in self.neurons for p in neuron.parameters()]

class MLP:
  
  def __init__(self, nin, nouts):
    sz = [nin] + nouts
    self.layers = [Layer(sz[i], sz[i+1]) for i in range(len(nouts))]
  
  def __call__(self, x):
    for layer in self.layers:
      x = layer(x)
    return x
  
  def parameters(self):
    return [p for layer in self.layers for p in layer.parameters()]
# In[15]:
x = [2.0, 3.0, -1.0]
n = MLP(3, [4, 4, 1])
n(x)
# In[16]:
xs = [
  [2.0, 3.0, -1.0],
  [3.0, -1.0, 0.5],
  [0.5, 1.0, 1.0],
  [1.0, 1.0, -1.0],
]
ys = [1.0, -1.0, -1.0, 1.0] # desired targets
# In[17]:

for k in range(20):
  
  # forward pass
  ypred = [n(x) for x in xs]
  loss = sum((yout - ygt)**2 for ygt, yout in zip(ys, ypred))
  
  # backward pass
  for p in n.parameters():
    p.grad = 0.0
  loss.backward()
  
  # update
  for p in n.parameters():
    p.data += -0.1 * p.grad
  
  print(k, loss.data)
  
# In[18]:
ypred
''')


def test_micrograd_lecture_runs_as_with_pytorch():
    torch_run, our_run = run_both(MICROGRAD)
    assert_same(torch_run, our_run, rtol=1e-12, atol=1e-14)  # (float64 throughout: .double(), Python floats)
    # the lecture's neuron, o = tanh(x1*w1 + x2*w2 + b), do/dn = 1 - o**2, with b as `torch.Tensor([b])` makes it:
    # float32 first (then .double()), so o is 0.70710669..., not sqrt(0.5) (the lecture's printed value too)
    o = math.tanh(2.0 * -3.0 + float(np.float32(6.8813735870195432)))
    want = {"x2": (1 - o**2) * 1.0, "w2": 0.0, "x1": (1 - o**2) * -3.0, "w1": (1 - o**2) * 2.0}
    for run in (torch_run, our_run):
        grads = dict(re.findall(r"^(x2|w2|x1|w1) (\S+)$", run.stdout, flags=re.M))
        assert {name: float(value) for name, value in grads.items()} == pytest.approx(want, rel=1e-14, abs=1e-14)
        assert float(run.stdout.split("---")[0].split()[-1]) == pytest.approx(o, rel=1e-14)
