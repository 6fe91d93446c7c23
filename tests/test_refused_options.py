"""Options that PyTorch accepts and this project does not implement must be refused with an error
naming the option, never accepted and ignored: an ignored option gives a silently wrong answer.
Each row is a call as a PyTorch user writes it; the error must name the function and the option."""
import pytest

import autograd as ag
import nn.functional as F

REFUSED = [
    ("pad value with reflect", lambda: F.pad(ag.randn(1, 1, 3), (1, 1), mode="reflect", value=2.0), ValueError,
     "value"),  # (PyTorch raises too: only mode='constant' fills with a value)
]


@pytest.mark.parametrize("call, error, option", [row[1:] for row in REFUSED], ids=[row[0] for row in REFUSED])
def test_an_option_not_implemented_is_refused(call, error, option):
    with pytest.raises(error, match=option):
        call()
