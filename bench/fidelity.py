"""Fidelity: what each contender delivers to the user, on the same real recorded streams.

Every streaming HTTP 200 recording in ``tests/recordings/wire`` and
``tests/recordings/messages/wire`` is served verbatim (the recorded bytes, one HTTP/1.1
chunk per SSE frame, ``text/event-stream``) from a local server on 127.0.0.1, and streamed
through each contender on the matching API:

- Chat Completions recordings: langchain-openai ``ChatOpenAI(use_responses_api=False)``,
  ``ChatLemonData(api="chat")``, llama-index ``OpenAI`` and ``LemonData(api="chat")``;
- Responses recordings: ``ChatOpenAI(use_responses_api=True)``,
  ``ChatLemonData(api="responses")``, llama-index ``OpenAIResponses`` and
  ``LemonData(api="responses")``;
- Anthropic Messages recordings: langchain-anthropic ``ChatAnthropic``,
  ``ChatLemonData(api="messages")``, llama-index ``Anthropic`` and
  ``LemonData(api="messages")``.

The ground truth of a recording is the core parser's result (``StreamParser``), cross-checked
for a few recordings against an independent reading of the raw bytes (below). Per cell:
text, reasoning, refusal, tool calls (name and parsed arguments, in order), usage reported
in the stream, and whether an in-stream error is raised as a typed error. Three behaviour
probes follow: an unknown model name, streamed usage on Chat Completions by default, and a
503 with ``Retry-After: 0`` before a successful stream (the first and the last on Messages
too).

Run: ``python -m bench.fidelity`` (offline; writes ``bench/results/fidelity.md``). Peer
packages are imported lazily, so :func:`compare` also runs with only the ``dev`` extra for
our own adapters (``tests/test_fidelity_smoke.py``).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from lemon_adapters.core.errors import LemonDataError
from lemon_adapters.core.wire.parser import StreamParser

ROOT = Path(__file__).resolve().parent.parent
WIRE = ROOT / "tests" / "recordings" / "wire"
MESSAGES_WIRE = ROOT / "tests" / "recordings" / "messages" / "wire"
#: The APIs, in report order, and the folder of each one's recordings.
APIS = ("chat", "responses", "messages")
API_NAMES = {"chat": "Chat Completions", "responses": "Responses", "messages": "Anthropic Messages"}
OUT = Path(__file__).resolve().parent / "results" / "fidelity.md"
KEY = "sk-fidelity-test"
#: Peers validate model names; the server ignores the name.
PEER_MODEL = "gpt-4o-mini"
#: The name given on Messages (llama-index's ``Anthropic`` looks it up for its context
#: window, so it must be one the installed version knows).
CLAUDE_MODEL = "claude-sonnet-4-5"
TIMEOUT = 20.0


# -- recordings and ground truth ------------------------------------------------------------


def streaming_entries() -> list[dict[str, Any]]:
    """The index entries of every streaming HTTP 200 recording, each with its ``path``."""
    out = []
    for folder in (WIRE, MESSAGES_WIRE):
        index: list[dict[str, Any]] = json.loads((folder / "index.json").read_text())
        out += [
            {**e, "path": folder / e["file"]}
            for e in index
            if e.get("stream") and e["status"] == 200
        ]
    return out


def recording(name: str) -> Path:
    """The path of a recorded body, in either folder."""
    return (MESSAGES_WIRE if name.startswith("msg__") else WIRE) / name


def api_of(name: str) -> str:
    """The API of a recorded body, from its name's prefix."""
    return {"chat": "chat", "resp": "responses", "msg": "messages"}[name.split("__", 1)[0]]


@dataclass
class Truth:
    """What a faithful client delivers for one recording."""

    text: str
    reasoning: str
    refusal: str
    calls: list[tuple[str, Any]]
    usage: tuple[int, int] | None
    error: bool


def truth_of(api: str, body: bytes) -> Truth:
    """The core parser's reading of ``body``."""
    parser = StreamParser(api)  # type: ignore[arg-type]
    parser.feed(body)
    parser.close()
    r = parser.result
    return Truth(
        text=r.text,
        reasoning=r.reasoning,
        refusal=r.refusal,
        calls=[(c.name or "", c.args) for c in r.tool_calls],
        usage=(r.usage.input_tokens, r.usage.output_tokens) if r.usage else None,
        error=parser.failure is not None,
    )


def _data_payloads(body: bytes) -> Iterator[Any]:
    for line in body.decode("utf-8").splitlines():
        if line.startswith("data:"):
            data = line[5:].strip()
            if data and data != "[DONE]":
                yield json.loads(data)


def raw_reading(api: str, body: bytes) -> Truth:
    """An independent, deliberately naive reading of the raw bytes (for plain recordings).

    Chat Completions: ``choices[0].delta`` content / reasoning_content / tool_calls by index
    and the last ``usage``. Responses: the terminal response object's ``output`` and usage.
    Messages: the ``text_delta`` and ``thinking_delta`` texts, the ``tool_use`` blocks with
    their ``input_json_delta`` pieces joined, and the last input and output counts seen
    (``message_start``, then ``message_delta``).
    """
    if api == "messages":
        return _messages_reading(body)
    if api == "chat":
        text, reasoning, usage = "", "", None
        calls: dict[int, list[str]] = {}
        for obj in _data_payloads(body):
            if obj.get("usage"):
                usage = (obj["usage"]["prompt_tokens"], obj["usage"]["completion_tokens"])
            for choice in obj.get("choices") or []:
                if choice.get("index", 0) != 0:
                    continue
                delta = choice.get("delta") or {}
                text += delta.get("content") or ""
                reasoning += delta.get("reasoning_content") or delta.get("reasoning") or ""
                for tc in delta.get("tool_calls") or []:
                    slot = calls.setdefault(tc.get("index", 0), ["", ""])
                    fn = tc.get("function") or {}
                    slot[0] += fn.get("name") or ""
                    slot[1] += fn.get("arguments") or ""
        parsed = [(n, json.loads(a) if a else {}) for _, (n, a) in sorted(calls.items())]
        return Truth(text, reasoning, "", parsed, usage, False)
    final: dict[str, Any] = {}
    for obj in _data_payloads(body):
        if obj.get("type") in ("response.completed", "response.incomplete"):
            final = obj["response"]
    text, reasoning, out_calls = "", "", []
    for item in final.get("output") or []:
        if item["type"] == "message":
            text += "".join(p.get("text", "") for p in item["content"])
        elif item["type"] == "function_call":
            out_calls.append((item["name"], json.loads(item["arguments"] or "{}")))
        elif item["type"] == "reasoning":
            reasoning += "".join(p["text"] for p in item.get("summary") or [])
            reasoning += "".join(p["text"] for p in item.get("content") or [])
    u = final.get("usage")
    usage = (u["input_tokens"], u["output_tokens"]) if u else None
    return Truth(text, reasoning, "", out_calls, usage, False)


def _messages_reading(body: bytes) -> Truth:
    text, reasoning = "", ""
    blocks: dict[int, list[str]] = {}  # index -> [type, name, json]
    counts: dict[str, int] = {}
    for obj in _data_payloads(body):
        kind = obj.get("type")
        if kind == "message_start":
            counts.update(obj["message"].get("usage") or {})
        elif kind == "content_block_start":
            block = obj["content_block"]
            blocks[obj["index"]] = [block["type"], block.get("name") or "", ""]
        elif kind == "content_block_delta":
            delta = obj["delta"]
            text += delta.get("text", "") if delta["type"] == "text_delta" else ""
            reasoning += delta.get("thinking", "") if delta["type"] == "thinking_delta" else ""
            if delta["type"] == "input_json_delta":
                blocks[obj["index"]][2] += delta["partial_json"]
        elif kind == "message_delta":
            counts.update(obj.get("usage") or {})
    calls = [
        (name, json.loads(args) if args else {})
        for _, (kind, name, args) in sorted(blocks.items())
        if kind == "tool_use"
    ]
    usage = (counts["input_tokens"], counts["output_tokens"]) if counts else None
    return Truth(text, reasoning, "", calls, usage, False)


#: Plain recordings whose ground truth is cross-checked against :func:`raw_reading`.
CROSS_CHECK = (
    "chat__openai_gpt-4__text+include_usage__otel-contrib__0.body",
    "chat__deepseek_reasoner__reasoning_content__pydantic-ai__0.body",
    "chat__openai_gpt-4o__parallel-tools__openai-python__0.body",
    "chat__xai_grok-3-mini__reasoning_content+tool__fantasy__0.body",
    "resp__openai_gpt-4o__parallel-tools__fantasy__0.body",
    "resp__openai_gpt-5__reasoning-summary+tool__fantasy__1.body",
    "resp__openai_gpt-4o__single-tool__fantasy__1.body",
    "msg__anthropic_claude-sonnet-4__text__fantasy__0.body",
    "msg__anthropic_claude-sonnet-4__parallel-tools__fantasy__0.body",
    "msg__anthropic_claude-sonnet-4__thinking+signature__pydantic-ai__0.body",
    "msg__vertex-anthropic_claude-3.7-sonnet__tool-loop-ping-first__fantasy__0.body",
)


def cross_check() -> list[tuple[str, bool, str]]:
    """(file, agrees, what differs) for each :data:`CROSS_CHECK` recording."""
    out = []
    for name in CROSS_CHECK:
        api = api_of(name)
        body = recording(name).read_bytes()
        ours, raw = truth_of(api, body), raw_reading(api, body)
        diffs = [
            f
            for f in ("text", "reasoning", "calls", "usage")
            if getattr(ours, f) != getattr(raw, f)
        ]
        out.append((name, not diffs, ", ".join(diffs)))
    return out


# -- the local server -----------------------------------------------------------------------


def frames(body: bytes) -> list[bytes]:
    """``body`` cut after each blank line (LF or CRLF framing); the pieces join to ``body``."""
    out, start, i = [], 0, 0
    while True:
        lf, crlf = body.find(b"\n\n", i), body.find(b"\r\n\r\n", i)
        cands = [(p, n) for p, n in ((lf, 2), (crlf, 4)) if p >= 0]
        if not cands:
            break
        pos, n = min(cands)
        out.append(body[start : pos + n])
        start = i = pos + n
    if start < len(body):
        out.append(body[start:])
    return out


def random_pieces(body: bytes, seed: int) -> list[bytes]:
    """``body`` cut at seeded random offsets 1 to 64 bytes apart; the pieces join to ``body``."""
    rng = random.Random(seed)
    out, i = [], 0
    while i < len(body):
        n = rng.randint(1, 64)
        out.append(body[i : i + n])
        i += n
    return out


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Replay

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        parts = self.path.split("/")
        key = parts[2] if len(parts) > 2 and parts[1] == "r" else ""
        try:
            req = json.loads(raw)
        except ValueError:
            req = None
        with self.server.lock:
            self.server.requests.setdefault(key, []).append(req)
            attempt = len(self.server.requests[key])
        route = self.server.routes.get(key)
        if route is None:
            self._send_json(404, {"error": {"message": f"no route {key!r}", "type": "x"}})
            return
        pieces, fail_first, spec_usage = route
        if attempt <= fail_first:
            self._send_json(
                503,
                {"error": {"message": "upstream busy", "type": "service_unavailable"}},
                {"Retry-After": "0"},
            )
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        asked = bool(((req or {}).get("stream_options") or {}).get("include_usage"))
        for frame in pieces:
            if spec_usage and not asked and _usage_only(frame):
                continue  # as the OpenAI spec says: no usage chunk unless asked for
            self.wfile.write(b"%x\r\n%s\r\n" % (len(frame), frame))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _send_json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)


def _usage_only(frame: bytes) -> bool:
    """A Chat Completions frame that carries only usage (``choices: []``)."""
    text = frame.decode("utf-8", "replace").strip()
    if not text.startswith("data:") or text.endswith("[DONE]"):
        return False
    try:
        obj = json.loads(text[5:])
    except ValueError:
        return False
    return isinstance(obj, dict) and obj.get("choices") == [] and bool(obj.get("usage"))


class Replay(ThreadingHTTPServer):
    """Serves recorded bodies verbatim at ``/r/<key>/v1/...`` on 127.0.0.1."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.routes: dict[str, tuple[list[bytes], int, bool]] = {}
        self.requests: dict[str, list[Any]] = {}
        self._n = 0

    def route(
        self,
        body: bytes,
        *,
        fail_first: int = 0,
        spec_usage: bool = False,
        split_seed: int | None = None,
    ) -> tuple[str, str]:
        """A fresh route serving ``body``: (key, base_url).

        Args:
            body: the recorded bytes, served verbatim.
            fail_first: answer the first requests with 503 and ``Retry-After: 0``.
            spec_usage: drop the usage-only chunk unless the request asked for it
                (``stream_options.include_usage``), as an OpenAI-compatible server does.
            split_seed: instead of one HTTP chunk per SSE frame, cut the body at seeded
                random offsets (1 to 64 bytes: frames and UTF-8 characters split).
        """
        pieces = frames(body) if split_seed is None else random_pieces(body, split_seed)
        with self.lock:
            self._n += 1
            key = f"k{self._n}"
            self.routes[key] = (pieces, fail_first, spec_usage)
        return key, f"http://127.0.0.1:{self.server_address[1]}/r/{key}/v1"


@contextmanager
def serving() -> Iterator[Replay]:
    """A running :class:`Replay` server, shut down on exit."""
    server = Replay()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


# -- what a contender delivered -------------------------------------------------------------


@dataclass
class Delivered:
    """What one contender handed the user for one stream."""

    text: str = ""
    final_text: str | None = None
    reasoning: str = ""
    refusal: str = ""
    calls: list[tuple[str, Any]] = field(default_factory=list)
    usage: tuple[Any, Any] | None = None
    error: BaseException | None = None

    @property
    def partial_usage(self) -> tuple[Any, Any] | None:
        """Usage kept on the raised error's ``partial`` result (ours), if any."""
        partial = getattr(self.error, "partial", None)
        usage = getattr(partial, "usage", None)
        return (usage.input_tokens, usage.output_tokens) if usage is not None else None


def _typed(exc: BaseException | None) -> bool:
    """A documented API error class (ours, the openai or the anthropic SDK's), not a stray
    exception."""
    if exc is None:
        return False
    if isinstance(exc, LemonDataError):
        return True
    for sdk in ("openai", "anthropic"):
        module = sys.modules.get(sdk)
        if module is not None and isinstance(exc, module.APIError):
            return True
    return False


def _lc_reasoning(msg: Any) -> str:
    reasoning = msg.additional_kwargs.get("reasoning_content")
    if reasoning:
        return str(reasoning)
    parts: list[str] = []
    if isinstance(msg.content, list):
        for block in msg.content:
            if isinstance(block, dict) and block.get("type") == "thinking":  # langchain-anthropic
                parts.append(str(block.get("thinking") or ""))
            if isinstance(block, dict) and block.get("type") == "reasoning":
                if isinstance(block.get("reasoning"), str):
                    parts.append(block["reasoning"])
                for s in block.get("summary") or []:
                    parts.append(s.get("text", ""))
                for c in block.get("content") or []:
                    parts.append(c.get("text", ""))
    if parts:
        return "".join(parts)
    legacy = msg.additional_kwargs.get("reasoning")  # langchain-openai output_version v0
    if isinstance(legacy, dict):
        return "".join(s.get("text", "") for s in legacy.get("summary") or [])
    return ""


def run_langchain(model: Any) -> Delivered:
    """Stream through a LangChain chat model; aggregate the chunks with ``+``."""
    from langchain_core.messages import HumanMessage

    out = Delivered()
    agg = None
    try:
        for chunk in model.stream([HumanMessage("hi")]):
            agg = chunk if agg is None else agg + chunk
            out.text += chunk.text
    except Exception as exc:
        out.error = exc
    if agg is not None:
        out.final_text = agg.text
        out.reasoning = _lc_reasoning(agg)
        out.refusal = str(agg.additional_kwargs.get("refusal") or "")
        out.calls = [(c["name"], c["args"]) for c in agg.tool_calls]
        out.calls += [(c.get("name") or "", "<invalid>") for c in agg.invalid_tool_calls]
        um = agg.usage_metadata
        if um:
            out.usage = (um.get("input_tokens"), um.get("output_tokens"))
    return out


def _li_usage(resp: Any) -> tuple[Any, Any] | None:
    kw = resp.additional_kwargs or {}
    if kw.get("prompt_tokens") is not None or kw.get("completion_tokens") is not None:
        return (kw.get("prompt_tokens"), kw.get("completion_tokens"))
    u = kw.get("usage")
    if u is None:  # llama-index Anthropic: a dict on the message
        u = (getattr(resp.message, "additional_kwargs", None) or {}).get("usage")
    if isinstance(u, dict):
        return (u.get("input_tokens"), u.get("output_tokens"))
    if u is not None:
        return (getattr(u, "input_tokens", None), getattr(u, "output_tokens", None))
    return None


def run_llama_index(llm: Any) -> Delivered:
    """Stream through a LlamaIndex LLM; the last response is the final message."""
    from llama_index.core.base.llms.types import ChatMessage, ThinkingBlock

    out = Delivered()
    last = None
    streamed_thinking = ""
    try:
        for resp in llm.stream_chat([ChatMessage(role="user", content="hi")]):
            last = resp
            out.text += resp.delta or ""
            streamed_thinking += (resp.additional_kwargs or {}).get("thinking_delta") or ""
            usage = _li_usage(resp)
            if usage is not None:
                out.usage = usage
    except Exception as exc:
        out.error = exc
    if last is not None:
        out.final_text = last.message.content or ""
        thinking = [b.content or "" for b in last.message.blocks if isinstance(b, ThinkingBlock)]
        out.reasoning = "".join(thinking) or streamed_thinking
        try:
            selections = llm.get_tool_calls_from_response(last, error_on_no_tool_call=False)
            out.calls = [(s.tool_name, s.tool_kwargs) for s in selections]
        except Exception as exc:
            out.calls = [("<error>", repr(exc))]
    else:
        out.reasoning = streamed_thinking
    return out


# -- contenders -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Contender:
    """One way a user streams a recording: a label, a factory, a runner and the APIs it
    speaks (each recording goes to the contenders of its API)."""

    name: str
    family: str  # "langchain" | "llama_index"
    ours: bool
    make: Callable[[str, str], Any]  # (api, base_url) -> model
    run: Callable[[Any], Delivered]
    apis: tuple[str, ...] = APIS


def model_for(api: str) -> str:
    """The model name a contender is given on ``api`` (the server ignores it)."""
    return CLAUDE_MODEL if api == "messages" else PEER_MODEL


def _anthropic_base(base_url: str) -> str:
    """The anthropic SDK appends ``/v1/messages`` to its base URL."""
    return base_url.removesuffix("/v1")


def _lc_peer(api: str, base_url: str) -> Any:
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=PEER_MODEL,
        base_url=base_url,
        api_key=KEY,
        use_responses_api=api == "responses",
        timeout=TIMEOUT,
    )


def _lc_anthropic(api: str, base_url: str) -> Any:
    from langchain_anthropic import ChatAnthropic

    return ChatAnthropic(  # type: ignore[call-arg]
        model=CLAUDE_MODEL, base_url=_anthropic_base(base_url), api_key=KEY, timeout=TIMEOUT
    )


def _lc_ours(api: str, base_url: str) -> Any:
    from lemon_adapters.langchain import ChatLemonData

    return ChatLemonData(
        model=model_for(api), api=api, api_key=KEY, base_url=base_url, timeout=TIMEOUT
    )


def _li_peer(api: str, base_url: str) -> Any:
    if api == "responses":
        from llama_index.llms.openai import OpenAIResponses

        return OpenAIResponses(model=PEER_MODEL, api_base=base_url, api_key=KEY, timeout=TIMEOUT)
    from llama_index.llms.openai import OpenAI

    return OpenAI(model=PEER_MODEL, api_base=base_url, api_key=KEY, timeout=TIMEOUT)


def _li_anthropic(api: str, base_url: str) -> Any:
    from llama_index.llms.anthropic import Anthropic

    return Anthropic(
        model=CLAUDE_MODEL, base_url=_anthropic_base(base_url), api_key=KEY, timeout=TIMEOUT
    )


def _li_ours(api: str, base_url: str) -> Any:
    from lemon_adapters.llama_index import LemonData

    return LemonData(model=model_for(api), api=api, api_key=KEY, base_url=base_url, timeout=TIMEOUT)


OPENAI_APIS = ("chat", "responses")
CONTENDERS = (
    Contender("LC ChatOpenAI", "langchain", False, _lc_peer, run_langchain, OPENAI_APIS),
    Contender("LC ChatAnthropic", "langchain", False, _lc_anthropic, run_langchain, ("messages",)),
    Contender("LC ChatLemonData (ours)", "langchain", True, _lc_ours, run_langchain),
    Contender(
        "LI OpenAI/OpenAIResponses", "llama_index", False, _li_peer, run_llama_index, OPENAI_APIS
    ),
    Contender("LI Anthropic", "llama_index", False, _li_anthropic, run_llama_index, ("messages",)),
    Contender("LI LemonData (ours)", "llama_index", True, _li_ours, run_llama_index),
)


# -- scoring --------------------------------------------------------------------------------


@dataclass
class Cell:
    """One contender on one recording, scored against the truth."""

    file: str
    contender: str
    got: Delivered
    truth: Truth
    requests: int
    api: str = ""
    text_ok: bool = False
    reasoning_ok: bool = False
    calls_ok: bool = False
    usage_ok: bool = False
    error_ok: bool = False
    notes: list[str] = field(default_factory=list)

    def score(self) -> Cell:
        g, t = self.got, self.truth
        # A refusal has no channel in LlamaIndex; text + refusal in the text is faithful there.
        texts = {t.text, t.text + t.refusal} if t.refusal else {t.text}
        self.text_ok = g.text in texts and (g.final_text is None or g.final_text in texts)
        if g.final_text is not None and g.final_text != g.text:
            self.notes.append(f"final text {len(g.final_text)} != streamed {len(g.text)}")
        if t.refusal:
            got_refusal = g.refusal == t.refusal or g.text == t.text + t.refusal
            self.notes.append("refusal delivered" if got_refusal else "refusal lost")
            self.text_ok = self.text_ok and got_refusal
        # Several reasoning summary parts are joined with a separator of each library's
        # choosing ("", "\n", "\n\n"); that is not a loss, so it counts as a match.
        self.reasoning_ok = g.reasoning == t.reasoning
        if not self.reasoning_ok and "".join(g.reasoning.split()) == "".join(t.reasoning.split()):
            self.reasoning_ok = True
            self.notes.append(
                f"reasoning equal up to whitespace ({len(g.reasoning)} vs {len(t.reasoning)} chars)"
            )
        self.calls_ok = calls_match(g.calls, t.calls)
        self.usage_ok = g.usage == t.usage
        if not self.usage_ok and t.error and g.partial_usage == t.usage:
            self.usage_ok = True
            self.notes.append("usage kept on the raised error's .partial")
        if t.error:
            self.error_ok = _typed(g.error)
        else:
            self.error_ok = g.error is None
        if g.error is not None:
            kind = "typed" if _typed(g.error) else "untyped"
            msg = str(g.error).splitlines()[0][:80] if str(g.error) else ""
            self.notes.append(f"raised {kind} {type(g.error).__name__}: {msg}")
        elif t.error:
            self.notes.append("in-stream error NOT raised (silent partial result)")
        if self.requests != 1:
            self.notes.append(f"{self.requests} requests")
        return self


def calls_match(got: list[tuple[str, Any]], truth: list[tuple[str, Any]]) -> bool:
    """The same runnable (name, parsed arguments) calls, in order. A call whose arguments
    do not parse (cut by the output limit) is right when it is marked invalid
    (``"<invalid>"``) or withheld, and wrong when it is handed over as a call to run."""
    runnable = [(name, args) for name, args in truth if args is not None]
    cut = [name for name, args in truth if args is None]
    got_runnable = [(name, args) for name, args in got if args != "<invalid>"]
    got_invalid = [name for name, args in got if args == "<invalid>"]
    return (
        got_runnable == runnable
        and all(got_invalid.count(n) <= cut.count(n) for n in cut)
        and set(got_invalid) <= set(cut)
    )


def _tokens(usage: tuple[Any, Any]) -> int:
    return sum(n for n in usage if isinstance(n, int))


def _close(obj: Any) -> None:
    # Our models own an httpx pool; closing it leaves no socket for the GC to warn about.
    close = getattr(obj, "close", None)
    if callable(close):
        close()


def _run(c: Contender, api: str, url: str, model: str | None = None) -> Delivered:
    obj = None
    try:
        obj = c.make(api, url)
        if model is not None:
            obj = _renamed(obj, model)
        return c.run(obj)
    except Exception as exc:  # construction failed: still a cell
        return Delivered(error=exc)
    finally:
        if obj is not None:
            _close(obj)


def compare(
    files: list[str] | None = None,
    contenders: tuple[Contender, ...] = CONTENDERS,
    *,
    split_seed: int | None = None,
) -> list[Cell]:
    """Stream each recording through each contender; one scored :class:`Cell` per pair.

    ``split_seed``: serve the bytes in random 1-64 byte HTTP chunks instead of one per frame.
    """
    entries = streaming_entries()
    if files is not None:
        entries = [e for e in entries if e["file"] in files]
    cells = []
    with serving() as server:
        for e in entries:
            body = e["path"].read_bytes()
            truth = truth_of(e["api"], body)
            for c in contenders:
                if e["api"] not in c.apis:
                    continue
                key, url = server.route(body, split_seed=split_seed)
                got = _run(c, e["api"], url)
                n = len(server.requests.get(key, []))
                cells.append(Cell(e["file"], c.name, got, truth, n, e["api"]).score())
    return cells


# -- behaviour probes -----------------------------------------------------------------------

_TEXT = "chat__openai_gpt-4__text+include_usage__otel-contrib__0.body"
_RESP_TEXT = "resp__openai_gpt-4o__text__fantasy__0.body"
_MSG_TEXT = "msg__anthropic_claude-sonnet-4__text__fantasy__0.body"


def _probe_cells(
    server: Replay,
    body: bytes,
    api: str,
    fail_first: int,
    model: str | None,
    spec_usage: bool = False,
) -> list[tuple[str, int, Delivered, list[Any]]]:
    rows = []
    for c in CONTENDERS:
        if api not in c.apis:
            continue
        key, url = server.route(body, fail_first=fail_first, spec_usage=spec_usage)
        got = _run(c, api, url, model)
        reqs = server.requests.get(key, [])
        rows.append((c.name, len(reqs), got, reqs))
    return rows


def _renamed(obj: Any, model: str) -> Any:
    # Re-create with the probe's model name: constructors are where peers validate.
    if hasattr(obj, "model_copy") and obj.__class__.__module__.startswith("langchain"):
        return obj.__class__(**{**_lc_init(obj), "model": model})
    return obj.__class__(**{**_li_init(obj), "model": model})


def _lc_init(obj: Any) -> dict[str, Any]:
    if obj.__class__.__name__ == "ChatAnthropic":
        return {"base_url": obj.anthropic_api_url, "api_key": KEY, "timeout": TIMEOUT}
    base = {"base_url": str(getattr(obj, "openai_api_base", None) or obj.base_url)}
    if obj.__class__.__name__ == "ChatOpenAI":
        return {**base, "api_key": KEY, "use_responses_api": obj.use_responses_api}
    return {**base, "api_key": KEY, "api": obj.api, "timeout": TIMEOUT}


def _li_init(obj: Any) -> dict[str, Any]:
    if obj.__class__.__name__ in ("OpenAI", "OpenAIResponses"):
        return {"api_base": obj.api_base, "api_key": KEY, "timeout": TIMEOUT}
    if obj.__class__.__name__ == "Anthropic":
        return {"base_url": obj.base_url, "api_key": KEY, "timeout": TIMEOUT}
    return {"base_url": obj.base_url, "api": obj.api, "api_key": KEY, "timeout": TIMEOUT}


def probes() -> dict[str, list[tuple[str, str]]]:
    """The three behaviour probes: {probe title: [(contender, finding)]}."""
    out: dict[str, list[tuple[str, str]]] = {}
    with serving() as server:
        text = (WIRE / _TEXT).read_bytes()
        rtext = (WIRE / _RESP_TEXT).read_bytes()
        mtext = (MESSAGES_WIRE / _MSG_TEXT).read_bytes()
        bodies = (("chat", text), ("responses", rtext), ("messages", mtext))
        for model in ("claude-sonnet-4-5", "deepseek-v3.2-exp"):
            rows = []
            for api, body in bodies:
                for name, n, got, _ in _probe_cells(server, body, api, 0, model):
                    if got.error is not None:
                        what = f"raised {type(got.error).__name__} ({str(got.error)[:70]})"
                    else:
                        what = f"streamed {len(got.text)} chars"
                    sent = "request sent" if n else "NO request sent"
                    rows.append((f"{name} [{api}]", f"{sent}; {what}"))
            out[f"(a) model name `{model}` (peers check names against their own tables)"] = rows
        rows = []
        for name, _, got, reqs in _probe_cells(server, text, "chat", 0, None, spec_usage=True):
            opts = (reqs[0] or {}).get("stream_options") if reqs else None
            asked = bool(opts and opts.get("include_usage"))
            what = "usage requested" if asked else "usage NOT requested"
            has = f"usage delivered {got.usage}" if got.usage else "NO usage delivered"
            rows.append((name, f"{what} (`stream_options`: `{json.dumps(opts)}`); {has}"))
        out[
            "(b) Chat Completions, custom base_url, default settings: usage requested? "
            "(the server sends the usage chunk only when asked, as the OpenAI spec says)"
        ] = rows
        rows = []
        for api, body in bodies:
            for name, n, got, _ in _probe_cells(server, body, api, 1, None):
                ok = got.error is None and bool(got.text)
                res = "stream OK" if ok else f"FAILED ({type(got.error).__name__})"
                rows.append((f"{name} [{api}]", f"{n} attempts; {res}"))
        out["(c) 503 + Retry-After: 0, then success (default retries)"] = rows
    return out


def main(argv: list[str] | None = None) -> None:
    """Run the comparison and the probes; write and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--seed", type=int, default=1, help="random fragmentation seed")
    args = parser.parse_args(argv)
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)  # peers log retries and callback errors
    start = time.perf_counter()
    cells = compare()
    fragmented = compare(split_seed=args.seed)
    from .fidelity_report import report  # it reads this module's cells

    md = report(cells, cross_check(), probes(), fragmented)
    md += f"\n_Run time: {time.perf_counter() - start:.1f} s._\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(md)
    print(md)


if __name__ == "__main__":
    main()
