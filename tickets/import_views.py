"""The supervisors' import page: upload a TDX export, check the preview, then import."""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_http_methods

from core.roles import SUPERVISOR
from tickets import importer

SESSION_KEY = "tdx_import"
MAX_BYTES = 20 * 1024 * 1024
PREVIEW_ROWS = 10
# From this many tickets to save, the import page shows its progress as it goes.
PROGRESS_FROM = 5000
MARKER = "<!-- import progress -->"


def _labels() -> list[tuple[str, str]]:
    return [(name, " / ".join(headers)) for name, headers in importer.FIELDS.items()]


@login_required
@require_http_methods(["GET", "POST"])
def ticket_import(request: HttpRequest) -> HttpResponse:
    if not request.user.groups.filter(name=SUPERVISOR).exists():
        raise PermissionDenied
    context: dict = {"labels": _labels()}
    if request.method == "GET":
        return render(request, "tickets/ticket_import.html", context)
    step = request.POST.get("step")
    if step == "upload":
        upload = request.FILES.get("file")
        if upload is None or upload.size == 0:
            context["error"] = "Choose a CSV file exported from a TDX ticket report."
            return render(request, "tickets/ticket_import.html", context, status=400)
        if upload.size > MAX_BYTES:
            context["error"] = "The file is larger than 20 MB: use the import_tickets command."
            return render(request, "tickets/ticket_import.html", context, status=400)
        try:
            text, note = importer.decode(upload.read())
        except ValueError as error:
            context["error"] = str(error)
            return render(request, "tickets/ticket_import.html", context, status=400)
        request.session[SESSION_KEY] = {"name": upload.name, "text": text, "note": note}
        mapping = None
    else:
        stored = request.session.get(SESSION_KEY)
        if not stored:
            context["error"] = "Upload the file again: the previous upload has expired."
            return render(request, "tickets/ticket_import.html", context, status=400)
        text, note = stored["text"], stored["note"]
        mapping = {
            name: request.POST[f"map_{name}"]
            for name in importer.FIELDS
            if request.POST.get(f"map_{name}")
        }
    stored = request.session[SESSION_KEY]
    parsed = importer.parse(text, mapping, note=note)
    context.update(parsed=parsed, filename=stored["name"], preview=parsed.rows[:PREVIEW_ROWS])
    context["fields"] = [(name, label, parsed.mapping.get(name, "")) for name, label in _labels()]
    if step == "import":
        try:
            plan = importer.prepare(
                parsed,
                by=request.user,
                filename=stored["name"],
                update=bool(request.POST.get("update")),
                skip_bad=bool(request.POST.get("skip_bad")),
            )
            if plan.total >= PROGRESS_FROM:
                del request.session[SESSION_KEY]
                return _import_with_progress(request, plan)
            for _ in importer.save(plan):
                pass
        except importer.ImportRefused as error:
            context["error"] = str(error)
            return render(request, "tickets/ticket_import.html", context, status=400)
        del request.session[SESSION_KEY]
        return render(request, "tickets/ticket_import.html", {"result": plan.result})
    return render(request, "tickets/ticket_import.html", context)


def _import_with_progress(request: HttpRequest, plan: importer.Plan) -> StreamingHttpResponse:
    """A large import as a page that arrives while the rows are saved: its top at once, a
    progress line as each step of about 5 % is written (CSS shows the latest), then the
    result. It needs no script and no second request, and the browser shows it as it comes."""
    page = render_to_string(
        "tickets/ticket_import.html", {"importing": plan, "marker": MARKER}, request=request
    )
    top, bottom = page.split(MARKER, 1)

    def lines() -> Iterator[str]:
        yield top
        shown = -1
        try:
            for done, total in importer.save(plan):
                step = done * 20 // total
                if step != shown:
                    shown = step
                    yield render_to_string(
                        "tickets/_import_progress.html", {"done": done, "total": total}
                    )
        except importer.ImportRefused as error:
            yield render_to_string("tickets/_import_progress.html", {"error": str(error)})
        else:
            yield render_to_string("tickets/_import_progress.html", {"result": plan.result})
        yield bottom

    return StreamingHttpResponse(lines(), content_type="text/html; charset=utf-8")
