"""Google Sheets delivery: every queued reading appended exactly once, in order, in as few calls as possible.

gspread is imported only when there is something to send, so a run with Sheets off never loads it. A
steady cycle makes one HTTPS call (the append); about once an hour a token exchange adds a second
(google_auth.py). Worksheet metadata (sheetId, header, last row) is cached in DATA_DIR/outbox/sheets/ (cache.py)
so that no cycle needs a metadata call except the first of a new tab. What is queued is queueing.py's.

Exactly once: the queue's mark_sending() is written before each append. If the answer never comes (timeout,
dropped connection, 5xx, kill -9), the next attempt first reads the tail of column A and confirms the
rows that landed. The whole Sheets step is bounded by BUDGET_S; a 429/5xx stops it until the next
cycle (or until Retry-After).
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

import requests

from pvs6sup.core.records import FrozenRecord
from pvs6sup.core.rows import READING_COLUMNS
from pvs6sup.net.deadline import CONNECT_TIMEOUT_S
from pvs6sup.settings.sinks import SheetsSettings
from pvs6sup.sinks.queue import Entry, Sending, sheets_queue
from pvs6sup.sinks.sheets import google_errors
from pvs6sup.sinks.sheets.cache import Cache, Worksheet
from pvs6sup.sinks.sheets.cells import (
    INVERTER_SUFFIX,
    WALL_FORMAT,
    inverter_column,
    landed_count,
    row_identity,
    sheet_row,
    site_row,
    wall_time,
    worksheet_title,
)
from pvs6sup.sinks.sheets.google_auth import (
    READ_TIMEOUT_S,
    Deadline,
    GoogleSession,
    Key,
    OutOfTimeError,
    SheetsError,
    Tokens,
    load_key,
)

log = logging.getLogger(__name__)

BUDGET_S = 30.0  # Sheets never delays a cycle by more than about this
MAX_ROWS_PER_APPEND = 2500  # ~25 cells a row: well under Google's advised 2 MB per request
CELL_LIMIT = 10_000_000
CELL_WARNING = 8_000_000
LAST_ROW_SAVE_EVERY = 288  # rows: a day of 5-minute readings
_ROW_IN_RANGE = re.compile(r"![A-Z]+\d+:[A-Z]+(\d+)$")

# --- talking to Google ---------------------------------------------------------------------------


def _quoted(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _header_request(sheet_id: int, start: int, names: list[str]) -> dict[str, Any]:
    # updateCells with stringValue: a header is literal text, whatever a device calls itself.
    return {
        "updateCells": {
            "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": start},
            "rows": [
                {
                    "values": [
                        {"userEnteredValue": {"stringValue": name}, "userEnteredFormat": {"textFormat": {"bold": True}}}
                        for name in names
                    ]
                }
            ],
            "fields": "userEnteredValue,userEnteredFormat.textFormat.bold",
        }
    }


def _parse_header(title: str, header: list[Any]) -> list[str]:
    names = [str(v) for v in header]
    base = list(READING_COLUMNS)
    if names[: len(base)] != base or not all(n.endswith(INVERTER_SUFFIX) for n in names[len(base) :]):
        raise SheetsError(
            f"Google Sheets: worksheet '{title}' has other columns in row 1; rename that tab or set GOOGLE_WORKSHEET "
            "to another name (a new tab is then made)"
        )
    return names


class _Delivery:
    """One delivery attempt: reconcile an unknown outcome, then append everything pending."""

    def __init__(
        self,
        settings: SheetsSettings,
        session: requests.Session,
        data_dir: Path,
        now: datetime,
        key: Key,
        cache: Cache,
    ) -> None:
        from gspread.http_client import HTTPClient

        self.settings, self.cache = settings, cache
        self.data_dir = data_dir
        self.spreadsheet_id = cache.spreadsheet_id
        self.deadline = Deadline(BUDGET_S)
        self.queue = sheets_queue(self.data_dir)
        self.tokens = Tokens(key, self.queue.folder, session, self.deadline, now)
        self.api = HTTPClient(auth=None, session=GoogleSession(session, self.tokens, self.deadline))  # type: ignore[arg-type]
        self.api.set_timeout((CONNECT_TIMEOUT_S, READ_TIMEOUT_S))
        self.sent = 0

    def _column_a(self, title: str, start: int) -> list[Any]:
        from gspread.exceptions import APIError

        params: dict[str, Any] = {
            "majorDimension": "COLUMNS",
            "valueRenderOption": "UNFORMATTED_VALUE",
            "dateTimeRenderOption": "SERIAL_NUMBER",
        }
        try:
            document = self.api.values_get(self.spreadsheet_id, f"{_quoted(title)}!A{start}:A", params=params)
        except APIError as err:
            if err.response.status_code == 400:  # no such tab: nothing can have landed there
                return []
            raise
        columns = document.get("values") or [[]]
        return list(columns[0])

    def reconcile(self, sending: Sending) -> None:
        """Find out how much of an append with an unknown outcome reached the sheet, and confirm that."""
        if not sending.target:  # the queue state was lost: the rows in doubt start in the first entry's tab
            first = next((e for e in self.queue.pending() if e.seq >= sending.first), None)
            if first is None:
                self.queue.abandon_sending()
                return
            title = worksheet_title(self.settings.worksheet, site_row(first.payload)["timestamp"])
            sending = Sending(sending.first, sending.last, title)
        known = self.cache.worksheets.get(sending.target)
        start = max(1, known.last_row - 10) if known and known.last_row else 1
        tail = self._column_a(sending.target, start)  # first: while Google is down, nothing else is read
        if not tail and start > 1:  # rows were deleted above: read the whole column
            start, tail = 1, self._column_a(sending.target, 1)
        batch = [e for e in self.queue.pending() if sending.first <= e.seq <= sending.last]
        ids = [row_identity(wall_time(site_row(e.payload)["timestamp"]).strftime(WALL_FORMAT)) for e in batch]
        landed = landed_count([row_identity(v) for v in tail], ids)
        if landed:
            self.queue.confirm(batch[landed - 1].seq)
            self.sent += landed
            if known is not None:
                known.last_row = start + len(tail) - 1
                self.cache.save()
        else:
            self.queue.abandon_sending()
        log.info("Google Sheets: %d of %d rows of an unconfirmed append had landed", landed, len(batch))

    def worksheet(self, title: str, serials: list[str]) -> Worksheet:
        ws = self.cache.worksheets.get(title)
        if ws is None:
            ws = self._open_or_create(title, serials)
            self.cache.worksheets[title] = ws
            self.cache.save()
        missing = [inverter_column(s) for s in serials if inverter_column(s) not in ws.columns]
        if missing:
            self._add_columns(ws, missing)
            self.cache.save()
        return ws

    def _open_or_create(self, title: str, serials: list[str]) -> Worksheet:
        meta = self.api.fetch_sheet_metadata(
            self.spreadsheet_id, params={"includeGridData": "false", "fields": "sheets.properties"}
        )
        sheets = [s["properties"] for s in meta.get("sheets", [])]
        grids = [p.get("gridProperties", {}) for p in sheets]  # a chart on its own sheet has no grid
        cells = sum(g.get("rowCount", 0) * g.get("columnCount", 0) for g in grids)
        if cells > CELL_WARNING:
            log.warning(
                "Google Sheets: the spreadsheet uses %.1f of its %d million cells; move old year tabs to another "
                "spreadsheet",
                cells / 1e6,
                CELL_LIMIT // 1_000_000,
            )
        existing = next((p for p in sheets if p["title"] == title), None)
        if existing is None:
            return self._create(title, serials)
        header = self.api.values_get(self.spreadsheet_id, f"{_quoted(title)}!1:1").get("values") or [[]]
        ws = Worksheet(title, existing["sheetId"], [], existing.get("gridProperties", {}).get("columnCount", 0))
        if header[0]:
            ws.columns = _parse_header(title, header[0])
        else:  # an empty tab someone made for us: give it the header
            frozen = {
                "updateSheetProperties": {
                    "properties": {"sheetId": ws.sheet_id, "gridProperties": {"frozenRowCount": 1}},
                    "fields": "gridProperties.frozenRowCount",
                }
            }
            self._add_columns(ws, self._new_columns(serials), extra=[frozen])
        return ws

    def _new_columns(self, serials: list[str]) -> list[str]:
        # Keep last year's inverter order so that every year's tab reads the same.
        previous = max(self.cache.worksheets.values(), key=lambda w: w.title, default=None)
        known = [c for c in (previous.columns if previous else []) if c not in READING_COLUMNS]
        known += sorted(inverter_column(s) for s in serials if inverter_column(s) not in known)
        return [*READING_COLUMNS, *known]

    def _create(self, title: str, serials: list[str]) -> Worksheet:
        columns = self._new_columns(serials)
        sheet_id = secrets.randbelow(2**31 - 2) + 1  # chosen here so that one batchUpdate can also write the header
        grid = {"rowCount": 2, "columnCount": len(columns), "frozenRowCount": 1}  # Sheets won't freeze every row
        body = {
            "requests": [
                {"addSheet": {"properties": {"sheetId": sheet_id, "title": title, "gridProperties": grid}}},
                _header_request(sheet_id, 0, columns),
            ]
        }
        self.api.batch_update(self.spreadsheet_id, body)
        log.info("Google Sheets: made worksheet '%s' with %d columns", title, len(columns))
        return Worksheet(title, sheet_id, columns, len(columns), last_row=1)

    def _add_columns(self, ws: Worksheet, names: list[str], extra: list[dict[str, Any]] | None = None) -> None:
        """New columns at the right (a new inverter): old data never moves."""
        requests_: list[dict[str, Any]] = list(extra or [])
        grow = len(ws.columns) + len(names) - ws.column_count
        if grow > 0:
            requests_.append({"appendDimension": {"sheetId": ws.sheet_id, "dimension": "COLUMNS", "length": grow}})
        requests_.append(_header_request(ws.sheet_id, len(ws.columns), names))
        self.api.batch_update(self.spreadsheet_id, {"requests": requests_})
        ws.columns = [*ws.columns, *names]
        ws.column_count = max(ws.column_count, len(ws.columns))

    def append(self, title: str, batch: list[Entry]) -> None:
        serials = sorted({s for e in batch for s in e.payload["inverters_kw"]})
        ws = self.worksheet(title, serials)
        values = [sheet_row(e.payload, ws.columns) for e in batch]
        self.tokens.token()  # a token failure happens before the mark: then nothing is in doubt
        self.queue.mark_sending(batch[0].seq, batch[-1].seq, title)
        try:
            answer = self.api.values_append(
                self.spreadsheet_id,
                f"{_quoted(title)}!A1",
                params={"valueInputOption": "USER_ENTERED", "insertDataOption": "OVERWRITE"},
                body={"values": values},
            )
        except Exception as err:
            if google_errors.surely_not_applied(err):
                self.queue.abandon_sending()
            if google_errors.status_of(err) == 400:  # the tab was deleted or renamed: make it again next time
                self.cache.worksheets.pop(title, None)
                self.cache.save()
            raise
        self.queue.confirm(batch[-1].seq)
        self.sent += len(batch)
        match = _ROW_IN_RANGE.search(str((answer.get("updates") or {}).get("updatedRange", "")))
        last_row = int(match.group(1)) if match else None
        # The cached last row only bounds a later tail read, so it is saved about once a day, not every
        # cycle: an SD card should not rewrite a file every 5 minutes for a hint.
        save = last_row is None or ws.last_row is None or last_row - ws.last_row >= LAST_ROW_SAVE_EVERY
        ws.last_row = last_row if save else ws.last_row
        if save:
            self.cache.save()


def _batches(entries: list[Entry], base_title: str) -> list[tuple[str, list[Entry]]]:
    """Consecutive entries grouped by their year's tab, at most MAX_ROWS_PER_APPEND each."""
    batches: list[tuple[str, list[Entry]]] = []
    for entry in entries:
        title = worksheet_title(base_title, site_row(entry.payload)["timestamp"])
        if batches and batches[-1][0] == title and len(batches[-1][1]) < MAX_ROWS_PER_APPEND:
            batches[-1][1].append(entry)
        else:
            batches.append((title, [entry]))
    return batches


class Result(FrozenRecord):
    """What one delivery did: rows that were pending, rows confirmed sent, and a wait Google asked for."""

    pending: int
    sent: int
    not_before: datetime | None = None


def deliver(
    settings: SheetsSettings,
    session: requests.Session,
    data_dir: Path,
    now: datetime,
    zone: tzinfo,
    *,
    force: bool = False,
) -> Result:
    """Send every pending row, oldest first; SheetsError (one line) when some must wait for the next cycle.

    `force` ignores a Retry-After wait (the flush command); zone: how the wait Google asked for is told.
    """
    queue = sheets_queue(data_dir)
    state = queue.read_state()
    count = queue.pending_count()
    if not count and state.sending is None:
        return Result(0, 0)
    cache = Cache.load(data_dir, settings.sheet_id)
    if cache.not_before and now < cache.not_before and not force:
        log.info("Google Sheets: waiting until %s as Google asked; %d rows queued", cache.not_before, count)
        return Result(count, 0, cache.not_before)
    key = load_key(settings.service_account_file)
    from google.auth import exceptions as auth_errors  # only now: a run with nothing to send never loads them
    from gspread.exceptions import APIError

    delivery = _Delivery(settings, session, data_dir, now, key, cache)
    try:
        delivery.tokens.token()
        if state.sending is not None:
            delivery.reconcile(state.sending)
        for title, batch in _batches(queue.pending(), settings.worksheet):
            delivery.append(title, batch)
    except (APIError, requests.RequestException, auth_errors.GoogleAuthError) as err:
        left = queue.pending_count()
        waiting = f"{left} row{'s' if left != 1 else ''} kept for the next try"
        if google_errors.status_of(err) == 429:
            cache.not_before = google_errors.retry_after(err, now)
            cache.save()
            if cache.not_before is not None:
                waiting += f", not before {cache.not_before.astimezone(zone):%H:%M} as Google asked"
        raise SheetsError(google_errors.explain(err, key, settings.sheet_id, waiting)) from err
    except OutOfTimeError as err:
        raise SheetsError(f"{err} ({queue.pending_count()} rows)") from err
    except (KeyError, TypeError, ValueError) as err:  # an answer not shaped as documented
        raise SheetsError(f"Google Sheets: unexpected answer from Google ({type(err).__name__}: {err})") from err
    if cache.not_before is not None:
        cache.not_before = None
        cache.save()
    log.log(logging.INFO if delivery.sent > 1 else logging.DEBUG, "Google Sheets: %d rows sent", delivery.sent)
    return Result(count, delivery.sent)


def probe(settings: SheetsSettings | None, session: requests.Session, data_dir: Path, now: datetime) -> str | None:
    """For the check command: get a token and read the spreadsheet's tab list. None when Sheets is off.

    Sends no row; SheetsError (one line naming the fix) when the key, the API or the sharing is wrong.
    """
    if settings is None:
        return None
    key = load_key(settings.service_account_file)
    from google.auth import exceptions as auth_errors
    from gspread.exceptions import APIError

    delivery = _Delivery(settings, session, data_dir, now, key, Cache.load(data_dir, settings.sheet_id))
    try:
        delivery.tokens.token()
        meta = delivery.api.fetch_sheet_metadata(
            delivery.spreadsheet_id, params={"includeGridData": "false", "fields": "sheets.properties"}
        )
    except (APIError, requests.RequestException, auth_errors.GoogleAuthError) as err:
        raise SheetsError(google_errors.explain(err, key, settings.sheet_id, "no row was sent")) from err
    tabs = len(meta.get("sheets", []))
    return f"the spreadsheet is shared with {key.client_email} ({tabs} tab{'s' if tabs != 1 else ''})"
