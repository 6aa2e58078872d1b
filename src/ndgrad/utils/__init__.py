"""ndgrad.utils: data loading (``ndgrad.utils.data``) and state-dict interop helpers."""

from ndgrad.serialization import (  # noqa: F401
    from_numpy_state_dict,
    safetensors_load,
    safetensors_save,
    to_numpy_state_dict,
)
from ndgrad.utils import data  # noqa: F401
