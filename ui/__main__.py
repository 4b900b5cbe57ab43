"""`python -m ui` opens the window (same as `workbench` with no arguments)."""

import sys

from ui.app import main

sys.exit(main())
