"""Every form's widgets rendered with the design system's classes (Bootstrap 5), whatever
template renders the field: inputs and text areas as ``form-control``, selects as
``form-select``, check boxes as ``form-check-input``. A widget's own classes are kept.
Fields with errors are marked by Django (``aria-invalid="true"``), which site.css styles."""

from __future__ import annotations

from typing import Any

from django.forms.renderers import DjangoTemplates

# The widget template → the class it is given.
CLASSES = {
    "django/forms/widgets/select.html": "form-select",
    "django/forms/widgets/textarea.html": "form-control",
    "django/forms/widgets/checkbox.html": "form-check-input",
}
INPUT_CLASS = "form-control"
NO_CLASS = {"hidden", "checkbox", "radio", "submit", "button", "image"}


def widget_class(template_name: str, widget: dict[str, Any]) -> str | None:
    if template_name in CLASSES:
        return CLASSES[template_name]
    kind = widget.get("type")
    if kind in NO_CLASS or not template_name.startswith("django/forms/widgets/"):
        return None
    return INPUT_CLASS if kind else None


class BootstrapFormRenderer(DjangoTemplates):
    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        widget = context.get("widget")
        if isinstance(widget, dict) and isinstance(widget.get("attrs"), dict):
            css = widget_class(template_name, widget)
            if css:
                attrs = dict(widget["attrs"])
                present = str(attrs.get("class", "")).split()
                if css not in present:
                    attrs["class"] = " ".join([css, *present])
                context = {**context, "widget": {**widget, "attrs": attrs}}
        return super().render(template_name, context, request)
