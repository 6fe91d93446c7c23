"""The learning-rate schedulers of the "Learning rate schedulers" recipe beyond the basic ones: a
linear warm-up then cosine decay (SequentialLR), warm restarts (CosineAnnealingWarmRestarts, also
stepped with fractional epochs inside an epoch as its docs show), ChainedScheduler, CyclicLR (with
momentum, and Adam's beta1), MultiplicativeLR, ConstantLR, LinearLR, PolynomialLR, the deprecated
step(epoch) closed forms, resuming a SequentialLR from its state_dict, and a param group added
while a scheduler runs (ReduceLROnPlateau reduces it too; where PyTorch cannot schedule it, both
refuse). Each runs with PyTorch and with this project under torch's names (harness.py): every lr,
momentum and number printed agree."""
import pytest

from harness import assert_same, run_both

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)

COMMON = '''
import torch
from torch import nn, optim
from torch.optim import lr_scheduler

model = nn.Linear(2, 1)


def make():
    return optim.SGD([{"params": [model.weight]}, {"params": [model.bias], "lr": 0.05}], lr=0.1, momentum=0.9)


def run(scheduler, optimizer, epochs=14):
    lrs, head_lrs, momenta = [], [], []
    for epoch in range(epochs):
        optimizer.step()
        scheduler.step()
        lrs.append(optimizer.param_groups[0]["lr"])
        head_lrs.append(scheduler.get_last_lr()[1])
        momenta.append(optimizer.param_groups[0]["momentum"])
    return lrs, head_lrs, momenta
'''

WARMUP_THEN_DECAY = COMMON + '''
optimizer = make()
warmup = lr_scheduler.LinearLR(optimizer, start_factor=0.1, total_iters=3)
decay = lr_scheduler.CosineAnnealingLR(optimizer, T_max=8, eta_min=0.01)
warmup_cosine = run(lr_scheduler.SequentialLR(optimizer, [warmup, decay], milestones=[3]), optimizer)

optimizer = make()
three = lr_scheduler.SequentialLR(optimizer, [lr_scheduler.ConstantLR(optimizer, factor=0.5, total_iters=2),
                                              lr_scheduler.ExponentialLR(optimizer, 0.9),
                                              lr_scheduler.StepLR(optimizer, 2, 0.5)], milestones=[2, 6])
three_phases = run(three, optimizer)

def build():
    optimizer = make()
    return optimizer, lr_scheduler.SequentialLR(optimizer, [lr_scheduler.LinearLR(optimizer, 0.1, total_iters=3),
                                                            lr_scheduler.ExponentialLR(optimizer, 0.8)], [3])
optimizer, scheduler = build()
run(scheduler, optimizer, 4)
checkpoint = {"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()}
going_on = run(scheduler, optimizer, 4)
optimizer, scheduler = build()
optimizer.load_state_dict(checkpoint["optimizer"])
scheduler.load_state_dict(checkpoint["scheduler"])
resumed = run(scheduler, optimizer, 4)
print(warmup_cosine[0])
'''

WARM_RESTARTS = COMMON + '''
optimizer = make()
restarts = run(lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=3, eta_min=0.001), optimizer)
optimizer = make()
doubling = run(lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=2, T_mult=2), optimizer)

optimizer = make()
scheduler = lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=2, T_mult=2, eta_min=0.01)
iters = 4
within_epochs = []
for epoch in range(7):
    for i in range(iters):
        optimizer.step()
        scheduler.step(epoch + i / iters)
        within_epochs.append(optimizer.param_groups[0]["lr"])
scheduler.step(3)
jumped = scheduler.get_last_lr()
t_cur, t_i = scheduler.T_cur, scheduler.T_i
print(restarts[0])
'''

CHAINED_AND_CYCLIC = COMMON + '''
optimizer = make()
chained = run(lr_scheduler.ChainedScheduler([lr_scheduler.ConstantLR(optimizer, factor=0.1, total_iters=2),
                                             lr_scheduler.ExponentialLR(optimizer, gamma=0.9)]), optimizer)
optimizer = make()
triangular = run(lr_scheduler.CyclicLR(optimizer, base_lr=0.01, max_lr=0.1, step_size_up=3), optimizer)
optimizer = make()
halving = run(lr_scheduler.CyclicLR(optimizer, base_lr=[0.01, 0.02], max_lr=[0.1, 0.3], step_size_up=2,
                                    step_size_down=4, mode="triangular2"), optimizer)
optimizer = make()
exp_range = run(lr_scheduler.CyclicLR(optimizer, base_lr=0.01, max_lr=0.1, step_size_up=2, mode="exp_range",
                                      gamma=0.9, base_momentum=0.7, max_momentum=0.95), optimizer)
optimizer = make()
custom = run(lr_scheduler.CyclicLR(optimizer, 0.01, 0.1, step_size_up=2, scale_fn=lambda x: 1 / (x + 1),
                                   scale_mode="iterations", cycle_momentum=False), optimizer)

adam = optim.Adam(model.parameters(), lr=0.1)
scheduler = lr_scheduler.CyclicLR(adam, 0.001, 0.01, step_size_up=3)
beta1 = []
for _ in range(8):
    adam.step()
    scheduler.step()
    beta1.append(adam.param_groups[0]["betas"][0])
print(triangular[0])
'''

FACTOR_SCHEDULERS = COMMON + '''
optimizer = make()
multiplicative = run(lr_scheduler.MultiplicativeLR(optimizer, [lambda e: 0.9, lambda e: 0.5 if e % 2 else 1.0]),
                     optimizer)
optimizer = make()
constant = run(lr_scheduler.ConstantLR(optimizer, factor=0.25, total_iters=4), optimizer)
optimizer = make()
linear = run(lr_scheduler.LinearLR(optimizer, start_factor=0.1, end_factor=0.8, total_iters=6), optimizer)
optimizer = make()
to_zero = run(lr_scheduler.LinearLR(optimizer, start_factor=1.0, end_factor=0.0, total_iters=10), optimizer)
optimizer = make()
polynomial = run(lr_scheduler.PolynomialLR(optimizer, total_iters=8, power=2.0), optimizer)

closed_forms = []  # the deprecated step(epoch): each scheduler's closed form
for scheduler_fn, epochs in ((lambda o: lr_scheduler.LinearLR(o, start_factor=0.2, total_iters=4), [0, 1, 2, 5, 3]),
                             (lambda o: lr_scheduler.PolynomialLR(o, total_iters=4, power=0.5), [1, 3, 6]),
                             (lambda o: lr_scheduler.ConstantLR(o, factor=0.5, total_iters=3), [1, 3, 2])):
    optimizer = make()
    scheduler = scheduler_fn(optimizer)
    for epoch in epochs:
        optimizer.step()
        scheduler.step(epoch)
        closed_forms.append(optimizer.param_groups[0]["lr"])
print(linear[0])
'''


UNFREEZING_WITH_A_SCHEDULER = '''
import torch
from torch import nn, optim
from torch.optim import lr_scheduler

# fine-tuning: the head trains first, the backbone joins later through add_param_group
torch.manual_seed(0)
backbone, head = nn.Linear(3, 4), nn.Linear(4, 1)
x, y = torch.randn(8, 3), torch.randn(8, 1)


def train(scheduler_fn, metric=False, epochs=6):
    optimizer = optim.SGD(head.parameters(), lr=0.1, momentum=0.9)
    scheduler = scheduler_fn(optimizer)
    lrs = []
    try:
        for epoch in range(epochs):
            if epoch == 2:
                optimizer.add_param_group({"params": backbone.parameters(), "lr": 0.01})
            optimizer.zero_grad()
            loss = nn.functional.mse_loss(head(torch.relu(backbone(x))), y)
            loss.backward()
            optimizer.step()
            scheduler.step(1.0) if metric else scheduler.step()   # a validation loss that stops improving
            lrs.append([group["lr"] for group in optimizer.param_groups])
    except (ValueError, RuntimeError) as error:   # PyTorch refuses where it cannot schedule the new group
        return type(error).__name__, len(lrs)
    return "ok", [lr for epoch_lrs in lrs for lr in epoch_lrs]


plateau = train(lambda o: lr_scheduler.ReduceLROnPlateau(o, patience=0, factor=0.5), metric=True)  # both groups
plateau_per_group = train(lambda o: lr_scheduler.ReduceLROnPlateau(o, patience=0, min_lr=[0.001]), metric=True)
step = train(lambda o: lr_scheduler.StepLR(o, 1, 0.5))          # recursive: the new group decays too
lam = train(lambda o: lr_scheduler.LambdaLR(o, lambda e: 0.9 ** e))
restarts = train(lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=2))
cyclic = train(lambda o: lr_scheduler.CyclicLR(o, 0.01, 0.1, step_size_up=2))
plateau_result, plateau_lrs = plateau
step_result, step_lrs = step
refused = [plateau_per_group, lam, restarts, cyclic]
print(plateau_result, step_result, refused)
'''


@pytest.mark.filterwarnings("ignore:The epoch parameter in `scheduler.step\\(\\)`")  # both warn: step(epoch)
@pytest.mark.parametrize("source", [WARMUP_THEN_DECAY, WARM_RESTARTS, CHAINED_AND_CYCLIC, FACTOR_SCHEDULERS,
                                    UNFREEZING_WITH_A_SCHEDULER],
                         ids=["warmup_then_decay", "warm_restarts", "chained_and_cyclic", "factor_schedulers",
                              "unfreezing_with_a_scheduler"])
def test_same_as_pytorch(source):
    torch_run, our_run = run_both(source)
    assert_same(torch_run, our_run)
