"""The bureau's forms: next year's notice by its figures, or its two YAML documents."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import yaml
from django import forms

from xueshi import clock
from xueshi.rules import Category
from xueshi.rules.parameters import PARAMETERS

# The figures the form asks for, each with the clause it comes from.
FIGURES = ("hours.total", "hours.public", "hours.professional", "hours.elective")
MAX_YAML = 200_000


class NoticeForm(forms.Form):
    """A yearly notice: its title and date, and each figure with its section and clause.
    The notice is in force for its year (1 January to 31 December)."""

    year = forms.IntegerField(label="适用年度", min_value=2000, max_value=2100)
    title = forms.CharField(label="文件标题", max_length=200)
    document_number = forms.CharField(label="文号", max_length=64, required=False)
    issuer = forms.CharField(label="发文单位", max_length=100)
    date = forms.DateField(label="发文日期")

    categories = forms.MultipleChoiceField(
        label="科目类别",
        choices=[(c.value, c.label) for c in Category],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="不选：沿用上级规定的科目类别。",
    )
    categories_section = forms.CharField(label="条款", max_length=32, required=False)
    categories_clause = forms.CharField(
        label="原文", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in FIGURES:
            key = name.replace(".", "_")
            spec = PARAMETERS[name]
            self.fields[f"{key}_value"] = forms.DecimalField(
                label=f"{spec.label}（学时，不少于）",
                min_value=Decimal(0),
                max_digits=6,
                decimal_places=2,
                required=name == "hours.total",
            )
            self.fields[f"{key}_section"] = forms.CharField(
                label="条款（如 二(一)）", max_length=32, required=False
            )
            self.fields[f"{key}_clause"] = forms.CharField(
                label="原文", widget=forms.Textarea(attrs={"rows": 2}), required=False
            )

    def figure_rows(self) -> list[tuple[str, Any, Any, Any]]:
        rows = []
        for name in FIGURES:
            key = name.replace(".", "_")
            rows.append(
                (
                    PARAMETERS[name].label,
                    self[f"{key}_value"],
                    self[f"{key}_section"],
                    self[f"{key}_clause"],
                )
            )
        return rows

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("categories", *FIGURES):
            key = name.replace(".", "_")
            if name == "categories" and not data.get("categories"):
                continue
            if name != "categories" and data.get(f"{key}_value") is None:
                continue
            for part, label in (("section", "条款"), ("clause", "原文")):
                if not str(data.get(f"{key}_{part}") or "").strip():
                    self.add_error(
                        f"{key}_{part}", f"{PARAMETERS[name].label}须注明所依据的{label}。"
                    )
        return data

    def documents(self, region: str) -> tuple[str, str]:
        """The notice and its figures as the two YAML documents the loader reads."""
        data = self.cleaned_data
        year = int(data["year"])
        notice_id = f"{region}-{year}"
        notice: dict[str, Any] = {"title": data["title"], "issuer": data["issuer"]}
        if data.get("document_number"):
            notice["document_number"] = data["document_number"]
        notice["date"] = data["date"]
        notice["for_year"] = year  # a yearly notice: it governs its year
        parameters: dict[str, Any] = {}
        if data.get("categories"):
            chosen = set(data["categories"])
            parameters["categories"] = [
                _entry(
                    year,
                    "categories",
                    [c.value for c in Category if c.value in chosen],
                    notice_id,
                    data["categories_section"],
                    data["categories_clause"],
                )
            ]
        for name in FIGURES:
            key = name.replace(".", "_")
            value = data.get(f"{key}_value")
            if value is None:
                continue
            parameters[name] = [
                _entry(
                    year,
                    name,
                    int(value) if value == value.to_integral_value() else float(value),
                    notice_id,
                    data[f"{key}_section"],
                    data[f"{key}_clause"],
                )
            ]
        return _dump({notice_id: notice}), _dump(parameters)


def _entry(
    year: int, name: str, value: Any, notice: str, section: str, clause: str
) -> dict[str, Any]:
    """One dated entry in ``parameters.yaml``'s form, in force for the year, with its clause."""
    return {
        "from": dt.date(year, 1, 1),
        "until": dt.date(year, 12, 31),
        "unit": PARAMETERS[name].unit,
        "value": value,
        "reference": {"notice": notice, "section": section.strip(), "clause": clause.strip()},
    }


def _dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


def notice_initial(region_name: str, issuer: str) -> dict[str, Any]:
    year = clock.year() + 1
    return {
        "year": year,
        "title": f"关于做好{year}年度{region_name}专业技术人员继续教育工作的通知",
        "issuer": issuer,
        "date": clock.today(),
    }


class DocumentsForm(forms.Form):
    """The two documents, typed or uploaded (an upload replaces the text)."""

    year = forms.IntegerField(label="适用年度", min_value=2000, max_value=2100)
    notices_yaml = forms.CharField(
        label="文件（notices.yaml 格式）",
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        required=False,
        max_length=MAX_YAML,
    )
    parameters_yaml = forms.CharField(
        label="参数（parameters.yaml 格式）",
        widget=forms.Textarea(attrs={"rows": 20, "spellcheck": "false"}),
        required=False,
        max_length=MAX_YAML,
    )
    notices_file = forms.FileField(label="或上传 notices.yaml", required=False)
    parameters_file = forms.FileField(label="或上传 parameters.yaml", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("notices", "parameters"):
            upload = data.get(f"{name}_file")
            if upload is not None:
                if upload.size > MAX_YAML:
                    self.add_error(f"{name}_file", "文件过大。")
                    continue
                try:
                    data[f"{name}_yaml"] = upload.read().decode("utf-8")
                except UnicodeDecodeError:
                    self.add_error(f"{name}_file", "文件应为 UTF-8 编码的 YAML。")
                    continue
            if not str(data.get(f"{name}_yaml") or "").strip():
                self.add_error(f"{name}_yaml", "请填写或上传。")
        return data
