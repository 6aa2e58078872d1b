"""ndgrad.utils: data loading (``utils.data``), activation ``checkpoint`` and state-dict interop
helpers."""

from ndgrad.serialization import from_numpy_state_dict, to_numpy_state_dict  # noqa: F401
from ndgrad.utils import checkpoint, data  # noqa: F401
from ndgrad.utils._safetensors import safetensors_load, safetensors_save  # noqa: F401
