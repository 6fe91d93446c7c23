"""The few ``keras.backend`` helpers textbook programs call (``from keras import backend as K``).

    K.clear_session()        forget the layer names given so far (as keras.utils.clear_session)
    K.epsilon()              1e-7, the fuzz factor of the losses' clipping
    K.floatx()               "float32": layers compute in float32
    K.image_data_format()    "channels_last": images are (batch, height, width, channels)
"""
from .utils import clear_session, not_supported

__all__ = ["clear_session", "epsilon", "floatx", "image_data_format"]


def epsilon():
    return 1e-7


def floatx():
    return "float32"


def image_data_format():
    return "channels_last"


def __getattr__(name):  # the rest of keras.backend (tensor ops, set_floatx...) is not provided
    if not name.startswith("__"):
        not_supported(f"keras.backend.{name}", f"available: {', '.join(__all__)}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
