"""Every claim README's demo table makes, checked by signing in as that user (the demo on,
at its default date, Shantou 2014-12-15, unless the claim is another scenario's)."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from xueshi.demo.load import demo_load

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"
PASSWORD = "xueshi-demo-2026"


@pytest.fixture
def demo(settings: Any) -> None:
    settings.XUESHI_DEMO = True
    demo_load()


def _as(username: str, scenario: str = "") -> Client:
    client = Client()  # through the login page (django-axes needs the request)
    response = client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, username
    if response["Location"] == reverse("accounts:second_factor"):
        # a bureau's or an authority's login: the code README says to get (xueshi demo_otp)
        out = StringIO()
        call_command("demo_otp", username, stdout=out)
        code = re.search(r"当前验证码：(\d{6})", out.getvalue())
        assert code is not None
        response = client.post(reverse("accounts:second_factor"), {"token": code.group(1)})
        assert response["Location"] == reverse("accounts:dashboard"), username
    if scenario:
        client.post(reverse("demo:scenario_switch"), {"scenario": scenario})
    return client


def _text(client: Client, url: str, **params: Any) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, url
    main = response.content.decode().split('id="main"', 1)[1]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def _rows(client: Client, url: str, **params: Any) -> str:
    """The text of the page's table bodies only (not its filters' choices)."""
    html = client.get(url, params).content.decode()
    bodies = re.findall(r"<tbody>(.*?)</tbody>", html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", " ".join(bodies)))


def _readme_row(username: str) -> str:
    table = README.read_text(encoding="utf-8").split("### 演示账户")[1].split("\n### ")[0]
    row = next(line for line in table.splitlines() if f"`{username}`" in line)
    return row


def test_st_linwei(demo: None) -> None:
    assert "未达标" in _readme_row("st-linwei")
    me = _as("st-linwei")
    year = _text(me, reverse("reporting:my_year"), year=2014)
    assert "2014 年度：未达标" in year
    assert "如果我再学" in year  # 试算
    records = _rows(me, reverse("records:my_records"), year=2014)
    for state in ("待用人单位审核", "已退回", "不予认定", "草稿"):
        assert state in records, state
    # 处理退回的记录: the returned one can be edited and resubmitted.
    assert "修改" in records
    what_if = _text(
        me, reverse("reporting:my_year"), year=2014, what_if="1", category="professional", hours=12
    )
    assert "如果再取得" in what_if


def test_st_chenjing(demo: None) -> None:
    year = _text(_as("st-chenjing"), reverse("reporting:my_year"), year=2014)
    assert "2014 年度：已达标" in year
    requirements = year.split("年度要求", 1)[1].split("怎样登记学时", 1)[0]
    assert requirements.count("《关于做好2014年我市专业技术人员继续教育培训工作的通知》") >= 3


def test_shantou_hospital_reviewer(demo: None) -> None:
    queue = _text(_as("shantou-hospital-reviewer"), reverse("records:review_queue"))
    assert "专业科目" in queue
    assert "待用人单位审核" in queue
    assert "没有待您审核的记录" not in queue


def test_shantou_design_admin(demo: None) -> None:
    admin = _as("shantou-design-admin")
    page = admin.get(reverse("reporting:employer_compliance")).content.decode()
    assert reverse("reporting:employer_compliance_xlsx") in page  # 导出 Excel
    assert 'name="compliant"' in page or "是否达标" in page  # 筛选
    staff = _text(admin, reverse("people:employer_staff"))
    assert "待确认的加入申请" in staff
    assert "吴昊" in staff


def test_shantou_bureau(demo: None) -> None:
    bureau = _as("shantou-bureau")
    queue = _text(bureau, reverse("records:review_queue"))
    assert "待人社部门复核" in queue  # 复核
    assert "待人社部门审核" in queue  # 认定
    assert "已提交备案" in _text(bureau, reverse("training:filing_queue"))
    report = _text(bureau, reverse("reporting:bureau_compliance"), year=2014)
    assert "达标率" in report
    assert "按单位" in report  # 下钻
    assert "起草新通知" in _text(bureau, reverse("policies:index"))


def test_guangdong_bureau(demo: None) -> None:
    report = _text(_as("guangdong-bureau"), reverse("reporting:bureau_compliance"), year=2014)
    for breakdown in ("按单位", "按专业技术系列", "按职称级别"):
        assert breakdown in report
    assert "汕头市" in report


def test_shantou_academy(demo: None) -> None:
    academy = _as("shantou-academy")
    classes = _rows(academy, reverse("training:provider_classes"))
    for state in ("已核准", "已提交备案", "未核准", "草稿"):
        assert state in classes, state
    from xueshi.training.models import ClassPlan

    third = ClassPlan.objects.get(title__contains="2014年第三期")
    upload = _text(academy, reverse("training:batch_upload", args=[third.pk]))
    assert "已逾期" not in upload
    assert "结班后才能登记" not in upload


def test_lj_zhoujie(demo: None) -> None:
    year = _text(_as("lj-zhoujie", "luojiang-2017"), reverse("reporting:my_year"), year=2017)
    assert "2013–2017 周期" in year


def test_lj_sunli(demo: None) -> None:
    year = _text(_as("lj-sunli", "luojiang-2017"), reverse("reporting:my_year"), year=2017)
    assert "学分" in year
    assert "远程继续医学教育学分不超过12分/年" in year


def test_lj_linfang(demo: None) -> None:
    from xueshi.certificates.models import Certificate

    mine = _text(_as("lj-linfang", "luojiang-2017"), reverse("certificates:mine"))
    certificate = Certificate.objects.get(professional__user__username="lj-linfang", year=2017)
    assert certificate.number in mine
    detail = _text(
        _as("lj-linfang", "luojiang-2017"), reverse("certificates:detail", args=[certificate.pk])
    )
    public = _text(
        Client(),
        reverse("certificates:verify"),
        no=certificate.number,
        code=certificate.verification_code,
    )
    for page in (detail, public):
        assert (
            "初审：洛江区卫生和计划生育局（经办人 洛江区卫生和计划生育局审核员），2017-11-08"
            in page
        )
        assert "验证：洛江区人力资源和社会保障局（经办人 洛江区人社局演示员" in page
        assert "2017-11-13" in page


def test_lj_chenhui(demo: None) -> None:
    """调训验证 (§二(二)): verified by the bureau directly with its training stamp."""
    from xueshi.certificates.models import Certificate

    mine = _text(_as("lj-chenhui", "luojiang-2017"), reverse("certificates:mine"))
    certificate = Certificate.objects.get(professional__user__username="lj-chenhui", year=2017)
    assert certificate.number in mine
    assert not certificate.roster_entries.exists()
    public = _text(
        Client(),
        reverse("certificates:verify"),
        no=certificate.number,
        code=certificate.verification_code,
    )
    assert (
        "调训验证：洛江区人力资源和社会保障局（经办人 洛江区人社局演示员，"
        "洛江区人力资源和社会保障局职业能力培训专用章），2017-11-09" in public
    )
    assert "有效" in public


def test_luojiang_education(demo: None) -> None:
    from xueshi.certificates.models import Certificate

    client = _as("luojiang-education", "luojiang-2017")
    waiting = _text(client, reverse("certificates:awaiting"))
    assert "周杰" in waiting
    assert "审核验印：洛江区教育局" in waiting
    assert "统一验证：洛江区人力资源和社会保障局" in waiting
    assert "2018 年度能否评聘、晋升：无法判定" in _text(
        client,
        reverse(
            "certificates:detail",
            args=[Certificate.objects.get(professional__user__username="lj-zhoujie").pk],
        ),
    )
    certificate = Certificate.objects.get(professional__user__username="lj-zhoujie", year=2017)
    client.post(reverse("certificates:stamp", args=[certificate.pk]), {"next": "/"})
    certificate.refresh_from_db()
    assert certificate.in_effect
    assert certificate.stamps[-1]["body"] == "洛江区教育局"
    assert "周杰" not in _text(client, reverse("certificates:awaiting"))


@pytest.mark.parametrize(
    ("username", "scenario", "year"),
    [
        ("kaifeng-bureau", "kaifeng-2016", "2016 年度"),
        ("guangde-bureau", "guangde-2020", "2020 年度"),
    ],
)
def test_kaifeng_and_guangde_bureaus(demo: None, username: str, scenario: str, year: str) -> None:
    queue = _text(_as(username, scenario), reverse("records:review_queue"))
    assert year in queue
    assert "待人社部门审核" in queue


def test_the_shantou_bureau_draws_an_inspection_of_2014_classes(demo: None) -> None:
    client = _as("shantou-bureau")
    response = client.post(
        reverse("inspections:index"),
        {"year": 2014, "kind": "classes", "share": "5", "stratify": "provider", "seed": "演示"},
        follow=True,
    )
    text = response.content.decode()
    assert "已抽取" in text
    assert "随机种子 演示" in text


def test_the_design_institutes_admin_reports_funding(demo: None) -> None:
    client = _as("shantou-design-admin")
    response = client.post(
        reverse("funding:employer"),
        {"year": 2014, "payroll_total": "1000000", "spending": "20000"},
        follow=True,
    )
    text = response.content.decode()
    assert "已保存 2014 年度继续教育经费" in text
    assert "无适用的比例规定" in text  # Guangdong's 1.5 % is in force from 2018-11-01


@pytest.mark.parametrize(
    ("username", "scenario", "year", "state", "bureau"),
    [
        ("st-huangli", "", 2020, "已认定", ""),
        ("kf-zhaolei", "kaifeng-2016", 2016, "待人社部门审核", "kaifeng-bureau"),
        ("gde-liqiang", "guangde-2020", 2020, "待人社部门审核", "guangde-bureau"),
    ],
)
def test_each_online_routes_demo_learner(
    demo: None, username: str, scenario: str, year: int, state: str, bureau: str
) -> None:
    """The README's learner of each notice's online route has walked it: the record a pass
    entered stands as the route says, and the bureau's queue links its 成绩单's check."""
    assert "考试合格" in _readme_row(username)
    records = _rows(_as(username, scenario), reverse("records:my_records"), year=year)
    assert "在线考试合格" in records
    assert state in records
    if bureau:
        queue = _as(bureau, scenario).get(reverse("records:review_queue"), {"year": year})
        assert "核验成绩单" in queue.content.decode()


def test_proofs_of_the_demo_classes(demo: None) -> None:
    """The provider sees its class's proofs issued; the learner sees hers on 我的证书."""
    from xueshi.certificates.models import Proof
    from xueshi.certificates.proof_selectors import proof_form_of_class

    proof = Proof.objects.filter(provider_name="汕头市行政学院").order_by("pk").first()
    assert proof is not None
    academy = _text(
        _as("shantou-academy"), reverse("certificates:proofs_class", args=[proof.class_plan_id])
    )
    assert proof.number in academy
    assert f"《{proof_form_of_class(proof.class_plan).title}》" in academy
    mine = _text(_as(proof.professional.user.username), reverse("certificates:mine"))
    assert proof.number in mine
    assert proof.class_title in mine
