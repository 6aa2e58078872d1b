"""Run a PyTorch program with ``torch`` aliased to ndgrad: ``python as_torch.py prog.py
args...``."""

import runpy
import sys

import ndgrad

sys.modules["torch"] = ndgrad
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
