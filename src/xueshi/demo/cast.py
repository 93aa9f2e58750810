"""Who is in the demo: bureaus, industry authorities, providers, employers and professionals of
the five seed regions (440000 广东省 and its 440500 汕头市, 350504 洛江区, 410200 开封市,
341882 广德市), each with a login and a hint of what to try. Names of the bodies follow the
seed notices; the people are invented."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

PASSWORD = "xueshi-demo-2026"


@dataclass(frozen=True)
class BureauSpec:
    username: str
    full_name: str
    region: str
    office: str
    hint: str


BUREAUS = [
    BureauSpec(
        "guangdong-bureau",
        "省厅演示员",
        "440000",
        "广东省人力资源和社会保障厅",
        "达标统计：全省及汕头市，可按地区、单位下钻",
    ),
    BureauSpec(
        "shantou-bureau",
        "汕头市人社局演示员",
        "440500",
        "汕头市人力资源和社会保障局",
        "待我审核：复核专业科目、认定公需科目；办班备案审核；2014 年达标统计与导出",
    ),
    BureauSpec(
        "luojiang-bureau",
        "洛江区人社局演示员",
        "350504",
        "洛江区人力资源和社会保障局",
        "2017 年专业科目学时认定；开班申请核准",
    ),
    BureauSpec(
        "kaifeng-bureau",
        "开封市人社局演示员",
        "410200",
        "开封市人力资源和社会保障局",
        "2016 年公需科目学时审核（马丽的一条待审核）",
    ),
    BureauSpec(
        "anhui-bureau",
        "安徽省人社厅演示员",
        "340000",
        "安徽省人力资源和社会保障厅",
        "发布全省公需科目（2020：《新时代专业技术人员新理念素养提升》）",
    ),
    BureauSpec(
        "guangde-bureau",
        "广德市人社局演示员",
        "341882",
        "广德市人力资源和社会保障局",
        "2020 年专业科目学时验证（杨雪的一条待审核）；达标统计",
    ),
]


@dataclass(frozen=True)
class AuthoritySpec:
    key: str
    name: str
    region: str
    series: tuple[str, ...]
    username: str = ""
    hint: str = ""


AUTHORITIES = [
    AuthoritySpec(
        "shantou-health",
        "汕头市卫生健康局",
        "440500",
        ("health",),
        "shantou-health",
        "发布卫生专业科目指南；2019 年起卫生专业科目的登记与认定",
    ),
    AuthoritySpec("shantou-education", "汕头市教育局", "440500", ("teacher",)),
    AuthoritySpec(
        "luojiang-health",
        "洛江区卫生和计划生育局",
        "350504",
        ("health",),
        "luojiang-health",
        "卫生系列学分初审（孙丽的一条待初审）",
    ),
    AuthoritySpec("luojiang-education", "洛江区教育局", "350504", ("teacher",)),
    AuthoritySpec("kaifeng-health", "开封市卫生和计划生育委员会", "410200", ("health",)),
    AuthoritySpec(
        "guangde-education",
        "广德市教体局",
        "341882",
        ("teacher",),
        "guangde-education",
        "教师系列专业科目；发布专业科目指南",
    ),
    AuthoritySpec("guangde-health", "广德市卫健委", "341882", ("health",)),
    AuthoritySpec("guangde-agriculture", "广德市农业农村局", "341882", ("agriculture",)),
]


@dataclass(frozen=True)
class ProviderSpec:
    key: str
    name: str
    region: str
    sectors: tuple[str, ...]
    username: str = ""
    hint: str = ""


PROVIDERS = [
    # Shantou 2014 §四(二): the designated providers by sector; 行政学院 takes all others.
    ProviderSpec(
        "shantou-academy",
        "汕头市行政学院",
        "440500",
        ("culture_arts", "engineering", "economics", "agriculture"),
        "shantou-academy",
        "公需科目培训班（已核准、待备案审核、未核准、草稿）；批量登记学时",
    ),
    ProviderSpec(
        "shantou-health-school",
        "汕头市卫生学校",
        "440500",
        ("health",),
        "shantou-health-school",
        "卫生专业科目培训班：报名、考核、学时登记",
    ),
    ProviderSpec("shantou-construction", "汕头市建设职业技术学校", "440500", ("construction",)),
    ProviderSpec("shantou-polytechnic", "汕头职业技术学院", "440500", ("teacher",)),
    ProviderSpec(
        "shantou-finance",
        "汕头经济管理干部学校",
        "440500",
        ("accounting", "economics", "broadcasting"),
    ),
    ProviderSpec(
        "luojiang-base",
        "洛江区专业技术人员继续教育培训基地",
        "350504",
        ("engineering", "teacher", "health"),
        "luojiang-base",
        "开班申请（10 个工作日前）；结班后 30 日内登记学时",
    ),
    # Kaifeng 2016 §四(一): the city's face-to-face bases.
    ProviderSpec(
        "kaifeng-academy",
        "开封市行政学院",
        "410200",
        ("engineering", "health", "teacher"),
        "kaifeng-academy",
        "2016 年面授公需科目四个班",
    ),
    ProviderSpec("kaifeng-university", "开封大学", "410200", ("engineering", "teacher")),
    ProviderSpec("kaifeng-arts", "开封市文化艺术学院", "410200", ("culture_arts",)),
    ProviderSpec("kaifeng-construction", "开封市建设学校", "410200", ("construction",)),
    # Guangde 2020 §二(二): the year-round base.
    ProviderSpec(
        "guangde-base",
        "宣城市机械电子工程学校（广德常年培训基地）",
        "341882",
        ("teacher", "health", "agriculture", "engineering"),
        "guangde-base",
        "专业科目培训班（30 日前备案），学时登记后由人社局验证",
    ),
]


@dataclass(frozen=True)
class EmployerSpec:
    key: str
    name: str
    region: str
    serial: int
    public_institution: bool
    admin: str
    admin_name: str
    reviewer: str = ""
    hint: str = ""


EMPLOYERS = [
    EmployerSpec(
        "shantou-hospital",
        "汕头市中心医院",
        "440500",
        1,
        True,
        "shantou-hospital-admin",
        "医院人事科",
        "shantou-hospital-reviewer",
        "初审专业科目、认定选修科目；本单位达标情况与导出",
    ),
    EmployerSpec(
        "shantou-design",
        "汕头市建筑设计院",
        "440500",
        2,
        True,
        "shantou-design-admin",
        "设计院人事部",
        hint="林伟的记录（待初审、退回、不予认定…）；吴昊的加入申请",
    ),
    EmployerSpec(
        "luojiang-hospital",
        "洛江区医院",
        "350504",
        3,
        True,
        "luojiang-hospital-admin",
        "医院办公室",
    ),
    EmployerSpec(
        "luojiang-school",
        "洛江区实验小学",
        "350504",
        4,
        True,
        "luojiang-school-admin",
        "学校办公室",
    ),
    EmployerSpec(
        "luojiang-engineering",
        "泉州市洛江区市政工程有限公司",
        "350504",
        5,
        False,
        "luojiang-engineering-admin",
        "公司人力资源部",
        hint="2017 年达标情况：何芸已达标，徐强尚缺",
    ),
    EmployerSpec(
        "kaifeng-design",
        "开封市水利建筑勘测设计院",
        "410200",
        6,
        True,
        "kaifeng-design-admin",
        "设计院人事科",
    ),
    EmployerSpec(
        "guangde-hospital",
        "广德市人民医院",
        "341882",
        7,
        True,
        "guangde-hospital-admin",
        "医院人事科",
    ),
    EmployerSpec(
        "guangde-school", "广德市第一中学", "341882", 8, True, "guangde-school-admin", "学校办公室"
    ),
]


@dataclass(frozen=True)
class PersonSpec:
    username: str
    full_name: str
    employer: str  # EmployerSpec.key; the person asks to join and the employer accepts
    series: str
    title_level: str
    birthplace: str  # area code of the ID number (one that existed in the birth year)
    birth: dt.date
    serial: int
    institution_level: str = ""
    hint: str = ""
    joined: bool = True  # False: the request to join is still open


PEOPLE = [
    PersonSpec(
        "st-chenjing",
        "陈静",
        "shantou-hospital",
        "health",
        "intermediate",
        "440500",
        dt.date(1986, 5, 12),
        11,
        "tertiary",
        "我的年度学时：2014 已达标；2015 有一条待人社局复核",
    ),
    PersonSpec(
        "st-huangmin",
        "黄敏",
        "shantou-hospital",
        "health",
        "junior",
        "440500",
        dt.date(1990, 9, 3),
        12,
        "secondary",
        "2013 年度补修（2014 年学习）已计入；2014 未达标，有一条不予认定",
    ),
    PersonSpec(
        "st-linwei",
        "林伟",
        "shantou-design",
        "engineering",
        "intermediate",
        "440511",
        dt.date(1985, 11, 20),
        13,
        hint="2014：各种状态的记录；处理退回的记录并重新提交",
    ),
    PersonSpec(
        "st-zhengyu",
        "郑宇",
        "shantou-design",
        "engineering",
        "senior",
        "440500",
        dt.date(1988, 2, 28),
        14,
        hint="2016、2020 均已达标（2020 按广东省 2018 年新规）",
    ),
    PersonSpec(
        "st-wuhao",
        "吴昊",
        "shantou-design",
        "engineering",
        "junior",
        "440500",
        dt.date(1992, 7, 7),
        15,
        hint="加入单位的申请待设计院确认",
        joined=False,
    ),
    PersonSpec(
        "lj-sunli",
        "孙丽",
        "luojiang-hospital",
        "health",
        "intermediate",
        "350500",
        dt.date(1987, 4, 18),
        21,
        "secondary",
        "卫生系列按学分核查：2017 年 25 分，远程学分只计 12 分",
    ),
    PersonSpec(
        "lj-zhoujie",
        "周杰",
        "luojiang-school",
        "teacher",
        "intermediate",
        "350502",
        dt.date(1985, 10, 1),
        22,
        hint="教师按五年周期核查（2013–2017）",
    ),
    PersonSpec(
        "lj-xuqiang",
        "徐强",
        "luojiang-engineering",
        "engineering",
        "intermediate",
        "350521",
        dt.date(1989, 12, 24),
        23,
        hint="2017 未达标：一个培训班的学时待人社局认定",
    ),
    PersonSpec(
        "lj-heyun",
        "何芸",
        "luojiang-engineering",
        "engineering",
        "associate_senior",
        "350500",
        dt.date(1986, 3, 9),
        24,
        hint="2017 已达标（90 学时）",
    ),
    PersonSpec(
        "kf-liuyang",
        "刘洋",
        "kaifeng-design",
        "water_conservancy",
        "intermediate",
        "410202",
        dt.date(1987, 8, 16),
        31,
        hint="2016 已达标：公需 26 学时（必修 18）",
    ),
    PersonSpec(
        "kf-mali",
        "马丽",
        "kaifeng-design",
        "water_conservancy",
        "junior",
        "410202",
        dt.date(1991, 1, 30),
        32,
        hint="2016 公需科目尚缺 4 学时（一条待审核）",
    ),
    PersonSpec(
        "gde-zhanglei",
        "张磊",
        "guangde-school",
        "teacher",
        "intermediate",
        "342500",
        dt.date(1984, 6, 6),
        41,
        hint="2020 已达标：公需 30 + 专业 60",
    ),
    PersonSpec(
        "gde-yangxue",
        "杨雪",
        "guangde-hospital",
        "health",
        "junior",
        "342500",
        dt.date(1990, 11, 11),
        42,
        "secondary",
        "2020 专业科目待人社局验证，尚未达标",
    ),
]
