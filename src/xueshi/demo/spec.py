"""The demo as data: ``data/demo.yaml`` and one file per seed region, read strictly into the
frozen specs below, which ``load.py`` builds through the services.

A spec's fields are the keys its YAML mapping may have. An unknown or missing key, a value of
the wrong type or outside the rules core's vocabulary, an account defined twice or a name that
no file defines is a ``DemoDataError`` naming the file, the line and the key. A story step is
a mapping with one key naming its kind (``subject``, ``guide``, ``class``, ``declaration``,
``received``, ``course``, ``certificate``) whose value is its title (a certificate's: its
holder); a review names its action the same way (``approve: shantou-bureau``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NewType

from xueshi.rules.strict_yaml import Mapping, PolicyError, line_of, load_file
from xueshi.rules.terms import Category, InstitutionLevel, Mode, Role, TitleLevel
from xueshi.rules.workflow import Action, RecordState

DATA_DIR = Path(__file__).with_name("data")

Username = NewType("Username", str)  # defines an account (once in the whole demo)
Account = NewType("Account", str)  # names an account some file defines
EmployerKey = NewType("EmployerKey", str)  # names an employer by its key


class DemoDataError(PolicyError):
    """Invalid demo data; the message names the file, the line and the key."""


# --- who is in the demo ----------------------------------------------------------------------


@dataclass(frozen=True)
class Bureau:
    username: Username
    full_name: str
    office: str  # the bureau's name
    hint: str
    region: str = ""  # the file's region unless given


@dataclass(frozen=True, kw_only=True)
class Staffed:
    """An organisation; with a login for its staff when ``username`` is set."""

    name: str
    username: Username | None = None
    hint: str = ""


@dataclass(frozen=True, kw_only=True)
class Authority(Staffed):
    series: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Provider(Staffed):
    sectors: tuple[str, ...]


@dataclass(frozen=True)
class Employer:
    key: str
    name: str
    serial: int  # of its credit code (identifiers.demo_uscc): keep it, the code finds it
    public_institution: bool
    admin: Username
    admin_name: str
    reviewer: Username | None = None
    hint: str = ""


@dataclass(frozen=True)
class Person:
    username: Username
    full_name: str
    employer: EmployerKey  # the person asks to join and the employer accepts
    series: str
    title_level: TitleLevel
    birthplace: str  # area code of the ID number (one that existed in the birth year)
    birth: dt.date
    serial: int  # of the ID number: keep it, the number finds the person
    institution_level: InstitutionLevel | None = None
    hint: str = ""
    joined: bool = True  # False: the request to join is still open


# --- the stories -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """A public subject the bureau ``by`` publishes on ``published``."""

    title: str
    by: Account
    year: int
    hours: int
    published: dt.date
    required: bool = False
    makeup: bool = False
    note: str = ""


@dataclass(frozen=True)
class Guide:
    """A professional-subject guide the industry authority ``by`` publishes (on 20 April)."""

    title: str
    by: Account
    year: int
    series: str
    content: str


@dataclass(frozen=True)
class Learner:
    score: int
    approved_by: tuple[Account, ...] = ()  # who approves the entered record, in turn


@dataclass(frozen=True)
class TrainingClass:
    """A class of the provider of ``by``: drafted; filed on ``filed``; approved (or rejected
    with ``reject``) by ``decided_by``; the learners enrol three days before it starts and
    are scored on its last day; the hours of those who pass are entered the day after."""

    title: str
    by: Account
    category: Category
    start: dt.date
    end: dt.date
    hours: int
    series: str = ""
    required: bool = False
    filed: dt.date | None = None
    decided_by: Account | None = None
    reject: str = ""
    learners: dict[Account, Learner] = field(default_factory=dict)
    # Enrolled, neither scored nor entered: the provider's batch entry has them to enter.
    enrolled: tuple[Account, ...] = ()


@dataclass(frozen=True)
class Review:
    action: Action
    by: Account
    comment: str = ""


@dataclass(frozen=True)
class Declaration:
    """学时申报 by ``person`` with a PDF proof five days after ``end``, then each review."""

    content: str
    person: Account
    category: Category
    hours: int
    start: dt.date
    end: dt.date
    form: str = "training"
    provider: str = ""
    submit: bool = True
    reviews: tuple[Review, ...] = ()


@dataclass(frozen=True)
class Chain:
    entered_by: tuple[Role, ...]
    steps: tuple[Role, ...]


@dataclass(frozen=True)
class Received:
    """A record the system receives rather than one declared through it (load.py says which),
    registered by ``by``; without a ``chain``, the policy's for its category and year."""

    content: str
    person: Account
    by: Account
    year: int
    start: dt.date
    end: dt.date
    category: Category | None = None  # none for medical credits
    hours: int = 0
    credits: int = 0  # Class II credits
    mode: Mode = Mode.FACE_TO_FACE
    required: bool = False
    chain: Chain | None = None
    status: RecordState = RecordState.APPROVED
    provider: str = ""


@dataclass(frozen=True)
class OnlineLesson:
    """A lesson of an online course: a file under data/media/ and its length in seconds."""

    title: str
    file: str
    seconds: int


@dataclass(frozen=True)
class OnlineQuestion:
    """A question of a course's exam, as its import file's row says it (题型 单选题/多选题/
    判断题, the options in order, the answer as letters or 正确/错误)."""

    kind: str
    text: str
    answer: str
    options: tuple[str, ...] = ()
    explanation: str = ""


@dataclass(frozen=True)
class OnlineExam:
    """The course's online exam: questions drawn per attempt, minutes, attempts, its bank."""

    draw: int
    minutes: int
    attempts: int
    questions: tuple[OnlineQuestion, ...]


@dataclass(frozen=True)
class OnlinePass:
    """``person`` plays every lesson of the course through at normal speed (the server's
    heartbeats judge each complete), passes its exam on ``day`` and prints the 成绩单: the
    hours then go the way the region's ``online_exam.review`` says."""

    person: Account
    day: dt.date


@dataclass(frozen=True)
class OnlineCourse:
    """An online course the bureau or provider ``by`` publishes with its lessons (and its
    exam, when it has one)."""

    title: str
    by: Account
    year: int
    hours: int
    lessons: tuple[OnlineLesson, ...]
    description: str = ""
    exam: OnlineExam | None = None
    passed: tuple[OnlinePass, ...] = ()


@dataclass(frozen=True)
class StampStep:
    """One stamp of a certificate's verification path, by the account ``by`` on ``day``;
    with ``roster``, that employer account first sends the certificate to the bureau on its
    roster (验证花名册) and the bureau's stamp is its processing of the roster."""

    by: Account
    day: dt.date
    roster: Account | None = None


@dataclass(frozen=True)
class CertificateStep:
    """The ``year`` certificate of ``person``, issued by ``by`` on ``issued``, then its
    verification path walked, stamp by stamp, by the roles the policy names."""

    person: Account
    by: Account
    year: int
    issued: dt.date
    stamps: tuple[StampStep, ...] = ()


Step = Subject | Guide | TrainingClass | Declaration | Received | OnlineCourse | CertificateStep
STEPS: dict[str, tuple[type[Any], str]] = {
    "subject": (Subject, "title"),
    "guide": (Guide, "title"),
    "class": (TrainingClass, "title"),
    "declaration": (Declaration, "content"),
    "received": (Received, "content"),
    "course": (OnlineCourse, "title"),
    "certificate": (CertificateStep, "person"),
}


@dataclass(frozen=True)
class Region:
    """One file: who is in the region, and its story."""

    region: str
    bureaus: tuple[Bureau, ...] = ()
    authorities: tuple[Authority, ...] = ()
    providers: tuple[Provider, ...] = ()
    employers: tuple[Employer, ...] = ()
    people: tuple[Person, ...] = ()
    story: tuple[Step, ...] = ()


@dataclass(frozen=True)
class DemoData:
    """``demo.yaml``, and the region files it names (in the order of the logins)."""

    password: str
    employer_phone: str
    accepted: dt.date  # the day employers accept their staff's requests to join
    files: tuple[str, ...]
    regions: tuple[Region, ...] = ()


# --- reading ---------------------------------------------------------------------------------


class _Reader:
    """Builds specs from one file, and notes the accounts it defines and names."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.defined: list[tuple[str, int | None]] = []
        self.named: list[tuple[type[Any], str, int | None]] = []

    def error(self, message: str, where: Any, key: str | None = None) -> DemoDataError:
        return DemoDataError(message, path=self.path, line=line_of(where, key))

    def build(self, cls: type[Any], raw: Any, rename: str = "", **given: Any) -> Any:
        """``cls`` from the mapping ``raw``; ``rename`` is a kind key standing for the first
        field (``class: …`` for ``title``), ``given`` the fields the data may not set."""
        if not isinstance(raw, Mapping):
            raise self.error(f"{cls.__name__} 应为映射 (expected a mapping)", raw)
        fields = [f for f in dataclasses.fields(cls) if f.name not in given]
        keys = {f.name: f.name for f in fields}
        if rename:
            keys = {rename: fields[0].name} | {k: v for k, v in keys.items() if v != fields[0].name}
        hints = typing.get_type_hints(cls)
        values = dict(given)
        for key, value in raw.items():
            if key not in keys:
                allowed = ", ".join(keys)
                raise self.error(f"未知的键 “{key}” (unknown key; allowed: {allowed})", raw, key)
            values[keys[key]] = self.value(hints[keys[key]], value, raw, key)
        for f in fields:
            required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            if required and f.name not in values:
                raise self.error(f"{cls.__name__} 缺少键 “{f.name}” (missing key)", raw)
        return cls(**values)

    def keyed(self, raw: Any, kinds: dict[str, Any], what: str) -> str:
        """The one key of ``raw`` that names its kind."""
        found = [key for key in raw if key in kinds] if isinstance(raw, Mapping) else []
        if len(found) != 1:
            raise self.error(f"{what}应有且只有一个类型键 (one of: {', '.join(kinds)})", raw)
        return found[0]

    def value(self, hint: Any, raw: Any, where: Any, key: str | None) -> Any:
        origin, args = typing.get_origin(hint), typing.get_args(hint)
        if hint == Step:
            kind = self.keyed(raw, STEPS, "故事的一步")
            return self.build(STEPS[kind][0], raw, rename=kind)
        if hint is Review:
            kind = self.keyed(raw, {a.value: a for a in Action}, "审核")
            return self.build(Review, raw, rename=kind, action=Action(kind))
        if origin in (types.UnionType, typing.Union):  # X | None
            return None if raw is None else self.value(args[0], raw, where, key)
        if origin is tuple and isinstance(raw, list):
            return tuple(self.value(args[0], item, raw, None) for item in raw)
        if origin is dict and isinstance(raw, Mapping):
            return {
                self.value(args[0], k, raw, k): self.value(args[1], v, raw, k)
                for k, v in raw.items()
            }
        if dataclasses.is_dataclass(hint):
            return self.build(typing.cast(type[Any], hint), raw)
        if hint in (Username, Account, EmployerKey):
            name = self.value(str, raw, where, key)
            if hint is Username:
                self.defined.append((name, line_of(where, key)))
            else:
                self.named.append((hint, name, line_of(where, key)))
            return name
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            try:
                return hint(raw)
            except ValueError:
                allowed = ", ".join(str(m.value) for m in hint)
                raise self.error(
                    f"“{key}” 的取值 {raw!r} 无效 (expected one of: {allowed})", where, key
                ) from None
        if hint is dt.date and isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
            return raw
        if hint in (str, int, bool) and type(raw) is hint:
            return raw
        expected = getattr(origin or hint, "__name__", str(hint))
        raise self.error(f"“{key}” 的取值 {raw!r} 类型不对 (expected {expected})", where, key)


def _load(path: Path) -> Any:
    return load_file(path)  # an impossible date (2014-02-30) is a PolicyError with its line


def read(directory: Path = DATA_DIR) -> DemoData:
    """The demo, checked: every account is defined once, every name a file uses is defined
    in some file."""
    index = _Reader(directory / "demo.yaml")
    data: DemoData = index.build(DemoData, _load(index.path), regions=())
    readers = [_Reader(directory / f"{name}.yaml") for name in data.files]
    regions = tuple(r.build(Region, _load(r.path)) for r in readers)
    defined: dict[str, Path] = {}
    for reader in readers:
        for name, line in reader.defined:
            if name in defined:
                raise DemoDataError(
                    f"账户 “{name}” 重复 (account already defined in {defined[name]})",
                    path=reader.path,
                    line=line,
                )
            defined[name] = reader.path
    employers = {e.key for region in regions for e in region.employers}
    for reader in readers:
        for kind, name, line in reader.named:
            if name not in (defined if kind is Account else employers):
                what = "账户 (account)" if kind is Account else "用人单位 (employer)"
                raise DemoDataError(f"未定义的{what} “{name}”", path=reader.path, line=line)
    return dataclasses.replace(data, regions=regions)
