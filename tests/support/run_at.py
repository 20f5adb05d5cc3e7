"""One real command line with the clock set: python run_at.py ISO_MOMENT ARGS... (main() in a process of its own).

The overlap test starts ten at once, round after round, each round 5 simulated minutes after the last.
"""

import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the project: pvs6sup

from pvs6sup.cli import main
from pvs6sup.runtime import Runtime

if __name__ == "__main__":
    moment = datetime.fromisoformat(sys.argv[1])
    sys.exit(main(sys.argv[2:], Runtime(now=lambda: moment)))
