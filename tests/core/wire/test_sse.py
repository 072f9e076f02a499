"""The SSE decoder against the WHATWG event-stream rules, under any chunking.

Spec: https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lemon_adapters.core.errors import MalformedStreamError
from lemon_adapters.core.wire.parser import StreamParser
from lemon_adapters.core.wire.sse import ServerSentEvent, SSEDecoder


def decode(*chunks: bytes) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    out: list[ServerSentEvent] = []
    for chunk in chunks:
        out += decoder.decode(chunk)
    return out + decoder.flush()


def ev(
    data: str, event: str = "message", id: str = "", retry: int | None = None
) -> ServerSentEvent:
    return ServerSentEvent(event, data, id, retry)


def all_chunkings(body: bytes) -> list[list[bytes]]:
    """Whole, byte by byte, every single split point, and some seeded random splits."""
    out = [[body], [body[i : i + 1] for i in range(len(body))]]
    out += [[body[:i], body[i:]] for i in range(1, len(body))]
    rng = random.Random(len(body))
    for _ in range(10):
        cuts = sorted(rng.sample(range(1, len(body)), min(len(body) - 1, 5))) if body else []
        out.append([body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)])
    return out


def assert_decodes(body: bytes, expected: list[ServerSentEvent]) -> None:
    for chunks in all_chunkings(body):
        assert decode(*chunks) == expected, chunks


# -- fields ---------------------------------------------------------------------------------


def test_event_data_id_retry() -> None:
    body = b"event: delta\ndata: {}\nid: 7\nretry: 1500\n\n"
    assert_decodes(body, [ev("{}", "delta", "7", 1500)])


def test_multi_line_data_is_joined_with_lf() -> None:
    assert_decodes(b"data: a\ndata: b\ndata:\ndata: c\n\n", [ev("a\nb\n\nc")])


def test_only_one_leading_space_is_removed() -> None:
    assert_decodes(b"data:x\n\ndata:  y\n\n", [ev("x"), ev(" y")])


def test_data_with_no_space_after_colon() -> None:
    assert_decodes(b'data:{"a":1}\n\n', [ev('{"a":1}')])


def test_field_with_no_colon_is_a_name_with_empty_value() -> None:
    # "data" alone appends an empty line to the data buffer: one event with empty data.
    assert_decodes(b"data\n\n", [ev("")])
    # "event" alone sets an empty event type, which means "message".
    assert_decodes(b"event\ndata: x\n\n", [ev("x")])


def test_unknown_fields_are_ignored() -> None:
    assert_decodes(b"foo: bar\ndata: x\nbaz\n\n", [ev("x")])


def test_event_type_resets_after_each_dispatch() -> None:
    assert_decodes(b"event: a\ndata: 1\n\ndata: 2\n\n", [ev("1", "a"), ev("2")])


def test_id_persists_and_null_id_is_ignored() -> None:
    body = b"id: 1\ndata: a\n\ndata: b\n\nid: x\x00y\ndata: c\n\nid\ndata: d\n\n"
    assert_decodes(body, [ev("a", id="1"), ev("b", id="1"), ev("c", id="1"), ev("d", id="")])


def test_retry_must_be_ascii_digits() -> None:
    body = b"retry: 10\ndata: a\n\nretry: 1e3\ndata: b\n\nretry:\ndata: c\n\nretry: 20\ndata: d\n\n"
    assert_decodes(
        body, [ev("a", retry=10), ev("b", retry=10), ev("c", retry=10), ev("d", retry=20)]
    )


def test_decoder_exposes_last_event_id_and_retry() -> None:
    decoder = SSEDecoder()
    decoder.decode(b"id: abc\nretry: 5\ndata: x\n\n")
    assert (decoder.last_event_id, decoder.retry) == ("abc", 5)


# -- comments and empty events ----------------------------------------------------------------


def test_comments_are_ignored_and_counted() -> None:
    body = b": OPENROUTER PROCESSING\n\n:\n\ndata: x\n: inside an event\ndata: y\n\n"
    assert_decodes(body, [ev("x\ny")])
    decoder = SSEDecoder()
    decoder.decode(body)
    assert decoder.comments == 3


def test_blank_lines_without_data_dispatch_nothing() -> None:
    assert_decodes(b"\n\n\n", [])
    # An event name alone is not an event, and is forgotten at the blank line.
    assert_decodes(b"event: ping\n\ndata: x\n\n", [ev("x")])
    assert_decodes(b"id: 3\n\n", [])


def test_empty_data_dispatches_an_event_with_empty_data() -> None:
    assert_decodes(b"data:\n\n", [ev("")])
    assert_decodes(b"data:\ndata:\n\n", [ev("\n")])


def test_empty_data_events_are_ignored_by_both_mappers() -> None:
    for api, done in (
        (
            "chat",
            b'data: {"choices":[{"index":0,"delta":{"content":"hi"},'
            b'"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n',
        ),
        ("responses", b'data: {"type":"response.completed","response":{"id":"r","output":[]}}\n\n'),
    ):
        parser = StreamParser(api)  # type: ignore[arg-type]
        parser.feed(b"data:\n\ndata: \n\n" + done)
        parser.close()
        assert parser.failure is None
        assert parser.result.finish_reason == "stop"


# -- line ends ------------------------------------------------------------------------------


@pytest.mark.parametrize("eol", [b"\n", b"\r", b"\r\n"], ids=["LF", "CR", "CRLF"])
def test_line_ends(eol: bytes) -> None:
    body = eol.join([b"event: e", b"data: a", b"data: b", b"", b"data: c", b"", b""])
    assert_decodes(body, [ev("a\nb", "e"), ev("c")])


def test_mixed_line_ends() -> None:
    assert_decodes(b"data: a\r\ndata: b\rdata: c\n\r\ndata: d\r\r", [ev("a\nb\nc"), ev("d")])


def test_crlf_split_across_chunks_is_one_line_end() -> None:
    # If the LF after a chunk-final CR were a second line end, "a" would dispatch alone.
    assert decode(b"data: a\r", b"\ndata: b\r\n\r\n") == [ev("a\nb")]
    assert decode(b"data: a\r", b"", b"\n", b"", b"data: b\r\n\r", b"\n") == [ev("a\nb")]
    assert decode(b"data: a\r\n\r", b"\ndata: b\r\n\r\n") == [ev("a"), ev("b")]


def test_cr_then_cr_is_two_line_ends() -> None:
    assert decode(b"data: a\r", b"\rdata: b\r\r") == [ev("a"), ev("b")]


# -- BOM ------------------------------------------------------------------------------------

_BOM = b"\xef\xbb\xbf"


def test_leading_bom_is_stripped() -> None:
    assert_decodes(_BOM + b"data: x\n\n", [ev("x")])


def test_bom_split_over_chunks() -> None:
    assert decode(b"\xef", b"\xbb", b"\xbfdata: x\n\n") == [ev("x")]
    assert decode(b"\xef\xbb", b"\xbf", b"data: x\n\n") == [ev("x")]


def test_bom_alone_then_eof() -> None:
    assert decode(_BOM) == []
    assert decode(b"\xef\xbb") == []  # an incomplete BOM at EOF is an unknown field name


def test_only_the_first_bom_is_stripped() -> None:
    # A second BOM makes the first field name "\ufeffdata", which is not "data".
    assert_decodes(_BOM + _BOM + b"data: x\n\ndata: y\n\n", [ev("y")])


def test_not_a_bom_is_kept() -> None:
    # Two BOM bytes glued to "data" make an unknown field name: that line is ignored.
    assert decode(b"\xef\xbb", b"data: x\n\ndata: y\n\n") == [ev("y")]


def test_events_before_invalid_utf8_are_returned_then_the_error_raised() -> None:
    decoder = SSEDecoder()
    assert decoder.decode(b"data: a\n\ndata: \xff\n\ndata: b\n\n") == [ev("a")]
    assert isinstance(decoder.error, MalformedStreamError)
    with pytest.raises(MalformedStreamError):
        decoder.decode(b"data: c\n\n")
    with pytest.raises(MalformedStreamError):
        decoder.flush()


# -- end of stream --------------------------------------------------------------------------


def test_last_event_without_trailing_blank_line_is_flushed() -> None:
    assert_decodes(b"data: a\n\ndata: b\n", [ev("a"), ev("b")])
    assert_decodes(b"data: a\n\ndata: b", [ev("a"), ev("b")])
    assert_decodes(b"data: a\r\n\r\ndata: b\r", [ev("a"), ev("b")])


def test_flush_with_nothing_buffered() -> None:
    assert decode(b"") == []
    assert decode(b"data: a\n\n") == [ev("a")]
    assert decode(b": just a comment") == []


# -- UTF-8 ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["안녕하세요", "你好，世界", "🙂👍🏽", "naïve café", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢"])
def test_utf8_split_anywhere(text: str) -> None:
    body = f'data: {{"t": "{text}"}}\n\n'.encode()
    assert_decodes(body, [ev(f'{{"t": "{text}"}}')])


def test_u2028_and_u2029_are_not_line_breaks() -> None:
    data = '{"t": "a\u2028b\u2029c\x85d\x0be\x0cf\x1cg"}'
    assert_decodes(f"data: {data}\n\n".encode(), [ev(data)])


def test_invalid_utf8_is_a_malformed_stream() -> None:
    with pytest.raises(MalformedStreamError, match="UTF-8"):
        decode(b"data: \xff\xfe\n\n")
    with pytest.raises(MalformedStreamError):
        decode(b"event: \xc3\n", b"data: x\n\n")
    # Truncated multi-byte character at the end of the body.
    with pytest.raises(MalformedStreamError):
        decode("data: é".encode()[:-1])


def test_invalid_utf8_in_a_stream_becomes_parser_failure_with_partial() -> None:
    parser = StreamParser("chat")
    events = parser.feed(
        b'data: {"id":"c","choices":[{"index":0,"delta":{"content":"ok"}}]}\n\ndata: \xff\n\n'
    )
    assert [e.kind for e in events] == ["response_started", "text"]
    assert isinstance(parser.failure, MalformedStreamError)
    assert parser.failure.partial is not None and parser.failure.partial.text == "ok"


def test_invalid_utf8_inside_a_comment_is_ignored() -> None:
    assert_decodes(b": \xff\xfe\ndata: x\n\n", [ev("x")])


# -- property: any chunking of a valid stream gives the same events ---------------------------

_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
    max_size=30,
)
_field = st.one_of(
    st.tuples(st.just("data"), _text),
    st.tuples(st.just("event"), _text),
    st.tuples(st.just("id"), _text.filter(lambda s: "\x00" not in s)),
    st.tuples(st.just("retry"), st.integers(0, 10**6).map(str)),
    st.tuples(st.just(""), _text),  # a comment
)
_event = st.lists(_field, min_size=1, max_size=5)


def _render(events: list[list[tuple[str, str]]], eol: bytes, bom: bool, final_blank: bool) -> bytes:
    lines: list[bytes] = []
    for fields in events:
        for name, value in fields:
            lines.append(f"{name}: {value}".encode())
        lines.append(b"")
    if not final_blank and lines:
        lines.pop()
    return (b"\xef\xbb\xbf" if bom else b"") + eol.join(lines) + (eol if lines else b"")


@settings(max_examples=150, deadline=None)
@given(
    events=st.lists(_event, max_size=6),
    eol=st.sampled_from([b"\n", b"\r", b"\r\n"]),
    bom=st.booleans(),
    final_blank=st.booleans(),
    cuts=st.lists(st.integers(min_value=0), max_size=12),
)
def test_any_chunking_gives_the_same_events(
    events: list[list[tuple[str, str]]],
    eol: bytes,
    bom: bool,
    final_blank: bool,
    cuts: list[int],
) -> None:
    body = _render(events, eol, bom, final_blank)
    whole = decode(body)
    points = sorted({c % (len(body) + 1) for c in cuts})
    chunks = [body[a:b] for a, b in zip([0, *points], [*points, len(body)], strict=True)]
    assert decode(*chunks) == whole
    assert decode(*[body[i : i + 1] for i in range(len(body))]) == whole
    # And the same stream with LF line ends decodes to the same events.
    assert decode(_render(events, b"\n", False, final_blank)) == whole
    # Every event with a data field is dispatched, in order.
    expected_data = []
    for fields in events:
        data = [v for n, v in fields if n == "data"]
        if data:
            expected_data.append("\n".join(data))
    assert [e.data for e in whole] == expected_data


# -- property: raw byte soup against a plain reference reading of the spec ---------------------


def reference_decode(body: bytes) -> list[ServerSentEvent]:
    """The WHATWG algorithm read literally over the whole (valid UTF-8) body at once."""
    import re

    text = body.decode("utf-8")
    text = text.removeprefix("\ufeff")
    lines = re.split(r"\r\n|\r|\n", text)
    # A final line without a line end is still processed (our documented EOF flush).
    out: list[ServerSentEvent] = []
    data: list[str] = []
    event = ""
    last_id = ""
    retry: int | None = None
    for line in lines:
        if line == "":
            if data:
                out.append(ServerSentEvent(event or "message", "\n".join(data), last_id, retry))
            data, event = [], ""
            continue
        if line.startswith(":"):
            continue
        name, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if name == "data":
            data.append(value)
        elif name == "event":
            event = value
        elif name == "id" and "\x00" not in value:
            last_id = value
        elif name == "retry" and value and all(c in "0123456789" for c in value):
            retry = int(value)
    if data:
        out.append(ServerSentEvent(event or "message", "\n".join(data), last_id, retry))
    return out


_soup = st.lists(
    st.sampled_from(
        [
            b"data",
            b"event",
            b"id",
            b"retry",
            b":",
            b": ",
            b" ",
            b"\r",
            b"\n",
            b"\r\n",
            b"x",
            b"7",
            b"\x00",
            "é".encode(),
            "🙂".encode(),
            "\u2028".encode(),
            b"\xef\xbb\xbf",
        ]
    ),
    max_size=40,
).map(b"".join)


@settings(max_examples=300, deadline=None)
@given(body=_soup, cuts=st.lists(st.integers(min_value=0), max_size=10))
def test_byte_soup_matches_the_reference_under_any_chunking(body: bytes, cuts: list[int]) -> None:
    expected = reference_decode(body)
    points = sorted({c % (len(body) + 1) for c in cuts})
    chunks = [body[a:b] for a, b in zip([0, *points], [*points, len(body)], strict=True)]
    assert decode(body) == expected
    assert decode(*chunks) == expected
    assert decode(*[body[i : i + 1] for i in range(len(body))]) == expected
