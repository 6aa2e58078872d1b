"""Datasets in torchvision's style (``MNIST(root, train=True, download=False, transform=None)``)
and small data that needs no download.

- ``MNIST``, ``FashionMNIST``, ``KMNIST``: IDX files; ``CIFAR10``: the python batches.
  ``download=True`` fetches them with pooch (checksums, retries, several mirrors).
- ``Digits``: the 8x8 handwritten digits shipped inside ndgrad.
- ``make_moons``, ``make_circles``, ``make_spirals``: seeded 2-d toy problems.
"""

from __future__ import annotations

from ndgrad.datasets import transforms
from ndgrad.datasets.cifar import CIFAR10
from ndgrad.datasets.mnist import KMNIST, MNIST, FashionMNIST, read_idx
from ndgrad.datasets.toy import Digits, load_digits, make_circles, make_moons, make_spirals

__all__ = [
    "CIFAR10",
    "MNIST",
    "FashionMNIST",
    "KMNIST",
    "Digits",
    "load_digits",
    "make_moons",
    "make_circles",
    "make_spirals",
    "read_idx",
    "transforms",
]
