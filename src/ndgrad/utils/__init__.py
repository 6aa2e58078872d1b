"""ndgrad.utils: data loading (``utils.data``), activation ``checkpoint`` and state-dict interop helpers."""

from ndgrad.serialization import (  # noqa: F401
    from_numpy_state_dict,
    safetensors_load,
    safetensors_save,
    to_numpy_state_dict,
)
from ndgrad.utils import checkpoint, data  # noqa: F401
