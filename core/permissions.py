"""Django's permission checks, read from the shared cache instead of two queries per page.

Every page checks permissions (the navigation, the buttons a role may use), and Django's
``ModelBackend`` reads them with two queries per request (the user's own and their groups').
``CachedPermissionsBackend`` keeps each user's set under the ``permissions`` version token,
which every change to users, groups, permissions or their links replaces (the receivers
below), so a change is seen by the very next request and never served stale.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest

from core import versions

SOURCE = "permissions"


def _key(user_id: int) -> str:
    return f"perms:{user_id}"


class CachedPermissionsBackend(ModelBackend):
    """``ModelBackend`` whose permission sets come from the cache while nothing changed."""

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = versions.cached(
                (SOURCE,), _key(user_obj.pk), lambda: (self._compute(user_obj), None)
            )
        return user_obj._perm_cache

    def _compute(self, user_obj) -> set[str]:
        return super().get_all_permissions(user_obj)


def prefetch(request: HttpRequest) -> list[str]:
    """The signed-in user's permission set, read with the other keys every page needs."""
    return versions.keys_for((SOURCE,), _key(request.user.pk))


# A log-in saves only last_login: that changes no one's permissions.
IRRELEVANT = frozenset({"last_login"})


def _changed(sender, update_fields=None, **kwargs) -> None:
    if update_fields and set(update_fields) <= IRRELEVANT:
        return
    versions.bump(SOURCE)


def connect() -> None:
    versions.EXTRA_SOURCES.add(SOURCE)
    user_model = get_user_model()
    for model in (user_model, Group, Permission):
        uid = f"permissions-{model._meta.label_lower}"
        post_save.connect(_changed, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(_changed, sender=model, dispatch_uid=uid + "-delete")
    for through in (
        user_model.groups.through,
        user_model.user_permissions.through,
        Group.permissions.through,
    ):
        m2m_changed.connect(_changed, sender=through, dispatch_uid=f"permissions-{through}")
