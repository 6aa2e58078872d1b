"""ndgrad.linalg (placeholder)."""
