"""The site's URLs plus a "respond" page, for the digests' response links in tests (the
response page itself is another part of the product)."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as site

urlpatterns = [
    *site,
    path("respond/<str:token>/", lambda request, token: HttpResponse(), name="respond"),
]
