"""cycle_driver.py with every sink on, for the SIGKILL test: python sink_cycle_driver.py SINKS_JSON ENV DATA COUNT.

SINKS_JSON holds the sink settings (pointed at the test's proxies: with_sinks).
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the project: pvs6sup and tests.support

from pvs6sup import cli
from pvs6sup.sinks import influx, mqtt, prometheus, pvoutput
from tests.support.cycle_driver import drive
from tests.support.delivery_site import with_sinks


def sinks_from(document: dict) -> dict:
    return {
        "pvoutput": pvoutput.Settings(**document["pvoutput"]),
        "influx": influx.Settings(**document["influx"]),
        "prometheus": prometheus.Settings(Path(document["prometheus"])),
        "mqtt": mqtt.Settings(**document["mqtt"]),
    }


if __name__ == "__main__":
    sinks = sinks_from(json.loads(Path(sys.argv[1]).read_text()))
    real = cli.load_config
    cli.load_config = lambda values, script_dir: with_sinks(real(values, script_dir), sinks)  # type: ignore[assignment]
    pvoutput.SPACING_S = 0.0
    drive(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]))
