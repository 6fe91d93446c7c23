"""YOLO (v1) of aladdinpersson/Machine-Learning-Collection (ML/Pytorch/object_detection: YOLO/model.py,
YOLO/loss.py and the metrics' iou.py and nms.py), as written there, on synthetic images and targets: the
Darknet layers built from the config list (tuples, "M", repeated pairs), BatchNorm and LeakyReLU(0.1), the
fully connected head, and the loss (intersection over union of midpoint boxes with clamp(0) and abs,
`torch.max(ious, dim=0)` giving the best box as int64 indices multiplied into float predictions, an
in-place `box_predictions[..., 2:4] = torch.sign(...) * torch.sqrt(torch.abs(... + 1e-6))` inside the
graph, MSELoss(reduction="sum") over flattened slices), one Adam step; then non-max suppression over Python
lists of boxes (`torch.tensor(chosen_box[2:])`, a 1-element tensor compared with a float). Widths are cut
by 16 and images are 128x128 (so the grid is 2x2, not 7x7); every change is marked ``# test:``. In float64
(see the test).

It runs with PyTorch and with this project under torch's names (harness.py); every value left and every
number printed agree."""
import pytest

from harness import assert_same, run_both

torch = pytest.importorskip("torch")  # the oracle: the program also runs with PyTorch (CI installs it)

YOLO = '''
import torch
import torch.nn as nn

architecture_config = [
    (7, 4, 2, 3),  # test: (7, 64, 2, 3) (every width cut by 16)
    "M",
    (3, 12, 1, 1),  # test: 192
    "M",
    (1, 8, 1, 0),  # test: 128
    (3, 16, 1, 1),  # test: 256
    (1, 16, 1, 0),  # test: 256
    (3, 32, 1, 1),  # test: 512
    "M",
    [(1, 16, 1, 0), (3, 32, 1, 1), 4],  # test: 256, 512
    (1, 32, 1, 0),  # test: 512
    (3, 64, 1, 1),  # test: 1024
    "M",
    [(1, 32, 1, 0), (3, 64, 1, 1), 2],  # test: 512, 1024
    (3, 64, 1, 1),  # test: 1024
    (3, 64, 2, 1),  # test: 1024
    (3, 64, 1, 1),  # test: 1024
    (3, 64, 1, 1),  # test: 1024
]


class CNNBlock(nn.Module):
    def __init__(self, in_channels, out_channels, **kwargs):
        super(CNNBlock, self).__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, bias=False, **kwargs)
        self.batchnorm = nn.BatchNorm2d(out_channels)
        self.leakyrelu = nn.LeakyReLU(0.1)

    def forward(self, x):
        return self.leakyrelu(self.batchnorm(self.conv(x)))


class Yolov1(nn.Module):
    def __init__(self, in_channels=3, **kwargs):
        super(Yolov1, self).__init__()
        self.architecture = architecture_config
        self.in_channels = in_channels
        self.darknet = self._create_conv_layers(self.architecture)
        self.fcs = self._create_fcs(**kwargs)

    def forward(self, x):
        x = self.darknet(x)
        return self.fcs(torch.flatten(x, start_dim=1))

    def _create_conv_layers(self, architecture):
        layers = []
        in_channels = self.in_channels

        for x in architecture:
            if type(x) == tuple:
                layers += [
                    CNNBlock(
                        in_channels, x[1], kernel_size=x[0], stride=x[2], padding=x[3],
                    )
                ]
                in_channels = x[1]

            elif type(x) == str:
                layers += [nn.MaxPool2d(kernel_size=(2, 2), stride=(2, 2))]

            elif type(x) == list:
                conv1 = x[0]
                conv2 = x[1]
                num_repeats = x[2]

                for _ in range(num_repeats):
                    layers += [
                        CNNBlock(
                            in_channels,
                            conv1[1],
                            kernel_size=conv1[0],
                            stride=conv1[2],
                            padding=conv1[3],
                        )
                    ]
                    layers += [
                        CNNBlock(
                            conv1[1],
                            conv2[1],
                            kernel_size=conv2[0],
                            stride=conv2[2],
                            padding=conv2[3],
                        )
                    ]
                    in_channels = conv2[1]

        return nn.Sequential(*layers)

    def _create_fcs(self, split_size, num_boxes, num_classes):
        S, B, C = split_size, num_boxes, num_classes

        return nn.Sequential(
            nn.Flatten(),
            nn.Linear(64 * S * S, 496),  # test: 1024 * S * S
            nn.Dropout(0.0),
            nn.LeakyReLU(0.1),
            nn.Linear(496, S * S * (C + B * 5)),
        )


def intersection_over_union(boxes_preds, boxes_labels, box_format="midpoint"):  # test: metrics/iou.py's
    if box_format == "midpoint":
        box1_x1 = boxes_preds[..., 0:1] - boxes_preds[..., 2:3] / 2
        box1_y1 = boxes_preds[..., 1:2] - boxes_preds[..., 3:4] / 2
        box1_x2 = boxes_preds[..., 0:1] + boxes_preds[..., 2:3] / 2
        box1_y2 = boxes_preds[..., 1:2] + boxes_preds[..., 3:4] / 2
        box2_x1 = boxes_labels[..., 0:1] - boxes_labels[..., 2:3] / 2
        box2_y1 = boxes_labels[..., 1:2] - boxes_labels[..., 3:4] / 2
        box2_x2 = boxes_labels[..., 0:1] + boxes_labels[..., 2:3] / 2
        box2_y2 = boxes_labels[..., 1:2] + boxes_labels[..., 3:4] / 2

    elif box_format == "corners":
        box1_x1 = boxes_preds[..., 0:1]
        box1_y1 = boxes_preds[..., 1:2]
        box1_x2 = boxes_preds[..., 2:3]
        box1_y2 = boxes_preds[..., 3:4]
        box2_x1 = boxes_labels[..., 0:1]
        box2_y1 = boxes_labels[..., 1:2]
        box2_x2 = boxes_labels[..., 2:3]
        box2_y2 = boxes_labels[..., 3:4]

    x1 = torch.max(box1_x1, box2_x1)
    y1 = torch.max(box1_y1, box2_y1)
    x2 = torch.min(box1_x2, box2_x2)
    y2 = torch.min(box1_y2, box2_y2)

    intersection = (x2 - x1).clamp(0) * (y2 - y1).clamp(0)
    box1_area = abs((box1_x2 - box1_x1) * (box1_y2 - box1_y1))
    box2_area = abs((box2_x2 - box2_x1) * (box2_y2 - box2_y1))

    return intersection / (box1_area + box2_area - intersection + 1e-6)


class YoloLoss(nn.Module):
    def __init__(self, S=7, B=2, C=20):
        super(YoloLoss, self).__init__()
        self.mse = nn.MSELoss(reduction="sum")
        self.S = S
        self.B = B
        self.C = C
        self.lambda_noobj = 0.5
        self.lambda_coord = 5

    def forward(self, predictions, target):
        predictions = predictions.reshape(-1, self.S, self.S, self.C + self.B * 5)

        iou_b1 = intersection_over_union(predictions[..., 21:25], target[..., 21:25])
        iou_b2 = intersection_over_union(predictions[..., 26:30], target[..., 21:25])
        ious = torch.cat([iou_b1.unsqueeze(0), iou_b2.unsqueeze(0)], dim=0)

        iou_maxes, bestbox = torch.max(ious, dim=0)
        exists_box = target[..., 20].unsqueeze(3)

        box_predictions = exists_box * (
            (
                bestbox * predictions[..., 26:30]
                + (1 - bestbox) * predictions[..., 21:25]
            )
        )

        box_targets = exists_box * target[..., 21:25]

        box_predictions[..., 2:4] = torch.sign(box_predictions[..., 2:4]) * torch.sqrt(
            torch.abs(box_predictions[..., 2:4] + 1e-6)
        )
        box_targets[..., 2:4] = torch.sqrt(box_targets[..., 2:4])

        box_loss = self.mse(
            torch.flatten(box_predictions, end_dim=-2),
            torch.flatten(box_targets, end_dim=-2),
        )

        pred_box = (
            bestbox * predictions[..., 25:26] + (1 - bestbox) * predictions[..., 20:21]
        )

        object_loss = self.mse(
            torch.flatten(exists_box * pred_box),
            torch.flatten(exists_box * target[..., 20:21] * iou_maxes),
        )

        no_object_loss = self.mse(
            torch.flatten((1 - exists_box) * predictions[..., 20:21], start_dim=1),
            torch.flatten((1 - exists_box) * target[..., 20:21], start_dim=1),
        )

        no_object_loss += self.mse(
            torch.flatten((1 - exists_box) * predictions[..., 25:26], start_dim=1),
            torch.flatten((1 - exists_box) * target[..., 20:21], start_dim=1)
        )

        class_loss = self.mse(
            torch.flatten(exists_box * predictions[..., :20], end_dim=-2,),
            torch.flatten(exists_box * target[..., :20], end_dim=-2,),
        )

        loss = (
            self.lambda_coord * box_loss
            + object_loss
            + self.lambda_noobj * no_object_loss
            + class_loss
        )

        return loss


def non_max_suppression(bboxes, iou_threshold, threshold, box_format="corners"):  # test: metrics/nms.py's
    assert type(bboxes) == list

    bboxes = [box for box in bboxes if box[1] > threshold]
    bboxes = sorted(bboxes, key=lambda x: x[1], reverse=True)
    bboxes_after_nms = []

    while bboxes:
        chosen_box = bboxes.pop(0)

        bboxes = [
            box
            for box in bboxes
            if box[0] != chosen_box[0]
            or intersection_over_union(
                torch.tensor(chosen_box[2:]),
                torch.tensor(box[2:]),
                box_format=box_format,
            )
            < iou_threshold
        ]

        bboxes_after_nms.append(chosen_box)

    return bboxes_after_nms


S, B, C = 2, 2, 20  # test: the train.py's set-up on synthetic data: a 2x2 grid for 128x128 images
model = Yolov1(split_size=S, num_boxes=B, num_classes=C)  # test: (as above)
optimizer = torch.optim.Adam(model.parameters(), lr=2e-5, weight_decay=0)  # test: (as above)
loss_fn = YoloLoss(S=S, B=B, C=C)  # test: (as above)
x = torch.randn(2, 3, 128, 128)  # test: (as above)
target = torch.zeros(2, S, S, C + 5)  # test: one object in half the cells: a class, 1, a midpoint box
has_object = torch.rand(2, S, S) < 0.5  # test: (as above)
classes = torch.randint(0, C, (2, S, S))  # test: (as above)
target[..., :C] = nn.functional.one_hot(classes, C).float() * has_object.unsqueeze(-1)  # test: (as above)
target[..., 20] = has_object.float()  # test: (as above)
target[..., 21:25] = torch.rand(2, S, S, 4) * has_object.unsqueeze(-1)  # test: (as above)
out = model(x)  # test: (as above)
loss = loss_fn(out, target)  # test: (as above)
optimizer.zero_grad()  # test: (as above)
loss.backward()  # test: (as above)
optimizer.step()  # test: (as above)
print(f"Mean loss was {loss.item()}")  # test: (as above)

boxes = [[int(c), float(p)] + torch.rand(2).tolist() + (torch.rand(2) + 1).tolist()  # test: NMS on random
         for c, p in zip(torch.randint(0, 3, (30,)), torch.rand(30))]  # test: corner boxes, 3 classes
kept = non_max_suppression(boxes, iou_threshold=0.5, threshold=0.4, box_format="corners")  # test: (as above)
print(len(boxes), len(kept))  # test: (as above)
kept_boxes = [number for box in kept for number in box]  # test: compared between the libraries
'''


def test_yolo_runs_as_with_pytorch():
    """In float64: Adam's first step is about lr * sign(g), and behind BatchNorm over the last layers' 2x2 maps
    of two images some weights' gradients are float32 rounding noise, whose sign differs between the two
    libraries (one weight of darknet.14's 4608 moved by -2e-5 in one run and +2e-5 in the other)."""
    torch_run, our_run = run_both("import torch\ntorch.set_default_dtype(torch.float64)\n" + YOLO)
    assert_same(torch_run, our_run, rtol=1e-10, atol=1e-12)
    assert 0 < len(torch_run["kept_boxes"]) < 30 * 6  # non-max suppression dropped some boxes, kept some
