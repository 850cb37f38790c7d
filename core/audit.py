"""The audit trail: who created or changed which record, when, with the values before and
after; log-ins, failed log-ins and refused pages.

Saves of the audited models are recorded through model signals, connected in
``EscalationsConfig.ready``. That is deliberate and the one exception to "no signals": the
trail must not depend on every workflow remembering to write it. Workflows that change rows
with ``QuerySet.update`` (conditional updates that claim work) call ``changed`` themselves.
The acting user comes from the request (``AuditMiddleware``); outside a request it is the
system.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any

from axes.helpers import get_client_ip_address
from django.apps import apps
from django.contrib.admin.models import ADDITION, CHANGE, DELETION
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save
from django.http import HttpRequest, HttpResponse

from core.models import AuditAction, AuditEntry

# The records that are evidence, each with the columns that are bookkeeping rather than
# content. Every app registers its own from its AppConfig.ready() through track().
AUDITED: dict[str, set[str]] = {}
# Labels a model was audited under before it moved app: its history is found under both.
FORMER_LABELS: dict[str, str] = {}
LONG_TEXT = 2000

_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)


class AuditMiddleware:
    """Makes the request (its user, address and path) known to the audit trail."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address, the way the log-in lock sees it (proxies included)."""
    if request is None:
        return None
    return get_client_ip_address(request) or request.META.get("REMOTE_ADDR") or None


def record(
    action: str,
    *,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str = "",
    label: str = "",
    changes: dict | None = None,
    request: HttpRequest | None = None,
    user=None,
    username: str = "",
) -> AuditEntry:
    actor = _actor(request, user, username)
    if target is not None:
        target_type = target._meta.label_lower
        target_id = str(target.pk)
        label = label or str(target)
    return AuditEntry.objects.create(
        action=action,
        target_type=target_type,
        target_id=target_id,
        target=label[:200],
        changes=changes or {},
        **actor,
    )


def _actor(request: HttpRequest | None, user=None, username: str = "") -> dict[str, Any]:
    """Who made a change and from where: ``user``, else the signed-in user of ``request`` (or
    of the request being served), with its address and path."""
    request = request or _request.get()
    if user is None and request is not None:
        candidate = getattr(request, "user", None)
        if candidate is not None and candidate.is_authenticated:
            user = candidate
    return {
        "user": user,
        "username": username or (user.get_username() if user else ""),
        "ip_address": client_ip(request),
        "path": _path(request)[:300],
    }


def _created(values: dict[str, Any]) -> dict[str, list]:
    """A new record's audited values (``_values``), as the changes of its "created" entry."""
    return {f: [None, v] for f, v in values.items() if v not in (None, "")}


def _path(request: HttpRequest | None) -> str:
    # A view whose address carries a secret (a response link's token) sets ``audit_path`` to
    # the address without it, so the log never holds a working link.
    if request is None:
        return ""
    return getattr(request, "audit_path", None) or request.path


def changed(target: models.Model, changes: dict[str, tuple[Any, Any]]) -> AuditEntry | None:
    """Record a change made with QuerySet.update: {field: (before, after)}."""
    changes = {f: [_plain(b), _plain(a)] for f, (b, a) in changes.items() if b != a}
    if not changes:
        return None
    return record(AuditAction.CHANGED, target=target, changes=changes)


def changed_rows(model: type[models.Model], pks: Iterable, changes: dict[str, tuple]) -> None:
    """The same for several rows of one model changed at once."""
    for row in model.objects.filter(pk__in=list(pks)):
        changed(row, changes)


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, str) and len(value) > LONG_TEXT:
        return value[:LONG_TEXT] + "…"
    return value


def _values(instance: models.Model) -> dict[str, Any]:
    skip = AUDITED[instance._meta.label]
    return {
        field.attname: _plain(getattr(instance, field.attname))
        for field in instance._meta.concrete_fields
        if field.attname not in skip and field.name not in skip and not field.primary_key
    }


def created_in_bulk(instances: list[models.Model], *, user=None) -> None:
    """The "created" entries ``bulk_create`` skipped (it sends no signals), in one insert:
    the same entry, field by field, as saving each instance one by one would have made."""
    actor = _actor(None, user)
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                action=AuditAction.CREATED,
                target_type=instance._meta.label_lower,
                target_id=str(instance.pk),
                target=str(instance)[:200],
                changes=_created(_values(instance)),
                **actor,
            )
            for instance in instances
        ],
        batch_size=500,
    )


def _before_save(sender, instance, raw=False, **kwargs) -> None:
    if raw or instance.pk is None:
        instance._audit_before = None
        return
    stored = sender._base_manager.filter(pk=instance.pk).first()
    instance._audit_before = _values(stored) if stored is not None else None


def _after_save(sender, instance, created, raw=False, **kwargs) -> None:
    if raw:
        return
    after = _values(instance)
    before = getattr(instance, "_audit_before", None)
    if created or before is None:
        record(AuditAction.CREATED, target=instance, changes=_created(after))
        return
    changes = {f: [before.get(f), v] for f, v in after.items() if before.get(f) != v}
    if changes:
        record(AuditAction.CHANGED, target=instance, changes=changes)


def _after_delete(sender, instance, **kwargs) -> None:
    record(AuditAction.DELETED, target=instance, changes={})


def _logged_in(sender, request, user, **kwargs) -> None:
    record(AuditAction.LOGIN, request=request, user=user)


def _logged_out(sender, request, user, **kwargs) -> None:
    record(AuditAction.LOGOUT, request=request, user=user)


def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    record(
        AuditAction.LOGIN_FAILED,
        request=request,
        username=str(credentials.get("username", ""))[:150],
    )


def _admin_logged(sender, instance, created, raw=False, **kwargs) -> None:
    """A change made through Django's admin. Audited models already recorded their values
    through their own signals; any other model's change is recorded here, with the admin's
    own description of what changed (a priority's hours, a user's groups or password)."""
    if raw or not created:
        return
    model = instance.content_type.model_class() if instance.content_type_id else None
    if model is not None and model._meta.label in AUDITED:
        return
    action = {
        ADDITION: AuditAction.CREATED,
        CHANGE: AuditAction.CHANGED,
        DELETION: AuditAction.DELETED,
    }[instance.action_flag]
    message = instance.get_change_message()
    record(
        action,
        target_type=model._meta.label_lower if model else "",
        target_id=str(instance.object_id or ""),
        label=instance.object_repr,
        changes={"Django admin": [None, message]} if message else {},
        user=instance.user,
    )


def deleted_in_admin(model: type[models.Model], doomed: list[tuple[Any, str]]) -> None:
    """Records deleted at once with the admin's "Delete selected": (pk, label) of each.
    Audited models recorded their own deletions through their signals."""
    if model._meta.label in AUDITED:
        return
    for pk, label in doomed:
        record(
            AuditAction.DELETED,
            target_type=model._meta.label_lower,
            target_id=str(pk),
            label=label,
            changes={"Django admin": [None, "Deleted with “Delete selected”."]},
        )


def lockout_cleared(attempt: models.Model) -> AuditEntry:
    """A supervisor cleared someone's failed log-ins (called before the attempt is deleted)."""
    return record(
        AuditAction.DELETED,
        target=attempt,
        label=f"Log-in lockout of {attempt.username} from {attempt.ip_address}",
        changes={"failures_since_start": [attempt.failures_since_start, 0]},
    )


def password_changed(user) -> AuditEntry:
    """A password was set; the hash itself is never written to the log."""
    return record(AuditAction.CHANGED, target=user, changes={"password": ["(old)", "(new)"]})


class PasswordChangesAudited:
    """Listed in ``AUTH_PASSWORD_VALIDATORS`` for its hook, not as a rule: Django tells every
    configured validator when a user is saved with a new password, whichever way it was set
    (the password page, Django's admin, ``manage.py changepassword``, ``create_user``, a
    shell), and never for the hash upgrades it makes itself at log-in."""

    def validate(self, password, user=None) -> None:
        return None

    def password_changed(self, password, user=None) -> None:
        if user is not None and user.pk is not None:
            password_changed(user)

    def get_help_text(self) -> str:
        return "Every password change is recorded in the audit log (never the password)."


def track(label: str, *, ignore: Iterable[str] = (), former_label: str = "") -> None:
    """Record every save and delete of the model ``label`` ("app.Model") in the audit log,
    leaving out the ``ignore`` columns. Called from the owning app's AppConfig.ready()."""
    model = apps.get_model(label)
    AUDITED[model._meta.label] = set(ignore)
    if former_label:
        FORMER_LABELS[model._meta.label_lower] = former_label.lower()
    uid = f"audit-{model._meta.label}"
    pre_save.connect(_before_save, sender=model, dispatch_uid=uid + "-pre")
    post_save.connect(_after_save, sender=model, dispatch_uid=uid + "-post")
    post_delete.connect(_after_delete, sender=model, dispatch_uid=uid + "-delete")


def target_types(label_lower: str) -> list[str]:
    """The audit entries' record types for one model, including its label before a move."""
    return [label_lower, *filter(None, [FORMER_LABELS.get(label_lower)])]


def connect() -> None:
    user_logged_in.connect(_logged_in, dispatch_uid="audit-login")
    user_logged_out.connect(_logged_out, dispatch_uid="audit-logout")
    user_login_failed.connect(_login_failed, dispatch_uid="audit-login-failed")
    post_save.connect(_admin_logged, sender="admin.LogEntry", dispatch_uid="audit-django-admin")
