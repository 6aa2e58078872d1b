"""Indexing ops: __getitem__, __setitem__, gather, scatter, index_select, masked ops ..."""

from __future__ import annotations
