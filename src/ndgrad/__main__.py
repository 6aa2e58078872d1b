"""``python -m ndgrad`` runs the demo (see ndgrad.cli)."""

from ndgrad.cli import main

raise SystemExit(main())
