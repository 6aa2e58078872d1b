"""The differentiable ops, one file per family; each op is a class with forward and backward side
by side."""
