"""``python -m tui.cli``: the command line without the console script (as before the move)."""

from tui.cli import main

raise SystemExit(main())
