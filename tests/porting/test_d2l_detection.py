"""Dive into Deep Learning (d2l.ai, the PyTorch edition), its object-detection chapters as written there: bounding
boxes (box_corner_to_center and back, with `d2l.stack(..., axis=-1)`), anchor boxes (multibox_prior through
`torch.meshgrid(..., indexing='ij')`, `.T.repeat(...)` and `repeat_interleave`), box_iou by broadcasting,
assign_anchor_to_bbox (`torch.full`, `torch.max(jaccard, dim=1)`, `torch.nonzero`, argmax over the flat matrix
and `(max_idx / num_gt_boxes).long()`, row and column writes), multibox_target (`label[bb_idx, 0].long() + 1`
written through index tensors), offset_inverse, non-maximum suppression (`torch.argsort(..., descending=True)`,
`B[inds + 1]`) and multibox_detection (`unique(return_counts=True)`, masked writes).

The chapter's photograph is replaced by a smaller random image (only its shape is used). Each program runs with
PyTorch and with this project under torch's names (harness.py): every value left and every number printed
agree."""
import pytest

from harness import assert_same, run_both

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)

DETECTION = '''
import types

import torch

d2l = types.SimpleNamespace(  # d2l/torch.py's aliases
    tensor=torch.tensor, stack=torch.stack, concat=torch.cat, log=torch.log, exp=torch.exp,
    numpy=lambda x, *args, **kwargs: x.detach().numpy(*args, **kwargs),
    size=lambda x, *args, **kwargs: x.numel(*args, **kwargs))
torch.set_printoptions(2)  # Simplify printing accuracy


def box_corner_to_center(boxes):
    """Convert from (upper-left, lower-right) to (center, width, height)."""
    x1, y1, x2, y2 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    cx = (x1 + x2) / 2
    cy = (y1 + y2) / 2
    w = x2 - x1
    h = y2 - y1
    boxes = d2l.stack((cx, cy, w, h), axis=-1)
    return boxes


def box_center_to_corner(boxes):
    """Convert from (center, width, height) to (upper-left, lower-right)."""
    cx, cy, w, h = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    x1 = cx - 0.5 * w
    y1 = cy - 0.5 * h
    x2 = cx + 0.5 * w
    y2 = cy + 0.5 * h
    boxes = d2l.stack((x1, y1, x2, y2), axis=-1)
    return boxes


# Here `bbox` is the abbreviation for bounding box
dog_bbox, cat_bbox = [60.0, 45.0, 378.0, 516.0], [400.0, 112.0, 655.0, 493.0]
boxes = d2l.tensor((dog_bbox, cat_bbox))
round_trip = box_center_to_corner(box_corner_to_center(boxes)) == boxes


def multibox_prior(data, sizes, ratios):
    """Generate anchor boxes with different shapes centered on each pixel."""
    in_height, in_width = data.shape[-2:]
    device, num_sizes, num_ratios = data.device, len(sizes), len(ratios)
    boxes_per_pixel = (num_sizes + num_ratios - 1)
    size_tensor = d2l.tensor(sizes, device=device)
    ratio_tensor = d2l.tensor(ratios, device=device)
    # Offsets are required to move the anchor to the center of a pixel. Since
    # a pixel has height=1 and width=1, we choose to offset our centers by 0.5
    offset_h, offset_w = 0.5, 0.5
    steps_h = 1.0 / in_height  # Scaled steps in y axis
    steps_w = 1.0 / in_width  # Scaled steps in x axis

    # Generate all center points for the anchor boxes
    center_h = (torch.arange(in_height, device=device) + offset_h) * steps_h
    center_w = (torch.arange(in_width, device=device) + offset_w) * steps_w
    shift_y, shift_x = torch.meshgrid(center_h, center_w, indexing='ij')
    shift_y, shift_x = shift_y.reshape(-1), shift_x.reshape(-1)

    # Generate `boxes_per_pixel` number of heights and widths that are later
    # used to create anchor box corner coordinates (xmin, xmax, ymin, ymax)
    w = torch.cat((size_tensor * torch.sqrt(ratio_tensor[0]),
                   sizes[0] * torch.sqrt(ratio_tensor[1:])))\\
                   * in_height / in_width  # Handle rectangular inputs
    h = torch.cat((size_tensor / torch.sqrt(ratio_tensor[0]),
                   sizes[0] / torch.sqrt(ratio_tensor[1:])))
    # Divide by 2 to get half height and half width
    anchor_manipulations = torch.stack((-w, -h, w, h)).T.repeat(
                                        in_height * in_width, 1) / 2

    # Each center point will have `boxes_per_pixel` number of anchor boxes, so
    # generate a grid of all anchor box centers with `boxes_per_pixel` repeats
    out_grid = torch.stack([shift_x, shift_y, shift_x, shift_y],
                dim=1).repeat_interleave(boxes_per_pixel, dim=0)
    output = out_grid + anchor_manipulations
    return output.unsqueeze(0)


img = torch.rand(40, 50, 3)  # (in place of the chapter's photograph: its shape is what is used)
h, w = img.shape[:2]
print(h, w)
X = torch.rand(size=(1, 3, h, w))  # Construct input data
Y = multibox_prior(X, sizes=[0.75, 0.5, 0.25], ratios=[1, 2, 0.5])
print(Y.shape)
boxes = Y.reshape(h, w, 5, 4)
print(boxes[25, 25, 0, :])
bbox_scale = d2l.tensor((w, h, w, h))
scaled = boxes[25, 25, :, :] * bbox_scale


def box_iou(boxes1, boxes2):
    """Compute pairwise IoU across two lists of anchor or bounding boxes."""
    box_area = lambda boxes: ((boxes[:, 2] - boxes[:, 0]) *
                              (boxes[:, 3] - boxes[:, 1]))
    # Shape of `boxes1`, `boxes2`, `areas1`, `areas2`: (no. of boxes1, 4),
    # (no. of boxes2, 4), (no. of boxes1,), (no. of boxes2,)
    areas1 = box_area(boxes1)
    areas2 = box_area(boxes2)
    # Shape of `inter_upperlefts`, `inter_lowerrights`, `inters`: (no. of
    # boxes1, no. of boxes2, 2)
    inter_upperlefts = torch.max(boxes1[:, None, :2], boxes2[:, :2])
    inter_lowerrights = torch.min(boxes1[:, None, 2:], boxes2[:, 2:])
    inters = (inter_lowerrights - inter_upperlefts).clamp(min=0)
    # Shape of `inter_areas` and `union_areas`: (no. of boxes1, no. of boxes2)
    inter_areas = inters[:, :, 0] * inters[:, :, 1]
    union_areas = areas1[:, None] + areas2 - inter_areas
    return inter_areas / union_areas


def assign_anchor_to_bbox(ground_truth, anchors, device, iou_threshold=0.5):
    """Assign closest ground-truth bounding boxes to anchor boxes."""
    num_anchors, num_gt_boxes = anchors.shape[0], ground_truth.shape[0]
    # Element x_ij in the i-th row and j-th column is the IoU of the anchor
    # box i and the ground-truth bounding box j
    jaccard = box_iou(anchors, ground_truth)
    # Initialize the tensor to hold the assigned ground-truth bounding box for
    # each anchor
    anchors_bbox_map = torch.full((num_anchors,), -1, dtype=torch.long,
                                  device=device)
    # Assign ground-truth bounding boxes according to the threshold
    max_ious, indices = torch.max(jaccard, dim=1)
    anc_i = torch.nonzero(max_ious >= iou_threshold).reshape(-1)
    box_j = indices[max_ious >= iou_threshold]
    anchors_bbox_map[anc_i] = box_j
    col_discard = torch.full((num_anchors,), -1)
    row_discard = torch.full((num_gt_boxes,), -1)
    for _ in range(num_gt_boxes):
        max_idx = torch.argmax(jaccard)  # Find the largest IoU
        box_idx = (max_idx % num_gt_boxes).long()
        anc_idx = (max_idx / num_gt_boxes).long()
        anchors_bbox_map[anc_idx] = box_idx
        jaccard[:, box_idx] = col_discard
        jaccard[anc_idx, :] = row_discard
    return anchors_bbox_map


def offset_boxes(anchors, assigned_bb, eps=1e-6):
    """Transform for anchor box offsets."""
    c_anc = box_corner_to_center(anchors)
    c_assigned_bb = box_corner_to_center(assigned_bb)
    offset_xy = 10 * (c_assigned_bb[:, :2] - c_anc[:, :2]) / c_anc[:, 2:]
    offset_wh = 5 * d2l.log(eps + c_assigned_bb[:, 2:] / c_anc[:, 2:])
    offset = d2l.concat([offset_xy, offset_wh], axis=1)
    return offset


def multibox_target(anchors, labels):
    """Label anchor boxes using ground-truth bounding boxes."""
    batch_size, anchors = labels.shape[0], anchors.squeeze(0)
    batch_offset, batch_mask, batch_class_labels = [], [], []
    device, num_anchors = anchors.device, anchors.shape[0]
    for i in range(batch_size):
        label = labels[i, :, :]
        anchors_bbox_map = assign_anchor_to_bbox(
            label[:, 1:], anchors, device)
        bbox_mask = ((anchors_bbox_map >= 0).float().unsqueeze(-1)).repeat(
            1, 4)
        # Initialize class labels and assigned bounding box coordinates with
        # zeros
        class_labels = torch.zeros(num_anchors, dtype=torch.long,
                                   device=device)
        assigned_bb = torch.zeros((num_anchors, 4), dtype=torch.float32,
                                  device=device)
        # Label classes of anchor boxes using their assigned ground-truth
        # bounding boxes. If an anchor box is not assigned any, we label its
        # class as background (the value remains zero)
        indices_true = torch.nonzero(anchors_bbox_map >= 0)
        bb_idx = anchors_bbox_map[indices_true]
        class_labels[indices_true] = label[bb_idx, 0].long() + 1
        assigned_bb[indices_true] = label[bb_idx, 1:]
        # Offset transformation
        offset = offset_boxes(anchors, assigned_bb) * bbox_mask
        batch_offset.append(offset.reshape(-1))
        batch_mask.append(bbox_mask.reshape(-1))
        batch_class_labels.append(class_labels)
    bbox_offset = torch.stack(batch_offset)
    bbox_mask = torch.stack(batch_mask)
    class_labels = torch.stack(batch_class_labels)
    return (bbox_offset, bbox_mask, class_labels)


ground_truth = d2l.tensor([[0, 0.1, 0.08, 0.52, 0.92],
                         [1, 0.55, 0.2, 0.9, 0.88]])
anchors = d2l.tensor([[0, 0.1, 0.2, 0.3], [0.15, 0.2, 0.4, 0.4],
                    [0.63, 0.05, 0.88, 0.98], [0.66, 0.45, 0.8, 0.8],
                    [0.57, 0.3, 0.92, 0.9]])
labels = multibox_target(anchors.unsqueeze(dim=0),
                         ground_truth.unsqueeze(dim=0))
print(labels[2], labels[1], labels[0])

# (and on the generated anchors: a batch of two images with random ground truth)
truth = torch.cat([torch.randint(0, 3, (2, 3, 1)).float(), torch.rand(2, 3, 2) * 0.5,
                   0.5 + torch.rand(2, 3, 2) * 0.5], dim=2)
many_labels = multibox_target(Y[:, :400], truth)


def offset_inverse(anchors, offset_preds):
    """Predict bounding boxes based on anchor boxes with predicted offsets."""
    anc = box_corner_to_center(anchors)
    pred_bbox_xy = (offset_preds[:, :2] * anc[:, 2:] / 10) + anc[:, :2]
    pred_bbox_wh = d2l.exp(offset_preds[:, 2:] / 5) * anc[:, 2:]
    pred_bbox = d2l.concat((pred_bbox_xy, pred_bbox_wh), axis=1)
    predicted_bbox = box_center_to_corner(pred_bbox)
    return predicted_bbox


def nms(boxes, scores, iou_threshold):
    """Sort confidence scores of predicted bounding boxes."""
    B = torch.argsort(scores, dim=-1, descending=True)
    keep = []  # Indices of predicted bounding boxes that will be kept
    while B.numel() > 0:
        i = B[0]
        keep.append(i)
        if B.numel() == 1: break
        iou = box_iou(boxes[i, :].reshape(-1, 4),
                      boxes[B[1:], :].reshape(-1, 4)).reshape(-1)
        inds = torch.nonzero(iou <= iou_threshold).reshape(-1)
        B = B[inds + 1]
    return d2l.tensor(keep, device=boxes.device)


def multibox_detection(cls_probs, offset_preds, anchors, nms_threshold=0.5,
                       pos_threshold=0.009999999):
    """Predict bounding boxes using non-maximum suppression."""
    device, batch_size = cls_probs.device, cls_probs.shape[0]
    anchors = anchors.squeeze(0)
    num_classes, num_anchors = cls_probs.shape[1], cls_probs.shape[2]
    out = []
    for i in range(batch_size):
        cls_prob, offset_pred = cls_probs[i], offset_preds[i].reshape(-1, 4)
        conf, class_id = torch.max(cls_prob[1:], 0)
        predicted_bb = offset_inverse(anchors, offset_pred)
        keep = nms(predicted_bb, conf, nms_threshold)

        # Find all non-`keep` indices and set the class to background
        all_idx = torch.arange(num_anchors, dtype=torch.long, device=device)
        combined = torch.cat((keep, all_idx))
        uniques, counts = combined.unique(return_counts=True)
        non_keep = uniques[counts == 1]
        all_id_sorted = torch.cat((keep, non_keep))
        class_id[non_keep] = -1
        class_id = class_id[all_id_sorted]
        conf, predicted_bb = conf[all_id_sorted], predicted_bb[all_id_sorted]
        # Here `pos_threshold` is a threshold for positive (non-background)
        # predictions
        below_min_idx = (conf < pos_threshold)
        class_id[below_min_idx] = -1
        conf[below_min_idx] = 1 - conf[below_min_idx]
        pred_info = torch.cat((class_id.unsqueeze(1),
                               conf.unsqueeze(1),
                               predicted_bb), dim=1)
        out.append(pred_info)
    return d2l.stack(out)


anchors = d2l.tensor([[0.1, 0.08, 0.52, 0.92], [0.08, 0.2, 0.56, 0.95],
                      [0.15, 0.3, 0.62, 0.91], [0.55, 0.2, 0.9, 0.88]])
offset_preds = d2l.tensor([0] * d2l.size(anchors))
cls_probs = d2l.tensor([[0] * 4,  # Predicted background likelihood 
                      [0.9, 0.8, 0.7, 0.1],  # Predicted dog likelihood 
                      [0.1, 0.2, 0.3, 0.9]])  # Predicted cat likelihood
output = multibox_detection(cls_probs.unsqueeze(dim=0),
                            offset_preds.unsqueeze(dim=0),
                            anchors.unsqueeze(dim=0),
                            nms_threshold=0.5)
print(output)
found = []
for i in d2l.numpy(output[0]):
    if i[0] == -1:
        continue
    label = ('dog=', 'cat=')[int(i[0])] + str(i[1])
    found.append(label)
print(found)

# (and on the generated anchors, with random class probabilities and offsets)
many_probs = torch.softmax(torch.randn(2, 3, 400), dim=1)
many_offsets = torch.randn(2, 1600) * 0.1
detections = multibox_detection(many_probs, many_offsets, Y[:, :400], nms_threshold=0.5)
'''

PROGRAMS = {"bounding boxes, anchors, IoU, labeling, NMS, detection": DETECTION}


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_d2l_program_runs_as_with_pytorch(name):
    torch_run, our_run = run_both(PROGRAMS[name])
    assert_same(torch_run, our_run, rtol=2e-4, atol=2e-5)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_number_divided_by_a_tensor_rounds_as_pytorch(dtype):
    """`0.75 / torch.sqrt(ratio_tensor[1:])` (multibox_prior): PyTorch computes `number / tensor` as
    `tensor.reciprocal() * number`, which can differ from a correctly rounded division in the last bit; d2l's
    anchor labeling then breaks an argmax tie on it. Values bit for bit, the graph and its gradients."""
    import autograd as ag

    for lib in (torch, ag):
        assert (0.75 / lib.sqrt(lib.tensor([2.0, 0.5])))[0].item() == 0.5303300619125366  # reciprocal, then times
    source = f'''
import torch
x = torch.tensor([3.0, 7.0, 0.1, 2.0 ** 0.5, 1e-3, -5.0], dtype=torch.{dtype}, requires_grad=True)
y = 1.1 / x
z = 0.75 / torch.sqrt(x.abs())
node = y.grad_fn.name()
(y * torch.arange(6, dtype=torch.{dtype}) + z).sum().backward()
grad = x.grad
ints = 2 / torch.tensor([3, 7])
mask = 2 / torch.tensor([True, True])
infinities = 1.0 / torch.tensor([0.0, -0.0], dtype=torch.{dtype})
'''
    torch_run, our_run = run_both(source)
    assert_same(torch_run, our_run, rtol=0, atol=0)


def test_set_printoptions_as_pytorch():
    """torch.set_printoptions (the anchor chapter's `torch.set_printoptions(2)`): precision, sci_mode (auto, as
    PyTorch picks it, or forced), threshold/edgeitems summaries and the profiles; the printed text as PyTorch's
    for the tensors below."""
    import autograd as ag

    def printed(lib, calls):
        out = []
        try:
            for call, tensor in calls:
                if call:
                    lib.set_printoptions(**call)
                out.append(str(lib.tensor(tensor)))
        finally:
            lib.set_printoptions(profile="default")
        return out

    calls = [({}, [[0.123456, 12.5], [3.0, 1e-5]]), ({}, [1.0, 10000.0]), ({}, [0.5, 2.0]), ({}, [1e9, 1.0]),
             ({"precision": 2}, [0.123456, 2.5]), ({}, [1.0, 2000.0]), ({"sci_mode": True}, [0.5, 1.0]),
             ({"sci_mode": False}, [1e-8, 1.0]), ({"profile": "short"}, [0.123456, 2.5]),
             ({"profile": "default"}, [0.123456, 2.5])]
    assert printed(ag, calls) == printed(torch, calls)
    # a summary keeps edgeitems at each end (PyTorch pads its "..." to the elements' width: spacing differs)
    summary = [({"threshold": 5, "edgeitems": 2}, [float(i) for i in range(10)])]
    ours, theirs = printed(ag, summary)[0], printed(torch, summary)[0]
    assert ours.replace("  ", " ") == theirs.replace("  ", " ") == "tensor([0., 1., ..., 8., 9.])"
