"""PyTorch's "Spatial Transformer Networks" tutorial, as it is written (a localisation net regresses
theta, F.affine_grid and F.grid_sample warp the input, a small classifier reads the result), trained
for a few SGD steps on synthetic 28x28 digits (no download). It runs with PyTorch and with this
project under torch's names (tests/porting/harness.py): the losses printed, the predictions and
every weight after training agree (dropout's masks, nn.Dropout2d's included, are replayed from
PyTorch's run by the harness)."""
import pytest

from porting.harness import assert_same, run_both

torch = pytest.importorskip("torch")

STN_TUTORIAL = '''
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.conv2_drop = nn.Dropout2d()
        self.fc1 = nn.Linear(320, 50)
        self.fc2 = nn.Linear(50, 10)

        # Spatial transformer localization-network
        self.localization = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=7),
            nn.MaxPool2d(2, stride=2),
            nn.ReLU(True),
            nn.Conv2d(8, 10, kernel_size=5),
            nn.MaxPool2d(2, stride=2),
            nn.ReLU(True)
        )

        # Regressor for the 3 * 2 affine matrix
        self.fc_loc = nn.Sequential(
            nn.Linear(10 * 3 * 3, 32),
            nn.ReLU(True),
            nn.Linear(32, 3 * 2)
        )

        # Initialize the weights/bias with identity transformation
        self.fc_loc[2].weight.data.zero_()
        self.fc_loc[2].bias.data.copy_(torch.tensor([1, 0, 0, 0, 1, 0], dtype=torch.float))

    # Spatial transformer network forward function
    def stn(self, x):
        xs = self.localization(x)
        xs = xs.view(-1, 10 * 3 * 3)
        theta = self.fc_loc(xs)
        theta = theta.view(-1, 2, 3)

        grid = F.affine_grid(theta, x.size())
        x = F.grid_sample(x, grid)

        return x

    def forward(self, x):
        # transform the input
        x = self.stn(x)

        # Perform the usual forward pass
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
        x = x.view(-1, 320)
        x = F.relu(self.fc1(x))
        x = F.dropout(x, training=self.training)
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


torch.manual_seed(0)
model = Net()
optimizer = optim.SGD(model.parameters(), lr=0.05)

# synthetic digits: a bright bar whose position is the class, plus noise
images = torch.randn(48, 1, 28, 28) * 0.3
labels = torch.randint(0, 10, (48,))
for i in range(48):
    col = 4 + 2 * int(labels[i])
    images[i, 0, 6:22, col:col + 2] += 2.0

losses = []
model.train()
for step in range(4):
    data, target = images[12 * step:12 * (step + 1)], labels[12 * step:12 * (step + 1)]
    optimizer.zero_grad()
    output = model(data)
    loss = F.nll_loss(output, target)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
    print(f"step {step} loss {loss.item():.6f}")

# the tutorial's visualize_stn: the warped batch in eval mode
with torch.no_grad():
    model.eval()
    transformed = model.stn(images[:8]).cpu()
    theta = model.fc_loc(model.localization(images[:8]).view(-1, 90)).view(-1, 2, 3)
    test_output = model(images[:8])
    pred = test_output.max(1, keepdim=True)[1]
'''


@pytest.mark.filterwarnings("ignore:Default grid_sample and affine_grid behavior")  # (the tutorial's, in both runs)
def test_spatial_transformer_tutorial_trains_as_with_pytorch():
    torch_run, our_run = run_both(STN_TUTORIAL)
    assert_same(torch_run, our_run, rtol=2e-4, atol=2e-5)
    assert torch_run["theta"].shape == (8, 2, 3) and abs(torch_run["theta"] - [[1, 0, 0], [0, 1, 0]]).max() > 1e-4
