"""The vocabulary of the rules core: frozen inputs, named as in docs/glossary.md.

Each enumeration here is the one definition of its term, with its one Chinese ``label``;
the models take their choices from it (``xueshi.choices.choices_of``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Category(StrEnum):
    PUBLIC = "public"
    PROFESSIONAL = "professional"
    ELECTIVE = "elective"

    @property
    def label(self) -> str:
        return {"public": "公需科目", "professional": "专业科目", "elective": "选修科目"}[
            self.value
        ]


class Mode(StrEnum):
    FACE_TO_FACE = "face_to_face"
    ONLINE = "online"

    @property
    def label(self) -> str:
        return {"face_to_face": "面授", "online": "网络/远程"}[self.value]


class Status(StrEnum):
    APPROVED = "approved"
    PENDING = "pending"
    REJECTED = "rejected"


class TitleLevel(StrEnum):
    JUNIOR = "junior"
    INTERMEDIATE = "intermediate"
    ASSOCIATE_SENIOR = "associate_senior"
    SENIOR = "senior"

    @property
    def label(self) -> str:
        return {
            "junior": "初级",
            "intermediate": "中级",
            "associate_senior": "副高级",
            "senior": "正高级",
        }[self.value]


class InstitutionLevel(StrEnum):
    """Level of a medical institution (一级 / 二级 / 三级医疗卫生机构)."""

    PRIMARY = "primary"
    SECONDARY = "secondary"
    TERTIARY = "tertiary"

    @property
    def label(self) -> str:
        # As the Luojiang notice names them (001: 一级医疗卫生机构继续医学教育对象…).
        return {
            "primary": "一级医疗卫生机构",
            "secondary": "二级医疗卫生机构",
            "tertiary": "三级医疗卫生机构",
        }[self.value]


# Professional series (专业技术系列); the vocabulary is open, these have Chinese names.
SERIES_LABELS = {
    "teacher": "教师",
    "health": "卫生",
    "engineering": "工程",
    "accounting": "会计",
    "agriculture": "农业",
    "construction": "建设",
    "water_conservancy": "水利水电",
    "forestry": "林业",
    "economics": "经济",
    "transport_engineering": "交通工程",
    "party_school_teacher": "党校教师",
    "environment": "环境",
    "culture_arts": "群文艺术",
    "broadcasting": "广播电视",
}


class CreditClass(StrEnum):
    I = "I"  # noqa: E741 — the class is called Ⅰ in the notices
    II = "II"

    @property
    def label(self) -> str:
        return {"I": "Ⅰ类学分", "II": "Ⅱ类学分"}[self.value]


class Role(StrEnum):
    """Who enters or reviews a record, as the review chains name them."""

    PROFESSIONAL = "professional"
    EMPLOYER = "employer"
    PROVIDER = "provider"
    INDUSTRY_AUTHORITY = "industry_authority"
    BUREAU = "bureau"
    SYSTEM = "system"

    @property
    def label(self) -> str:
        return {
            "professional": "专业技术人员",
            "employer": "用人单位",
            "provider": "施教机构",
            "industry_authority": "行业主管部门",
            "bureau": "人力资源和社会保障部门",
            "system": "管理系统自动登记",
        }[self.value]


@dataclass(frozen=True, slots=True)
class Person:
    """The attributes of a professional that select which requirement applies."""

    title_level: TitleLevel | None = None
    series: str | None = None
    institution_level: InstitutionLevel | None = None

    def describe(self) -> str:
        """The person's profile in Chinese: 中级职称 · 工程系列."""
        parts = []
        if self.title_level:
            parts.append(f"{self.title_level.label}职称")
        if self.series:
            parts.append(f"{SERIES_LABELS.get(self.series, self.series)}系列")
        if self.institution_level:
            parts.append(self.institution_level.label)
        return " · ".join(parts) or "未填写职称与系列的人员"

    def attribute(self, name: str) -> str | None:
        value = getattr(self, name)
        return None if value is None else str(value)


@dataclass(frozen=True, slots=True)
class Record:
    """One entry of hours (with a category) or of credits (medical staff).

    `credited_year` is the year the record counts for (归属年度); `taken_on` the date the
    learning happened, when it matters (make-up). No `taken_on` means inside the credited year.
    """

    credited_year: int
    category: Category | None = None
    hours: Decimal = Decimal(0)
    credits: Decimal = Decimal(0)
    credit_class: CreditClass | None = None
    required: bool = False
    mode: Mode = Mode.FACE_TO_FACE
    status: Status = Status.APPROVED
    taken_on: dt.date | None = None
    label: str = ""
    general_practice: bool = False  # credits of general-practice (全科医学) education

    @property
    def is_credit(self) -> bool:
        return self.category is None
