"""No configured secret may appear in any log, archive, CSV, state file or printed output of a run."""

from __future__ import annotations

import gzip
from pathlib import Path

import responses

from pvs6sup.settings.config import OPENWEATHERMAP_URL
from pvs6sup.sim.legacy_pvs import PVS_SERIAL, ForcedAnswer
from tests.support.harness import Harness

OWM_KEY = "owmKEY-9f8e7d6c5b4a"


def every_byte_written(data_dir: Path) -> bytes:
    """All files under data_dir, gzipped ones decompressed too."""
    chunks = []
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        data = path.read_bytes()
        chunks.append(data)
        if path.suffix == ".gz":
            chunks.append(gzip.decompress(data))
    return b"\n".join(chunks)


def test_secrets_stay_out_of_logs_outputs_and_files(harness: Harness, simulated):
    harness.env.update({"WEATHER_PROVIDER": "openweathermap", "OPENWEATHERMAP_API_KEY": OWM_KEY})
    outputs: list[str] = []
    with responses.RequestsMock(passthru_prefixes=(simulated.base_url,)) as mock:
        mock.get(OPENWEATHERMAP_URL, json={"clouds": {"all": 40}})
        result = harness.run("-vv", "run")  # a good cycle, at the most verbose
        outputs += [result.stdout, result.stderr]
        assert result.code == 0
        harness.clock.advance(minutes=5)
        mock.replace(responses.GET, OPENWEATHERMAP_URL, body=ConnectionError(f"{OPENWEATHERMAP_URL}?appid={OWM_KEY}"))
        result = harness.run("-vv", "run")  # the weather fails with the key in the library's message
        outputs += [result.stdout, result.stderr]
        harness.clock.advance(minutes=5)
        simulated.forced.append(ForcedAnswer(500, b"oops"))
        result = harness.run("-vv", "status")  # a refused status
        outputs += [result.stdout, result.stderr]
        assert result.code == 1
    status = harness.run("-vv", "status", "--json")
    outputs += [status.stdout, status.stderr]

    written = every_byte_written(harness.data_dir)
    for output in outputs:
        assert OWM_KEY not in output
        assert PVS_SERIAL not in output  # its last five characters are a password on new firmware
    assert OWM_KEY.encode() not in written
    logs = b"".join(p.read_bytes() for p in (harness.data_dir / "logs").glob("*"))
    assert PVS_SERIAL.encode() not in logs


def test_the_log_filter_masks_a_secret_that_slipped_into_a_message(tmp_path):
    import io
    import logging

    from pvs6sup.logs import add_log_file, configured_logging, redact

    stderr = io.StringIO()
    with configured_logging(stderr, 0) as logger:
        redact(logger, (OWM_KEY,))
        add_log_file(logger, tmp_path)
        logger.warning("request to %s failed", f"https://x/?appid={OWM_KEY}")
        logging.getLogger("pvs6sup.net.weather").error("again: %s", OWM_KEY)
    log_text = (tmp_path / "logs" / "pvs6-supervisor.log").read_text()
    assert OWM_KEY not in stderr.getvalue() and OWM_KEY not in log_text
    assert stderr.getvalue().count("***") == 2 and log_text.count("***") == 2
