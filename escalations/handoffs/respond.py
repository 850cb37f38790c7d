"""The response page: an administrator answers one request from their personal link, without
a log-in (``/respond/<token>/``).

The token (``tokens.read_token`` for ``Purpose.RESPONSE_PAGE``) is the only key: a refused one
gets a plain page and changes nothing. The answer is recorded by ``Engagement.record_response``,
the same method the agents' "Log response" uses, so the request's state, its first response
and every figure move at once. Every attempt (opened, answered, refused) goes to the audit log,
and attempts are limited per address and per link.
"""

from __future__ import annotations

import hashlib

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_http_methods

from admins.models import Administrator
from core import audit
from core.forms import apply_errors
from core.models import AuditAction
from escalations.handoffs import tokens
from escalations.handoffs.forms import AdminOptions
from escalations.handoffs.models import (
    AdminResponse,
    Channel,
    Engagement,
    EngagementKind,
    Outcome,
)
from escalations.handoffs.services import META_QUESTION, locked_ticket, save_procedure
from tickets.detail import ticket_system_url
from tickets.sla.clock import organisation_zone


class Choice(models.TextChoices):
    ACCEPT = "accept", "Accept: I take ownership of the ticket"
    INPUT = "input", "Give input: here is what the support center needs"
    REDIRECT = "redirect", "Redirect: not mine, but I know who or what can handle it"
    DECLINE = "decline", "Decline without redirect: it is not mine, and I cannot say whose it is"


OUTCOMES = {
    Choice.ACCEPT: Outcome.ACCEPTED,
    Choice.INPUT: Outcome.GAVE_INPUT,
    Choice.REDIRECT: Outcome.REDIRECTED,
    Choice.DECLINE: Outcome.DECLINED,
}


class RedirectTo(models.TextChoices):
    ADMIN = "admin", "Another administrator"
    PROCEDURE = "procedure", "A documented procedure, which I write here"


class ResponsePageForm(forms.Form):
    choice = forms.ChoiceField(label="What do you do with this request?", widget=forms.RadioSelect)
    note = forms.CharField(
        label="Your message",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Required to give input or to decline: what the support center should know.",
    )
    redirect_to = forms.ChoiceField(
        label="Redirect to",
        choices=RedirectTo.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    redirect_admin = forms.ModelChoiceField(
        queryset=Administrator.objects.active(), required=False, label="Administrator"
    )
    procedure_title = forms.CharField(label="Procedure title", required=False, max_length=200)
    procedure_steps = forms.CharField(
        label="Steps",
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What the support center does, step by step. It is kept as a procedure of the "
        "ticket's service.",
    )
    next_time = forms.CharField(
        label=META_QUESTION,
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Your answer may become a procedure, so the next ticket like this one does not "
        "need you.",
    )

    def __init__(self, *args, engagement: Engagement, **kw):
        super().__init__(*args, **kw)
        self.engagement = engagement
        escalation = engagement.kind == EngagementKind.ESCALATE
        self.fields["choice"].choices = [
            (c.value, c.label) for c in Choice if escalation or c != Choice.ACCEPT
        ]
        others = Administrator.objects.active().exclude(pk=engagement.admin_id)
        field = self.fields["redirect_admin"]
        field.queryset = others
        options = AdminOptions(engagement.ticket.service)
        options.admins = [a for a in options.admins if a.pk != engagement.admin_id]
        options.suggested.pop(engagement.admin_id, None)
        field.choices = options.choices(blank=True)

    def clean(self):
        data = super().clean()
        choice = data.get("choice")
        if choice in (Choice.INPUT, Choice.DECLINE) and not data.get("note", "").strip():
            what = "your input" if choice == Choice.INPUT else "why you decline"
            self.add_error("note", f"Write {what}.")
        if choice == Choice.REDIRECT:
            target = data.get("redirect_to")
            if not target:
                self.add_error("redirect_to", "Choose an administrator or write a procedure.")
            elif target == RedirectTo.ADMIN and not data.get("redirect_admin"):
                self.add_error("redirect_admin", "Choose the administrator.")
            elif target == RedirectTo.PROCEDURE:
                for name, what in (("procedure_title", "a title"), ("procedure_steps", "steps")):
                    if not data.get(name, "").strip():
                        self.add_error(name, f"Give the procedure {what}.")
        return data


def answer(
    engagement: Engagement, *, admin_id: int, data: dict, source_ip: str | None
) -> AdminResponse:
    """Record the administrator's answer from the response page, at the server's time, with
    the address it came from; a procedure they wrote becomes one of the ticket's service.
    Raises ``TokenRefused`` when the request stopped waiting on them meanwhile, and
    ValidationError for what ``record_response`` refuses; nothing is saved then."""
    choice = Choice(data["choice"])
    redirect_admin, redirect_detail, note = None, "", data["note"].strip()
    procedure = choice == Choice.REDIRECT and data["redirect_to"] == RedirectTo.PROCEDURE
    title, steps = data["procedure_title"].strip(), data["procedure_steps"].strip()
    if choice == Choice.REDIRECT and not procedure:
        redirect_admin = data["redirect_admin"]
    elif procedure:
        redirect_detail = f"the procedure “{title}”"[:300]
        if engagement.ticket.service_id is None:
            # No service to keep it under: the steps stay with the answer itself.
            note = "\n\n".join(filter(None, [note, f"Procedure “{title}”:\n{steps}"]))
    with transaction.atomic():
        # Read again inside the transaction, after the ticket's lock: a withdrawal or a
        # hand-over that landed since the page was opened wins, and this answer is not recorded.
        locked_ticket(engagement.ticket)
        current = Engagement.objects.select_related("ticket__service", "admin").get(
            pk=engagement.pk
        )
        if tokens.revoked(current, admin_id):
            raise tokens.TokenRefused(tokens.Refusal.REVOKED, current)
        response = current.record_response(
            outcome=OUTCOMES[choice],
            channel=Channel.RESPONSE_PAGE,
            responded_at=timezone.now(),
            by=None,
            next_time=data["next_time"],
            note=note,
            redirect_admin=redirect_admin,
            redirect_detail=redirect_detail,
            source_ip=source_ip,
        )
        if procedure and current.ticket.service_id:
            save_procedure(response, title=title, body=steps, by=None)
    return response


# Refused links: a link we never made (or one cut short) is "not found"; one that expired or
# that no longer opens its request is "gone".
REFUSAL_STATUS = {
    tokens.Refusal.FORGED: 404,
    tokens.Refusal.UNKNOWN: 404,
    tokens.Refusal.EXPIRED: 410,
    tokens.Refusal.REVOKED: 410,
}
RATE_LIMITED = "Too many attempts from here or with this link. Wait a few minutes and try again."


def _throttled(ip: str | None, token: str) -> tuple[bool, bool]:
    """(over the limit, just went over): counts this attempt per address and per link."""
    limit = settings.RESPONSE_PAGE_RATE_LIMIT
    window = settings.RESPONSE_PAGE_RATE_WINDOW_SECONDS
    digest = hashlib.sha256(token.encode()).hexdigest()
    counts = []
    for key in (f"respond:ip:{ip or 'unknown'}", f"respond:token:{digest}"):
        cache.add(key, 0, window)
        try:
            counts.append(cache.incr(key))
        except ValueError:  # expired between add and incr
            cache.set(key, 1, window)
            counts.append(1)
    return max(counts) > limit, limit + 1 in counts


def _log(action: str, engagement: Engagement | None, **changes) -> None:
    if engagement is None:
        audit.record(
            action, target_type="escalations.engagement", label="Response link", changes=changes
        )
    else:
        audit.record(action, target=engagement, changes=changes)


def _refused(request: HttpRequest, refused: tokens.TokenRefused) -> HttpResponse:
    _log(
        AuditAction.LINK_REFUSED,
        refused.engagement,
        reason=str(refused.reason),
        method=request.method,
    )
    return render(
        request,
        "respond/refused.html",
        {"message": refused.message},
        status=REFUSAL_STATUS[refused.reason],
    )


@login_not_required
@never_cache
@ensure_csrf_cookie
@require_http_methods(["GET", "POST"])
def respond(request: HttpRequest, token: str) -> HttpResponse:
    """The administrator's page for one request: what is asked, what they answered so far,
    and the form for an answer (or a follow-up). Times are the organisation's."""
    request.audit_path = f"/respond/{tokens.masked(token)}/"
    over, just_over = _throttled(audit.client_ip(request), token)
    if over:
        if just_over:  # once per window, so a flood does not flood the log as well
            _log(AuditAction.LINK_REFUSED, None, reason="rate limited", method=request.method)
        return render(request, "respond/refused.html", {"message": RATE_LIMITED}, status=429)
    with timezone.override(organisation_zone()):
        try:
            opened = tokens.read_token(token, tokens.Purpose.RESPONSE_PAGE)
        except tokens.TokenRefused as refused:
            return _refused(request, refused)
        engagement = opened.engagement
        if request.method == "POST":
            form = ResponsePageForm(request.POST, engagement=engagement)
            if form.is_valid():
                try:
                    response = answer(
                        engagement,
                        admin_id=opened.admin_id,
                        data=form.cleaned_data,
                        source_ip=audit.client_ip(request),
                    )
                except tokens.TokenRefused as refused:
                    return _refused(request, refused)
                except ValidationError as error:
                    apply_errors(form, error)
                else:
                    _log(
                        AuditAction.LINK_ANSWERED,
                        engagement,
                        outcome=response.outcome,
                        response=response.pk,
                    )
                    if response.outcome == Outcome.REDIRECTED:
                        # The redirect closes the link: show what was recorded here, since
                        # opening the link again is refused.
                        return _page(request, engagement, None, recorded=response, closed=True)
                    return redirect(request.path + "#recorded", permanent=False)
            return _page(request, engagement, form, status=400)
        _log(AuditAction.LINK_OPENED, engagement)
        return _page(request, engagement, ResponsePageForm(engagement=engagement))


def _page(
    request: HttpRequest,
    engagement: Engagement,
    form: ResponsePageForm | None,
    *,
    status: int = 200,
    recorded: AdminResponse | None = None,
    closed: bool = False,
) -> HttpResponse:
    ticket = engagement.ticket
    responses = list(
        engagement.responses.select_related("redirect_admin").prefetch_related("procedures")
    )
    return render(
        request,
        "respond/page.html",
        {
            "engagement": engagement,
            "ticket": ticket,
            "ticket_url": ticket_system_url(ticket),
            "escalation": engagement.kind == EngagementKind.ESCALATE,
            "responses": responses,
            "form": form,
            "recorded": recorded,
            "closed": closed,
            "max_age_days": tokens.max_age().days,
        },
        status=status,
    )
