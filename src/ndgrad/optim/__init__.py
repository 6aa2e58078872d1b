"""ndgrad.optim (placeholder)."""
