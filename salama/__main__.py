"""`python -m salama` runs the command line."""

from salama.cli import main

raise SystemExit(main())
