"""The adversarial suite (issue 11): scripted traces modelled on known cheating techniques.

None is credited more than the real time it spent playing at normal speed; the heartbeat-
only and seek traces earn nothing; an honest learner at normal speed earns at least 99 %. Each test
records its numbers (``record_property``): docs/performance.md's table is read from
``pytest tests/learning/test_adversarial.py --junitxml=…``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from tests.learning.conftest import T0, make_lesson
from tests.learning.traces import Tab, honest
from xueshi.accounts.models import User
from xueshi.learning.models import Course, Heartbeat, Lesson, LessonProgress, StudyFlag

pytestmark = pytest.mark.django_db

Record = Callable[[str, object], None]


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def credited(user: User) -> float:
    return sum(p.credited_seconds for p in LessonProgress.objects.filter(user=user))


def flags(user: User) -> set[str]:
    return set(StudyFlag.objects.filter(user=user).values_list("kind", flat=True))


def report(record: Record, user: User, *, wall: float, played: float) -> float:
    """Record the trace's numbers and check the bound every trace keeps."""
    total = credited(user)
    record("wall_seconds", round(wall, 1))
    record("played_at_1x_seconds", round(played, 1))
    record("credited_seconds", round(total, 1))
    record("flags", ",".join(sorted(flags(user))) or "-")
    assert total <= wall + 1e-6
    assert total <= played + 1e-6
    # Every credited second is on the trail.
    trail = sum(
        Heartbeat.objects.filter(session__user=user).values_list("credited_seconds", flat=True)
    )
    assert trail == pytest.approx(total)
    return total


def test_honest_learner_at_normal_speed(
    learner: User, lesson: Lesson, record_property: Record
) -> None:
    wall = honest(Tab(learner, lesson), T0)
    total = report(record_property, learner, wall=wall, played=600)
    assert total >= 0.99 * 600
    progress = LessonProgress.objects.get(user=learner, lesson=lesson)
    assert progress.completed_at is not None
    assert flags(learner) == set()


def test_heartbeat_only_never_fetches_the_video(
    learner: User, lesson: Lesson, record_property: Record
) -> None:
    """A tool posts heartbeats with a position advancing in real time but never plays the file."""
    tab = Tab(learner, lesson).open(T0, fetch=False)
    for n in range(1, 22):
        tab.beat(at(30.0 * n + 0.3 * (n % 3)), min(30.0 * n, 600))
    assert report(record_property, learner, wall=630, played=0) == 0
    assert LessonProgress.objects.get(user=learner).completed_at is None


def test_heartbeat_only_with_the_player_stopped(
    learner: User, lesson: Lesson, record_property: Record
) -> None:
    """Heartbeats keep coming (claiming to play) but the position never moves."""
    tab = Tab(learner, lesson).open(T0)
    for n in range(1, 22):
        tab.beat(at(30.0 * n + 0.4 * (n % 2)), 0.0)
    assert report(record_property, learner, wall=630, played=0) == 0


def test_client_posted_completion(learner: User, lesson: Lesson, record_property: Record) -> None:
    """The browser claims the end at once (Open edX style), and keeps claiming it."""
    tab = Tab(learner, lesson).open(T0)
    tab.beat(at(1), 600.0)
    tab.beat(at(2), 600.0, playing=False)
    assert report(record_property, learner, wall=2, played=0) == 0
    assert LessonProgress.objects.get(user=learner).completed_at is None


@pytest.mark.parametrize("speed", [16.0, 2.0])
def test_fast_playback(
    learner: User, lesson: Lesson, record_property: Record, speed: float
) -> None:
    """The player runs ``speed`` times too fast (a playback-rate extension)."""
    tab = Tab(learner, lesson).open(T0)
    t = 0.0
    while t * speed < 600:
        t += 10.0
        tab.beat(at(t), min(t * speed, 600.0))
    total = report(record_property, learner, wall=t, played=t)  # at most t s of real playing
    assert total <= t
    assert LessonProgress.objects.get(user=learner).completed_at is None


def test_seek_to_the_end(learner: User, lesson: Lesson, record_property: Record) -> None:
    """Seek to the last seconds and let it play out."""
    tab = Tab(learner, lesson).open(T0)
    tab.beat(at(5), 590.0)
    tab.beat(at(15), 600.0)
    tab.beat(at(45), 600.0)
    assert report(record_property, learner, wall=45, played=0) == 0
    assert LessonProgress.objects.get(user=learner).completed_at is None


def test_seek_ahead_midway_earns_only_what_was_played_through(
    learner: User, lesson: Lesson, record_property: Record
) -> None:
    """Watch 60 s honestly, jump to 400 s and play on from there."""
    tab = Tab(learner, lesson).open(T0)
    tab.beat(at(30), 29.0)
    tab.beat(at(61), 60.0)
    for n in range(1, 8):
        tab.beat(at(61 + 30 * n), 400.0 + 30 * n)
    total = report(record_property, learner, wall=61 + 210, played=60 + 200)
    assert total == pytest.approx(60.0)


def test_two_lessons_at_once(learner: User, course: Course, record_property: Record) -> None:
    """Two lessons playing side by side on one account: only the newest one counts."""
    first = Tab(learner, make_lesson(course, order=2)).open(T0)
    second = Tab(learner, make_lesson(course, order=3)).open(at(0.5))
    refused = 0
    for n in range(1, 21):
        a = first.beat(at(30.0 * n + 0.2 * (n % 4)), min(30.0 * n - 1, 600))
        second.beat(at(30.0 * n + 0.7 + 0.3 * (n % 3)), min(30.0 * n - 1, 600))
        refused += not a.ok
    report(record_property, learner, wall=601, played=600)
    assert refused == 20
    assert first.answers[0].code == "session_ended"


def test_replayed_tokens(learner: User, lesson: Lesson, record_property: Record) -> None:
    """Each token is sent again (and again) after its first use."""
    tab = Tab(learner, lesson).open(T0)
    t = 0.0
    for n in range(1, 11):
        t = 30.0 * n + 0.5 * (n % 3)
        spent = tab.token
        assert tab.beat(at(t), t - 1).ok
        for k in range(1, 4):
            again = tab.beat(at(t + k), t - 1 + k, token=spent)
            assert (again.ok, again.code) == (False, "token_used")
    report(record_property, learner, wall=t, played=t)
    assert "token_replay" in flags(learner)


def test_tampered_token(learner: User, lesson: Lesson, record_property: Record) -> None:
    tab = Tab(learner, lesson).open(T0)
    forged = tab.token[:-1] + ("A" if tab.token[-1] != "A" else "B")
    answer = tab.beat(at(30), 29.0, token=forged)
    assert (answer.ok, answer.code) == (False, "token_invalid")
    assert "无效" in answer.message
    other = Tab(learner, lesson)  # a token someone else's session signed is no better
    answer = other.beat(at(31), 29.0, token="1.1." + "0" * 32)
    assert answer.code == "token_invalid"
    assert report(record_property, learner, wall=31, played=30) == 0


def test_fixed_interval_bot(learner: User, lesson: Lesson, record_property: Record) -> None:
    """A script plays along at exactly 30.000 s: credited no more than the time, flagged."""
    tab = Tab(learner, lesson).open(T0)
    for n in range(1, 21):
        tab.beat(at(30.0 * n), 30.0 * n)
    report(record_property, learner, wall=600, played=600)
    assert "regular_intervals" in flags(learner)


def test_second_tab(learner: User, lesson: Lesson, record_property: Record) -> None:
    """The same lesson in a second tab: the first tab stops counting, the total is one tab's."""
    first = Tab(learner, lesson).open(T0)
    first.beat(at(30), 29.0)
    second = Tab(learner, lesson).open(at(31))
    for n in range(1, 11):
        a = first.beat(at(31 + 30.0 * n + 0.1 * (n % 3)), 29.0 + 30.0 * n)
        second.beat(at(31 + 30.0 * n + 0.6 + 0.2 * (n % 4)), 29.0 + 30.0 * n)
        assert a.code == "session_ended"
    total = report(record_property, learner, wall=331, played=330)
    assert total <= 331


def test_a_hidden_tab_earns_nothing_for_the_hidden_stretch(
    learner: User, lesson: Lesson, record_property: Record
) -> None:
    """The page is hidden for five minutes while the video plays on (a background tab): the
    heartbeat closing that stretch says it was hidden and earns nothing, the frontier stays,
    and playing on from where the video got to earns nothing either (it is past the frontier
    by the hidden stretch) until the learner goes back to what they last saw."""
    tab = Tab(learner, lesson).open(T0)
    assert tab.beat(at(30), 30.0).credited_seconds == pytest.approx(30)
    assert tab.beat(at(45), 45.0).credited_seconds == pytest.approx(15)  # on hiding
    hidden = tab.beat(at(345), 345.0, visible=False)  # shown again
    assert hidden.ok
    assert hidden.credited_seconds == 0
    assert hidden.message == "页面不可见，不计时"
    assert hidden.furthest_seconds == pytest.approx(45)
    ahead = tab.beat(at(375), 375.0)
    assert ahead.credited_seconds == 0
    tab.beat(at(376), 45.0, playing=False)  # back to where the page was hidden
    assert tab.beat(at(406), 75.0).credited_seconds == pytest.approx(30)
    total = report(record_property, learner, wall=406, played=406 - 300)
    assert total == pytest.approx(75)


def test_a_held_back_heartbeat_is_capped(
    learner: User, lesson: Lesson, record_property: Record
) -> None:
    """A heartbeat held for an hour (a laptop asleep, or a tool saving tokens up) earns at
    most the longest interval, and only for content that follows on."""
    tab = Tab(learner, lesson).open(T0)
    tab.beat(at(3600), 80.0)
    report(record_property, learner, wall=3600, played=80)
    beat = Heartbeat.objects.get(session__user=learner)
    assert (beat.credited_seconds, beat.reason) == (80.0, "gap_capped")


def test_many_accounts_from_one_address(lesson: Lesson) -> None:
    from tests.support.factories import ProfessionalFactory

    users = [ProfessionalFactory(region_id="440500").user for _ in range(5)]
    for n, user in enumerate(users):
        Tab(user, lesson, ip="198.51.100.9").open(at(60 * n))
    assert "shared_address" in flags(users[-1])
    assert "shared_address" not in flags(users[0])


def test_studying_through_the_night(learner: User, course: Course) -> None:
    night = dt.datetime(2020, 6, 2, 1, 0, tzinfo=T0.tzinfo)
    lesson = make_lesson(course, order=5, duration=3600)
    tab = Tab(learner, lesson).open(night)
    for n in range(1, 71):
        tab.beat(night + dt.timedelta(seconds=30 * n + 0.5 * (n % 3)), 30.0 * n - 1)
    assert "night_study" in flags(learner)
    assert flags(learner) == {"night_study"}


def test_the_wall_clock_bounds_an_account_across_lessons(learner: User, course: Course) -> None:
    """Switching between lessons every beat: the account's total never passes its time."""
    lessons = [make_lesson(course, order=10 + k) for k in range(3)]
    tabs = [Tab(learner, x) for x in lessons]
    t = 0.0
    for n in range(30):
        tab = tabs[n % 3]
        t += 1.0
        tab.open(at(t))
        t += 29.5
        tab.beat(at(t), 29.5 * (n // 3 + 1))
    assert credited(learner) <= t
