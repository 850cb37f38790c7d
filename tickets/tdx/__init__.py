"""The connector to the TeamDynamix (TDX) Web API: a client, the ticket-field mapping, the sync.

Follows the published reference (https://<host>/TDWebApi/, sections Auth and Tickets): a JWT from
POST api/auth/loginadmin {BEID, WebServicesKey} or POST api/auth {username, password}, returned
as plain text and sent as "Authorization: Bearer"; GET api/{appId}/tickets/{id},
POST api/{appId}/tickets/search (a TicketSearch: ModifiedDateFrom, MaxResults, ...),
GET/POST api/{appId}/tickets/{id}/feed; each method rate-limited to 60 calls per IP address
every 60 seconds.
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings


def configured() -> bool:
    """True when TDX_BASE_URL is set: without it nothing here runs."""
    return bool(settings.TDX_BASE_URL)


# The last segment of the Web API's address, and that of the web application beside it
# (TeamDynamix serves both from one site; a sandbox prefixes both with SB).
_WEB_APP_OF_API = {"tdwebapi": "TDNext", "sbtdwebapi": "SBTDNext"}


def web_url() -> str:
    """TDX's web application root (the part of a ticket's address before /Apps/):
    TDX_WEB_URL, or else taken from TDX_BASE_URL when its last segment is the Web API's;
    empty when neither says."""
    if settings.TDX_WEB_URL:
        return settings.TDX_WEB_URL
    site, _, api = settings.TDX_BASE_URL.rpartition("/")
    app = _WEB_APP_OF_API.get(api.casefold())
    return f"{site}/{app}" if site and app else ""


def ticket_url(external_id: str) -> str:
    """The ticket's page in TDX's web application; empty when TDX is not configured, its web
    address is unknown, or the id is not a TDX ticket number (plain digits)."""
    root = web_url() if configured() else ""
    if not root or not (external_id.isascii() and external_id.isdigit()):
        return ""
    app = quote(settings.TDX_APP_ID, safe="")
    return f"{root}/Apps/{app}/Tickets/TicketDet?TicketID={external_id}"
