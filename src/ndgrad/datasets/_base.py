"""What the image data sets share: two arrays (images and class indices) and torchvision's
per-item ``transform`` / ``target_transform``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ndgrad.utils.data import Dataset


class ImageArrays(Dataset):
    """Items ``(transform(data[i]), target_transform(int(targets[i])))``, each transform applied
    only when given; a subclass fills ``data`` and ``targets``."""

    data: np.ndarray
    targets: np.ndarray

    def __init__(
        self,
        train: bool,
        transform: Callable[[Any], Any] | None,
        target_transform: Callable[[Any], Any] | None,
    ) -> None:
        self.train = train
        self.transform = transform
        self.target_transform = target_transform

    def _untransformed(self, image: Any) -> Any:
        """The image handed out when no ``transform`` is given: as stored."""
        return image

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        image: Any = self.data[index]
        if self.transform is not None:
            image = self.transform(image)
        else:
            image = self._untransformed(image)
        target: Any = int(self.targets[index])
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target
