"""The CNN architectures of aladdinpersson/Machine-Learning-Collection (ML/Pytorch/CNN_architectures), written
from scratch in the course, as written there, with the test at the bottom of each file run on a small batch
and followed by one training step (cross-entropy on random labels, SGD with momentum); every change is
marked ``# test:``, long comments are left out.

- lenet5_pytorch.py: LeNet (AvgPool2d, a 5x5 conv down to 1x1, reshape, two Linear);
- pytorch_vgg_implementation.py: VGG_net built from the VGG16 list (Conv2d with tuple kernel/stride/padding,
  BatchNorm2d, MaxPool2d, `type(x) == int`), printed (the module tree's repr); channels cut by 8 and 32x32
  images so the numbers stay small;
- pytorch_inceptionet.py: GoogLeNet with both auxiliary classifiers (Inception blocks concatenating four
  branches, MaxPool2d with padding, AvgPool2d, Dropout, training returns (aux1, aux2, x), eval only x), on
  224x224 images (its pools need them) and channels cut by 8; in float64 (see FLOAT64);
- pytorch_resnet.py: ResNet50 (bottleneck blocks with `identity = x.clone()`, `x += identity`, the
  downsampling shortcut, AdaptiveAvgPool2d) on 48x48 images, in float64 (see FLOAT64); the program's
  `x = self.softmax(1)` (an int for the input) is refused by both libraries with the same AttributeError,
  and the test then calls the softmax on x (before the cross-entropy, as the program means it);
- pytorch_efficientnet.py: EfficientNet-b0 (depthwise convs with groups=hidden_dim, SiLU, squeeze and
  excitation, stochastic depth from `torch.rand(...) < survival_prob` and torch.div, AdaptiveAvgPool2d, view)
  on 64x64 images (on 32x32 the last blocks are 1x1 and BatchNorm over four numbers amplifies float32's
  rounding into 1% differences in the first layer's step, PyTorch's own float64 run included: 5e-9 there).

- image_segmentation/semantic_segmentation_unet (model.py, utils.py's check_accuracy, train.py's step):
  the UNET (DoubleConv blocks with ReLU(inplace=True), skip connections reversed with `[::-1]`,
  ConvTranspose2d up, `x.shape != skip_connection.shape` compared), its shape test on 32x32 images (161x161
  there, which needs torchvision's resize), Adam steps on BCEWithLogitsLoss (without CUDA's GradScaler),
  pixel accuracy and the Dice score printed; widths cut by 8.

Each runs with PyTorch and with this project under torch's names (harness.py); every value left (outputs,
every parameter and BatchNorm buffer after the step) and every number printed agree (dropout's masks and
the stochastic depth's draws replayed)."""
import pytest

from harness import assert_same, run_both

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)

ONE_TRAINING_STEP = '''

def one_training_step(model, x, num_classes, aux=False):  # test: one training step after the forward pass
    targets = torch.randint(0, num_classes, (x.shape[0],))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    criterion = nn.CrossEntropyLoss()
    out = model(x)
    if aux:  # (GoogLeNet in training: (aux1, aux2, x), the auxiliary losses weighted 0.3 as in the paper)
        loss = criterion(out[-1], targets) + 0.3 * sum(criterion(o, targets) for o in out[:-1])
    else:
        loss = criterion(out, targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"loss {loss.item():.6f}")
    return loss
'''

LENET = '''
import torch
import torch.nn as nn


class LeNet(nn.Module):
    def __init__(self):
        super(LeNet, self).__init__()
        self.relu = nn.ReLU()
        self.pool = nn.AvgPool2d(kernel_size=2, stride=2)
        self.conv1 = nn.Conv2d(
            in_channels=1,
            out_channels=6,
            kernel_size=5,
            stride=1,
            padding=0,
        )
        self.conv2 = nn.Conv2d(
            in_channels=6,
            out_channels=16,
            kernel_size=5,
            stride=1,
            padding=0,
        )
        self.conv3 = nn.Conv2d(
            in_channels=16,
            out_channels=120,
            kernel_size=5,
            stride=1,
            padding=0,
        )
        self.linear1 = nn.Linear(120, 84)
        self.linear2 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.relu(self.conv1(x))
        x = self.pool(x)
        x = self.relu(self.conv2(x))
        x = self.pool(x)
        x = self.relu(
            self.conv3(x)
        )
        x = x.reshape(x.shape[0], -1)
        x = self.relu(self.linear1(x))
        x = self.linear2(x)
        return x


def test_lenet():
    x = torch.randn(8, 1, 32, 32)  # test: 64 images
    model = LeNet()
    return model(x), model, x  # test: model(x) (the model and input kept for the training step)

''' + ONE_TRAINING_STEP + '''
if __name__ == "__main__":
    out, model, x = test_lenet()  # test: out = test_lenet()
    print(out.shape)
    loss = one_training_step(model, x, 10)  # test:
'''

VGG = '''
import torch
import torch.nn as nn

VGG_types = {
    "VGG11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "VGG13": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "VGG16": [
        8,  # test: 64 (every width cut by 8)
        8,  # test: 64
        "M",
        16,  # test: 128
        16,  # test: 128
        "M",
        32,  # test: 256
        32,  # test: 256
        32,  # test: 256
        "M",
        64,  # test: 512
        64,  # test: 512
        64,  # test: 512
        "M",
        64,  # test: 512
        64,  # test: 512
        64,  # test: 512
        "M",
    ],
    "VGG19": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}


class VGG_net(nn.Module):
    def __init__(self, in_channels=3, num_classes=1000):
        super(VGG_net, self).__init__()
        self.in_channels = in_channels
        self.conv_layers = self.create_conv_layers(VGG_types["VGG16"])

        self.fcs = nn.Sequential(
            nn.Linear(64 * 1 * 1, 128),  # test: nn.Linear(512 * 7 * 7, 4096) (32x32 images, widths cut)
            nn.ReLU(),
            nn.Dropout(p=0.5),
            nn.Linear(128, 128),  # test: nn.Linear(4096, 4096)
            nn.ReLU(),
            nn.Dropout(p=0.5),
            nn.Linear(128, num_classes),  # test: nn.Linear(4096, num_classes)
        )

    def forward(self, x):
        x = self.conv_layers(x)
        x = x.reshape(x.shape[0], -1)
        x = self.fcs(x)
        return x

    def create_conv_layers(self, architecture):
        layers = []
        in_channels = self.in_channels

        for x in architecture:
            if type(x) == int:
                out_channels = x

                layers += [
                    nn.Conv2d(
                        in_channels=in_channels,
                        out_channels=out_channels,
                        kernel_size=(3, 3),
                        stride=(1, 1),
                        padding=(1, 1),
                    ),
                    nn.BatchNorm2d(x),
                    nn.ReLU(),
                ]
                in_channels = x
            elif x == "M":
                layers += [nn.MaxPool2d(kernel_size=(2, 2), stride=(2, 2))]

        return nn.Sequential(*layers)

''' + ONE_TRAINING_STEP + '''
if __name__ == "__main__":
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = VGG_net(in_channels=3, num_classes=1000).to(device)
    print(model)
    x = torch.randn(3, 3, 32, 32).to(device)  # test: (commented out there) 224x224 images
    print(model(x).shape)  # test: (commented out there)
    loss = one_training_step(model, x, 1000)  # test:
    model.eval()  # test: the trained model in eval mode (running statistics, no dropout)
    scores = model(x)  # test: (as above)
'''

INCEPTIONET = '''
import torch
import torch.nn as nn


class GoogLeNet(nn.Module):
    def __init__(self, aux_logits=True, num_classes=1000):
        super(GoogLeNet, self).__init__()
        assert aux_logits == True or aux_logits == False
        self.aux_logits = aux_logits

        self.conv1 = conv_block(
            in_channels=3,
            out_channels=8,  # test: 64 (every width cut by 8)
            kernel_size=(7, 7),
            stride=(2, 2),
            padding=(3, 3),
        )

        self.maxpool1 = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.conv2 = conv_block(8, 24, kernel_size=3, stride=1, padding=1)  # test: 64, 192
        self.maxpool2 = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)

        self.inception3a = Inception_block(24, 8, 12, 16, 2, 4, 4)  # test: (192, 64, 96, 128, 16, 32, 32) / 8
        self.inception3b = Inception_block(32, 16, 16, 24, 4, 12, 8)  # test: (256, 128, 128, 192, 32, 96, 64) / 8
        self.maxpool3 = nn.MaxPool2d(kernel_size=(3, 3), stride=2, padding=1)

        self.inception4a = Inception_block(60, 24, 12, 26, 2, 6, 8)  # test: (480, 192, 96, 208, 16, 48, 64) / 8
        self.inception4b = Inception_block(64, 20, 14, 28, 3, 8, 8)  # test: (512, 160, 112, 224, 24, 64, 64) / 8
        self.inception4c = Inception_block(64, 16, 16, 32, 3, 8, 8)  # test: (512, 128, 128, 256, 24, 64, 64) / 8
        self.inception4d = Inception_block(64, 14, 18, 36, 4, 8, 8)  # test: (512, 112, 144, 288, 32, 64, 64) / 8
        self.inception4e = Inception_block(66, 32, 20, 40, 4, 16, 16)  # test: (528, 256, ...) / 8
        self.maxpool4 = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)

        self.inception5a = Inception_block(104, 32, 20, 40, 4, 16, 16)  # test: (832, 256, ...) / 8
        self.inception5b = Inception_block(104, 48, 24, 48, 6, 16, 16)  # test: (832, 384, ...) / 8

        self.avgpool = nn.AvgPool2d(kernel_size=7, stride=1)
        self.dropout = nn.Dropout(p=0.4)
        self.fc1 = nn.Linear(128, num_classes)  # test: 1024

        if self.aux_logits:
            self.aux1 = InceptionAux(64, num_classes)  # test: 512
            self.aux2 = InceptionAux(66, num_classes)  # test: 528
        else:
            self.aux1 = self.aux2 = None

    def forward(self, x):
        x = self.conv1(x)
        x = self.maxpool1(x)
        x = self.conv2(x)
        x = self.maxpool2(x)

        x = self.inception3a(x)
        x = self.inception3b(x)
        x = self.maxpool3(x)

        x = self.inception4a(x)

        if self.aux_logits and self.training:
            aux1 = self.aux1(x)

        x = self.inception4b(x)
        x = self.inception4c(x)
        x = self.inception4d(x)

        if self.aux_logits and self.training:
            aux2 = self.aux2(x)

        x = self.inception4e(x)
        x = self.maxpool4(x)
        x = self.inception5a(x)
        x = self.inception5b(x)
        x = self.avgpool(x)
        x = x.reshape(x.shape[0], -1)
        x = self.dropout(x)
        x = self.fc1(x)

        if self.aux_logits and self.training:
            return aux1, aux2, x
        else:
            return x


class Inception_block(nn.Module):
    def __init__(
        self, in_channels, out_1x1, red_3x3, out_3x3, red_5x5, out_5x5, out_1x1pool
    ):
        super(Inception_block, self).__init__()
        self.branch1 = conv_block(in_channels, out_1x1, kernel_size=(1, 1))

        self.branch2 = nn.Sequential(
            conv_block(in_channels, red_3x3, kernel_size=(1, 1)),
            conv_block(red_3x3, out_3x3, kernel_size=(3, 3), padding=(1, 1)),
        )

        self.branch3 = nn.Sequential(
            conv_block(in_channels, red_5x5, kernel_size=(1, 1)),
            conv_block(red_5x5, out_5x5, kernel_size=(5, 5), padding=(2, 2)),
        )

        self.branch4 = nn.Sequential(
            nn.MaxPool2d(kernel_size=(3, 3), stride=(1, 1), padding=(1, 1)),
            conv_block(in_channels, out_1x1pool, kernel_size=(1, 1)),
        )

    def forward(self, x):
        return torch.cat(
            [self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1
        )


class InceptionAux(nn.Module):
    def __init__(self, in_channels, num_classes):
        super(InceptionAux, self).__init__()
        self.relu = nn.ReLU()
        self.dropout = nn.Dropout(p=0.7)
        self.pool = nn.AvgPool2d(kernel_size=5, stride=3)
        self.conv = conv_block(in_channels, 16, kernel_size=1)  # test: 128
        self.fc1 = nn.Linear(256, 128)  # test: nn.Linear(2048, 1024)
        self.fc2 = nn.Linear(128, num_classes)  # test: 1024

    def forward(self, x):
        x = self.pool(x)
        x = self.conv(x)
        x = x.reshape(x.shape[0], -1)
        x = self.relu(self.fc1(x))
        x = self.dropout(x)
        x = self.fc2(x)

        return x


class conv_block(nn.Module):
    def __init__(self, in_channels, out_channels, **kwargs):
        super(conv_block, self).__init__()
        self.relu = nn.ReLU()
        self.conv = nn.Conv2d(in_channels, out_channels, **kwargs)
        self.batchnorm = nn.BatchNorm2d(out_channels)

    def forward(self, x):
        return self.relu(self.batchnorm(self.conv(x)))

''' + ONE_TRAINING_STEP + '''
if __name__ == "__main__":
    x = torch.randn(2, 3, 224, 224)  # test: 3 images
    model = GoogLeNet(aux_logits=True, num_classes=10)  # test: num_classes=1000
    print(model(x)[2].shape)
    loss = one_training_step(model, x, 10, aux=True)  # test:
    model.eval()  # test: in eval mode the auxiliary classifiers are skipped and only x comes back
    scores = model(x)  # test: (as above)
'''

RESNET = '''
import torch
import torch.nn as nn


class block(nn.Module):
    def __init__(
        self, in_channels, intermediate_channels, identity_downsample=None, stride=1
    ):
        super(block, self).__init__()
        self.expansion = 4
        self.conv1 = nn.Conv2d(
            in_channels, intermediate_channels, kernel_size=1, stride=1, padding=0, bias=False
        )
        self.bn1 = nn.BatchNorm2d(intermediate_channels)
        self.conv2 = nn.Conv2d(
            intermediate_channels,
            intermediate_channels,
            kernel_size=3,
            stride=stride,
            padding=1,
            bias=False
        )
        self.bn2 = nn.BatchNorm2d(intermediate_channels)
        self.conv3 = nn.Conv2d(
            intermediate_channels,
            intermediate_channels * self.expansion,
            kernel_size=1,
            stride=1,
            padding=0,
            bias=False
        )
        self.bn3 = nn.BatchNorm2d(intermediate_channels * self.expansion)
        self.relu = nn.ReLU()
        self.identity_downsample = identity_downsample
        self.stride = stride

    def forward(self, x):
        identity = x.clone()

        x = self.conv1(x)
        x = self.bn1(x)
        x = self.relu(x)
        x = self.conv2(x)
        x = self.bn2(x)
        x = self.relu(x)
        x = self.conv3(x)
        x = self.bn3(x)

        if self.identity_downsample is not None:
            identity = self.identity_downsample(identity)

        x += identity
        x = self.relu(x)
        return x


class ResNet(nn.Module):
    def __init__(self, block, layers, image_channels, num_classes):
        super(ResNet, self).__init__()
        self.in_channels = 64
        self.conv1 = nn.Conv2d(image_channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)

        self.layer1 = self._make_layer(
            block, layers[0], intermediate_channels=64, stride=1
        )
        self.layer2 = self._make_layer(
            block, layers[1], intermediate_channels=128, stride=2
        )
        self.layer3 = self._make_layer(
            block, layers[2], intermediate_channels=256, stride=2
        )
        self.layer4 = self._make_layer(
            block, layers[3], intermediate_channels=512, stride=2
        )

        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * 4, num_classes)
        self.softmax = nn.Softmax(dim=1)
        self.softmax_of_x = False  # test: the program's softmax(1) first; then softmax(x)

    def forward(self, x):
        x = self.conv1(x)
        x = self.bn1(x)
        x = self.relu(x)
        x = self.maxpool(x)
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.layer4(x)

        x = self.avgpool(x)
        x = x.reshape(x.shape[0], -1)
        x = self.fc(x)
        x = self.softmax(x if self.softmax_of_x else 1)  # test: self.softmax(1)
        return x

    def _make_layer(self, block, num_residual_blocks, intermediate_channels, stride):
        identity_downsample = None
        layers = []

        if stride != 1 or self.in_channels != intermediate_channels * 4:
            identity_downsample = nn.Sequential(
                nn.Conv2d(
                    self.in_channels,
                    intermediate_channels * 4,
                    kernel_size=1,
                    stride=stride,
                    bias=False
                ),
                nn.BatchNorm2d(intermediate_channels * 4),
            )

        layers.append(
            block(self.in_channels, intermediate_channels, identity_downsample, stride)
        )

        self.in_channels = intermediate_channels * 4

        for i in range(num_residual_blocks - 1):
            layers.append(block(self.in_channels, intermediate_channels))

        return nn.Sequential(*layers)


def ResNet50(img_channel=3, num_classes=1000):
    return ResNet(block, [3, 4, 6, 3], img_channel, num_classes)


def ResNet101(img_channel=3, num_classes=1000):
    return ResNet(block, [3, 4, 23, 3], img_channel, num_classes)


def ResNet152(img_channel=3, num_classes=1000):
    return ResNet(block, [3, 8, 36, 3], img_channel, num_classes)

''' + ONE_TRAINING_STEP + '''
def test():
    net = ResNet50(img_channel=3, num_classes=10)  # test: ResNet101(img_channel=3, num_classes=1000)
    x = torch.randn(4, 3, 48, 48)  # test: torch.randn(4, 3, 224, 224)
    try:  # test: the program's softmax(1) is an error in PyTorch; the test checks ours refuses it alike
        net(x)
    except AttributeError as error:  # test: (F.softmax calls input.softmax: 'int' object has no attribute 'softmax')
        print("AttributeError:", str(error))
    net.softmax_of_x = True  # test: then the softmax of x, as meant
    y = net(x)  # test: .to("cuda")
    print(y.size())
    loss = one_training_step(net, x, 10)  # test:
    return net, y  # test:


net, y = test()  # test: test()
'''

EFFICIENTNET = '''
import torch
import torch.nn as nn
from math import ceil

base_model = [
    [1, 16, 1, 1, 3],
    [6, 24, 2, 2, 3],
    [6, 40, 2, 2, 5],
    [6, 80, 3, 2, 3],
    [6, 112, 3, 1, 5],
    [6, 192, 4, 2, 5],
    [6, 320, 1, 1, 3],
]

phi_values = {
    "b0": (0, 224, 0.2),
    "b1": (0.5, 240, 0.2),
    "b2": (1, 260, 0.3),
    "b3": (2, 300, 0.3),
    "b4": (3, 380, 0.4),
    "b5": (4, 456, 0.4),
    "b6": (5, 528, 0.5),
    "b7": (6, 600, 0.5),
}

class CNNBlock(nn.Module):
    def __init__(
            self, in_channels, out_channels, kernel_size, stride, padding, groups=1
    ):
        super(CNNBlock, self).__init__()
        self.cnn = nn.Conv2d(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            groups=groups,
            bias=False,
        )
        self.bn = nn.BatchNorm2d(out_channels)
        self.silu = nn.SiLU()

    def forward(self, x):
        return self.silu(self.bn(self.cnn(x)))

class SqueezeExcitation(nn.Module):
    def __init__(self, in_channels, reduced_dim):
        super(SqueezeExcitation, self).__init__()
        self.se = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Conv2d(in_channels, reduced_dim, 1),
            nn.SiLU(),
            nn.Conv2d(reduced_dim, in_channels, 1),
            nn.Sigmoid(),
        )

    def forward(self, x):
        return x * self.se(x)

class InvertedResidualBlock(nn.Module):
    def __init__(
            self,
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            expand_ratio,
            reduction=4,
            survival_prob=0.8,
    ):
        super(InvertedResidualBlock, self).__init__()
        self.survival_prob = 0.8
        self.use_residual = in_channels == out_channels and stride == 1
        hidden_dim = in_channels * expand_ratio
        self.expand = in_channels != hidden_dim
        reduced_dim = int(in_channels / reduction)

        if self.expand:
            self.expand_conv = CNNBlock(
                in_channels, hidden_dim, kernel_size=3, stride=1, padding=1,
            )

        self.conv = nn.Sequential(
            CNNBlock(
                hidden_dim, hidden_dim, kernel_size, stride, padding, groups=hidden_dim,
            ),
            SqueezeExcitation(hidden_dim, reduced_dim),
            nn.Conv2d(hidden_dim, out_channels, 1, bias=False),
            nn.BatchNorm2d(out_channels),
        )

    def stochastic_depth(self, x):
        if not self.training:
            return x

        binary_tensor = torch.rand(x.shape[0], 1, 1, 1, device=x.device) < self.survival_prob
        return torch.div(x, self.survival_prob) * binary_tensor

    def forward(self, inputs):
        x = self.expand_conv(inputs) if self.expand else inputs

        if self.use_residual:
            return self.stochastic_depth(self.conv(x)) + inputs
        else:
            return self.conv(x)


class EfficientNet(nn.Module):
    def __init__(self, version, num_classes):
        super(EfficientNet, self).__init__()
        width_factor, depth_factor, dropout_rate = self.calculate_factors(version)
        last_channels = ceil(1280 * width_factor)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.features = self.create_features(width_factor, depth_factor, last_channels)
        self.classifier = nn.Sequential(
            nn.Dropout(dropout_rate),
            nn.Linear(last_channels, num_classes),
        )

    def calculate_factors(self, version, alpha=1.2, beta=1.1):
        phi, res, drop_rate = phi_values[version]
        depth_factor = alpha ** phi
        width_factor = beta ** phi
        return width_factor, depth_factor, drop_rate

    def create_features(self, width_factor, depth_factor, last_channels):
        channels = int(32 * width_factor)
        features = [CNNBlock(3, channels, 3, stride=2, padding=1)]
        in_channels = channels

        for expand_ratio, channels, repeats, stride, kernel_size in base_model:
            out_channels = 4*ceil(int(channels*width_factor) / 4)
            layers_repeats = ceil(repeats * depth_factor)

            for layer in range(layers_repeats):
                features.append(
                    InvertedResidualBlock(
                        in_channels,
                        out_channels,
                        expand_ratio=expand_ratio,
                        stride = stride if layer == 0 else 1,
                        kernel_size=kernel_size,
                        padding=kernel_size//2,
                    )
                )
                in_channels = out_channels

        features.append(
            CNNBlock(in_channels, last_channels, kernel_size=1, stride=1, padding=0)
        )

        return nn.Sequential(*features)

    def forward(self, x):
        x = self.pool(self.features(x))
        return self.classifier(x.view(x.shape[0], -1))

''' + ONE_TRAINING_STEP + '''
def test():
    device = "cuda" if torch.cuda.is_available() else "cpu"
    version = "b0"
    phi, res, drop_rate = phi_values[version]
    res = 64  # test: the b0 resolution, 224
    num_examples, num_classes = 4, 10
    x = torch.randn((num_examples, 3, res, res)).to(device)
    model = EfficientNet(
        version=version,
        num_classes=num_classes,
    ).to(device)

    print(model(x).shape)
    loss = one_training_step(model, x, num_classes)  # test:
    return model, loss  # test:

model, loss = test()  # test: test()
'''


UNET = '''
import torch
import torch.nn as nn

class DoubleConv(nn.Module):
    def __init__(self, in_channels, out_channels):
        super(DoubleConv, self).__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, 3, 1, 1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
        )

    def forward(self, x):
        return self.conv(x)

class UNET(nn.Module):
    def __init__(
            self, in_channels=3, out_channels=1, features=[8, 16, 32, 64],  # test: [64, 128, 256, 512]
    ):
        super(UNET, self).__init__()
        self.ups = nn.ModuleList()
        self.downs = nn.ModuleList()
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)

        for feature in features:
            self.downs.append(DoubleConv(in_channels, feature))
            in_channels = feature

        for feature in reversed(features):
            self.ups.append(
                nn.ConvTranspose2d(
                    feature*2, feature, kernel_size=2, stride=2,
                )
            )
            self.ups.append(DoubleConv(feature*2, feature))

        self.bottleneck = DoubleConv(features[-1], features[-1]*2)
        self.final_conv = nn.Conv2d(features[0], out_channels, kernel_size=1)

    def forward(self, x):
        skip_connections = []

        for down in self.downs:
            x = down(x)
            skip_connections.append(x)
            x = self.pool(x)

        x = self.bottleneck(x)
        skip_connections = skip_connections[::-1]

        for idx in range(0, len(self.ups), 2):
            x = self.ups[idx](x)
            skip_connection = skip_connections[idx//2]

            if x.shape != skip_connection.shape:
                raise AssertionError("TF.resize")  # test: x = TF.resize(...) (torchvision; 32x32 images need none)

            concat_skip = torch.cat((skip_connection, x), dim=1)
            x = self.ups[idx+1](concat_skip)

        return self.final_conv(x)

def test():
    x = torch.randn((3, 1, 32, 32))  # test: 161x161 (which needs torchvision's resize)
    model = UNET(in_channels=1, out_channels=1)
    preds = model(x)
    assert preds.shape == x.shape


def check_accuracy(loader, model, device="cuda"):  # test: utils.py's
    num_correct = 0
    num_pixels = 0
    dice_score = 0
    model.eval()

    with torch.no_grad():
        for x, y in loader:
            x = x.to(device)
            y = y.to(device).unsqueeze(1)
            preds = torch.sigmoid(model(x))
            preds = (preds > 0.5).float()
            num_correct += (preds == y).sum()
            num_pixels += torch.numel(preds)
            dice_score += (2 * (preds * y).sum()) / (
                (preds + y).sum() + 1e-8
            )

    print(
        f"Got {num_correct}/{num_pixels} with acc {num_correct/num_pixels*100:.2f}"
    )
    print(f"Dice score: {dice_score/len(loader)}")
    model.train()


if __name__ == "__main__":
    test()
    model = UNET(in_channels=3, out_channels=1)  # test: train.py's train_fn on synthetic images and masks
    images = torch.randn(4, 3, 32, 32)  # test: (as above, without the CUDA GradScaler and autocast)
    masks = (torch.rand(4, 32, 32) > 0.5).float()  # test: (as above)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, masks), batch_size=2)  # test:
    loss_fn = nn.BCEWithLogitsLoss()  # test: (as above)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)  # test: (as above)
    for data, targets in loader:  # test: (as above)
        predictions = model(data)  # test: (as above)
        loss = loss_fn(predictions, targets.float().unsqueeze(1))  # test: (as above)
        optimizer.zero_grad()  # test: (as above)
        loss.backward()  # test: (as above)
        optimizer.step()  # test: (as above)
    check_accuracy(loader, model, device="cpu")  # test: device=DEVICE
'''

PROGRAMS = {
    "lenet5_pytorch.py": LENET,
    "pytorch_vgg_implementation.py": VGG,
    "pytorch_inceptionet.py": INCEPTIONET,
    "pytorch_resnet.py": RESNET,
    "pytorch_efficientnet.py": EFFICIENTNET,
    "semantic_segmentation_unet (model.py, utils.py, train.py's step)": UNET,
}


# Two of the steps are ill-conditioned in float32, PyTorch's own included, so those programs run in float64
# and are compared to float64's precision: GoogLeNet's first conv's weight gradient (BatchNorm over two
# images, twenty layers deep): PyTorch's float32 gradients, with and without oneDNN, are 0.3% from its float64
# one (0.0117 of 3.96); ResNet50's (the softmax before the cross-entropy shrinks the gradient, BatchNorm
# normalises layer4's 2x2 maps of four images): PyTorch's float32 gradient is 1.5% from its float64 one
# (0.050 of 3.28). In float64 both agree with ours to 1e-10.
FLOAT64 = {"pytorch_inceptionet.py", "pytorch_resnet.py"}


@pytest.mark.parametrize("name", PROGRAMS)
def test_architecture_runs_as_with_pytorch(name):
    if name in FLOAT64:
        torch_run, our_run = run_both("import torch\ntorch.set_default_dtype(torch.float64)\n" + PROGRAMS[name])
        assert_same(torch_run, our_run, rtol=1e-10, atol=1e-12)
    else:
        torch_run, our_run = run_both(PROGRAMS[name])
        assert_same(torch_run, our_run)
    if name == "pytorch_resnet.py":  # the program's softmax(1) raised PyTorch's AttributeError in both runs
        refused = "AttributeError: 'int' object has no attribute 'softmax'"
        assert refused in torch_run.stdout and refused in our_run.stdout
