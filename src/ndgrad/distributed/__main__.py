"""``python -m ndgrad.distributed ...`` is ``python -m ndgrad.distributed.run ...``."""

import sys

from ndgrad.distributed.run import main

sys.exit(main())
