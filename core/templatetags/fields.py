"""``{% form_field field %}``: the markup of ``_field.html``, written in Python.

The ticket page shows two dozen fields; as includes each cost a template render and a context
push, about a quarter of the page's template time. Same markup and escaping as the include,
which stays for the pages that use it (tests/core/test_widgets.py compares the two).
"""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

REQUIRED = ' <span class="req" aria-hidden="true">*</span>'


@register.simple_tag
def form_field(field: BoundField) -> SafeString:
    errors = field.errors
    auto_id = conditional_escape(field.auto_id)
    parts = [
        f'<div class="field{" has-error" if errors else ""}">\n',
        f'  <label for="{conditional_escape(field.id_for_label)}">'
        f"{conditional_escape(field.label)}{REQUIRED if field.field.required else ''}</label>\n",
        f"  {conditional_escape(field)}\n  ",
    ]
    if field.help_text:
        parts.append(
            f'<small class="help" id="{auto_id}_helptext">{conditional_escape(field.help_text)}'
            "</small>"
        )
    parts.append("\n  ")
    if errors:
        items = "".join(f"<li>{conditional_escape(e)}</li>" for e in errors)
        parts.append(f'<ul class="errorlist" id="{auto_id}_error">{items}</ul>')
    parts.append("\n</div>\n")
    return mark_safe("".join(parts))  # noqa: S308 - every part escaped above
