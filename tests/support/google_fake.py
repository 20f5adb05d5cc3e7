"""A small stand-in for Google's token endpoint and Sheets API, served through `responses`.

It keeps real state (tabs, rows, header, frozen rows, grid size) so that tests assert on what a person
would see in the spreadsheet, and it can fail on demand: an outage, an HTTP status, or an answer lost
after the append was applied (the ambiguous case).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import requests
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

TOKEN_URL = "https://oauth2.googleapis.com/token"
SHEETS = "https://sheets.googleapis.com/v4/spreadsheets/"
IAM = re.compile(r"https://iamcredentials\.googleapis\.com/.*")
SHEET_ID = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_X000"
CLIENT_EMAIL = "pvs6-writer@example-project.iam.gserviceaccount.com"
EPOCH = datetime(1899, 12, 30)

_PRIVATE_KEY: str | None = None


def private_key_pem() -> str:
    """A throwaway RSA key, made once per test session (1024 bits: loading it is 6 times faster than 2048)."""
    global _PRIVATE_KEY
    if _PRIVATE_KEY is None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
        _PRIVATE_KEY = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
    return _PRIVATE_KEY


def write_key(path: Path, **overrides: Any) -> Path:
    info = {
        "type": "service_account",
        "project_id": "example-project",
        "private_key_id": "0123456789abcdef",
        "private_key": private_key_pem(),
        "client_email": CLIENT_EMAIL,
        "client_id": "100000000000000000000",
        "token_uri": TOKEN_URL,
        **overrides,
    }
    path.write_text(json.dumps(info))
    path.chmod(0o600)
    return path


@dataclass
class Tab:
    sheet_id: int
    title: str
    rows: list[list[Any]] = field(default_factory=list)  # row 1 is rows[0]
    row_count: int = 1000
    column_count: int = 26
    frozen_rows: int = 0

    @property
    def header(self) -> list[Any]:
        return self.rows[0] if self.rows else []

    @property
    def data(self) -> list[list[Any]]:
        return self.rows[1:]

    def column(self, name: str) -> list[Any]:
        index = self.header.index(name)
        return [row[index] if index < len(row) else "" for row in self.data]


def _user_entered(value: Any) -> Any:
    """What Sheets stores for a USER_ENTERED value: dates become serial numbers, ' forces text."""
    if value is None:
        return ""
    if isinstance(value, str):
        if value.startswith("'"):
            return value[1:]
        try:
            return (datetime.strptime(value, "%Y-%m-%d %H:%M:%S") - EPOCH).total_seconds() / 86400
        except ValueError:
            return value
    return value


@dataclass
class FakeGoogle:
    rsps: responses.RequestsMock
    tabs: dict[str, Tab] = field(default_factory=dict)
    shared: bool = True  # False: the sheet is not shared with the service account (403)
    outage: bool = False  # every request to Google fails to connect
    token_error: tuple[int, dict[str, Any]] | None = None
    failures: list[Failure] = field(default_factory=list)  # each consumed by the first call it matches
    calls: list[tuple[str, str]] = field(default_factory=list)
    tokens_issued: int = 0
    appends: list[int] = field(default_factory=list)  # rows per applied append

    def install(self) -> FakeGoogle:
        self.rsps.add_passthru("http://127.0.0.1")
        self.rsps.add_callback(responses.POST, TOKEN_URL, callback=self._token)
        self.rsps.add_callback(responses.GET, IAM, callback=self._iam)
        for method in (responses.GET, responses.POST, responses.PUT):
            self.rsps.add_callback(method, re.compile(re.escape(SHEETS) + ".*"), callback=self._sheets)
        return self

    # --- what tests look at ---
    def sheet_calls(self) -> list[tuple[str, str]]:
        return [c for c in self.calls if c[1].startswith("sheets:")]

    def google_calls(self) -> int:
        return len(self.calls)

    def iam_calls(self) -> int:
        return sum(1 for c in self.calls if c[1] == "iam")

    def tab(self, title: str) -> Tab:
        return self.tabs[title]

    # --- endpoints ---
    def _token(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        self.calls.append(("POST", "token"))
        if self.outage:
            raise requests.ConnectionError("no route to host")
        assert request.body is not None
        body = parse_qs(request.body if isinstance(request.body, str) else request.body.decode())
        assert body["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
        if self.token_error:
            status, document = self.token_error
            return status, {}, json.dumps(document)
        self.tokens_issued += 1
        token = {"access_token": f"token-{self.tokens_issued}", "expires_in": 3599, "token_type": "Bearer"}
        return 200, {}, json.dumps(token)

    def _iam(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        self.calls.append(("GET", "iam"))
        return 404, {}, "{}"

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> tuple[int, dict, str]:
        return status, headers or {}, json.dumps({"error": {"code": status, "message": message}})

    def _sheets(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        assert request.url is not None and request.method is not None
        parts = urlsplit(request.url)
        path = unquote(parts.path)[len(urlsplit(SHEETS).path) :]
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.calls.append((request.method, "sheets:" + path))
        if self.outage:
            raise requests.ConnectionError("no route to host")
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer token-"):
            return self._error(401, "Request had invalid authentication credentials.")
        failure = next((f for f in self.failures if f.matches(request.method, path)), None)
        if failure is not None:
            self.failures.remove(failure)
            if failure.status is not None:
                return self._error(failure.status, failure.message or f"HTTP {failure.status}", failure.headers)
            if failure.timeout:
                raise requests.ReadTimeout("read timed out")
        outcome = self._serve(request, path, query)
        if failure is not None and failure.applied_then_lost:
            raise requests.ConnectionError("Connection aborted: RemoteDisconnected")
        return outcome

    def _serve(self, request: requests.PreparedRequest, path: str, query: dict[str, str]) -> tuple[int, dict, str]:
        if not path.startswith(SHEET_ID):
            return self._error(404, "Requested entity was not found.")
        if not self.shared:
            return self._error(403, "The caller does not have permission")
        rest = path[len(SHEET_ID) :]
        body = json.loads(request.body) if request.body else {}
        if request.method == "GET" and rest == "":
            return 200, {}, json.dumps(self._metadata())
        if request.method == "POST" and rest == ":batchUpdate":
            return self._batch_update(body)
        match = re.fullmatch(r"/values/'((?:[^']|'')+)'!(.+?)(:append)?", rest)
        if not match:
            return self._error(400, f"Unable to parse range: {rest}")
        title, cells, append = match.group(1).replace("''", "'"), match.group(2), match.group(3)
        tab = self.tabs.get(title)
        if tab is None:
            return self._error(400, f"Unable to parse range: '{title}'!{cells}")
        if append and request.method == "POST":
            assert query["valueInputOption"] == "USER_ENTERED"
            return self._append(tab, body["values"])
        return self._values_get(tab, cells, query)

    def _metadata(self) -> dict[str, Any]:
        return {
            "sheets": [
                {
                    "properties": {
                        "sheetId": t.sheet_id,
                        "title": t.title,
                        "gridProperties": {
                            "rowCount": t.row_count,
                            "columnCount": t.column_count,
                            "frozenRowCount": t.frozen_rows,
                        },
                    }
                }
                for t in self.tabs.values()
            ]
        }

    def _tab_by_id(self, sheet_id: int) -> Tab:
        return next(t for t in self.tabs.values() if t.sheet_id == sheet_id)

    def _batch_update(self, body: dict[str, Any]) -> tuple[int, dict, str]:
        replies: list[dict[str, Any]] = []
        for req in body["requests"]:
            if "addSheet" in req:
                props = req["addSheet"]["properties"]
                grid = props["gridProperties"]
                if grid.get("frozenRowCount", 0) >= grid["rowCount"]:
                    return self._error(400, "You can't freeze all visible rows on the sheet.")
                if props["title"] in self.tabs:
                    return self._error(400, f'A sheet with the name "{props["title"]}" already exists.')
                self.tabs[props["title"]] = Tab(
                    props["sheetId"], props["title"], [], grid["rowCount"], grid["columnCount"], grid["frozenRowCount"]
                )
                replies.append({"addSheet": {"properties": props}})
            elif "updateCells" in req:
                spec = req["updateCells"]
                tab = self._tab_by_id(spec["start"]["sheetId"])
                assert spec["start"]["rowIndex"] == 0
                names = [v["userEnteredValue"]["stringValue"] for v in spec["rows"][0]["values"]]
                start = spec["start"]["columnIndex"]
                if start + len(names) > tab.column_count:
                    return self._error(400, "Range exceeds grid limits.")
                if not tab.rows:
                    tab.rows.append([])
                header = tab.rows[0]
                header.extend([""] * (start + len(names) - len(header)))
                header[start : start + len(names)] = names
                replies.append({})
            elif "appendDimension" in req:
                spec = req["appendDimension"]
                assert spec["dimension"] == "COLUMNS"
                self._tab_by_id(spec["sheetId"]).column_count += spec["length"]
                replies.append({})
            elif "updateSheetProperties" in req:
                props = req["updateSheetProperties"]["properties"]
                self._tab_by_id(props["sheetId"]).frozen_rows = props["gridProperties"]["frozenRowCount"]
                replies.append({})
            else:
                raise AssertionError(f"unexpected request {req}")
        return 200, {}, json.dumps({"replies": replies})

    def _append(self, tab: Tab, values: list[list[Any]]) -> tuple[int, dict, str]:
        if not tab.rows:
            tab.rows.append([])
        start = len(tab.rows) + 1
        for row in values:
            if len(row) > tab.column_count:
                return self._error(400, "Range exceeds grid limits.")
            tab.rows.append([_user_entered(v) for v in row])
        end = len(tab.rows)
        tab.row_count = max(tab.row_count, end)
        self.appends.append(len(values))
        updated = f"'{tab.title}'!A{start}:{_column_letter(len(tab.header))}{end}"
        return 200, {}, json.dumps({"tableRange": f"'{tab.title}'!A1", "updates": {"updatedRange": updated}})

    def _values_get(self, tab: Tab, cells: str, query: dict[str, str]) -> tuple[int, dict, str]:
        if cells == "1:1":
            return 200, {}, json.dumps({"values": [tab.header]} if tab.header else {})
        match = re.fullmatch(r"A(\d+):A", cells)
        assert match, cells
        assert query.get("majorDimension") == "COLUMNS" and query.get("valueRenderOption") == "UNFORMATTED_VALUE"
        column = [row[0] if row else "" for row in tab.rows[int(match.group(1)) - 1 :]]
        return 200, {}, json.dumps({"values": [column]} if column else {})


def _column_letter(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters or "A"


# --- failures a test can queue -------------------------------------------------------------------


@dataclass
class Failure:
    """How the next matching Sheets call fails: an HTTP status, a timeout, or an answer lost after applying."""

    on: str = "any"  # "any", "append", "get" (values or metadata) or "batchUpdate"
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    message: str = ""
    timeout: bool = False  # nothing applied, no answer
    applied_then_lost: bool = False  # applied, then the connection drops

    def matches(self, method: str, path: str) -> bool:
        kind = "append" if path.endswith(":append") else "batchUpdate" if path.endswith(":batchUpdate") else "get"
        return self.on in ("any", kind)
