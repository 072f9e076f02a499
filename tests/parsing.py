"""Whole-body parsing for tests: a stream body or a non-streamed answer at once, through the
same :class:`~lemon_adapters.core.wire.parser.StreamParser` the clients drive."""

from __future__ import annotations

from typing import Any

from lemon_adapters.core.events import Api
from lemon_adapters.core.wire.parser import StreamParser


def parse_body(api: Api, body: bytes) -> StreamParser:
    """Parse a whole stream body at once. Check ``failure`` on the result."""
    parser = StreamParser(api)
    parser.feed(body)
    parser.close()
    return parser


def events_from_object(api: Api, obj: Any) -> StreamParser:
    """Parse a whole non-streamed JSON answer. Check ``failure`` on the result."""
    parser = StreamParser(api)
    parser.feed_json(obj)
    return parser
