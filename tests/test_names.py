"""The names a learner may use for activations and losses (``nnlib.names``)."""
import pytest

from nnlib import names


@pytest.mark.parametrize("given, canonical", [
    ("BCEWithLogitsLoss", "binary_cross_entropy_with_logits"), ("CrossEntropyLoss", "cross_entropy"),
    ("L1Loss", "mae"), ("MSELoss", "mse"), ("HuberLoss", "huber"), ("BCELoss", "binary_cross_entropy"),
])
def test_pytorch_loss_class_names_are_loss_names(given, canonical):
    assert names.loss_name(given) == canonical


def test_pytorch_activation_class_names_are_activation_names():
    assert names.activation_name("LeakyReLU") == "leaky_relu" and names.activation_name("SiLU") == "silu"
    assert names.activation_name("ReLU") == "relu"


def test_an_unknown_name_is_still_refused():
    with pytest.raises(ValueError, match="loss"):
        names.loss_name("CrossEntropy2Loss")
