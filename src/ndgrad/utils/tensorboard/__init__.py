"""TensorBoard logging, as ``torch.utils.tensorboard``: ``from ndgrad.utils.tensorboard import
SummaryWriter``.

Needs the ``tensorboard`` package (``pip install ndgrad[tensorboard]``); nothing of it is imported
until this module is.
"""

from ndgrad.utils.tensorboard.writer import FileWriter, SummaryWriter

__all__ = ["FileWriter", "SummaryWriter"]
