"""Escalation policies and on call: who is asked when a request goes unanswered.

Everyone on the support center may read these pages; supervisors edit them. A change applies
to requests that move after it: each move keeps the level and target it used.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from admins.models import (
    Absence,
    EscalationPolicy,
    PolicyLevel,
    Rotation,
    RotationMember,
    RotationOverride,
)
from admins.oncall import next_on_call, on_call
from admins.policy_forms import AbsenceForm, LevelFormSet, OverrideForm, PolicyForm, RotationForm


def _policies():
    levels = PolicyLevel.objects.select_related("admin", "rotation")
    return EscalationPolicy.objects.prefetch_related(
        Prefetch("levels", queryset=levels), "services"
    )


@require_GET
@permission_required("admins.view_escalationpolicy", raise_exception=True)
def policies(request: HttpRequest) -> HttpResponse:
    return render(request, "admins/policy_list.html", {"policies": list(_policies())})


def _level_initial(policy: EscalationPolicy | None) -> list[dict]:
    if policy is None:
        return [{"target": "asked"}]
    return [
        {
            "target": level.target,
            "admin": level.admin_id,
            "rotation": level.rotation_id,
            "timeout_hours": level.timeout_hours,
        }
        for level in policy.levels.all()
    ]


def _edit(request: HttpRequest, policy: EscalationPolicy | None) -> HttpResponse:
    instance = policy or EscalationPolicy()
    if request.method == "POST":
        form = PolicyForm(request.POST, instance=instance)
        formset = LevelFormSet(request.POST, prefix="levels")
        if form.is_valid() and formset.is_valid():
            try:
                saved = _save(form, formset)
            except IntegrityError:
                # Another supervisor saved the default or this policy's levels at the same
                # moment: nothing of this save was written (one transaction).
                form.add_error(
                    None,
                    "Someone else saved a policy at the same moment, so nothing was saved. "
                    "Check the policies and save again.",
                )
                status = 409
            else:
                messages.success(
                    request,
                    f"Policy “{saved.name}” saved. It applies to requests that move from now on.",
                )
                return redirect("admins:policies")
        else:
            status = 400
    else:
        form = PolicyForm(instance=instance)
        formset = LevelFormSet(prefix="levels", initial=_level_initial(policy))
        status = 200
    context = {"form": form, "formset": formset, "policy": policy}
    return render(request, "admins/policy_form.html", context, status=status)


def _save(form: PolicyForm, formset) -> EscalationPolicy:
    """The policy and its levels, replaced together: a move keeps its own copy of the level it
    used, so nothing on record points at these rows."""
    with transaction.atomic():
        if form.instance.pk:
            # One edit of a policy at a time: the second waits, then replaces the levels whole.
            EscalationPolicy.objects.select_for_update().filter(pk=form.instance.pk).first()
        if form.cleaned_data["is_default"]:
            others = EscalationPolicy.objects.select_for_update().filter(is_default=True)
            for other in others.exclude(pk=form.instance.pk):
                other.is_default = False
                other.save(update_fields=["is_default", "updated_at"])
        policy = form.save()
        for old in policy.levels.all():
            old.delete()
        for position, data in enumerate(formset.levels(), start=1):
            target = data["target"]
            PolicyLevel.objects.create(
                policy=policy,
                position=position,
                target=target,
                admin=data["admin"] if target == "admin" else None,
                rotation=data["rotation"] if target == "rotation" else None,
                timeout_hours=data["timeout_hours"],
            )
    return policy


@require_http_methods(["GET", "POST"])
@permission_required("admins.add_escalationpolicy", raise_exception=True)
def policy_new(request: HttpRequest) -> HttpResponse:
    return _edit(request, None)


@require_http_methods(["GET", "POST"])
@permission_required("admins.change_escalationpolicy", raise_exception=True)
def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(request, get_object_or_404(_policies(), pk=pk))


def rotations_now(at=None, *, rotations=None) -> list[dict]:
    """Each rotation (all, or those of ``rotations``) with who is on call at ``at`` and who
    is next, and from when."""
    at = at or timezone.now()
    rotations = (Rotation.objects.all() if rotations is None else rotations).prefetch_related(
        Prefetch("members", queryset=RotationMember.objects.select_related("admin")),
        Prefetch("overrides", queryset=RotationOverride.objects.select_related("admin")),
    )
    return [{"rotation": r, "now": on_call(r, at), "next": next_on_call(r, at)} for r in rotations]


def _oncall_context(**forms) -> dict:
    now = timezone.now()
    absences = Absence.objects.filter(ends_at__gt=now).select_related("admin", "stand_in")
    return {
        "rotations": rotations_now(now),
        "absences": list(absences),
        "now": now,
        "absence_form": forms.get("absence_form") or AbsenceForm(),
        "override_form": forms.get("override_form") or OverrideForm(),
    }


@require_GET
@permission_required("admins.view_rotation", raise_exception=True)
def oncall(request: HttpRequest) -> HttpResponse:
    return render(request, "admins/oncall.html", _oncall_context())


@require_POST
@permission_required("admins.add_absence", raise_exception=True)
def absence_new(request: HttpRequest) -> HttpResponse:
    form = AbsenceForm(request.POST)
    if not form.is_valid():
        return render(request, "admins/oncall.html", _oncall_context(absence_form=form), status=400)
    absence = form.save()
    messages.success(request, f"{absence.admin.name}'s absence is on record.")
    return redirect("admins:oncall")


@require_POST
@permission_required("admins.delete_absence", raise_exception=True)
def absence_delete(request: HttpRequest, pk: int) -> HttpResponse:
    absence = get_object_or_404(Absence, pk=pk)
    name = absence.admin.name
    absence.delete()
    messages.success(request, f"{name}'s absence was removed.")
    return redirect("admins:oncall")


@require_POST
@permission_required("admins.add_rotationoverride", raise_exception=True)
def override_new(request: HttpRequest) -> HttpResponse:
    form = OverrideForm(request.POST)
    if not form.is_valid():
        context = _oncall_context(override_form=form)
        return render(request, "admins/oncall.html", context, status=400)
    cover = form.save()
    messages.success(request, f"{cover.admin.name} covers {cover.rotation.name}.")
    return redirect("admins:oncall")


@require_POST
@permission_required("admins.delete_rotationoverride", raise_exception=True)
def override_delete(request: HttpRequest, pk: int) -> HttpResponse:
    cover = get_object_or_404(RotationOverride.objects.select_related("admin", "rotation"), pk=pk)
    cover.delete()
    messages.success(request, f"{cover.admin.name} no longer covers {cover.rotation.name}.")
    return redirect("admins:oncall")


def _rotation_edit(request: HttpRequest, rotation: Rotation | None) -> HttpResponse:
    instance = rotation or Rotation()
    if request.method == "POST":
        form = RotationForm(request.POST, instance=instance)
        if form.is_valid():
            with transaction.atomic():
                saved = form.save()
                for member in saved.members.all():
                    member.delete()
                for position, admin in enumerate(form.chosen_members(), start=1):
                    RotationMember.objects.create(rotation=saved, admin=admin, position=position)
            messages.success(request, f"Rotation “{saved.name}” saved.")
            return redirect("admins:oncall")
        status = 400
    else:
        form, status = RotationForm(instance=instance), 200
    context = {"form": form, "rotation": rotation}
    return render(request, "admins/rotation_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@permission_required("admins.add_rotation", raise_exception=True)
def rotation_new(request: HttpRequest) -> HttpResponse:
    return _rotation_edit(request, None)


@require_http_methods(["GET", "POST"])
@permission_required("admins.change_rotation", raise_exception=True)
def rotation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _rotation_edit(request, get_object_or_404(Rotation, pk=pk))
