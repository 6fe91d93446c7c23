"""nn: modules, layers, losses, nn.functional (as F), nn.init, and safe save/load.

    import autograd as ag, nn, optim
    import nn.functional as F
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))
"""
from . import functional
from . import init
from . import utils
from . import parallel
from .parallel import DataParallel  # (one device: the module itself runs)
from .activations import (
    CELU, ELU, GELU, SELU, Hardshrink, Hardsigmoid, Hardswish, Hardtanh, LeakyReLU, LogSigmoid, LogSoftmax, Mish, PReLU, ReLU,
    ReLU6, SiLU, Sigmoid, Softmax, Softmin, Softplus, Softshrink, Softsign, Step, Tanh,
)
from .conv import (
    Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d, Upsample, UpsamplingBilinear2d,
    UpsamplingNearest2d,
)
from .container import ModuleDict, ModuleList, ParameterList, Sequential
from .layers import (
    AlphaDropout, Dropout, Dropout1d, Dropout2d, Dropout3d, FeatureAlphaDropout, Flatten, Fold, Identity, Linear,
    Unflatten, Unfold)
from .losses import (
    BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, CTCLoss, HuberLoss, KLDivLoss, L1Loss, MSELoss, NLLLoss, NLLLoss2d,
    SmoothL1Loss,
)
from .module import Module
from .compiled import OptimizedModule  # (what ag.compile returns for a module)
from .parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter
from .lazy import (
    LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d, LazyConv1d, LazyConv2d, LazyConv3d, LazyConvTranspose1d,
    LazyConvTranspose2d, LazyConvTranspose3d, LazyInstanceNorm1d, LazyInstanceNorm2d, LazyInstanceNorm3d, LazyLinear)
from .normalization import (
    BatchNorm1d, BatchNorm2d, BatchNorm3d, GroupNorm, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, LayerNorm, RMSNorm,
)
from .pooling import (
    AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d, AdaptiveMaxPool1d, AdaptiveMaxPool2d, AdaptiveMaxPool3d,
    AvgPool1d, AvgPool2d, AvgPool3d, LPPool1d, LPPool2d, LPPool3d, MaxPool1d, MaxPool2d, MaxPool3d,
)
from .sparse import Embedding, EmbeddingBag
from .recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
from .serialization import CheckpointError, load, save
from .sync_batchnorm import SyncBatchNorm
from .transformer import (MultiheadAttention, Transformer, TransformerDecoder, TransformerDecoderLayer,
                          TransformerEncoder, TransformerEncoderLayer)
from .container import ParameterDict
from .layers_extra import (
    GLU, Bilinear, ChannelShuffle, CosineSimilarity, LocalResponseNorm, MaxUnpool1d, MaxUnpool2d, MaxUnpool3d,
    PairwiseDistance, PixelShuffle, PixelUnshuffle, RReLU, Softmax2d, Tanhshrink, Threshold,
)
from .losses_extra import (
    CosineEmbeddingLoss, GaussianNLLLoss, HingeEmbeddingLoss, MarginRankingLoss, MultiLabelMarginLoss,
    MultiLabelSoftMarginLoss, MultiMarginLoss, PoissonNLLLoss, SoftMarginLoss, TripletMarginLoss,
    TripletMarginWithDistanceLoss,
)
from .padding import (
    CircularPad1d, CircularPad2d, CircularPad3d, ConstantPad1d, ConstantPad2d, ConstantPad3d, ReflectionPad1d,
    ReflectionPad2d, ReflectionPad3d, ReplicationPad1d, ReplicationPad2d, ReplicationPad3d, ZeroPad1d, ZeroPad2d,
    ZeroPad3d,
)
