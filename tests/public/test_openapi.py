"""The OpenAPI document is valid, complete, and true of the running service.

schemathesis generates requests from the document and sends them to a real
gunicorn (2 workers, a temp SQLite file, limits off), checking every answer
against the document: no status >= 500, every status documented, every body
and required header matching its schema, invalid input refused. Each
operation's requests are counted by that operation's own test (no counter is
shared between tests, so they run in any order and on any xdist worker), which
holds it to at least MIN_REQUESTS_EACH of them when it takes any input.

The schema is loaded from ``widget.openapi`` at import (schemathesis's lazy
``from_fixture`` loader fails under pytest 9.2: it writes ``node._nodeid``);
a test checks that the running server serves exactly that document.
"""

from __future__ import annotations

import json
import re
import secrets
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from widget import create_app, errors
from widget.articles import ARTICLE_ID
from widget.moderation.tokens import issue_form_token
from widget.public import openapi, openapi_components

from ..conftest import LONG_BODY, make_app
from ..servers import SECRET_KEY, Gunicorn, migrate, server_env

MIN_REQUESTS_EACH = 300  # per operation with parameters or a body; 1,350 in all
# Per operation and generation phase; the coverage phase adds its own boundary
# values, negative cases and wrong methods. Derandomized: the same run in CI
# every time, about 20 s on two cores.
MAX_EXAMPLES = 400
# The contract allows 100 article ids of 128 characters in one counts URL,
# about 14 KB: past gunicorn's default 4 KiB request line (answered with an
# HTML 414). 0 lifts gunicorn's own cap to 1 MiB; production needs the same.
LONG_URLS = ("--limit-request-line", "0")
WIDGET = Path(__file__).resolve().parents[2] / "widget"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gunicorn]:
    env = server_env(tmp_path_factory.mktemp("openapi"))
    migrate(env)
    with Gunicorn(env, workers=2, threads=2, extra_args=LONG_URLS) as server:
        yield server


@pytest.fixture(scope="module")
def minter(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """An app with the live server's secret: mints form tokens it accepts."""
    folder = tmp_path_factory.mktemp("minter")
    return create_app(
        {"SECRET_KEY": SECRET_KEY, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/x.db"}
    )


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


# --- the document itself -------------------------------------------------------


def test_the_document_is_valid_openapi_3_1() -> None:
    document = openapi.build()

    assert document["openapi"].startswith("3.1.")
    schemathesis.openapi.from_dict(document).validate()  # the official 3.1 meta-schema


def test_the_validation_would_catch_a_broken_document() -> None:
    document = openapi.build()
    document["paths"]["/api/v1/counts"]["get"]["responses"]["200"] = {"content": 1}

    with pytest.raises(ValueError, match=r"description|content"):
        schemathesis.openapi.from_dict(document).validate()


def _api_routes(app: Flask) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or rule.rule == "/healthz":
            path = re.sub(r"<(?:[a-z_]+:)?([a-z_]+)>", r"{\1}", rule.rule)
            routes |= {
                (path, m.lower()) for m in rule.methods or () if m not in {"HEAD", "OPTIONS"}
            }
    return routes


def test_every_route_the_api_serves_is_documented_and_nothing_else(tmp_path) -> None:
    app = make_app(tmp_path)
    documented = {
        (path, method)
        for path, item in openapi.build()["paths"].items()
        for method in item
        if method != "parameters"
    }

    assert _api_routes(app) == documented


def test_every_error_code_the_code_emits_is_documented_under_its_status() -> None:
    emitted: set[tuple[int, str]] = {
        (status, code) for status, (code, _message) in errors._HTTP_CODES.items()
    }
    call = re.compile(r"(?:abort_json|error_response)\(\s*(\d{3}),\s*\"([a-z_]+)\"")
    for source in WIDGET.rglob("*.py"):
        emitted |= {(int(s), code) for s, code in call.findall(source.read_text())}

    assert emitted, "the pattern found no error codes"
    undocumented = {
        (s, c) for s, c in emitted if c not in openapi_components.ERROR_CODES.get(s, [])
    }
    assert not undocumented


def test_the_document_follows_the_instance_length_settings(tmp_path) -> None:
    app = make_app(tmp_path, MIN_LENGTH=10, MAX_LENGTH=300)

    response = app.test_client().get("/api/v1/openapi.json")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()["components"]["schemas"]["NewComment"]["properties"]["body"]
    assert (body["minLength"], body["maxLength"]) == (10, 300)


@pytest.mark.server
def test_the_running_server_serves_the_document(live: Gunicorn) -> None:
    response = requests.get(live.url + "/api/v1/openapi.json", timeout=10)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in response.headers
    assert response.json() == json.loads(json.dumps(openapi.build()))
    served = schemathesis.openapi.from_url(live.url + "/api/v1/openapi.json", timeout=10)
    served.validate()


# --- the service against the document -------------------------------------------


def _reach_publishing(case: Any, minter: Flask, tally: Counter[str]) -> None:
    """Help a generated, schema-valid post get as far as publishing (201).

    It gets a real form token (else it is only held, 202). Every other one
    also gets a sentence in front of its text: generated text tends to be
    repetitive ("00000…"), which the spam defences refuse as padding, and to
    repeat, which they refuse as a duplicate. The rest stays as generated.
    """
    meta = case.meta
    if (
        case.method.upper() != "POST"
        or meta is None
        or not meta.generation.mode.is_positive
        or not isinstance(case.body, dict)
    ):
        return
    article_id = case.path_parameters.get("article_id")
    if isinstance(article_id, str) and ARTICLE_ID.fullmatch(article_id):
        with minter.app_context():
            case.body["token"] = issue_form_token(article_id)
    number = tally["posts helped"]
    tally["posts helped"] += 1
    if isinstance(case.body.get("body"), str) and number % 2 == 0:
        case.body["body"] = f"{LONG_BODY}(fuzz {number}) {case.body['body'][:4000]}"


def _aim_at_a_real_comment(
    case: Any, live: Gunicorn, minter: Flask, session: requests.Session, tally: Counter[str]
) -> None:
    """Point every other generated request about one comment at a real one.

    Random ids name no comment (404) and random tokens are nobody's (403):
    half the positive cases get a comment just posted, and an edit or delete
    its real edit token, so the fuzzing reaches 200, 202 and 204 too.
    """
    meta = case.meta
    if (
        "comment_id" not in case.path_parameters
        or meta is None
        or not meta.generation.mode.is_positive
    ):
        return
    number = tally["aimed"]
    tally["aimed"] += 1
    if number % 2:
        return
    with minter.app_context():
        token = issue_form_token("fuzz")
    posted = session.post(
        f"{live.url}/api/v1/articles/fuzz/comments",
        json={"author": "Fuzz", "body": f"{LONG_BODY}({secrets.token_hex(8)})", "token": token},
        timeout=30,
    )
    assert posted.status_code == 201, posted.text
    posted = posted.json()
    case.path_parameters.update(article_id="fuzz", comment_id=posted["id"])
    if case.method.upper() in ("PATCH", "DELETE") and "/likes" not in case.path:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {posted['edit_token']}"}


# What success is for each operation that changes something (a read: 200).
SUCCESS = {
    "POST /api/v1/articles/{article_id}/comments": 201,
    "POST /api/v1/articles/{article_id}/comments/{comment_id}/reports": 202,
    "DELETE /api/v1/articles/{article_id}/comments/{comment_id}": 204,
}

schema = schemathesis.openapi.from_dict(openapi.build())


def _takes_input(operation: str) -> bool:
    method, _, path = operation.partition(" ")
    item = openapi.build()["paths"][path]
    described = item[method.lower()]
    return bool(item.get("parameters") or described.get("parameters") or "requestBody" in described)


@pytest.fixture
def tally(request: pytest.FixtureRequest) -> Iterator[Counter[str]]:
    """Requests and statuses of one operation's run, checked when it ends.

    Hypothesis calls the test once per example; this fixture spans them all
    (one per operation), so the totals are this operation's alone.
    """
    counts: Counter[str] = Counter()
    yield counts
    call = getattr(request.node, "rep_call", None)
    if call is None or call.failed:
        return  # the test's own failure says more
    operation = request.node.name.partition("[")[2].rstrip("]")
    print(f"\nschemathesis {operation}: {dict(counts)}")
    floor = MIN_REQUESTS_EACH if _takes_input(operation) else 1
    assert counts["requests"] >= floor, f"{operation}: {dict(counts)}"
    assert not [key for key in counts if key.startswith("status 5")], dict(counts)
    # Generated data got as far as success: a post was published, a read answered.
    success = f"status {SUCCESS.get(operation, 200)}"
    assert counts[success], f"{operation} never answered {success[-3:]}: {dict(counts)}"


@pytest.mark.server
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_the_running_service_matches_its_openapi_document(
    case: Any, live: Gunicorn, minter: Flask, session: requests.Session, tally: Counter[str]
) -> None:
    _reach_publishing(case, minter, tally)
    _aim_at_a_real_comment(case, live, minter, session, tally)
    tally["requests"] += 1
    response = case.call(base_url=live.url, session=session, timeout=30)
    tally[f"status {response.status_code}"] += 1
    # Whether valid data is accepted depends on state the document cannot
    # express (parent_id must name a published comment on the article, the
    # token must be signed, text is trimmed before it is measured), so that
    # one check is left out; every other built-in check runs, including that
    # invalid data is refused.
    case.validate_response(response, excluded_checks=[positive_data_acceptance])


def test_every_documented_operation_has_its_own_fuzzing_test() -> None:
    documented = {
        f"{method.upper()} {path}"
        for path, item in openapi.build()["paths"].items()
        for method in item
        if method != "parameters"
    }
    fuzzed = {
        f"{result.ok().method.upper()} {result.ok().path}" for result in schema.get_all_operations()
    }
    assert fuzzed == documented
