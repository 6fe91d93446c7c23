"""aladdinpersson/Machine-Learning-Collection's ML/Pytorch/linkedin_posts/tensor_operations, as written there:
cat_vs_stack.py (`torch.cat` along an existing dim, `torch.stack` along a new one, dims 0, 1 and 2),
transpose_vs_permute.py (`transpose(0, 1)`, `permute(2, 0, 1)` and a permute that is a transpose) and
torch_matrix_mult.py (`torch.mm`, `torch.matmul` and `@` of two 1024x1024 matrices). The results' shapes are
checked against the programs' comments too.

Skipped, with why: bmm_einsum_matmul.py times bmm, matmul and einsum with `torch.utils.benchmark` (Timer,
Compare), which this project does not provide, and prints timings, which differ from run to run anyway;
float64_float32_float16.py times matmuls with `torch.cuda.Event` and `torch.cuda.synchronize` (a GPU).

Each runs with PyTorch and with this project under torch's names (harness.py); every value left agrees."""
import pytest

from harness import assert_same, run_both

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)

CAT_VS_STACK = '''
import torch

# ===== USING torch.cat =====
# torch.cat concatenates tensors along an existing axis.
t1 = torch.randn(2, 3)
t2 = torch.randn(2, 3)

cat_dim0 = torch.cat((t1, t2), dim=0) # shape: (4, 3)
cat_dim1 = torch.cat((t1, t2), dim=1) # shape: (2, 6)

# ===== USING torch.stack =====
# torch.stack concatenates tensors along a new axis, not existing one.
stack_dim0 = torch.stack((t1, t2), dim=0) # shape: 2x2x3
stack_dim2 = torch.stack((t1, t2), dim=2) # shape: 2x3x2
'''

TRANSPOSE_VS_PERMUTE = '''
import torch

# Create a 3D tensor with shape (2, 3, 4)
tensor = torch.rand(2, 3, 4)

# We'll swap the first and second dimension using torch.transpose
transposed = tensor.transpose(0, 1)  # shape: 3x2x4

# Now let's permute the tensor dimensions with torch.permute
permuted = tensor.permute(2, 0, 1)  # shape: 4x2x3
permuted_like_transpose = tensor.permute(1, 0, 2) # shape: 3x2x4
'''

TORCH_MATRIX_MULT = '''
import torch

# Create two random matrices
a = torch.rand(2**10, 2**10)
b = torch.rand(2**10, 2**10)

# using mm (note only works for 2D tensors)
c = torch.mm(a, b)
c_mm = c  # test: each result kept, to compare all three

# using matmul
c = torch.matmul(a, b)
c_matmul = c  # test: (as above)

# using @ operator (note exact same as matmul)
c = a @ b
'''

PROGRAMS = {"cat_vs_stack.py": CAT_VS_STACK, "transpose_vs_permute.py": TRANSPOSE_VS_PERMUTE,
            "torch_matrix_mult.py": TORCH_MATRIX_MULT}
SHAPES = {"cat_dim0": (4, 3), "cat_dim1": (2, 6), "stack_dim0": (2, 2, 3), "stack_dim2": (2, 3, 2),
          "transposed": (3, 2, 4), "permuted": (4, 2, 3), "permuted_like_transpose": (3, 2, 4), "c": (1024, 1024)}


@pytest.mark.parametrize("name", PROGRAMS)
def test_tensor_operation_post_runs_as_with_pytorch(name):
    torch_run, our_run = run_both(PROGRAMS[name])
    for value, shape in SHAPES.items():
        if value in torch_run.values:
            assert our_run[value].shape == shape
    assert_same(torch_run, our_run)
