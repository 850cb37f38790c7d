"""A local TDX Web API on pytest-httpserver: the documented paths, payload shapes and errors.

Auth (POST api/auth/loginadmin {BEID, WebServicesKey}) answers the JWT as text/plain; the
ticket calls want "Authorization: Bearer <token>" and answer 401 without a current one.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field

from django.utils.dateparse import parse_datetime
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

APP = "77"
BEID = "0d6b5d2a-2c7e-4c55-9a43-5b1b2bd7c0aa"
KEY = "b54e7a5f-7c3d-4f2a-a1e4-3f0c6c7e9d11"


def tdx_ticket(ticket_id: int, **fields) -> dict:
    """A TeamDynamix.Api.Tickets.Ticket with the fields this product reads."""
    return {
        "ID": ticket_id,
        "AppID": int(APP),
        "Title": f"VPN drops every hour ({ticket_id})",
        "TypeName": "Incident",
        "Classification": 46,
        "RequestorName": "Robin Vale",
        "RequestorEmail": "robin.vale@example.org",
        "AccountName": "Payroll",
        "StatusName": "New",
        "StatusClass": 1,
        "PriorityName": "High",
        "ServiceName": "Network",
        "CreatedDate": "2026-12-01T15:30:00Z",
        "ModifiedDate": "2026-12-03T15:00:00Z",
        "CompletedDate": None,
        "ResponsibleUid": None,
        "ResponsibleFullName": "",
        **fields,
    }


@dataclass
class FakeTdx:
    server: HTTPServer
    tickets: dict[int, dict] = field(default_factory=dict)
    tokens: list[str] = field(default_factory=list)
    calls: list[tuple[float, str, str]] = field(default_factory=list)
    # Answers to give before the real one, per path suffix: [(status, headers, body), ...].
    faults: dict[str, list[tuple[int, dict, str]]] = field(default_factory=dict)
    searches: list[dict] = field(default_factory=list)
    feeds: dict[int, list[dict]] = field(default_factory=dict)
    posted: list[tuple[int, dict]] = field(default_factory=list)
    # Seconds the search waits before answering (a hanging TDX).
    delay: float = 0

    def install(self) -> None:
        self.server.expect_request(
            "/TDWebApi/api/auth/loginadmin", method="POST"
        ).respond_with_handler(self.auth)
        self.server.expect_request(
            f"/TDWebApi/api/{APP}/tickets/search", method="POST"
        ).respond_with_handler(self.search)
        self.server.expect_request(
            re.compile(rf"/TDWebApi/api/{APP}/tickets/\d+$"), method="GET"
        ).respond_with_handler(self.ticket)

        self.server.expect_request(
            re.compile(rf"/TDWebApi/api/{APP}/tickets/\d+/feed$")
        ).respond_with_handler(self.feed)

    @property
    def base_url(self) -> str:
        return self.server.url_for("/TDWebApi")

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def _fault(self, kind: str) -> Response | None:
        queue = self.faults.get(kind)
        if queue:
            status, headers, body = queue.pop(0)
            return Response(body, status=status, headers=headers, content_type="application/json")
        return None

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        return header.startswith("Bearer ") and header[7:] in self.tokens

    def auth(self, request: Request) -> Response:
        self.calls.append((time.monotonic(), "auth", request.path))
        body = request.get_json(force=True)
        if body != {"BEID": BEID, "WebServicesKey": KEY}:
            return Response("Invalid credentials", status=401, content_type="text/plain")
        token = f"eyJhbGciOiJIUzI1NiJ9.token{len(self.tokens) + 1}.sig"
        self.tokens.append(token)
        return Response(token, content_type="text/plain; charset=utf-8")

    def ticket(self, request: Request) -> Response:
        self.calls.append((time.monotonic(), "ticket", request.path))
        if not self._authorised(request):
            return Response("", status=401)
        fault = self._fault("ticket")
        if fault:
            return fault
        ticket_id = int(request.path.rsplit("/", 1)[1])
        if ticket_id not in self.tickets:
            return Response(json.dumps({"Message": "Not found"}), status=404)
        return Response(json.dumps(self.tickets[ticket_id]), content_type="application/json")

    def search(self, request: Request) -> Response:
        self.calls.append((time.monotonic(), "search", request.path))
        if self.delay:
            time.sleep(self.delay)
        if not self._authorised(request):
            return Response("", status=401)
        fault = self._fault("search")
        if fault:
            return fault
        criteria = request.get_json(force=True)
        self.searches.append(criteria)
        since = parse_datetime(criteria.get("ModifiedDateFrom") or "1970-01-01T00:00:00Z")
        limit = int(criteria.get("MaxResults") or 50)
        found = sorted(
            (t for t in self.tickets.values() if parse_datetime(t["ModifiedDate"]) >= since),
            key=lambda t: t["ModifiedDate"],
        )
        return Response(json.dumps(found[:limit]), content_type="application/json")

    def feed(self, request: Request) -> Response:
        self.calls.append((time.monotonic(), "feed", request.path))
        if not self._authorised(request):
            return Response("", status=401)
        fault = self._fault("feed")
        if fault:
            return fault
        ticket_id = int(request.path.rsplit("/", 2)[1])
        if request.method == "POST":
            entry = request.get_json(force=True)
            self.posted.append((ticket_id, entry))
            made = feed_entry(9000 + len(self.posted), "svc-uid", entry["Comments"])
            return Response(json.dumps(made), content_type="application/json")
        return Response(json.dumps(self.feeds.get(ticket_id, [])), content_type="application/json")

    def count(self, kind: str) -> int:
        return sum(1 for _, k, _ in self.calls if k == kind)


def feed_entry(entry_id: int, uid: str, body: str, at: str = "2026-12-03T15:10:00Z") -> dict:
    """A TeamDynamix.Api.Feed.ItemUpdate as the ticket feed returns it."""
    return {
        "ID": entry_id,
        "CreatedUid": uid,
        "CreatedFullName": "Some Admin",
        "CreatedDate": at,
        "Body": body,
        "UpdateType": 1,
        "IsPrivate": False,
    }
