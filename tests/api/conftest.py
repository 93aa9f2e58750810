"""The open API's world: the training world (a Shantou provider with an approved class and its
learners), a provider client a bureau registered, and a test client that signs requests."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client

from tests.support.factories import id_number_of
from tests.training.conftest import World, enrol, learner, world  # noqa: F401 (fixture)
from xueshi.api import signing
from xueshi.api.models import ApiClient, ClientKind, Scope
from xueshi.api.services import api_client_register
from xueshi.people.models import Professional
from xueshi.training.models import ClassPlan

START, END = dt.date(2014, 7, 1), dt.date(2014, 7, 4)
IN_TIME = dt.datetime(2014, 7, 7, 10, 0, tzinfo=dt.UTC)  # within the 5 working days (S15)


@dataclass
class Signer:
    """A test client that signs every request as ``client`` with ``secret``."""

    client: ApiClient
    secret: str
    algorithm: str = signing.HMAC_SHA256
    http: Client = field(default_factory=Client)

    def headers(
        self, method: str, path: str, body: bytes, *, query: str = "", **over: str
    ) -> dict[str, str]:
        timestamp = over.pop("timestamp", str(int(time.time())))
        nonce = over.pop("nonce", secrets.token_hex(16))
        sig = signing.sign_request(
            secret=over.pop("secret", self.secret),
            method=method,
            path=path,
            query=query,
            body=body,
            timestamp=timestamp,
            nonce=nonce,
            algorithm=self.algorithm,
        )
        return {
            signing.HEADER_KEY: self.client.app_key,
            signing.HEADER_TIMESTAMP: timestamp,
            signing.HEADER_NONCE: nonce,
            signing.HEADER_SIGNATURE: sig,
            signing.HEADER_ALGORITHM: self.algorithm,
            **over,
        }

    def post(self, path: str, data: Any, **over: str) -> Any:
        body = json.dumps(data, ensure_ascii=False).encode()
        return self.http.post(
            path,
            body,
            content_type="application/json",
            headers=self.headers("POST", path, body, **over),
        )

    def get(self, path: str, query: str = "", **over: str) -> Any:
        url = f"{path}?{query}" if query else path
        return self.http.get(url, headers=self.headers("GET", path, b"", query=query, **over))


@dataclass
class Api:
    world: World
    plan: ClassPlan
    people: list[Professional]
    signer: Signer

    def item(self, index: int, score: Any = "90", external_id: str | None = None) -> dict[str, Any]:
        person = self.people[index]
        return {
            "external_id": external_id or f"ext-{index}",
            "name": person.full_name,
            "id_number": id_number_of(person),
            "score": score,
        }

    @property
    def push_path(self) -> str:
        return f"/api/v1/classes/{self.plan.pk}/results/"

    def push(self, items: list[dict[str, Any]], signer: Signer | None = None, **over: str) -> Any:
        return (signer or self.signer).post(self.push_path, {"items": items}, **over)


def register(world: World, kind: str = ClientKind.PROVIDER, **kw: Any) -> Signer:  # noqa: F811
    bureau = world.bureau
    kw.setdefault("scopes", [Scope.HOURS_PUSH, Scope.CLASSES_READ])
    if kind in (ClientKind.PROVIDER, ClientKind.PLATFORM):
        kw.setdefault("provider_id", world.provider.pk)
    client, secret = api_client_register(
        actor=bureau.assignment.user,
        active=bureau,
        name=kw.pop("name", "汕头学习平台"),
        kind=kind,
        **kw,
    )
    return Signer(client, secret)


@pytest.fixture(autouse=True)
def _no_throttle_history() -> Any:
    """Calls counted for throttling live in the cache: none carried between tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api(world: World) -> Any:  # noqa: F811 (the imported fixture, by name)
    plan = world.approved(start_date=START, end_date=END, pass_mark=60)
    people = []
    for name in ("张三", "李四", "王五", "赵六"):
        person, me = learner(full_name=name)
        enrol(plan, person, me)
        people.append(person)
    with time_machine.travel(IN_TIME, tick=True):
        yield Api(world, plan, people, register(world))
