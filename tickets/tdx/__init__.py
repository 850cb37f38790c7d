"""The connector to the TeamDynamix (TDX) Web API: a client, the ticket-field mapping, the sync.

Follows the published reference (https://<host>/TDWebApi/, sections Auth and Tickets): a JWT from
POST api/auth/loginadmin {BEID, WebServicesKey} or POST api/auth {username, password}, returned
as plain text and sent as "Authorization: Bearer"; GET api/{appId}/tickets/{id},
POST api/{appId}/tickets/search (a TicketSearch: ModifiedDateFrom, MaxResults, ...),
GET/POST api/{appId}/tickets/{id}/feed; each method rate-limited to 60 calls per IP address
every 60 seconds.
"""

from __future__ import annotations

from django.conf import settings


def configured() -> bool:
    """True when TDX_BASE_URL is set: without it nothing here runs."""
    return bool(settings.TDX_BASE_URL)
