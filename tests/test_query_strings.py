"""No query string makes a server error (issue 14, item 7): every page, as a role it lets
in, is asked with hostile values for every filter parameter the project's pages read —
integers past 2^63, negative and zero, NUL, overlong text, full-width digits, bad percent
escapes — first as a fixed sweep, then as random combinations (hypothesis).

A bad value is a validation message or the page's default, never a 500: e.g.
``/reporting/bureau/?employer=99999999999999999999``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_access import (
    ANONYMOUS,
    NO_ROLE,
    WHO,
    Endpoint,
    World,
    _client,
    _may_enter,
    declared_access,
    project_endpoints,
    url_of,
    world,  # noqa: F401
)

pytestmark = pytest.mark.django_db

# Every parameter a page of the project reads from its query string (grep request.GET and
# the query forms), and a few that none reads.
PARAMS = (
    "year", "page", "rpage", "q", "series", "title_level", "status", "region", "employer",
    "professional", "category", "day", "show", "holder", "no", "c", "code", "name", "state",
    "kind", "provider", "subject", "authority", "sort", "mode", "level", "next", "id",
)  # fmt: skip

NASTY = (
    "99999999999999999999",
    str(2**63),
    str(-(2**63) - 1),
    "-1",
    "0",
    "1e400",
    "NaN",
    "\uff12\uff10\uff11\uff14",  # 2014 in full-width digits
    "2014\x00",
    "x" * 5000,
    "%ZZ",
    "' OR 1=1 --",
    "[]",
)


def _pages(world: World) -> list[tuple[Endpoint, str, str]]:  # noqa: F811
    """(endpoint, who, url) for every page, as the first role it lets in (anonymous for a
    public page), its path arguments filled with a real object's id."""
    pages = []
    for endpoint in project_endpoints():
        access = declared_access(endpoint.callback)
        who = next((w for w in (ANONYMOUS, *WHO) if w != NO_ROLE and _may_enter(access, w)), None)
        if who is None:
            continue
        pages.append((endpoint, who, url_of(endpoint, world.ids[0])))
    return pages


def _ask(client: Client, url: str, query: str) -> int | str:
    try:
        return client.get(f"{url}?{query}").status_code
    except Exception as error:  # every failure reported, not the first only
        return f"{type(error).__name__}: {str(error)[:200]}"


def _failed(status: int | str) -> bool:
    return isinstance(status, str) or status >= 500


def test_hostile_values_in_every_parameter_of_every_page(world: World) -> None:  # noqa: F811
    failures = []
    clients: dict[str, Client] = {}
    for endpoint, who, url in _pages(world):
        client = clients.setdefault(who, _client(world, who))
        for value in NASTY:
            status = _ask(client, url, urlencode(dict.fromkeys(PARAMS, value)))
            if _failed(status):
                failures.append(
                    f"{url} ({endpoint}) as {who}, every parameter={value[:30]!r}: {status}"
                )
    assert not failures, f"{len(failures)} server errors:\n" + "\n".join(failures)


def test_the_bureau_report_with_an_employer_past_64_bits(world: World) -> None:  # noqa: F811
    """The case the attacker found: an answer, not a 500."""
    from xueshi.accounts.models import Role

    client = _client(world, Role.BUREAU_STAFF)
    response = client.get("/reporting/bureau/?employer=99999999999999999999")
    assert response.status_code == 200


_value = st.one_of(
    st.sampled_from(NASTY),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.text(max_size=40),
    st.from_regex(r"\A[0-9]{1,4}-[0-9]{1,2}-[0-9]{1,2}\Z"),
)
_query = st.dictionaries(
    st.one_of(st.sampled_from(PARAMS), st.text(min_size=1, max_size=8)), _value, max_size=6
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_query_strings_never_make_a_server_error(
    world: World,  # noqa: F811
    data: st.DataObject,
) -> None:
    pages = _pages(world)
    endpoint, who, url = data.draw(st.sampled_from(pages), label="page")
    query: dict[str, Any] = data.draw(_query, label="query")
    status = _ask(_client(world, who), url, urlencode(query))
    assert not _failed(status), f"{url} ({endpoint}) as {who} with {query!r}: {status}"
