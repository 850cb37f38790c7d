from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Accounts, audit log and backups"

    def ready(self) -> None:
        from django.apps import apps
        from django.contrib import admin
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from core import admin_actions, audit, permissions, requestcache, versions
        from core.context_processors import remember_role

        audit.connect()
        admin.site.add_action(admin_actions.delete_selected, "delete_selected")
        versions.connect(apps.get_models())
        permissions.connect()
        post_migrate.connect(versions.bump_all, sender=self, dispatch_uid="versions-bump-all")
        requestcache.PREFETCH.append(permissions.prefetch)
        user_logged_in.connect(remember_role, dispatch_uid="remember-role")
