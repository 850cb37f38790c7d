"""The three roles, as Django groups, and the permissions each one holds.

The table below is the single source of truth. Every migration that adds models calls
``sync_role_permissions`` so the groups gain the new permissions; running it again is harmless.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

AGENT = "Agent"
SUPERVISOR = "Supervisor"
MANAGER = "Manager"
ROLES = (AGENT, SUPERVISOR, MANAGER)
ROLE_BY_SLUG = {role.lower(): role for role in ROLES}

# Escalation policies, on-call rotations and absences: everyone on the support center may read
# them; supervisors maintain them.
ONCALL_MODELS = (
    "escalationpolicy",
    "policylevel",
    "rotation",
    "rotationmember",
    "rotationoverride",
    "absence",
)
ONCALL_VIEW = [f"view_{model}" for model in ONCALL_MODELS]

# Agents run the day-to-day work; supervisors also maintain the reference data the work relies
# on; managers read everything and change nothing except what they file themselves.
_AGENT = {
    "tickets": ["view_ticket", "add_ticket", "change_ticket", "view_ticketevent"]
    + ["view_servicetarget", "view_businesscalendar", "view_closure", "view_maintenancewindow"],
    "admins": ["view_administrator", "view_service", "view_purview"] + ONCALL_VIEW,
    "escalations": ["view_guidesection", "view_guiderevision", "view_scenario"]
    + ["view_checklistitem", "view_checklistanswer", "add_checklistanswer"]
    + ["change_checklistanswer", "view_engagement", "add_engagement", "change_engagement"]
    + ["view_procedure", "add_procedure", "view_adminresponse", "add_adminresponse"]
    + ["view_notification", "change_notification", "view_urgentrequest", "view_urgentsteprecord"],
    "reports": ["view_weekly_report"],
}
_SUPERVISOR_EXTRA = {
    "core": ["view_auditentry"],
    "tickets": ["view_category", "add_category", "change_category"]
    + ["view_priority", "add_priority", "change_priority"]
    + ["change_servicetarget", "change_businesscalendar"]
    + ["add_closure", "change_closure", "delete_closure"]
    + ["add_maintenancewindow", "change_maintenancewindow", "delete_maintenancewindow"],
    "admins": ["add_administrator", "change_administrator"]
    + ["add_service", "change_service", "add_purview", "change_purview"]
    + [f"{verb}_{model}" for model in ONCALL_MODELS for verb in ("add", "change", "delete")],
    "escalations": ["change_guidesection", "add_scenario", "change_scenario"]
    + ["add_checklistitem", "change_checklistitem", "change_procedure"]
    + ["add_urgentrequest", "change_urgentrequest", "add_urgentsteprecord"]
    + ["view_inboundmail"],
    "reports": ["view_reportdownload", "reissue_weekly_report", "view_governancethreshold"]
    + ["add_governancethreshold", "change_governancethreshold", "delete_governancethreshold"]
    # Report subscriptions: their own, and they see everyone's.
    + ["add_reportsubscription", "delete_reportsubscription", "view_reportsubscription"],
    "axes": ["view_accessattempt", "delete_accessattempt"],
}
_MANAGER = {
    "tickets": ["view_ticket", "view_ticketevent", "view_category", "view_priority"]
    + ["view_servicetarget", "view_businesscalendar", "view_closure", "view_maintenancewindow"],
    "admins": ["view_administrator", "view_service", "view_purview"],
    "escalations": ["view_guidesection", "view_guiderevision", "view_scenario"]
    + ["view_checklistitem", "view_checklistanswer", "view_engagement"]
    + ["view_procedure", "view_adminresponse"]
    + ["view_notification", "change_notification", "view_urgentrequest", "view_urgentsteprecord"]
    + ["add_urgentrequest"],
    "reports": ["view_weekly_report", "view_governancethreshold"]
    # Managers subscribe themselves to the emailed report.
    + ["add_reportsubscription", "delete_reportsubscription"],
}


def _merge(*tables: dict[str, list[str]]) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for table in tables:
        for app_label, codenames in table.items():
            merged.setdefault(app_label, [])
            merged[app_label] += [c for c in codenames if c not in merged[app_label]]
    return merged


ROLE_PERMISSIONS: dict[str, dict[str, list[str]]] = {
    AGENT: _AGENT,
    SUPERVISOR: _merge(_AGENT, _SUPERVISOR_EXTRA),
    MANAGER: _MANAGER,
}


def sync_role_permissions(apps, schema_editor=None) -> None:
    """Create the role groups and give each exactly the permissions in ROLE_PERMISSIONS.

    Meant for ``migrations.RunPython``. Permissions are normally created after ``migrate``
    finishes, so they are created here first for every installed app.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # create_permissions skips apps without a models module; the migration state's app
        # configs have none, so lend one for the call and put back what was there.
        previous = getattr(app_config, "models_module", None)
        app_config.models_module = previous or True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = previous

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, table in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for app_label, codenames in table.items():
            wanted += list(
                Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
            )
        group.permissions.set(wanted)


def members(role: str):
    """The active users who hold ``role``, each once, in a stable order."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model().objects.filter(is_active=True, groups__name=role).distinct().order_by("pk")
    )


def display_name(user) -> str:
    """How a person is named on pages, timelines and exports: full name, else username."""
    return user.get_full_name() or user.get_username()


def role_of(user: AbstractBaseUser | AnonymousUser) -> str:
    """The user's role for display: the first role group they belong to."""
    if not user.is_authenticated:
        return ""
    cached = getattr(user, "_role_name", None)
    if cached is None:
        names = {g.name for g in user.groups.all()}
        cached = next((r for r in (SUPERVISOR, AGENT, MANAGER) if r in names), "")
        if not cached and user.is_superuser:
            cached = "Superuser"
        user._role_name = cached
    return cached
