"""Runs cycles back to back in one process, for the kill test: python cycle_driver.py ENV_FILE DATA_DIR COUNT.

Its clock starts 5 minutes after the newest recorded row and advances 5 minutes a cycle, so a restarted
driver carries on in order.
"""

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the project: pvs6sup

from pvs6sup.cli import main
from pvs6sup.runtime import Runtime
from pvs6sup.store.csvlog import newest_timestamp


def drive(env_file: str, data_dir: Path, count: int) -> None:
    moment = newest_timestamp(data_dir) or datetime(2026, 6, 21, 12, tzinfo=timezone.utc)
    runtime = Runtime(now=lambda: moment)
    for _ in range(count):
        moment += timedelta(minutes=5)
        code = main(["--env-file", env_file, "run"], runtime)
        if code != 0:
            sys.exit(code)


if __name__ == "__main__":
    drive(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]))
