"""Generate the province-scale data set: professionals, employers, providers and hour records.

    python bench/generate.py [--people 1000000] [--records-per-person 10] [--seed 2026]
                             [--sqlite PATH] [--fresh]

The database is ``--sqlite PATH``, else ``DATABASE_URL`` (PostgreSQL or SQLite), else
``var/bench.sqlite3`` — a file of its own, never the development database. The script
migrates it, mirrors the regions from the policy (``regions_sync_from_policy``) and loads,
through the models' own tables and columns (``Model._meta``), in one transaction:

- employers (one per ~300 people) and providers (one per ~3,000) in the seed regions
  (440500 汕头, 350504 洛江, 410200 开封, 341882 广德) and a few in their parents (广东省,
  泉州市); each with a valid unified social credit code;
- per professional: a user account (password ``xueshi-bench-2026``), the professional role,
  the person (valid resident ID number, series, title level, medical institution level for
  health staff), the active employment;
- ~``--records-per-person`` hour records each, in a few consecutive years of the years the
  policy sets requirements for the region (2014–2024 in 汕头, 2015–2024 elsewhere): public,
  professional and elective hours where the region counts them, credits (Ⅰ/Ⅱ类, face to face
  or remote) for 洛江's medical staff, required public courses that 洛江's teachers count
  over their five-year cycle; mostly approved, some in review, returned, rejected or draft,
  each with the review chain the policy sets for it; a few taken after their credited year
  (refused) and, in 汕头 2014, make-up of 2010–2013.
- bench accounts ``bench-bureau-<region>`` (人社部门) for each region.

PostgreSQL loads with COPY; SQLite with executemany in 100k-row batches and
``PRAGMA synchronous=OFF``. Secondary indexes (and on PostgreSQL foreign keys) are dropped for
the load and re-created after it, from their own definitions; foreign keys are checked at the
end. Everything is drawn from ``--seed``: the same seed gives the same data set. A second run
with the same parameters does nothing; different parameters are refused unless ``--fresh``
(which empties the database first).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice, repeat
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib

console: Any = None  # rich Console on stderr, set in main()

# --- the population ----------------------------------------------------------------------

# region, share of the people, birthplace codes of their ID numbers (each person gets one
# that existed in their birth year, as python-stdnum checks)
REGIONS: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    (
        "440500",
        0.36,
        (
            "442301",
            "442322",
            "442325",
            "440502",
            "440503",
            "440506",
            "440507",
            "440511",
            "440521",
            "440523",
            "440524",
            "440582",
            "440583",
            "440513",
        ),
    ),
    ("440000", 0.04, ("440120", "440102", "440103", "440104", "440105", "440106", "440303")),
    ("350504", 0.17, ("352401", "352421", "350502", "350521", "350503", "350504")),
    ("350500", 0.02, ("352401", "352422", "350502", "350521", "350582", "350583")),
    (
        "410200",
        0.26,
        ("412421", "412424", "410202", "410203", "410204", "410205", "410221", "410224", "410225"),
    ),
    ("341882", 0.15, ("342523", "342522")),
)
# The first year each region's data starts: 汕头's notice governs 2014; the national rules
# (in force 2015-10-01) are the first anywhere else (the generator checks that each year of
# the range has a requirement in the policy).
FIRST_YEAR = {"440500": 2014}
DEFAULT_FIRST_YEAR = 2015
LAST_YEAR = 2024
YEAR0, YEAR_N = 2009, 17  # credited years 2009–2025 index the chain table

SERIES = (
    ("teacher", 0.28, "school"),
    ("health", 0.22, "hospital"),
    ("engineering", 0.18, "institute"),
    ("economics", 0.07, "agency"),
    ("accounting", 0.06, "agency"),
    ("agriculture", 0.05, "agency"),
    ("construction", 0.05, "institute"),
    ("culture_arts", 0.03, "agency"),
    ("water_conservancy", 0.03, "institute"),
    ("forestry", 0.03, "agency"),
)
KINDS = ("school", "hospital", "institute", "agency")
TITLES = (("junior", 0.38), ("intermediate", 0.36), ("associate_senior", 0.19), ("senior", 0.07))
INSTITUTIONS = (("", 0.0), ("primary", 0.30), ("secondary", 0.40), ("tertiary", 0.30))

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国红梅文辉鹏飞斌宇"
    "浩然晨欣怡佳琪涵萱婷思远志诗雅嘉俊"
)
WORDS = (
    "华南",
    "金海",
    "鸿达",
    "宏远",
    "新城",
    "海滨",
    "中科",
    "东方",
    "天成",
    "恒信",
    "育才",
    "博雅",
)
KIND_NAMES = {
    "school": ("第{n}中学", "第{n}小学", "第{n}职业中学", "{w}实验学校"),
    "hospital": ("第{n}人民医院", "{w}社区卫生服务中心", "中医院第{n}分院", "{w}卫生院"),
    "institute": ("{w}建筑设计院", "{w}工程咨询有限公司", "{w}水利水电勘测设计院", "{w}建设集团"),
    "agency": ("{w}会计师事务所", "农业技术推广中心第{n}站", "{w}林业工作站", "{w}文化馆"),
}
PROVIDER_NAMES = (
    "{w}继续教育基地",
    "{w}职业培训学校",
    "{w}专业技术人员培训中心",
    "行政学院第{n}分院",
)

# --- the records ----------------------------------------------------------------------------

CONTENT = {
    "public": (
        "《专业技术人员职业道德与诚信建设》",
        "《专业技术人员创新能力建设》",
        "《大数据时代的互联网信息安全》",
        "《树立五大发展理念推进全面深化改革》",
    ),
    "professional": (
        "新技术新规范专题研修",
        "行业标准与规范解读",
        "专业技能提升培训",
        "重点项目技术交流",
        "新版设计规范宣贯",
    ),
    "elective": ("学术讲座", "考察学习", "论文发表", "专题报告会"),
    "": ("Ⅰ类：学术会议", "Ⅱ类：院内业务学习", "远程继续医学教育（Ⅱ类学分）", "专科进修"),
}
FORMS = {
    "public": ("training", "online_course"),
    "professional": ("training", "seminar", "lecture", "conference", "online_course"),
    "elective": ("lecture", "visit", "paper", "other"),
    "": ("conference", "lecture", "online_course", "seminar"),
}
OTHER_PROVIDERS = ("本单位", "华医网", "中国教育干部网络学院", "专业技术人员继续教育网", "行业协会")
COMMENTS = {
    "rejected": ("证明材料与申报内容不符，不予认定。", "培训时间不在本年度内，不予认定。"),
    "returned": ("请补充加盖公章的证明材料。", "学时填写有误，请核对后重新提交。"),
}
STATUSES = (
    ("approved", 0.88),
    ("in_review", 0.04),
    ("returned", 0.01),
    ("rejected", 0.04),
    ("draft", 0.03),
)
CATEGORIES = ("public", "professional", "elective", "")  # "" = credits (medical staff)
# A year's worth of each category where the policy sets no figure (teachers' cycles, years
# without a requirement): public, professional, elective hours, credits.
DEFAULT_FIGURE = np.array([20.0, 40.0, 12.0, 25.0])

PEOPLE_CHUNK = 50_000  # people whose records are drawn at a time (~500k records)
BATCH = 100_000  # rows per executemany / progress step


def _weights(pairs: Sequence[tuple[Any, ...]], column: int = 1) -> np.ndarray:
    w = np.array([p[column] for p in pairs], dtype=np.float64)
    return w / w.sum()


# --- identifiers, vectorised (the same arithmetic as python-stdnum, checked in a test run) ---

RIC_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
RIC_CHECK = np.array(list("10X98765432"))


def ric_numbers(areas: np.ndarray, births: np.ndarray, serials: np.ndarray) -> list[str]:
    """18-character resident ID numbers (GB 11643): area, birth date, sequence, check."""
    bodies = [
        f"{a}{b:%Y%m%d}{s:03d}"
        for a, b, s in zip(areas.tolist(), births.tolist(), serials.tolist(), strict=True)
    ]
    digits = np.frombuffer("".join(bodies).encode(), dtype=np.uint8).reshape(-1, 17) - 48
    checks = RIC_CHECK[(digits.astype(np.int64) @ RIC_WEIGHTS) % 11]
    return [body + check for body, check in zip(bodies, checks.tolist(), strict=True)]


def _areas_by_year(areas: Sequence[str], years: range) -> dict[int, list[str]]:
    """The birthplace codes that existed in each year (python-stdnum's table decides)."""
    from stdnum.cn import ric

    valid: dict[int, list[str]] = {}
    for year in years:
        for area in areas:
            body = f"{area}{year}0701001"
            if ric.is_valid(body + ric.calc_check_digit(body + "0")):
                valid.setdefault(year, []).append(area)
        valid.setdefault(year, list(areas))  # none: keep the codes (a warning, not an error)
    return valid


def id_columns(rics: Sequence[str]) -> dict[str, list[str]]:
    """The stored forms of the ID numbers: ciphertext, blind index, masked (~25 µs each)."""
    from xueshi.people.identity import id_fields

    fields = [id_fields(number) for number in rics]
    return {name: [f[name] for f in fields] for name in fields[0]} if fields else {}


def unique_ric(rng: np.random.Generator, region_idx: np.ndarray) -> list[str]:
    n = len(region_idx)
    first, last = np.datetime64("1962-01-01"), np.datetime64("1998-12-31")
    births = first + rng.integers(0, (last - first).astype(np.int64), n).astype("timedelta64[D]")
    birth_year = births.astype("datetime64[Y]").astype(np.int64) + 1970
    area_choice = np.empty(n, dtype="<U6")
    for r, (_, _, areas) in enumerate(REGIONS):
        for year, valid in _areas_by_year(areas, range(1962, 1999)).items():
            mask = (region_idx == r) & (birth_year == year)
            area_choice[mask] = np.array(valid)[rng.integers(0, len(valid), int(mask.sum()))]
    serials = rng.integers(0, 1000, n)
    area_codes = area_choice.astype(np.int64)
    while True:
        key = (area_codes * 20_000 + (births - first).astype(np.int64)) * 1000 + serials
        _, first_seen = np.unique(key, return_index=True)
        duplicate = np.ones(n, dtype=bool)
        duplicate[first_seen] = False
        if not duplicate.any():
            break
        serials[duplicate] = rng.integers(0, 1000, int(duplicate.sum()))
    return ric_numbers(area_choice, births, serials)


# --- policy-derived tables ---------------------------------------------------------------------


@dataclass
class PolicyTables:
    """What the policy says, per profile, that the generator needs (resolved once each)."""

    version: str
    first_year: np.ndarray  # per region
    credits: np.ndarray  # [region, series, institution, year-YEAR0] → credits regime
    elective: np.ndarray  # [region, series, institution, year-YEAR0] → elective counted
    # [region, series, title, institution, year-YEAR0, category] → what a year of that
    # category takes to meet the requirement (hours; credits for category ""), 0 if unset
    figure: np.ndarray
    public_required: np.ndarray  # [region, series, title, institution, year-YEAR0]
    chain_json: list[str] = field(default_factory=list)
    chain_steps: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    chain_index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def _year_figures(reqs: Any) -> list[float]:
    """Hours a year of each category takes (public, professional, elective) and credits: the
    category minimums, with what the total asks beyond them given to public (where the policy
    sets no public figure) or else to professional."""
    from xueshi.rules.verdict import Key

    def get(key: Key) -> float:
        found = reqs.figure(key)
        return float(found.required) if found is not None else 0.0

    public = max(get(Key.PUBLIC), get(Key.PUBLIC_REQUIRED))
    professional, elective, total = get(Key.PROFESSIONAL), get(Key.ELECTIVE), get(Key.TOTAL)
    rest = max(0.0, total - public - professional - elective)
    if rest and not public:
        public, rest = rest, 0.0
    return [public, professional + rest, elective, get(Key.CREDITS)]


def policy_tables() -> PolicyTables:
    from xueshi.policy_store import current_policy
    from xueshi.rules import Category, InstitutionLevel, Person, PolicyError, TitleLevel
    from xueshi.rules import requirements as resolve
    from xueshi.rules.chains import review_chain
    from xueshi.rules.periods import assessment_date
    from xueshi.rules.verdict import Key

    policy = current_policy()
    nr, ns, ni = len(REGIONS), len(SERIES), len(INSTITUTIONS)
    nt = len(TITLES)
    credits = np.zeros((nr, ns, ni, YEAR_N), dtype=bool)
    elective = np.ones((nr, ns, ni, YEAR_N), dtype=bool)  # nothing in force: keep them all
    figure = np.zeros((nr, ns, nt, ni, YEAR_N, len(CATEGORIES)), dtype=np.float64)
    public_required = np.zeros((nr, ns, nt, ni, YEAR_N), dtype=bool)
    first_year = np.zeros(nr, dtype=np.int64)
    for r, (region, _, _) in enumerate(REGIONS):
        first_year[r] = FIRST_YEAR.get(region, DEFAULT_FIRST_YEAR)
        for year in range(int(first_year[r]), LAST_YEAR + 1):
            person = Person(TitleLevel.INTERMEDIATE, "engineering")
            resolve(policy, region, year, person)  # raises if the range claims too much
        for s, (series, _, _), t, (title, _), i, (institution, _) in (
            (s, se, t, ti, i, ins)
            for s, se in enumerate(SERIES)
            for t, ti in enumerate(TITLES)
            for i, ins in enumerate(INSTITUTIONS)
        ):
            if (series == "health") != bool(institution):
                continue
            person = Person(
                TitleLevel(title), series, InstitutionLevel(institution) if institution else None
            )
            for y in range(YEAR_N):
                try:
                    reqs = resolve(policy, region, YEAR0 + y, person)
                except PolicyError:
                    continue
                credits[r, s, i, y] = reqs.credits_regime and not reqs.hours_regime
                elective[r, s, i, y] = Category.ELECTIVE in reqs.categories
                figure[r, s, t, i, y] = _year_figures(reqs)
                public_required[r, s, t, i, y] = reqs.figure(Key.PUBLIC_REQUIRED) is not None

    # The review chain snapshot each record carries, as records.services writes it.
    chains: dict[str, int] = {}
    steps: list[int] = []
    index = np.zeros((nr, ns, 3, YEAR_N), dtype=np.int64)
    for r, (region, _, _) in enumerate(REGIONS):
        for s, (series, _, _) in enumerate(SERIES):
            for c, category in enumerate(CATEGORIES[:3]):
                for y in range(YEAR_N):
                    chain = review_chain(
                        policy,
                        region=region,
                        category=Category(category),
                        day=assessment_date(YEAR0 + y),
                        person=Person(TitleLevel.INTERMEDIATE, series),
                    )
                    snapshot: dict[str, Any] = {}
                    if chain is not None:
                        snapshot = {
                            "entered_by": [str(x) for x in chain.entered_by],
                            "steps": [str(x) for x in chain.steps],
                            "evidence_required": chain.evidence_required,
                            "reference": str(chain.reference),
                            "region": chain.region,
                        }
                    text = json.dumps(snapshot, ensure_ascii=False)
                    if text not in chains:
                        chains[text] = len(chains)
                        steps.append(len(snapshot.get("steps", [])))
                    index[r, s, c, y] = chains[text]
    return PolicyTables(
        version=policy.version,
        first_year=first_year,
        credits=credits,
        elective=elective,
        figure=figure,
        public_required=public_required,
        chain_json=list(chains),
        chain_steps=np.array(steps, dtype=np.int64),
        chain_index=index,
    )


# --- the loader: COPY on PostgreSQL, executemany on SQLite --------------------------------


class Loader:
    def __init__(self, progress: Any) -> None:
        from django.db import connection

        self.connection = connection
        self.postgres = connection.vendor == "postgresql"
        self.progress = progress
        self.qn = connection.ops.quote_name

    def columns(self, model: Any, fields: Sequence[str]) -> str:
        return ", ".join(self.qn(model._meta.get_field(name).column) for name in fields)

    def load(
        self,
        model: Any,
        fields: Sequence[str],
        rows: Iterable[Sequence[Any]],
        total: int,
        label: str = "",
        task: Any = None,
    ) -> int:
        """Insert ``rows`` (values in ``fields`` order); advance ``task`` or a new one."""
        table = self.qn(model._meta.db_table)
        columns = self.columns(model, fields)
        if task is None:
            task = self.progress.add_task(label, total=total)
        raw = self.connection.connection
        count = 0
        if self.postgres:
            with (
                raw.cursor() as cursor,
                cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                for batch in _batches(rows, BATCH):
                    for row in batch:
                        copy.write_row(row)
                    count += len(batch)
                    self.progress.update(task, advance=len(batch))
        else:
            marks = ", ".join("?" * len(fields))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
            for batch in _batches(rows, BATCH):
                raw.executemany(sql, batch)
                count += len(batch)
                self.progress.update(task, advance=len(batch))
        return count

    def load_columns(
        self, model: Any, columns: dict[str, Any], count: int, label: str = "", task: Any = None
    ) -> int:
        """Insert ``count`` rows given column-wise: field name → a sequence (list, range,
        NumPy array) or one value for every row."""
        defaults = self.defaults(model, columns)
        columns = {**columns, **{name: repeat(v, count) for name, v in defaults.items()}}
        values = []
        for value in columns.values():
            if value is None or isinstance(value, str | int | float | bool):
                values.append(repeat(value, count))
            else:
                values.append(value.tolist() if isinstance(value, np.ndarray) else value)
        rows = zip(*values, strict=True)
        return self.load(model, list(columns), rows, count, label, task)

    def defaults(self, model: Any, given: dict[str, Any]) -> dict[str, Any]:
        """The model's defaults for the columns not given (a column added to a model since
        this script was written loads with its default, as ``Model.objects.create`` would: a
        text column without one, the empty string)."""
        found = {}
        for f in model._meta.concrete_fields:
            blank_text = not f.null and f.empty_strings_allowed and not f.primary_key
            blank_text = blank_text and not getattr(f, "generated", False)
            if f.name not in given and (f.has_default() or blank_text):
                found[f.name] = f.get_db_prep_save(f.get_default(), self.connection)
        return found

    def timestamp(self, day: str, time_of_day: str = "02:00:00") -> str:
        """A UTC timestamp as each backend stores it (Django keeps SQLite's naive in UTC)."""
        return f"{day} {time_of_day}+00" if self.postgres else f"{day} {time_of_day}"

    # -- secondary indexes and foreign keys, dropped for the load and re-made after it --------

    def deferred(self, models: Sequence[Any]) -> list[tuple[str, str]]:
        """Drop the models' secondary indexes (and on PostgreSQL their foreign keys); return
        the statements that re-create them, taken from the database's own definitions."""
        indexes: list[tuple[str, str]] = []
        foreign_keys: list[tuple[str, str]] = []
        with self.connection.cursor() as cursor:
            for model in models:
                table = model._meta.db_table
                if self.postgres:
                    cursor.execute(
                        "SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
                        "WHERE c.conrelid = %s::regclass AND c.contype = 'f'",
                        [self.qn(table)],
                    )
                    for name, definition in cursor.fetchall():
                        cursor.execute(
                            f"ALTER TABLE {self.qn(table)} DROP CONSTRAINT {self.qn(name)}"
                        )
                        foreign_keys.append(
                            (
                                name,
                                f"ALTER TABLE {self.qn(table)} ADD CONSTRAINT {self.qn(name)} "
                                f"{definition}",
                            )
                        )
                    cursor.execute(
                        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                        "JOIN pg_class i ON i.oid = x.indexrelid "
                        "WHERE x.indrelid = %s::regclass AND NOT EXISTS "
                        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
                        [self.qn(table)],
                    )
                else:
                    cursor.execute(
                        "SELECT name, sql FROM sqlite_master "
                        "WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                        [table],
                    )
                for name, definition in cursor.fetchall():
                    cursor.execute(f"DROP INDEX {self.qn(name)}")
                    indexes.append((name, definition))
        return indexes + foreign_keys

    def restore(self, statements: Sequence[tuple[str, str]]) -> None:
        task = self.progress.add_task("重建索引与外键", total=len(statements))
        with self.connection.cursor() as cursor:
            if self.postgres:  # sort in memory, not in temporary files (this load only)
                cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for name, sql in statements:
                self.progress.update(task, description=f"重建 {name}")
                cursor.execute(sql)
                self.progress.update(task, advance=1)
        self.progress.update(task, description="重建索引与外键")


def _batches(rows: Iterable[Sequence[Any]], size: int) -> Iterator[list[Sequence[Any]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


# --- the data set --------------------------------------------------------------------------------


@dataclass
class Population:
    region: np.ndarray
    series: np.ndarray
    title: np.ndarray
    institution: np.ndarray
    employer: np.ndarray  # employer row number
    joined: np.ndarray  # day number since 1970 (numpy datetime64[D] as int)


def _day_strings(first: str, last: str) -> tuple[np.datetime64, np.ndarray]:
    start = np.datetime64(first)
    days = np.arange(start, np.datetime64(last) + 1)
    return start, np.array([str(d) for d in days], dtype=object)


def draw_organisations(
    rng: np.random.Generator, people: int, region_names: list[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Employers by region and kind (sized by the people who will work there), providers."""
    from xueshi.demo.identifiers import demo_uscc

    kind_share = dict.fromkeys(KINDS, 0.0)
    for _, share, kind in SERIES:
        kind_share[kind] += share
    n_employers = max(len(REGIONS) * len(KINDS), people // 300)
    employers: list[dict[str, Any]] = []
    serial = 0
    for r, (region, share, _) in enumerate(REGIONS):
        for kind in KINDS:
            count = max(1, round(n_employers * share * kind_share[kind]))
            patterns = KIND_NAMES[kind]
            for n in range(1, count + 1):
                serial += 1
                pattern = patterns[int(rng.integers(0, len(patterns)))]
                word = WORDS[int(rng.integers(0, len(WORDS)))]
                name = region_names[r] + pattern.format(n=n, w=word)
                if "{n}" not in pattern:
                    name += f"（{n}）"
                employers.append(
                    {
                        "region": r,
                        "kind": kind,
                        "name": name,
                        "uscc": demo_uscc(
                            region, 500_000 + serial, public_institution=kind != "institute"
                        ),
                        "weight": float(rng.lognormal(0.0, 1.0)),
                    }
                )
    n_providers = max(len(REGIONS) * 2, people // 3000)
    providers: list[dict[str, Any]] = []
    for r, (region, share, _) in enumerate(REGIONS):
        for n in range(1, max(2, round(n_providers * share)) + 1):
            serial += 1
            pattern = PROVIDER_NAMES[int(rng.integers(0, len(PROVIDER_NAMES)))]
            word = WORDS[int(rng.integers(0, len(WORDS)))]
            sectors = sorted(
                {SERIES[int(i)][0] for i in rng.integers(0, len(SERIES), int(rng.integers(1, 4)))}
            )
            providers.append(
                {
                    "region": r,
                    "name": region_names[r] + pattern.format(n=n, w=word) + f"（{n}）",
                    "uscc": demo_uscc(region, 700_000 + serial, public_institution=True),
                    "status": ("filed", "filed", "filed", "filed", "suspended", "revoked")[
                        int(rng.integers(0, 6))
                    ],
                    "sectors": json.dumps(sectors),
                }
            )
    return employers, providers


def draw_population(
    rng: np.random.Generator, people: int, employers: list[dict[str, Any]]
) -> Population:
    region = rng.choice(len(REGIONS), people, p=_weights(REGIONS))
    series = rng.choice(len(SERIES), people, p=_weights(SERIES))
    title = rng.choice(len(TITLES), people, p=_weights(TITLES))
    health = np.array([s[0] == "health" for s in SERIES])[series]
    institution = np.where(
        health, rng.choice(len(INSTITUTIONS), people, p=_weights(INSTITUTIONS)), 0
    )
    kind_of_series = np.array([KINDS.index(s[2]) for s in SERIES])[series]
    employer = np.zeros(people, dtype=np.int64)
    by_group: dict[tuple[int, int], list[int]] = {}
    for row, e in enumerate(employers):
        by_group.setdefault((e["region"], KINDS.index(e["kind"])), []).append(row)
    for (r, k), rows in by_group.items():
        mask = (region == r) & (kind_of_series == k)
        weights = np.array([employers[i]["weight"] for i in rows])
        employer[mask] = np.array(rows)[
            rng.choice(len(rows), int(mask.sum()), p=weights / weights.sum())
        ]
    joined = (
        np.datetime64("2012-01-01") + rng.integers(0, 365 * 3, people).astype("timedelta64[D]")
    ).astype(np.int64)
    return Population(region, series, title, institution, employer, joined)


def draw_records(
    rng: np.random.Generator,
    pop: Population,
    first: int,
    last: int,
    per_person: float,
    tables: PolicyTables,
    provider_region: np.ndarray,
) -> dict[str, np.ndarray]:
    """The records of people ``first``..``last``-1 as columns (row numbers, codes, days)."""
    n = last - first
    region = pop.region[first:last]
    count = np.maximum(rng.poisson(per_person, n), 1)
    owner = np.repeat(np.arange(first, last), count)
    local = owner - first
    starts = np.cumsum(count) - count
    rank = np.arange(len(owner)) - np.repeat(starts, count)
    per_year = rng.integers(3, 5, n)[local]  # records a person has in a year they are active
    slot = rank // per_year
    pos = rank % per_year
    first_year = tables.first_year[region]
    span = LAST_YEAR - first_year + 1
    offset = rng.integers(0, 1 << 30, n) % span  # the first of the consecutive years
    year = first_year[local] + (offset[local] + slot) % span[local]
    r, s, i = region[local], pop.series[owner], pop.institution[owner]
    y = year - YEAR0
    credits = tables.credits[r, s, i, y]
    elective_ok = tables.elective[r, s, i, y]
    extra = rng.random(len(owner))
    category = np.where(
        pos == 0,
        0,
        np.where(
            pos == 1, 1, np.where(elective_ok & (extra < 0.9), 2, np.where(extra < 0.95, 1, 0))
        ),
    )
    category = np.where(credits, 3, category)
    rows = len(owner)
    shantou = np.array([reg == "440500" for reg, _, _ in REGIONS])[r]
    makeup = shantou & (year == 2014) & (pos >= 3)  # 汕头 2014: make-up of 2010–2013 (S6)

    # Amounts: a year's records of a category share what the requirement asks of it, times
    # the person-year's diligence — 70 % of person-years enough (1.0–1.4 times), the rest short.
    person_year = local.astype(np.int64) * 64 + slot
    group = (person_year * 4 + category) * 2 + makeup
    _, group_of, group_size = np.unique(group, return_inverse=True, return_counts=True)
    py_ids, py_of = np.unique(person_year, return_inverse=True)
    diligence = np.where(
        rng.random(len(py_ids)) < 0.7,
        rng.uniform(1.0, 1.4, len(py_ids)),
        rng.uniform(0.4, 0.95, len(py_ids)),
    )[py_of]
    t = pop.title[owner]
    needed = tables.figure[r, s, t, i, y, category]
    needed = np.where(needed > 0, needed, DEFAULT_FIGURE[category])
    share = np.ceil(needed * diligence / group_size[group_of] * 2) / 2  # half hours/credits
    hours = np.where(category < 3, share, 0.0)
    credit_amount = np.where(category == 3, share, 0.0)
    online = rng.random(rows) < np.where(category == 3, 0.45, 0.25)
    required = (category == 0) & (
        rng.random(rows) < np.where(tables.public_required[r, s, t, i, y], 0.9, 0.3)
    )
    credit_class = np.where(category == 3, np.where(rng.random(rows) < 0.35, 1, 2), 0)

    # Dates: inside the credited year; 1.5 % taken in the first quarter after it (refused).
    day_in_year = rng.integers(0, 365, rows)
    late = rng.random(rows) < 0.015
    credited = np.where(makeup, rng.integers(2010, 2014, rows), year)
    taken_year = np.where(late, year + 1, year)
    day_in_year = np.where(late, day_in_year % 90, day_in_year)
    end = (
        (taken_year - 1970).astype("datetime64[Y]").astype("datetime64[D]")
        + day_in_year.astype("timedelta64[D]")
    ).astype(np.int64)
    start = end - rng.integers(0, 5, rows)

    status = rng.choice(len(STATUSES), rows, p=_weights(STATUSES))
    chain_category = np.minimum(category, 1)  # credits follow the professional chain
    chain_category = np.where(category == 2, 2, chain_category)
    chain = tables.chain_index[r, s, chain_category, credited - YEAR0]
    steps = tables.chain_steps[chain]
    # no step to wait for: received as approved
    status = np.where((steps == 0) & (status == 1), 0, status)
    step = np.select(
        [status == 0, status == 1],
        [steps, rng.integers(0, 1 << 30, rows) % np.maximum(steps, 1)],
        0,
    )
    has_provider = rng.random(rows) < 0.6
    provider = np.full(rows, -1, dtype=np.int64)
    for reg in range(len(REGIONS)):
        mask = has_provider & (r == reg)
        choices = np.flatnonzero(provider_region == reg)
        provider[mask] = choices[rng.integers(0, len(choices), int(mask.sum()))]
    return {
        "owner": owner,
        "category": category,
        "required": required,
        "hours": hours,
        "credits": credit_amount,
        "credit_class": credit_class,
        "online": online,
        "form": rng.integers(0, 1 << 30, rows),
        "content": rng.integers(0, 1 << 30, rows),
        "provider": provider,
        "other_provider": rng.integers(0, len(OTHER_PROVIDERS), rows),
        "start": start,
        "end": end,
        "credited": credited,
        "status": status,
        "chain": chain,
        "step": step,
        "system": rng.random(rows) < 0.15,
        "comment": rng.integers(0, 2, rows),
    }


# --- loading, table by table -------------------------------------------------------------------


@dataclass
class Ids:
    """The first primary key each table's new rows take (after whatever is there)."""

    employer: int
    provider: int
    user: int
    role: int
    professional: int
    employment: int
    record: int


def load_organisations(
    loader: Loader, ids: Ids, employers: list[dict[str, Any]], providers: list[dict[str, Any]]
) -> None:
    from xueshi.organisations.models import Employer, Provider

    codes = [code for code, _, _ in REGIONS]
    founded = loader.timestamp("2012-01-01")
    n = len(employers)
    columns: dict[str, Any] = {
        "id": range(ids.employer, ids.employer + n),
        "name": [e["name"] for e in employers],
        "uscc": [e["uscc"] for e in employers],
        "region": [codes[e["region"]] for e in employers],
        "contact_name": "",
        "contact_phone": "",
        "created_at": founded,
    }
    loader.load_columns(Employer, columns, n, "用人单位")
    n = len(providers)
    columns = {
        "id": range(ids.provider, ids.provider + n),
        "name": [p["name"] for p in providers],
        "region": [codes[p["region"]] for p in providers],
        "uscc": [p["uscc"] for p in providers],
        "filing_status": [p["status"] for p in providers],
        "sectors": [p["sectors"] for p in providers],
        "created_at": founded,
    }
    loader.load_columns(Provider, columns, n, "施教机构")


def load_people(
    loader: Loader,
    ids: Ids,
    args: argparse.Namespace,
    pop: Population,
    region_names: list[str],
    rng: np.random.Generator,
) -> None:
    """Accounts (and one bureau account per region), roles, professionals, employments."""
    from django.contrib.auth.hashers import make_password

    from xueshi.accounts.models import RoleAssignment, User
    from xueshi.people.models import Employment, Professional

    n = args.people
    surnames = np.array(list(SURNAMES), dtype=object)
    given = np.array(list(GIVEN), dtype=object)
    second = np.where(rng.random(n) < 0.7, given[rng.integers(0, len(given), n)], "")
    names = (
        surnames[rng.integers(0, len(surnames), n)] + given[rng.integers(0, len(given), n)]
    ) + second
    rics = unique_ric(rng, pop.region)
    _, day_text = _day_strings("1970-01-01", "2026-12-31")
    joined = [loader.timestamp(day) for day in day_text[pop.joined].tolist()]
    codes = [code for code, _, _ in REGIONS]
    bureaus = len(codes)
    founded = loader.timestamp("2012-01-01")
    user_ids = range(ids.user, ids.user + n + bureaus)
    loader.load_columns(
        User,
        {
            "id": user_ids,
            "password": make_password(benchlib.BENCH_PASSWORD),
            "last_login": None,
            "is_superuser": False,
            "username": [f"p{k + 1:07d}" for k in range(n)]
            + [f"bench-bureau-{code}" for code in codes],
            "first_name": "",
            "last_name": "",
            "email": "",
            "is_staff": False,
            "is_active": True,
            "date_joined": joined + [founded] * bureaus,
            "full_name": names.tolist() + [f"{name}人社局（测试）" for name in region_names],
        },
        n + bureaus,
        "用户账户",
    )
    loader.load_columns(
        RoleAssignment,
        {
            "id": range(ids.role, ids.role + n + bureaus),
            "user": user_ids,
            "role": ["professional"] * n + ["bureau_staff"] * bureaus,
            "region": [None] * n + codes,
            "employer": None,
            "provider": None,
            "authority": None,
            "created_at": joined + [founded] * bureaus,
        },
        n + bureaus,
        "角色授权",
    )
    loader.load_columns(
        Professional,
        {
            "id": range(ids.professional, ids.professional + n),
            "user": range(ids.user, ids.user + n),
            "full_name": names,
            # Stored encrypted, with the blind index and the masked form (people/identity.py).
            **id_columns(rics),
            "series": np.array([s[0] for s in SERIES], dtype=object)[pop.series],
            "title_level": np.array([t[0] for t in TITLES], dtype=object)[pop.title],
            "institution_level": np.array([i[0] for i in INSTITUTIONS], dtype=object)[
                pop.institution
            ],
            "region": np.array(codes, dtype=object)[pop.region],
            "employer": ids.employer + pop.employer,
            "created_at": joined,
        },
        n,
        "专业技术人员",
    )
    loader.load_columns(
        Employment,
        {
            "id": range(ids.employment, ids.employment + n),
            "professional": range(ids.professional, ids.professional + n),
            "employer": ids.employer + pop.employer,
            "status": "active",
            "requested_at": joined,
            "started_on": day_text[pop.joined],
            "ended_on": None,
            "decided_by": None,
        },
        n,
        "任职记录",
    )


def _pool(values: Sequence[Any]) -> np.ndarray:
    return np.array(list(values), dtype=object)


def _cycled(pools: dict[str, tuple[str, ...]], width: int = 60) -> np.ndarray:
    """[category, k] → the k-th choice of the category's pool, cycling (k < width)."""
    return np.array(
        [[pools[c][k % len(pools[c])] for k in range(width)] for c in CATEGORIES], dtype=object
    )


def load_records(
    loader: Loader,
    ids: Ids,
    args: argparse.Namespace,
    pop: Population,
    tables: PolicyTables,
    providers: list[dict[str, Any]],
    progress: Any,
) -> int:
    """The hour records, drawn and loaded ``PEOPLE_CHUNK`` people at a time."""
    from xueshi.records.models import HourRecord

    _, day_text = _day_strings("1970-01-01", "2026-12-31")
    created = _pool(loader.timestamp(day) for day in day_text.tolist())
    provider_region = np.array([p["region"] for p in providers], dtype=np.int64)
    provider_names = _pool(p["name"] for p in providers)
    forms, contents = _cycled(FORMS), _cycled(CONTENT)
    statuses = _pool(s[0] for s in STATUSES)
    comments = np.array(
        [COMMENTS.get(s, ("", ""))[k] for s, _ in STATUSES for k in range(2)], dtype=object
    ).reshape(len(STATUSES), 2)
    chains = _pool(tables.chain_json)
    n = args.people
    expected = int(n * args.records_per_person)
    task = progress.add_task("学时记录", total=expected)
    total = 0
    for chunk, first in enumerate(range(0, n, PEOPLE_CHUNK)):
        crng = np.random.default_rng([args.seed, 1, chunk])
        last = min(n, first + PEOPLE_CHUNK)
        c = draw_records(crng, pop, first, last, args.records_per_person, tables, provider_region)
        rows = len(c["owner"])
        has_provider = c["provider"] >= 0
        columns = {
            "id": range(ids.record + total, ids.record + total + rows),
            "professional": ids.professional + c["owner"],
            "category": _pool(CATEGORIES)[c["category"]],
            "required": c["required"],
            "hours": c["hours"],
            "credits": c["credits"],
            "credit_class": _pool(("", "I", "II"))[c["credit_class"]],
            "mode": np.where(c["online"], "online", "face_to_face").astype(object),
            "form": forms[c["category"], c["form"] % forms.shape[1]],
            "content": contents[c["category"], c["content"] % contents.shape[1]],
            "provider": np.where(has_provider, ids.provider + c["provider"], None),
            "provider_name": np.where(
                has_provider,
                provider_names[np.maximum(c["provider"], 0)],
                _pool(OTHER_PROVIDERS)[c["other_provider"]],
            ),
            "start_date": day_text[c["start"]],
            "end_date": day_text[c["end"]],
            "credited_year": c["credited"],
            "status": statuses[c["status"]],
            "chain": chains[c["chain"]],
            "step": c["step"],
            "policy_version": tables.version,
            "source": np.where(c["system"], "system", "declaration").astype(object),
            "class_plan": None,
            "declared_by": ids.user + c["owner"],
            "declared_role": "professional",
            "last_comment": comments[c["status"], c["comment"]],
            "created_at": created[c["end"]],
            "updated_at": created[c["end"]],
        }
        progress.update(task, total=max(expected, total + rows))
        loader.load_columns(HourRecord, columns, rows, task=task)
        total += rows
    progress.update(task, total=total)
    return total


# --- main --------------------------------------------------------------------------------------


def _prepare_database(args: argparse.Namespace, url: str) -> bool:
    """Migrate; return False when this data set is already there. Refuses other contents."""
    from django.core.management import call_command
    from django.db import connection

    from xueshi.people.models import Professional

    call_command("migrate", interactive=False, verbosity=0)
    info = benchlib.dataset_info()
    wanted = (args.seed, args.people, args.records_per_person)
    if (
        info
        and info["complete"]
        and (info["seed"], info["people"], info["records_per_person"]) == wanted
        and not args.fresh
    ):
        console.print(
            f"[green]已存在[/] 同一数据集（seed {args.seed}，{args.people:,} 人，"
            f"{info['records']:,} 条学时记录）：无需重新生成。"
        )
        return False
    if args.fresh:
        if connection.vendor == "sqlite":
            connection.close()
            name = Path(connection.settings_dict["NAME"])
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(str(name) + suffix).unlink(missing_ok=True)
            call_command("migrate", interactive=False, verbosity=0)
        else:
            call_command("flush", interactive=False, verbosity=0)
            with connection.cursor() as cursor:
                cursor.execute("DROP TABLE IF EXISTS bench_dataset")
        return True
    if info or Professional.objects.exists():
        found = (
            f"seed {info['seed']}，{info['people']:,} 人，每人 {info['records_per_person']} 条"
            + ("" if info["complete"] else "（未完成）")
            if info
            else "其他数据"
        )
        raise SystemExit(
            f"数据库 {url} 中已有数据（{found}），与本次参数不同。"
            "加 --fresh 清空后重新生成，或换一个 --sqlite 文件。"
        )
    return True


def main(argv: Sequence[str] | None = None) -> int:
    global console
    from rich.console import Console

    console = Console(stderr=True)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--records-per-person", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--fresh", action="store_true", help="empty the database first")
    benchlib.add_database_argument(parser)
    args = parser.parse_args(argv)
    if args.records_per_person.is_integer():
        args.records_per_person = int(args.records_per_person)

    url = benchlib.setup_django(args.sqlite)
    if not _prepare_database(args, url):
        info = benchlib.dataset_info() or {}
        print(
            benchlib.result_line(
                name="load",
                figure=float(info.get("load_seconds") or 0),
                unit="s",
                goal="—",
                met=True,
                people=args.people,
                records=info.get("records"),
                database=benchlib.describe_database(),
                cached=True,
            )
        )
        return 0
    seconds, records = generate(args)
    print(
        benchlib.result_line(
            name="load",
            figure=seconds,
            unit="s",
            goal="—",
            met=True,
            people=args.people,
            records=records,
            database=benchlib.describe_database(),
        )
    )
    return 0


def generate(args: argparse.Namespace) -> tuple[float, int]:
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from xueshi.accounts.models import RoleAssignment, User
    from xueshi.organisations.models import Employer, Provider
    from xueshi.organisations.services import regions_sync_from_policy
    from xueshi.people.models import Employment, Professional
    from xueshi.policy_store import current_policy
    from xueshi.records.models import HourRecord

    started = time.perf_counter()
    policy = current_policy()
    regions_sync_from_policy(policy=policy)
    region_names = [policy.region(code).name for code, _, _ in REGIONS]
    tables = policy_tables()
    rng = np.random.default_rng([args.seed, 0])
    employers, providers = draw_organisations(rng, args.people, region_names)
    pop = draw_population(rng, args.people, employers)
    console.print(
        f"数据集：seed {args.seed}，{args.people:,} 名专业技术人员，约 {args.records_per_person} "
        f"条学时记录/人，{len(employers):,} 家用人单位，{len(providers):,} 家施教机构 → "
        f"{benchlib.describe_database()}"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_dataset (seed integer, people integer, "
            "records_per_person real, records bigint, complete boolean, "
            "load_seconds double precision, created_at varchar(32))"
        )
        cursor.execute("DELETE FROM bench_dataset")
        cursor.execute(
            "INSERT INTO bench_dataset VALUES (%s, %s, %s, 0, %s, NULL, %s)",
            [
                args.seed,
                args.people,
                args.records_per_person,
                False,
                dt.datetime.now(dt.UTC).isoformat(),
            ],
        )

    def next_id(model: Any) -> int:
        from django.db.models import Max

        return int(model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1

    sqlite = connection.vendor == "sqlite"
    if sqlite:
        connection.ensure_connection()
        raw = connection.connection
        raw.execute("PRAGMA journal_mode=DELETE")  # a fresh file: nothing to journal but growth
        raw.execute("PRAGMA synchronous=OFF")
        raw.execute("PRAGMA cache_size=-1048576")  # 1 GiB
        raw.execute("PRAGMA temp_store=MEMORY")
        raw.execute("PRAGMA foreign_keys=OFF")  # checked once at the end instead of per row
    models = [User, RoleAssignment, Employer, Provider, Professional, Employment, HourRecord]
    models_in_id_order = [
        Employer,
        Provider,
        User,
        RoleAssignment,
        Professional,
        Employment,
        HourRecord,
    ]
    columns = [
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    ]
    with Progress(*columns, console=console) as progress, transaction.atomic():
        loader = Loader(progress)
        restore = loader.deferred(models)
        first_ids = zip(Ids.__dataclass_fields__, models_in_id_order, strict=True)
        ids = Ids(**{name: next_id(model) for name, model in first_ids})
        load_organisations(loader, ids, employers, providers)
        load_people(loader, ids, args, pop, region_names, rng)
        records_total = load_records(loader, ids, args, pop, tables, providers, progress)

        loader.restore(restore)
        if not sqlite:
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), models):
                    cursor.execute(sql)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE bench_dataset SET records = %s, complete = %s", [records_total, True]
            )

    console.print("更新统计信息（ANALYZE）……")
    if sqlite:
        raw = connection.connection
        raw.execute("PRAGMA foreign_keys=ON")
        for model in models:
            problems = raw.execute(
                f"PRAGMA foreign_key_check({loader.qn(model._meta.db_table)})"
            ).fetchmany(5)
            if problems:
                raise SystemExit(f"外键检查失败：{model._meta.db_table} {problems}")
        raw.execute("ANALYZE")
        raw.execute("PRAGMA journal_mode=WAL")
    else:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            for model in models:
                # VACUUM too: index-only scans need the visibility map it sets.
                cursor.execute(f"VACUUM (ANALYZE) {loader.qn(model._meta.db_table)}")
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("UPDATE bench_dataset SET load_seconds = %s", [seconds])
    console.print(
        f"[green]完成[/]：{args.people:,} 人，{records_total:,} 条学时记录，用时 {seconds:,.1f} 秒"
    )
    return seconds, records_total


if __name__ == "__main__":
    raise SystemExit(main())
