"""Form widgets rendered in plain Python, with the markup Django's own widget templates give.

A ticket page renders some forty widgets, several of them option lists of every active
administrator; through the template engine (one template, an include per option, another
for its attributes) they took about a third of the page's time. ``FAST_WIDGETS`` renders the
widget templates below with string joins instead, escaping exactly as the templates do, and
hands any other template (a project override, a widget not listed) to the template engine.
tests/core/test_widgets.py holds the output to Django's, widget by widget.

Every form uses it: it is the project's ``FORM_RENDERER`` (config/settings.py).
"""

from __future__ import annotations

from collections.abc import Callable

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape


def _text(value: object) -> str:
    # ``{{ value|stringformat:'s' }}``: the value as %s, escaped unless marked safe.
    return conditional_escape(value if isinstance(value, str) else f"{value}")


def _attrs(attrs: dict) -> str:
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            parts.append(f' {conditional_escape(name)}="{_text(value)}"')
    return "".join(parts)


def _input(widget: dict) -> str:
    value = widget["value"]
    shown = "" if value is None else f' value="{_text(value)}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}"'
        f' name="{conditional_escape(widget["name"])}"{shown}{_attrs(widget["attrs"])}>'
    )


def _textarea(widget: dict) -> str:
    value = widget["value"]
    body = conditional_escape(value) if value else ""
    return (
        f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n'
        f"{body}</textarea>"
    )


def _option(option: dict) -> str:
    return (
        f'<option value="{_text(option["value"])}"{_attrs(option["attrs"])}>'
        f"{conditional_escape(option['label'])}</option>\n"
    )


def _select(widget: dict) -> str:
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f'\n  <optgroup label="{conditional_escape(group)}">')
        parts.extend(f"\n  {_option(option)}" for option in options)
        if group:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _input_option(option: dict) -> str:
    # The included templates' closing newlines stay inside the option, as Django's do.
    if not option["wrap_label"]:
        return f"{_input(option)}\n\n\n"
    id_ = option["attrs"].get("id")
    label_for = f' for="{conditional_escape(id_)}"' if id_ else ""
    label = conditional_escape(option["label"])
    return f"<label{label_for}>{_input(option)}\n {label}</label>\n\n"


def _multiple_input(widget: dict) -> str:
    id_ = widget["attrs"].get("id")
    css = widget["attrs"].get("class")
    parts = ["<div"]
    if id_:
        parts.append(f' id="{conditional_escape(id_)}"')
    if css:
        parts.append(f' class="{conditional_escape(css)}"')
    parts.append(">")
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f"\n  <div><label>{conditional_escape(group)}</label>")
        parts.extend(f"<div>\n    {_input_option(option)}</div>" for option in options)
        if group:
            parts.append("\n  </div>")
    parts.append("\n</div>")
    return "".join(parts)


_WIDGETS = "django/forms/widgets/"
RENDERERS: dict[str, Callable[[dict], str]] = {
    _WIDGETS + name: render
    for names, render in (
        (
            ("input", "text", "email", "number", "hidden", "password", "url", "date",
             "datetime", "time", "checkbox"),
            _input,
        ),
        (("textarea",), _textarea),
        (("select",), _select),
        (("checkbox_select", "radio"), _multiple_input),
    )
    for name in (f"{n}.html" for n in names)
}  # fmt: skip


class FastWidgetRenderer(DjangoTemplates):
    """Django's default form renderer, with the common widget templates rendered in Python."""

    def render(self, template_name: str, context: dict, request=None) -> str:
        render = RENDERERS.get(template_name)
        if render is None:
            return super().render(template_name, context, request=request)
        return render(context["widget"])


FAST_WIDGETS = FastWidgetRenderer()
