"""Changes to who owns what: purview declarations and the procedures captured from admins."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from admins.models import Administrator, Purview, PurviewRole, Service
from core import audit


def declare_purview(
    service: Service, *, admin: Administrator, role: str, declared_on: date, evidence: str, by
) -> Purview:
    """Record an administrator's declaration for a service. A current declaration by the same
    admin for the service is ended (and kept), so one admin holds one role per service.

    Raises ValidationError when another request declared the same admin for the service
    between the two steps (a double submit), rather than letting the unique index fail.
    """
    if not evidence.strip():
        raise ValidationError({"evidence": "Say where the declaration is on record."})
    if declared_on > timezone.localdate():
        raise ValidationError({"declared_on": "The declaration date cannot be in the future."})
    now = timezone.now()
    with transaction.atomic():
        replaced = Purview.objects.current().filter(service=service, admin=admin)
        pks = list(replaced.values_list("pk", flat=True))
        replaced.update(ended_at=now, ended_by=by, end_reason="Replaced by a newer declaration.")
        audit.changed_rows(Purview, pks, {"ended_at": (None, now)})
        try:
            # A savepoint: the refused insert must not leave the outer transaction broken.
            with transaction.atomic():
                return Purview.objects.create(
                    service=service,
                    admin=admin,
                    role=role,
                    declared_on=declared_on,
                    evidence=evidence.strip(),
                    recorded_by=by,
                )
        except IntegrityError as error:
            # A concurrent request's declaration committed after ours ended the current one.
            if not Purview.objects.current().filter(service=service, admin=admin).exists():
                raise
            raise ValidationError(
                f"{admin.name} was already declared for {service.name} a moment ago, probably "
                "by a second submit: see the current declarations."
            ) from error


def owners_of(service: Service) -> list[str]:
    """The names of the service's current owners; more than one is a conflict to resolve."""
    return sorted(
        Purview.objects.current()
        .filter(service=service, role=PurviewRole.OWNER)
        .values_list("admin__name", flat=True)
    )


def end_purview(purview: Purview, *, by, reason: str) -> None:
    """Withdraw a declaration; it stays in the service's history with who, when and why."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why the declaration ends."})
    now = timezone.now()
    updated = Purview.objects.filter(pk=purview.pk, ended_at=None).update(
        ended_at=now, ended_by=by, end_reason=reason.strip()
    )
    if not updated:
        raise ValidationError("This declaration has already ended.")
    audit.changed(purview, {"ended_at": (None, now), "end_reason": ("", reason.strip())})
