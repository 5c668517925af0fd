"""minitorch.nn (layer 5, on the ops of minitorch.functions): layers, losses and the Module machinery, as
torch.nn."""
from . import functional, init, utils
from .activation import ELU, GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, SiLU, Softmax, Softplus, Tanh
from .container import ModuleDict, ModuleList, Sequential
from .conv import Conv1d, Conv2d  # convolution (issue 13, conv)
from .dropout import Dropout
from .flatten import Flatten
from .linear import Identity, Linear
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, KLDivLoss, L1Loss, MSELoss, NLLLoss,
                   SmoothL1Loss)
from .module import Module
from .normalization import BatchNorm1d, LayerNorm
from .parameter import Parameter
from .sparse import Embedding

__all__ = ["functional", "init", "utils", "Module", "Parameter", "Sequential", "ModuleList", "ModuleDict",
           "Linear", "Identity", "Flatten", "Dropout", "BatchNorm1d", "LayerNorm", "Embedding",
           "ReLU", "LeakyReLU", "ELU", "GELU", "SiLU", "Softplus", "Sigmoid", "Tanh", "Softmax", "LogSoftmax",
           "MSELoss", "L1Loss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss",
           "SmoothL1Loss", "HuberLoss", "KLDivLoss",
           "Conv1d", "Conv2d"]  # convolution (issue 13, conv)
