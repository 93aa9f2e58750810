"""The demo's YAML is read strictly: a mistake names the file, the line and the key."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from xueshi.demo.spec import DATA_DIR, DemoDataError, Received, TrainingClass, read
from xueshi.rules.strict_yaml import PolicyError

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A copy of the demo's data to spoil."""
    return Path(shutil.copytree(DATA_DIR, tmp_path / "data"))


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.open(encoding="utf-8"), 1) if text in line)


def test_the_five_seed_regions_read_with_their_stories() -> None:
    demo = read()
    assert [r.region for r in demo.regions] == ["440000", "440500", "350504", "410200", "341882"]
    steps = [step for region in demo.regions for step in region.story]
    assert sum(isinstance(s, TrainingClass) for s in steps) == 20
    medical = [s for s in steps if isinstance(s, Received) and s.credits]
    assert len(medical) == 5  # 孙丽 3, 林芳 2
    assert all(s.category is None for s in medical)


def test_every_login_the_readme_suggests_is_in_the_demo() -> None:
    """README's 演示账户 table names accounts the demo defines."""
    table = README.read_text(encoding="utf-8").split("### 演示账户")[1].split("\n### ")[0]
    suggested = set(re.findall(r"^\| `([^`]+)`(?:, `([^`]+)`)?", table, flags=re.M))
    names = {name for pair in suggested for name in pair if name}
    demo = read()
    defined = {
        name
        for region in demo.regions
        for name in [
            *(b.username for b in region.bureaus),
            *(a.username for a in region.authorities),
            *(p.username for p in region.providers),
            *(e.admin for e in region.employers),
            *(e.reviewer for e in region.employers),
            *(p.username for p in region.people),
        ]
    }
    assert len(names) >= 10
    assert names <= defined, names - defined


# (what is wrong, file, text, spoiled text, what the message says); the error names the file
# and the line of the spoiled text.
MISTAKES = [
    ("unknown key", "kaifeng.yaml", "hint: 2016 已达标", "hints: 2016 已达标", "hints"),
    ("review key", "shantou.yaml", "comment: 会议通知", "remark: 会议通知", "remark"),
    ("vocabulary", "luojiang.yaml", "status: in_review", "status: pending", "pending"),
    # An unquoted region code is a number, not the code.
    ("wrong type", "guangdong.yaml", 'region: "440000"', "region: 440000", "440000"),
    ("no account", "kaifeng.yaml", "kf-mali: {score: 80}", "kf-mx: {score: 80}", "kf-mx"),
    ("account twice", "guangde.yaml", "username: guangde-base", "username: lj-heyun", "lj-heyun"),
    ("no employer", "guangde.yaml", "employer: guangde-school", "employer: gd-x", "gd-x"),
    ("no kind", "guangde.yaml", "- guide: 2020", "- guid: 2020", "subject, guide, class,"),
]


@pytest.mark.parametrize(
    ("file", "old", "new", "says"), [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES]
)
def test_a_mistake_names_the_file_the_line_and_the_key(
    data: Path, file: str, old: str, new: str, says: str
) -> None:
    path = data / file
    _replace(path, old, new)
    with pytest.raises(DemoDataError, match=says) as caught:
        read(data)
    assert caught.value.path == str(path)
    assert caught.value.line == _line(path, new)
    assert str(caught.value).startswith(f"{path}:{caught.value.line}: ")


def test_a_missing_key_is_an_error(data: Path) -> None:
    _replace(data / "guangde.yaml", "    published: 2020-05-06\n", "")
    with pytest.raises(DemoDataError, match="published"):
        read(data)


def test_an_impossible_date_names_the_file_and_line(data: Path) -> None:
    path = data / "shantou.yaml"
    line = path.read_text(encoding="utf-8").splitlines().index("    birth: 1986-05-12") + 1
    _replace(path, "birth: 1986-05-12", "birth: 1986-05-32")
    with pytest.raises(PolicyError, match="day is out of range") as caught:
        read(data)
    assert (caught.value.path, caught.value.line) == (str(path), line)
