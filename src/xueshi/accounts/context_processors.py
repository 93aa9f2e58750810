"""The navigation of the active role: only links the role may follow are shown."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from xueshi.accounts.access import role_assignments
from xueshi.accounts.models import Role

# (url name, label, roles). Links whose URL does not exist (yet) are left out.
MENU: list[tuple[str, str, frozenset[Role]]] = [
    ("accounts:dashboard", "工作台", frozenset(Role)),
    ("reporting:my_year", "我的年度学时", frozenset({Role.PROFESSIONAL})),
    ("records:my_records", "我的学时申报", frozenset({Role.PROFESSIONAL})),
    ("people:my_employment", "我的工作单位", frozenset({Role.PROFESSIONAL})),
    ("training:class_catalogue", "报名培训", frozenset({Role.PROFESSIONAL})),
    ("training:my_enrollments", "我的报名", frozenset({Role.PROFESSIONAL})),
    ("learning:mine", "网络学习", frozenset({Role.PROFESSIONAL})),
    ("exams:mine", "在线考试", frozenset({Role.PROFESSIONAL})),
    ("certificates:mine", "我的证书", frozenset({Role.PROFESSIONAL})),
    ("web:my_data", "我的个人信息", frozenset({Role.PROFESSIONAL})),
    (
        "records:review_queue",
        "待我审核",
        frozenset(
            {
                Role.EMPLOYER_ADMIN,
                Role.EMPLOYER_REVIEWER,
                Role.AUTHORITY_REVIEWER,
                Role.BUREAU_STAFF,
            }
        ),
    ),
    (
        "people:employer_staff",
        "本单位人员",
        frozenset({Role.EMPLOYER_ADMIN, Role.EMPLOYER_REVIEWER}),
    ),
    (
        "reporting:employer_compliance",
        "本单位达标情况",
        frozenset({Role.EMPLOYER_ADMIN, Role.EMPLOYER_REVIEWER}),
    ),
    (
        "funding:employer",
        "继续教育经费",
        frozenset({Role.EMPLOYER_ADMIN, Role.EMPLOYER_REVIEWER}),
    ),
    ("training:provider_classes", "培训班管理", frozenset({Role.PROVIDER_STAFF})),
    ("learning:manage", "网络课程", frozenset({Role.PROVIDER_STAFF, Role.BUREAU_STAFF})),
    ("exams:manage", "课程考试", frozenset({Role.PROVIDER_STAFF, Role.BUREAU_STAFF})),
    ("learning:flags", "学习疑点", frozenset({Role.BUREAU_STAFF})),
    (
        "training:filing_queue",
        "办班备案审核",
        frozenset({Role.AUTHORITY_REVIEWER, Role.BUREAU_STAFF}),
    ),
    ("catalogue:public_subjects", "公需科目", frozenset(Role)),
    ("reporting:bureau_compliance", "达标统计", frozenset({Role.BUREAU_STAFF})),
    ("reporting:bureau_charts", "统计图表", frozenset({Role.BUREAU_STAFF})),
    ("funding:bureau", "经费统计", frozenset({Role.BUREAU_STAFF})),
    ("inspections:anomalies", "疑点看板", frozenset({Role.BUREAU_STAFF})),
    ("inspections:index", "抽查", frozenset({Role.BUREAU_STAFF})),
    ("inspections:summaries", "工作总结", frozenset({Role.BUREAU_STAFF})),
    ("inspections:summary", "年度工作总结", frozenset({Role.PROVIDER_STAFF})),
    ("policies:index", "政策发布", frozenset({Role.BUREAU_STAFF})),
    ("api_clients:clients", "接入系统", frozenset({Role.BUREAU_STAFF})),
    (
        "certificates:employer",
        "证书与验证",
        frozenset({Role.EMPLOYER_ADMIN, Role.EMPLOYER_REVIEWER}),
    ),
    ("certificates:bureau", "证书验证", frozenset({Role.BUREAU_STAFF})),
    (
        "certificates:awaiting",
        "待我验证的证书",
        frozenset({Role.AUTHORITY_REVIEWER, Role.BUREAU_STAFF}),
    ),
    ("certificates:verify", "证书核验", frozenset(Role)),
    (
        "jobs:index",
        "后台任务",
        frozenset({Role.EMPLOYER_ADMIN, Role.PROVIDER_STAFF, Role.BUREAU_STAFF}),
    ),
    ("web:policy", "政策查询", frozenset(Role)),
    (
        "people:password_reset_list",
        "重置密码",
        frozenset({Role.EMPLOYER_ADMIN, Role.BUREAU_STAFF}),
    ),
    ("accounts:locked_accounts", "账户锁定", frozenset({Role.SECURITY_ADMIN})),
    ("accounts:audit_log", "审计日志", frozenset({Role.AUDIT_ADMIN})),
    ("accounts:password_change", "修改密码", frozenset(Role)),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    current = getattr(request, "active_role", None)
    if current is None:
        return {"nav_items": [], "active_role": None}
    items = []
    for name, label, roles in MENU:
        if current.role not in roles:
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": label, "active": request.path == url})
    return {"nav_items": items, "active_role": current, "role_choices": role_assignments(request)}
