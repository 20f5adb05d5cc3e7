#!/usr/bin/env python3
"""pvs6-supervisor: poll a SunPower PVS6/PVS5 once, archive its answer, record CSV rows (cron entry point).

Run `pvs6_supervisor.py --help` for the commands; the code lives in the pvs6sup package beside this file.
"""

import sys

from pvs6sup.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
