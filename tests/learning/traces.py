"""Scripted learners for the adversarial suite: each drives the study services the way a
known cheating tool (or an honest learner) would, at moments the script chooses."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from xueshi.accounts.models import User
from xueshi.learning.models import Lesson
from xueshi.learning.study import BeatAnswer, media_fetched, study_heartbeat, study_start


@dataclass
class Tab:
    """One browser tab playing one lesson on one account."""

    user: User
    lesson: Lesson
    ip: str = "203.0.113.7"
    token: str = ""
    answers: list[BeatAnswer] = field(default_factory=list)

    def open(self, at: dt.datetime, *, fetch: bool = True) -> Tab:
        _, self.token = study_start(user=self.user, lesson=self.lesson, ip_address=self.ip, now=at)
        if fetch:  # the player downloads the file (the media view records it)
            media_fetched(user=self.user, lesson=self.lesson, last_byte=self.lesson.size - 1)
        return self

    def beat(
        self,
        at: dt.datetime,
        position: float,
        *,
        playing: bool = True,
        visible: bool = True,
        token: str | None = None,
    ) -> BeatAnswer:
        answer = study_heartbeat(
            user=self.user,
            token=self.token if token is None else token,
            position=position,
            playing=playing,
            visible=visible,
            ip_address=self.ip,
            now=at,
        )
        self.answers.append(answer)
        if answer.ok:
            self.token = answer.token
        return answer


def honest(tab: Tab, t0: dt.datetime, *, seed: int = 1, interval: float = 30.0) -> float:
    """Plays at normal speed from the start, one heartbeat every ``interval`` s (a browser's timer
    jitters by up to a second), and one when the video ends. Returns the wall seconds."""
    rng = random.Random(seed)
    duration = tab.lesson.duration_seconds
    tab.open(t0)
    t = 0.0
    while True:
        t += interval + rng.uniform(-0.8, 0.8)
        position = min(t - 1.0, float(duration))  # a second to start playing
        if position >= duration:
            t = duration + 1.0
            tab.beat(t0 + dt.timedelta(seconds=t), float(duration))
            return t
        tab.beat(t0 + dt.timedelta(seconds=t), position)
