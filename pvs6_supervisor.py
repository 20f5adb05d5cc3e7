#!/usr/bin/env python3
"""pvs6-supervisor: poll a SunPower PVS6/PVS5 once, archive its answer, record CSV rows (cron entry point).

Run `pvs6_supervisor.py --help` for the commands; the code lives in the pvs6sup package beside this file.
"""

import gc
import sys

# A cron run lives a second: the cyclic garbage collector need not walk the objects its imports make (and which
# live until exit) every few hundred allocations. Off while importing, then those objects frozen out of its
# reach, and it runs as usual on what the command makes (BENCHMARKS.md: about 10 ms of a cycle).
gc.disable()
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
finally:
    gc.freeze()
    gc.enable()

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
