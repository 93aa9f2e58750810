"""Study time credited from one heartbeat: pure arithmetic, no Django (issue 11).

The server keeps, per learner and lesson, the *frontier*: the furthest point of the lesson
reached by playing it through at normal speed. A heartbeat says where the player is now;
the server knows how much real time passed since it issued the heartbeat's token. At normal
speed a player can have covered at most that much of the lesson, ending where it is now:
the segment ``[position - elapsed, position]``. Only the part of that segment that extends
the frontier without a gap is credited. So:

- credit per heartbeat is never more than the real time elapsed (nor than ``max_gap``);
- the total is never more than the frontier, and the frontier never passes the lesson's end;
- seeking ahead, or playing faster than normal, leaves a gap before the segment: nothing is
  credited until the learner plays through from the frontier again;
- a paused, hidden or never-fetched lesson earns nothing.

A document has no position: its frontier grows with the visible time, up to its length.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from enum import StrEnum

# Seconds of slack a heartbeat's position may run ahead of real time (a player's buffering,
# the request's own travel time): a segment starting this far beyond the frontier is joined.
SLACK_SECONDS = 2.0
# The end counts as reached this near to it (a player's last frame is rarely reported).
END_SLACK_SECONDS = 1.0


class CreditReason(StrEnum):
    CREDITED = "credited"
    PAUSED = "paused"
    HIDDEN = "hidden"
    AHEAD = "ahead"
    BEHIND = "behind"
    NOT_FETCHED = "not_fetched"
    GAP_CAPPED = "gap_capped"
    COMPLETE = "complete"

    @property
    def label(self) -> str:
        return {
            "credited": "正常播放，按实际经过时间认定",
            "paused": "暂停中，不计时",
            "hidden": "页面不可见，不计时",
            "ahead": "位置超出已学进度（拖动或倍速），不计时",
            "behind": "回看已学内容，不重复计时",
            "not_fetched": "未从服务器获取该段内容，不计时",
            "gap_capped": "心跳间隔过长，只认定最长间隔",
            "complete": "本课时已学完",
        }[self.value]


@dataclass(frozen=True, slots=True)
class Beat:
    """What the server knows at one heartbeat."""

    elapsed: float  # real seconds since the server issued this heartbeat's token
    position: float  # the player's position the browser reports (seconds)
    playing: bool
    visible: bool
    duration: float  # the lesson's length (seconds)
    frontier: float  # the furthest point reached at normal speed before this beat
    fetched_to: float  # how far into the lesson the server has served its file (seconds)
    document: bool = False
    max_gap: float = 90.0


@dataclass(frozen=True, slots=True)
class Credit:
    seconds: float
    frontier: float
    reason: CreditReason
    complete: bool


def _finite(value: float) -> float:
    return value if math.isfinite(value) else 0.0


def credit(beat: Beat) -> Credit:
    """The seconds one heartbeat earns, the new frontier, and why."""
    frontier = min(max(_finite(beat.frontier), 0.0), beat.duration)
    elapsed = max(_finite(beat.elapsed), 0.0)

    def done(seconds: float, reason: CreditReason, new_frontier: float = frontier) -> Credit:
        complete = new_frontier >= beat.duration - END_SLACK_SECONDS
        return Credit(seconds, new_frontier, reason, complete)

    if frontier >= beat.duration - END_SLACK_SECONDS:
        return done(0.0, CreditReason.COMPLETE)
    if not beat.visible:
        return done(0.0, CreditReason.HIDDEN)
    if not beat.playing:
        return done(0.0, CreditReason.PAUSED)
    window = min(elapsed, beat.max_gap)
    capped = window < elapsed
    if beat.document:
        if beat.fetched_to <= 0:
            return done(0.0, CreditReason.NOT_FETCHED)
        reached = min(frontier + window, beat.duration)
    else:
        position = min(max(_finite(beat.position), 0.0), beat.duration)
        start = position - window
        if start > frontier + SLACK_SECONDS:
            return done(0.0, CreditReason.AHEAD)
        reached = min(position, frontier + window, beat.fetched_to, beat.duration)
        if reached <= frontier:
            fetched_short = beat.fetched_to <= frontier and position > frontier
            return done(0.0, CreditReason.NOT_FETCHED if fetched_short else CreditReason.BEHIND)
    if reached >= beat.duration - END_SLACK_SECONDS:
        reached = beat.duration
    seconds = min(reached - frontier, window)
    reached = frontier + seconds
    return done(seconds, CreditReason.GAP_CAPPED if capped else CreditReason.CREDITED, reached)


def too_regular(intervals: list[float], *, count: int, spread: float) -> bool:
    """Whether the last ``count`` intervals between heartbeats are machine-regular: their
    standard deviation under ``spread`` seconds (a person's browser jitters by far more)."""
    if len(intervals) < count:
        return False
    return statistics.pstdev(intervals[-count:]) < spread
