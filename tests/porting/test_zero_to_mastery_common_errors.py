"""Zero to Mastery Learn PyTorch for Deep Learning, extras/pytorch_most_common_errors.ipynb: every code cell, as
written, run under PyTorch and under seegrad (notebook.py, harness.py): the three most common errors (shapes,
devices, dtypes) and their fixes. Each cell the notebook shows erroring raises in both libraries, as the same
built-in exception class, and seegrad's message names the op and the shapes or dtypes at fault; the fixed cells
give the same values, printed numbers and printed text. Source: github.com/mrdbourke/pytorch-deep-learning
(MIT, (c) Daniel Bourke). Changed (each marked): torchvision is not installed here, so FashionMNIST is a
stand-in of random uint8 images of its shapes and classes (600 training and 100 test images) with a ToTensor
of the same rule; the plotting cells are left out; a cell's last expression is shown by its repr as Jupyter
shows it. On this machine there is no CUDA, so the device cells run on the CPU and do not error (in either).
"""
import pytest

from notebook import FASHION_MNIST, run_notebook

torch = pytest.importorskip("torch")  # the oracle: each program also runs with PyTorch (CI installs it)


CELLS = r'''
# %% cell 4
import torch
print(f"PyTorch version: {torch.__version__}")

# %% cell 5
# Create two tensors
tensor_1 = torch.rand(3, 4)
tensor_2 = torch.rand(3, 4)

# Check the shapes
print(tensor_1.shape)
print(tensor_2.shape)

# %% cell 7
# Standard multiplication, the following lines perform the same operation (will work)
tensor_3 = tensor_1 * tensor_2 # can do standard multiplication with "*"
tensor_4 = torch.mul(tensor_1, tensor_2) # can also do standard multiplicaton with "torch.mul()" 

# Check for equality 
tensor_3 == tensor_4

# %% cell 9: raises
# Try matrix multiplication (won't work)
tensor_5 = tensor_1 @ tensor_2 # could also do "torch.matmul(tensor_1, tensor_2)"

# %% cell 11
# Perform a transpose on tensor_1 and then perform matrix multiplication 
tensor_6 = tensor_1.T @ tensor_2
print(f"Shape of input tensors: {tensor_1.T.shape} and {tensor_2.shape}")
print(f"Shape of output tensor: {tensor_6.shape}")

# %% cell 13
# Perform a transpose on tensor_2 and then perform matrix multiplication
tensor_7 = tensor_1 @ tensor_2.T
print(f"Shape of input tensors: {tensor_1.shape} and {tensor_2.T.shape}")
print(f"Shape of output tensor: {tensor_7.shape}")

# %% cell 17
# import torchvision  (changed: torchvision is not installed here; a stand-in for FashionMNIST and ToTensor)
# from torchvision import datasets, transforms
<the FashionMNIST stand-in>

# Setup training data
train_data = datasets.FashionMNIST(
    root="data", # where to download data to?
    train=True, # get training data
    download=True, # download data if it doesn't exist on disk
    transform=transforms.ToTensor(), # images come as PIL format, we want to turn into Torch tensors
    target_transform=None # you can transform labels as well
)

# Setup testing data
test_data = datasets.FashionMNIST(
    root="data",
    train=False, # get test data
    download=True,
    transform=transforms.ToTensor()
)

# %% cell 19
# See first training sample
image, label = train_data[0]
print(f"Image shape: {image.shape} -> [batch, height, width]") 
print(f"Label: {label}") # label is an int rather than a tensor (it has no shape attribute)

# %% cell 21
# See class names and number of classes
class_names = train_data.classes
num_classes = len(class_names)
class_names, num_classes

# %% cell 22  (left out: no plotting)

# %% cell 25: raises
from torch import nn

# Create a two layer neural network
model_0 = nn.Sequential(
    nn.Linear(in_features=10, out_features=10),
    nn.Linear(in_features=10, out_features=10)
)

# Pass the image through the model (this will error)
model_0(image)

# %% cell 27
# Create a flatten layer
flatten = nn.Flatten()

# Pass the image through the flatten layer
flattened_image = flatten(image)

# Print out the image shape before and after 
print(f"Before flatten shape: {image.shape} -> [batch, height, width]")
print(f"After flatten shape: {flattened_image.shape} -> [batch, height*width]")

# %% cell 29: raises
# Replicate model_0 except add a nn.Flatten() layer to begin with 
model_1 = nn.Sequential(
    nn.Flatten(), # <-- NEW: add nn.Flatten() layer
    nn.Linear(in_features=10, out_features=10),
    nn.Linear(in_features=10, out_features=10)
)

# Pass the image through the model
model_1(image)

# %% cell 31
# Flatten the input as well as make sure the first layer can accept the flattened input shape
model_2 = nn.Sequential(
    nn.Flatten(),
    nn.Linear(in_features=784, out_features=10), # <-- NEW: change in_features=10 to in_features=784
    nn.Linear(in_features=10, out_features=10)
)

# Pass the image through the model
model_2(image)

# %% cell 34: raises
# Create a model with incorrect input and output shapes between layers
model_3 = nn.Sequential(
    nn.Flatten(),
    nn.Linear(in_features=784, out_features=10), # out_features=10 
    nn.Linear(in_features=5, out_features=10) # <-- NEW: in_features does not match the out_features of the previous layer
)

# Pass the image through the model (this will error)
model_3(image)

# %% cell 37
# Try nn.LazyLinear() as the second layer
model_4 = nn.Sequential(
    nn.Flatten(),
    nn.Linear(in_features=784, out_features=10),
    nn.LazyLinear(out_features=10) # <-- NEW: no in_features parameter as this is inferred from the previous layer's output
)

# Pass the image through the model
model_4(image)

# %% cell 39
# Replace all nn.Linear() layers with nn.LazyLinear()
model_5 = nn.Sequential(
    nn.Flatten(),
    nn.LazyLinear(out_features=10),
    nn.LazyLinear(out_features=10) # <-- NEW 
)

# Pass the image through the model
model_5(image)

# %% cell 43
import torch

# Set device to "cuda" if it's available otherwise default to "cpu"
device = "cuda" if torch.cuda.is_available() else "cpu"
print(f"Current device: {device}")

# %% cell 45
from torch import nn

# Create a model (similar to model_5 above)
model_6 = nn.Sequential(
    nn.Flatten(),
    nn.LazyLinear(out_features=10), 
    nn.LazyLinear(out_features=10)
)

# All models and tensors are created on the CPU by default (unless explicitly set otherwise)
print(f"Model is on device: {next(model_6.parameters()).device}")

# %% cell 47
from torch.utils.data import DataLoader, RandomSampler

# Only sample 10% of the data
train_sampler = RandomSampler(train_data, 
                              num_samples=int(0.1*len(train_data)))

test_sampler = RandomSampler(test_data, 
                             num_samples=int(0.1*len(test_data)))

print(f"Number of random training samples selected: {len(train_sampler)}/{len(train_data)}")
print(f"Number of random testing samples selected: {len(test_sampler)}/{len(test_data)}")

# Create DataLoaders and turn data into batches
BATCH_SIZE = 32
train_dataloader = DataLoader(dataset=train_data,
                              batch_size=BATCH_SIZE,
                              sampler=train_sampler)

test_dataloader = DataLoader(dataset=test_data,
                             batch_size=BATCH_SIZE,
                             sampler=test_sampler)

print(f"Number of batches in train_dataloader: {len(train_dataloader)} batches of size {BATCH_SIZE}")
print(f"Number of batches in test_dataloader: {len(test_dataloader)} batch of size {BATCH_SIZE}")

# Create loss function
loss_fn = nn.CrossEntropyLoss()

# Create optimizer
optimizer = torch.optim.SGD(lr=0.01, 
                            params=model_6.parameters())

# %% cell 49
from tqdm.auto import tqdm

# Set the number of epochs
epochs = 5

# Train the model
for epoch in tqdm(range(epochs)):

    # Set loss to 0 every epoch
    train_loss = 0

    # Get images (X) and labels (y)
    for X, y in train_dataloader:

        # Forward pass
        y_pred = model_6(X)

        # Calculate the loss
        loss = loss_fn(y_pred, y)
        train_loss += loss

        # Optimizer zero grad
        optimizer.zero_grad()

        # Loss backward
        loss.backward()

        # Optimizer step
        optimizer.step()
  
    # Print loss in the epoch loop only
    print(f"Epoch: {epoch} | Training loss: {train_loss:.2f}")

# %% cell 52
# Send model_6 to the target device ("cuda")
model_6.to(device)

# Print out what device the model is on
print(f"Model is on device: {next(model_6.parameters()).device}")

# %% cell 54
from tqdm.auto import tqdm

# Set the number of epochs
epochs = 5

# Train the model
for epoch in tqdm(range(epochs)):

  # Set loss to 0 every epoch
  train_loss = 0

  # Get images (X) and labels (y)
  for X, y in train_dataloader:

    # Forward pass
    y_pred = model_6(X) # model is on GPU, data is on CPU (will error)

    # Calculate the loss
    loss = loss_fn(y_pred, y)
    train_loss += loss
    
    # Optimizer zero grad
    optimizer.zero_grad()

    # Loss backward
    loss.backward()

    # Optimizer step
    optimizer.step()
  
  # Print loss in the epoch loop only
  print(f"Epoch: {epoch} | Training loss: {train_loss:.2f}")

# %% cell 57
# Send the model to the target device (we don't need to do this again but we will for completeness)
model_6.to(device)

# Set the number of epochs
epochs = 5

# Train the model
for epoch in tqdm(range(epochs)):

  # Set loss to 0 every epoch
  train_loss = 0

  # Get images (X) and labels (y)
  for X, y in train_dataloader:

    # Put target data on target device  <-- NEW
    X, y = X.to(device), y.to(device) # <-- NEW: send data to target device

    # Forward pass
    y_pred = model_6(X)

    # Calculate the loss
    loss = loss_fn(y_pred, y)
    train_loss += loss
    
    # Optimizer zero grad
    optimizer.zero_grad()

    # Loss backward
    loss.backward()

    # Optimizer step
    optimizer.step()
  
  # Print loss in the epoch loop only
  print(f"Epoch: {epoch} | Training loss: {train_loss:.2f}")

# %% cell 60
# Get a single sample from the test dataset
test_image, test_label = test_data.data[0], test_data.targets[0]
print(f"Test image shape: {test_image.shape}")
print(f"Test image label: {test_label}")

# %% cell 61  (left out: no plotting)

# %% cell 63: raises
# Pass the test image through model_6 to make a prediction
model_6(test_image)

# %% cell 65: raises
# Send test_image to target device
model_6(test_image.to(device))

# %% cell 67
# Changing the input size to be the same as what the model was trained on
original_input_shape = test_image.shape
updated_input_shape = test_image.unsqueeze(dim=0).shape # adding a batch dimension on the "0th" dimension

# Print out shapes of original tensor and updated tensor
print(f"Original input data shape: {original_input_shape} -> [height, width]")
print(f"Updated input data shape (with added batch dimension): {updated_input_shape} -> [batch, height, width]")

# %% cell 69: raises
# Make prediction on test image with additional batch size dimension and with it on the target device
model_6(test_image.unsqueeze(dim=0).to(device))

# %% cell 73
# Get a single sample from the train_dataloader and print the dtype
train_image_batch, train_label_batch = next(iter(train_dataloader))
train_image_single, train_label_single = train_image_batch[0], train_label_batch[0]

# Print the datatype of the train_image_single
print(f"Datatype of training data: {train_image_single.dtype}")

# %% cell 76
# Print out the original datatype of test_image
print(f"Original datatype: {test_image.unsqueeze(dim=0).dtype}")

# Change the datatype of test_image and see the change
print(f"Changing the datatype: {test_image.unsqueeze(dim=0).type(torch.float32).dtype}")

# %% cell 78
# Make a prediction with model_6 on the transformed test_image
pred_on_gpu = model_6(test_image.unsqueeze(dim=0) # add a batch dimension
                      .type(torch.float32) # convert the datatype to torch.float32
                      .to(device)) # send the tensor to the target device
pred_on_gpu

# %% cell 80
# Put model back on CPU
model_6.cpu()
 
# Make a prediction on the CPU device (no need to put test_image on the CPU as it's already there)
pred_on_cpu = model_6(test_image.unsqueeze(dim=0) # add a batch dimension
                      .type(torch.float32)) # convert the datatype to torch.float32 
pred_on_cpu

# %% cell 82
# Convert raw logits to prediction probabilities
pred_probs = torch.softmax(pred_on_cpu, dim=1)

# Convert prediction probabilities to prediction label
pred_label = torch.argmax(pred_probs, dim=1)

# Check if it's correct
print(f"Test label: {test_label}")
print(f"Pred label: {pred_label}")
print(f"Is the prediction correct? {pred_label.item() == test_label}")
'''


def test_most_common_errors():
    normalise = [(r"^PyTorch version: .*", "PyTorch version: <torch.__version__>")]
    torch_run, our_run = run_notebook(CELLS.replace("<the FashionMNIST stand-in>\n", FASHION_MNIST),
                                      normalise=normalise)
    # each message names the op and the shapes or dtypes at fault (assert_same_errors: the exception classes)
    wanted = {9: ["matmul", "(3, 4) @ (3, 4)"], 25: ["linear", "(1, 28, 28)", "(10, 10)"],
              29: ["linear", "(1, 784)", "(10, 10)"], 34: ["linear", "(1, 10)", "(10, 5)"],
              63: ["linear", "uint8", "float32"], 65: ["linear", "uint8", "float32"],
              69: ["linear", "uint8", "float32"]}
    for n, words in wanted.items():
        assert all(word in our_run[f"error_{n}_message"] for word in words), our_run[f"error_{n}_message"]


@pytest.mark.parametrize("dtypes", [("uint8", "float32"), ("int64", "float64"), ("bool", "float32"),
                                    ("float64", "float32"), ("float32", "float16"), ("int32", "int64")])
def test_a_matrix_product_of_two_dtypes_errors_in_both(dtypes):
    """Cell 69's error: PyTorch does not promote in @, matmul or F.linear, and neither does seegrad (it
    promoted before: an integer operand with a floating one, and two floating dtypes)."""
    import autograd
    import nn.functional as F

    first, second = dtypes
    for library, linear in ((torch, torch.nn.functional.linear), (autograd, F.linear)):
        a = library.ones(2, 3, dtype=getattr(library, first))
        b = library.ones(4, 3, dtype=getattr(library, second))
        for product in (lambda: a @ b.T, lambda: library.matmul(a, b.T), lambda: linear(a, b)):
            with pytest.raises(RuntimeError):
                product()
    with pytest.raises(RuntimeError, match=f"linear: .* input of dtype {first} and weight of dtype {second}"):
        F.linear(autograd.ones(2, 3, dtype=getattr(autograd, first)),
                 autograd.ones(4, 3, dtype=getattr(autograd, second)))


@pytest.mark.parametrize("dtype", ["int64", "float64", "float32"])
def test_a_matrix_product_of_one_dtype_is_pytorch_s(dtype):
    import autograd

    theirs = torch.arange(6, dtype=getattr(torch, dtype)).reshape(2, 3) @ \
        torch.arange(12, dtype=getattr(torch, dtype)).reshape(3, 4)
    ours = autograd.arange(6, dtype=getattr(autograd, dtype)).reshape(2, 3) @ \
        autograd.arange(12, dtype=getattr(autograd, dtype)).reshape(3, 4)
    assert str(ours.dtype) == dtype and ours.tolist() == theirs.tolist()
