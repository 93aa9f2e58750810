"""The demo's YAML is read strictly: a mistake names the file, the line and the key."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from xueshi.demo.spec import DATA_DIR, DemoDataError, Received, TrainingClass, read

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
    assert sum(isinstance(s, TrainingClass) for s in steps) == 18
    medical = [s for s in steps if isinstance(s, Received) and s.credits]
    assert len(medical) == 3
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


def test_an_unknown_key_names_the_file_the_line_and_the_key(data: Path) -> None:
    path = data / "kaifeng.yaml"
    _replace(path, "    hint: 2016 已达标", "    hints: 2016 已达标")
    with pytest.raises(DemoDataError, match="hints") as caught:
        read(data)
    assert caught.value.path == str(path)
    assert caught.value.line == _line(path, "hints:")
    assert str(caught.value).startswith(f"{path}:{caught.value.line}: ")


def test_an_unknown_key_in_a_story_step_or_a_review(data: Path) -> None:
    path = data / "shantou.yaml"
    _replace(path, "        comment: 会议通知", "        remark: 会议通知")
    with pytest.raises(DemoDataError, match="remark"):
        read(data)


def test_a_missing_key_is_an_error(data: Path) -> None:
    _replace(data / "guangde.yaml", "    published: 2020-05-06\n", "")
    with pytest.raises(DemoDataError, match="published"):
        read(data)


def test_a_value_outside_the_vocabulary_is_an_error(data: Path) -> None:
    path = data / "luojiang.yaml"
    _replace(path, "status: in_review", "status: pending_review")
    with pytest.raises(DemoDataError, match="pending_review") as caught:
        read(data)
    assert caught.value.line == _line(path, "pending_review")


def test_a_value_of_the_wrong_type_is_an_error(data: Path) -> None:
    """An unquoted region code is a number, not the code."""
    _replace(data / "guangdong.yaml", 'region: "440000"', "region: 440000")
    with pytest.raises(DemoDataError, match="440000"):
        read(data)


def test_an_impossible_date_names_the_file(data: Path) -> None:
    path = data / "shantou.yaml"
    _replace(path, "birth: 1986-05-12", "birth: 1986-05-32")
    with pytest.raises(DemoDataError, match="day is out of range") as caught:
        read(data)
    assert caught.value.path == str(path)


def test_a_step_names_exactly_one_kind(data: Path) -> None:
    _replace(data / "guangde.yaml", "  - guide: 2020", "  - guid: 2020")
    with pytest.raises(DemoDataError, match="subject, guide, class, declaration, received"):
        read(data)


def test_a_name_no_file_defines_is_an_error(data: Path) -> None:
    path = data / "kaifeng.yaml"
    _replace(path, "kf-mali: {score: 80}", "kf-mary: {score: 80}")
    with pytest.raises(DemoDataError, match="kf-mary") as caught:
        read(data)
    assert caught.value.line == _line(path, "kf-mary")


def test_an_account_defined_twice_is_an_error(data: Path) -> None:
    _replace(data / "guangde.yaml", "username: guangde-base", "username: luojiang-base")
    with pytest.raises(DemoDataError, match="luojiang-base"):
        read(data)


def test_a_person_of_an_unknown_employer_is_an_error(data: Path) -> None:
    _replace(data / "guangde.yaml", "employer: guangde-school", "employer: guangde-college")
    with pytest.raises(DemoDataError, match="guangde-college"):
        read(data)
