"""The signed-in user's own notifications: the list, and marking them read."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from core.htmx import id_param, render_page
from escalations.notifications.models import Notification

PAGE_SIZE = 30
TEMPLATE = "escalations/notification_list.html"


def _own(request: HttpRequest) -> QuerySet[Notification]:
    # Every read and write here goes through this, so nobody reaches another user's rows.
    return Notification.objects.filter(user=request.user)


def _render_list(request: HttpRequest, page_number: str | None) -> HttpResponse:
    page = Paginator(_own(request), PAGE_SIZE).get_page(page_number)
    return render_page(request, TEMPLATE, {"page": page}, partial="notification-list")


@require_GET
@permission_required("escalations.view_notification", raise_exception=True)
def notification_list(request: HttpRequest) -> HttpResponse:
    return _render_list(request, request.GET.get("page"))


@require_POST
@permission_required("escalations.change_notification", raise_exception=True)
def notifications_read(request: HttpRequest) -> HttpResponse:
    """Mark one of the user's notifications (``id``) or all of them as read."""
    unread = _own(request).filter(read_at=None)
    raw_id = request.POST.get("id", "").strip()
    if raw_id:
        chosen = id_param(raw_id)
        if chosen is None or not _own(request).filter(pk=chosen).exists():
            raise Http404("No such notification.")
        unread = unread.filter(pk=chosen)
    unread.update(read_at=timezone.now())
    page_number = request.POST.get("page", "")
    if request.htmx:
        return _render_list(request, page_number)
    url = reverse("notifications")
    if id_param(page_number) is not None and page_number != "1":
        url += f"?page={page_number}"
    return redirect(url)
