"""`python -m gateflow.cli`: the `gateflow` command."""

import sys

from gateflow.cli.main import main

sys.exit(main())
