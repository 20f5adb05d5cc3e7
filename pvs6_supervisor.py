#!/usr/bin/env python3
"""pvs6-supervisor: poll a SunPower PVS6/PVS5 once, archive its answer, record CSV rows (cron entry point).

Run `pvs6_supervisor.py --help` for the commands; the code lives in the pvs6sup package beside this file.
"""

import sys

try:
    from pvs6sup.cli import main
except ModuleNotFoundError as missing:  # the system python instead of the venv's: exit 2, a usage error
    if (missing.name or "").startswith("pvs6sup"):
        raise
    sys.stderr.write(
        f"pvs6-supervisor: error: the Python package {missing.name!r} is not installed for {sys.executable}: "
        "run it with .venv/bin/python (see README)\n"
    )
    sys.exit(2)

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
