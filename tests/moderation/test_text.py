"""Reader text against adversarial input: every function that looks at it runs
in linear time, and so does the whole POST path, up to a real gunicorn.

A 65 KB body of "a", 65,000 spaces and "a" once took ~30 s in the trimming
regex (gunicorn killed the worker and answered HTML 500); the same shape hides
in any regex that backtracks and in CPython's Unicode normalisation, which is
quadratic on long runs of combining marks. Each generator below is one such
shape, at 64 Ki characters; each function gets each of them.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from widget.models import RuleAction
from widget.moderation import defences, rules, text

from ..conftest import LONG_BODY, comments_url, form_token, make_app
from ..servers import Gunicorn, migrate, raw_http, server_env, split_response

N = 64 * 1024
# CPU seconds one call may take on 64 Ki characters. Linear code takes a few
# hundredths, and up to half a second on the widest decomposition (each of the
# 64 Ki characters becomes 18 under NFKD); the quadratic shapes took from 3 s
# to 30 s.
BUDGET = 1.5


def _runs_of_trim_characters() -> dict[str, str]:
    return {f"run-of-U+{ord(c):04X}": f"a{c * N}a" for c in text.TRIM_CHARS}


ADVERSARIAL: dict[str, str] = {
    **_runs_of_trim_characters(),
    "spaces-at-one-end": " " * N + "a",
    "alternating-space-letter": "a " * (N // 2),
    "alternating-two-spaces": " \u3000" * (N // 2) + "a",
    "alternating-zwsp-letter": "a\u200b" * (N // 2),
    "one-long-word": "x" * N,
    "one-long-accented-word": "é" * N,
    "many-links": "http://x.example " * (N // 17),
    "links-without-spaces": "https://" * (N // 8),
    "www-runs": "www." * (N // 4),
    "near-links": "http:/" * (N // 6),
    "nested-repeats": ("ab" * 3 + "c") * (N // 7),
    "runs-of-four": "aaaab" * (N // 5),
    "repeated-words": "word " * (N // 5),
    "many-different-words": " ".join(f"w{i}" for i in range(N // 6)),
    "combining-marks": "a" + "\u0301" * N,
    "alternating-mark-classes": "a" + "\u0301\u0323" * (N // 2),
    "decreasing-mark-classes": "a" + "".join(map(chr, range(0x05BB, 0x05B0, -1))) * (N // 10),
    "marks-between-letters": "a\u0301" * (N // 2),
    "widest-decomposition": "\ufdfa" * N,
    "hangul-jamo": "\u1100\u1161\u11a8" * (N // 3),
    "hangul-fillers": "\u3164" * N,
    "joiners": "a\u200d" * (N // 2),
    "joiners-only": "\u200d" * N,
    "bidi-overrides": "\u202e\u202d" * (N // 2),
    "tag-characters": "\U000e0041" * N,
    "flag-without-cancel-tag": "\U0001f3f4" + "\U000e0067" * N,
    "emoji-zwj-sequences": "\U0001f469\u200d\U0001f4bb" * (N // 3),
    "right-to-left-with-marks": "\u0645\u200f" * (N // 2),
    "digits": "1" * N,
    "control-characters": "\x01" * N,
    "newlines": "a\n" * (N // 2),
}


def _both_kinds_of_hidden(value: str) -> object:
    return text.hidden_character(value), text.hidden_character(value, text.COMMENT_ONLY)


def _phrase_matching(value: str) -> object:
    # Phrases whose words recur through the text: every position is a start.
    patterns = [rules._phrase_pattern(p) for p in ("a a a b", "word word x", "http x")]
    seen = text.skeleton(value)
    return [pattern.search(seen) for pattern in patterns]


def _too_many_links(value: str) -> object:
    draft = defences.Draft(
        article_id="a1",
        author="a",
        body=value,
        email=None,
        parent_id=None,
        sender_hash="s",
        token=None,
        extra={},
    )
    return defences.too_many_links(draft, rules.Rules(None, None))  # type: ignore[arg-type]


TEXT_FUNCTIONS: dict[str, Callable[[str], object]] = {
    "trim": text.trim,
    "length": text.length,
    "is_storable": text.is_storable,
    "hidden_character": _both_kinds_of_hidden,
    "visible_length": text.visible_length,
    "has_letter_or_digit": text.has_letter_or_digit,
    "stream_safe": text.stream_safe,
    "skeleton": text.skeleton,
    "rules.normalise": rules.normalise,
    "padding_problem": lambda value: text.padding_problem(value, 50),
    "phrase_matching": _phrase_matching,
    "too_many_links": _too_many_links,
}


def cpu_seconds(work: Callable[[], object]) -> float:
    """CPU time, not wall time: the machine's other work does not count."""
    start = time.process_time()
    work()
    return time.process_time() - start


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    text.skeleton("x")  # builds its tables once (~0.1 s), as the first post of a process does


@pytest.mark.parametrize("shape", list(ADVERSARIAL))
@pytest.mark.parametrize("function", list(TEXT_FUNCTIONS))
def test_every_text_function_is_linear_on_adversarial_input(function: str, shape: str) -> None:
    value = ADVERSARIAL[shape]
    assert len(value) > 0.95 * N

    spent = cpu_seconds(lambda: TEXT_FUNCTIONS[function](value))

    assert spent < BUDGET, f"{function} took {spent:.2f} s on {shape}"


def test_trim_strips_exactly_the_trim_characters_from_both_ends() -> None:
    inner = "a \u200b\u00a0 b"
    padded = text.TRIM_CHARS + inner + text.TRIM_CHARS[::-1]

    assert text.trim(padded) == inner
    assert text.trim(text.TRIM_CHARS) == ""
    assert text.trim("\u3164a\u3164") == "\u3164a\u3164"  # fillers are letters, not trimmed


def test_stream_safe_keeps_thirty_marks_of_a_run() -> None:
    assert text.stream_safe("a" + "\u0301" * 100 + "b\u0301") == "a" + "\u0301" * 30 + "b\u0301"


# --- the whole POST path -----------------------------------------------------------


@pytest.fixture(scope="module")
def guarded_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """Blocked phrases to hold and to reject, so that every defence runs."""
    app = make_app(tmp_path_factory.mktemp("guarded"))
    with app.app_context():
        rules.block_phrase("a a a b", RuleAction.HOLD.value, "test")
        rules.block_phrase("word word x", RuleAction.REJECT.value, "test")
    return app


def _payload(client: FlaskClient, body: str) -> bytes:
    token = form_token(client, "a1")
    return json.dumps(
        {"author": "Priya S", "body": body, "token": token}, ensure_ascii=False
    ).encode()


def _fitted(client: FlaskClient, body: str) -> bytes:
    """The payload with as much of ``body`` as fits in 64 KiB: its start and
    its last characters (what ends a run is what makes a regex backtrack)."""
    payload = _payload(client, body)
    while len(payload) > 64 * 1024:
        keep = len(body) * 64 * 1024 // len(payload) - 64
        body = body[: keep - 8] + body[-8:]
        payload = _payload(client, body)
    return payload


def _post_seconds(client: FlaskClient, payload: bytes) -> tuple[float, int, str]:
    """CPU seconds of one post, with its status and media type."""
    answers = []
    spent = cpu_seconds(
        lambda: answers.append(
            client.post(comments_url("a1"), data=payload, content_type="application/json")
        )
    )
    return spent, answers[0].status_code, answers[0].mimetype


@pytest.mark.parametrize("shape", list(ADVERSARIAL))
def test_a_post_of_64_kib_adversarial_text_is_refused_at_once(
    guarded_app: Flask, shape: str
) -> None:
    """As much as a request can carry: far over the limit, refused by its raw
    size before any text work."""
    client = guarded_app.test_client()

    spent, status, mimetype = _post_seconds(client, _fitted(client, ADVERSARIAL[shape]))

    assert (status, mimetype) == (422, "application/json")
    assert spent < BUDGET, f"the post took {spent:.2f} s"


@pytest.mark.parametrize("shape", list(ADVERSARIAL))
def test_adversarial_text_within_the_limits_goes_through_every_defence_at_once(
    guarded_app: Flask, shape: str
) -> None:
    """Just under the raw-size guard (trimming and length checks see all of
    it), and at the maximum length behind real words (every defence sees it)."""
    client = guarded_app.test_client()
    maximum = guarded_app.config["MAX_LENGTH"]
    value = ADVERSARIAL[shape]

    for body in (value[: 2 * maximum + text.RAW_BODY_SLACK], (LONG_BODY + value)[:maximum]):
        spent, status, mimetype = _post_seconds(client, _fitted(client, body))

        assert status in {201, 202, 422} and mimetype == "application/json"
        assert spent < BUDGET, f"the post took {spent:.2f} s"


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        pytest.param("body", "a" + " " * 65_000 + "a", "at most 5000 characters", id="body"),
        pytest.param("author", "x" + " " * 10_000, "at most 80 characters", id="author"),
        pytest.param("email", "a@b.example" + " " * 60_000, "at most 254 characters", id="email"),
    ],
)
def test_a_field_far_over_its_limit_is_refused_by_its_raw_size(
    client: FlaskClient, field: str, value: str, words: str
) -> None:
    """Even where trimming would bring it within the limit: so much text is
    not looked at."""
    payload = {"author": "Priya S", "body": LONG_BODY, "token": form_token(client, "a1")}

    response = client.post(comments_url("a1"), json={**payload, field: value})

    assert response.status_code == 422
    assert list(response.get_json()["fields"]) == [field]
    assert words in response.get_json()["fields"][field][0]


# --- against a real gunicorn -------------------------------------------------------


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gunicorn]:
    folder = tmp_path_factory.mktemp("text")
    env = server_env(folder)
    migrate(env)
    with Gunicorn(env, workers=1, threads=1) as server:
        yield server


@pytest.mark.server
def test_a_65_kb_body_of_spaces_is_a_quick_json_422_and_the_server_keeps_answering(
    live: Gunicorn,
) -> None:
    """The finding itself: this body took a worker for ~30 s, then HTML 500."""
    body = json.dumps({"author": "a", "body": "a" + " " * 65_000 + "a"}).encode()
    request = (
        b"POST /api/v1/articles/a1/comments HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Connection: close\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body)
    ) + body

    started = time.monotonic()
    status, headers, answer = split_response(raw_http(live.port, request, timeout=10))
    elapsed = time.monotonic() - started

    assert status == 422, answer[:300]
    assert headers["content-type"].startswith("application/json")
    assert json.loads(answer)["fields"]["body"]
    assert elapsed < 2, f"answered after {elapsed:.1f} s"
    # One worker, one thread: it answers the next request at once.
    with urllib.request.urlopen(live.url + "/healthz", timeout=5) as health:
        assert health.status == 200
