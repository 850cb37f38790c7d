"""Email replies over HTTP: the gateway endpoint for a mail server on another host."""

from __future__ import annotations

import hmac
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from escalations.handoffs import inbound

logger = logging.getLogger(__name__)


def _authorized(request: HttpRequest, secret: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), secret.encode()
    )


# A mail gateway has no session and no CSRF token: the shared secret is its credential.
@csrf_exempt
@login_not_required
@require_POST
def mail_inbound(request: HttpRequest) -> HttpResponse:
    """One raw RFC 5322 message as the request body; answers what receive_mail prints. 200
    for recorded and refused alike (a refusal is final, so the gateway must not retry)."""
    secret = getattr(settings, "INBOUND_MAIL_SECRET", "")
    if not secret:
        raise Http404("Inbound mail over HTTP is not enabled.")
    if not _authorized(request, secret):
        logger.warning("inbound mail refused: bad or missing bearer token")
        response = JsonResponse({"error": "A valid bearer token is required."}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="inbound-mail"'
        return response
    # Read past request.body's upload limit, but never more than one byte over ours.
    raw = request.read(inbound.max_bytes() + 1)
    received = inbound.receive(raw, recipient=request.GET.get("recipient", ""))
    return JsonResponse({"status": received.status, "result": received.line})
