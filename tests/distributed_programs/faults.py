"""Programs that go wrong on one rank; the job must end non-zero, quickly, never hang.

raise    rank 1 raises while the others wait in all_reduce (the excepthook aborts the job)
exit     rank 1 dies at once (os._exit), the others wait in all_reduce
stall    rank 1 never joins the all_reduce: the others give up after the 2 s timeout
env      (under ndgrad-run) prints torchrun's variables and the arguments, exits with argv[2]
"""

from __future__ import annotations

import os
import sys
import time
from datetime import timedelta

import ndgrad
import ndgrad.distributed as dist


def main(mode: str) -> None:
    if mode == "env":
        keys = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE")
        # one write per line: the ranks share the pipe, unbuffered, and print() writes piece by
        # piece
        line = " ".join(["env", *(os.environ[k] for k in keys), *sys.argv[1:]])
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
        dist.init_process_group("gloo", init_method="env://")  # torchrun-style programs say "gloo"
        assert dist.get_rank() == int(os.environ["RANK"])
        sys.exit(int(sys.argv[2]))
    dist.init_process_group("mpi", timeout=timedelta(seconds=2))
    if dist.get_rank() == 1:
        if mode == "raise":
            raise ValueError("rank 1 fails on purpose")
        if mode == "exit":
            os._exit(7)
        if mode == "stall":
            time.sleep(60)
    dist.all_reduce(ndgrad.ones(3))
    print("unreachable: the collective completed", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
