"""What a poster is told about a body the API cannot take: the status, the
code and the words, for each way a body goes wrong, through the WSGI test
client (the raw-socket versions are in tests/public/test_hostile_input.py).

A body streamed without a length (chunked) is what a server hands the app
as a terminated stream with no CONTENT_LENGTH; the test client does the same
with ``input_stream`` and these overrides.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ..conftest import LONG_BODY, comments_url, form_token

KiB = 1024
LIMIT = 64 * KiB
CHUNKED = {"wsgi.input_terminated": True, "HTTP_TRANSFER_ENCODING": "chunked"}

TOO_LARGE = "The request is larger than 64 KiB."
MALFORMED = "The request body could not be read: it is malformed."
NOT_UTF8 = "The request body could not be read: it is not UTF-8."
NOT_JSON = "The request body could not be read: it is not valid JSON."
NOT_OBJECT = "The request body must be a JSON object."
NOT_LABELLED = "Send the comment as JSON (Content-Type: application/json)."


def published(client: FlaskClient) -> int:
    return client.get(comments_url("a1")).get_json()["total"]


def refusal(response: Any) -> tuple[int, str, str]:
    data = response.get_json()
    return response.status_code, data["error"], data["message"]


def post_bytes(client: FlaskClient, body: bytes, content_type: str = "application/json"):
    return client.post(comments_url("a1"), data=body, content_type=content_type)


def stream(client: FlaskClient, body: Any):
    """Post ``body`` (bytes or a file-like object) chunked, without a length."""
    source = io.BytesIO(body) if isinstance(body, bytes) else body
    return client.post(
        comments_url("a1"),
        input_stream=source,
        content_type="application/json",
        environ_overrides=CHUNKED,
    )


def comment(client: FlaskClient, tag: str) -> dict[str, Any]:
    return {"author": "Priya S", "body": f"{LONG_BODY} [{tag}]", "token": form_token(client, "a1")}


def padded_to(data: dict[str, Any], size: int) -> bytes:
    """``data`` as JSON, padded with spaces to exactly ``size`` bytes."""
    raw = json.dumps(data).encode()
    assert len(raw) <= size
    return raw + b" " * (size - len(raw))


# --- size ----------------------------------------------------------------------------


def test_a_streamed_body_of_exactly_64_kib_is_published(client: FlaskClient) -> None:
    response = stream(client, padded_to(comment(client, "exact"), LIMIT))

    assert response.status_code == 201, response.get_data(as_text=True)[:300]
    assert published(client) == 1


def test_a_streamed_body_one_byte_over_64_kib_is_413_and_not_cut_to_fit(
    client: FlaskClient,
) -> None:
    # The first 64 KiB alone are a valid comment: cutting the body there
    # would publish it.
    response = stream(client, padded_to(comment(client, "over"), LIMIT) + b" ")

    assert refusal(response) == (413, "payload_too_large", TOO_LARGE)
    assert published(client) == 0


def test_a_streamed_body_far_over_64_kib_is_413(client: FlaskClient) -> None:
    response = stream(client, padded_to(comment(client, "far"), LIMIT) + b" " * (LIMIT * 3))

    assert refusal(response) == (413, "payload_too_large", TOO_LARGE)
    assert published(client) == 0


def test_a_short_streamed_body_is_published(client: FlaskClient) -> None:
    response = stream(client, json.dumps(comment(client, "short")).encode())

    assert response.status_code == 201
    assert published(client) == 1


class Endless(io.RawIOBase):
    """A chunked body that never ends; reading it to the end would never return."""

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            raise AssertionError("the server tried to read an endless body to its end")
        return b" " * size

    def readinto(self, buffer: Any) -> int:
        buffer[:] = self.read(len(buffer))
        return len(buffer)


def test_an_endless_streamed_body_is_413_after_reading_64_kib(client: FlaskClient) -> None:
    """A client cannot make the server read (or hold) more than the limit."""
    body = Endless()

    response = client.post(
        comments_url("a1"),
        input_stream=io.BytesIO(),  # replaced by the endless one below
        content_type="application/json",
        environ_overrides={**CHUNKED, "wsgi.input": body},
    )

    assert refusal(response) == (413, "payload_too_large", TOO_LARGE)


def test_a_body_with_a_length_over_64_kib_is_413(client: FlaskClient) -> None:
    response = post_bytes(client, padded_to(comment(client, "long"), LIMIT + 1))

    assert refusal(response) == (413, "payload_too_large", TOO_LARGE)
    assert published(client) == 0


def test_a_body_with_a_length_of_exactly_64_kib_is_published(client: FlaskClient) -> None:
    response = post_bytes(client, padded_to(comment(client, "exact-length"), LIMIT))

    assert response.status_code == 201
    assert published(client) == 1


class InvalidChunkSize(Exception):
    """What gunicorn's reader raises on bad chunking: not an OSError."""


class BrokenChunks(io.BytesIO):
    """Its bytes, then the server's error where the stream should have ended."""

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        if not data:
            raise InvalidChunkSize("Invalid chunk size")
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def test_a_body_whose_transfer_breaks_is_400_malformed(client: FlaskClient) -> None:
    response = stream(client, BrokenChunks(b'{"author": "Priya S", '))

    assert refusal(response) == (400, "invalid_json", MALFORMED)
    assert published(client) == 0


def test_a_64_kib_stream_that_breaks_where_the_rest_would_be_is_400_malformed(
    client: FlaskClient,
) -> None:
    """The check for more than 64 KiB reads on; a transfer broken there is malformed."""
    response = stream(client, BrokenChunks(padded_to(comment(client, "broken"), LIMIT)))

    assert refusal(response) == (400, "invalid_json", MALFORMED)
    assert published(client) == 0


# --- content ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"author": "Zo\xeb", "body": "x"}', id="latin-1"),
        pytest.param('{"author": "a"}'.encode("utf-16"), id="utf-16"),
        pytest.param(b'{"author": "\xed\xa0\x80"}', id="surrogate-as-utf8-bytes"),
        pytest.param(b"\xff", id="one-invalid-byte"),
    ],
)
def test_a_body_that_is_not_utf8_is_400_saying_so(client: FlaskClient, body: bytes) -> None:
    assert refusal(post_bytes(client, body)) == (400, "invalid_json", NOT_UTF8)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"author": "a", "author": "b"}', id="duplicate-key"),
        pytest.param(b'{"author": "a", "x": {"k": 1, "k": 2}}', id="duplicate-key-nested"),
        pytest.param(b'{"author": NaN}', id="NaN"),
        pytest.param(b'{"author": Infinity}', id="Infinity"),
        pytest.param(b'{"author": -Infinity}', id="minus-Infinity"),
        pytest.param(b'{"author": "a",}', id="trailing-comma"),
        pytest.param(b'{"author": "a"', id="truncated"),
        pytest.param(b"", id="empty"),
        pytest.param(b"[" * 30_000 + b"]" * 30_000, id="nested-too-deep"),
    ],
)
def test_a_body_that_is_not_valid_json_is_400_saying_so(client: FlaskClient, body: bytes) -> None:
    response = client.post(comments_url("a1"), data=body, content_type="application/json")

    assert refusal(response) == (400, "invalid_json", NOT_JSON)


def test_duplicate_keys_cannot_slip_a_second_value_past_the_first(client: FlaskClient) -> None:
    """Parsers disagree on which of two values wins; the API takes neither."""
    good = comment(client, "dup")
    raw = json.dumps(good)[:-1] + ', "body": "short"}'

    assert refusal(post_bytes(client, raw.encode())) == (400, "invalid_json", NOT_JSON)
    assert published(client) == 0


@pytest.mark.parametrize(
    "body",
    [b"[]", b'[{"author": "a"}]', b"0", b"null", b"true", b'"text"'],
    ids=["array", "array-of-object", "number", "null", "true", "string"],
)
def test_json_that_is_not_an_object_is_400_saying_so(client: FlaskClient, body: bytes) -> None:
    assert refusal(post_bytes(client, body)) == (400, "invalid_json", NOT_OBJECT)


@pytest.mark.parametrize(
    "content_type", ["text/plain", "text/json", "application/x-www-form-urlencoded", ""]
)
def test_a_body_not_labelled_json_is_415_saying_how_to_send_it(
    client: FlaskClient, content_type: str
) -> None:
    body = json.dumps(comment(client, "label")).encode()

    assert refusal(post_bytes(client, body, content_type)) == (
        415,
        "unsupported_media_type",
        NOT_LABELLED,
    )
    assert published(client) == 0


def test_json_with_a_charset_parameter_is_accepted(app: Flask, client: FlaskClient) -> None:
    body = json.dumps(comment(client, "charset")).encode()

    response = post_bytes(client, body, "application/json; charset=utf-8")

    assert response.status_code == 201
    assert published(client) == 1
