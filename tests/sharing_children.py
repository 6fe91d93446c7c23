"""What the child processes of test_shared_memory.py run (a module of its own, small to import: a process
started with spawn imports the function it runs by name, and this file imports only the project)."""
import autograd as ag
import nn
import optim

STEPS = 3


def sgd_steps(model, data, steps=STEPS):
    """``steps`` SGD (momentum) steps of ``model`` on ``data``: what each process of a hogwild run does."""
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
    x, y = data
    for _ in range(steps):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()


def train(model, data, unshared):
    """The child's work: train the shared model, and change a tensor that was passed by value."""
    sgd_steps(model, data)
    unshared.add_(1)


def add_from_queue(queue, done):
    """Take tensors from ``queue`` until None and add 1 to each in place; put True on ``done`` after each."""
    while True:
        t = queue.get(timeout=30)
        if t is None:
            return
        t.add_(1)
        done.put(t.is_shared())


def fill_row(i, table, value):
    """torch.multiprocessing.spawn's fn(i, *args): process i writes ``value + i`` into row i of ``table``."""
    with ag.no_grad():
        table[i] = value + i


def fail(i):
    raise ValueError(f"process {i} failed on purpose")
