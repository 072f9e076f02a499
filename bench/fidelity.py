"""Fidelity: what each contender delivers to the user, on the same real recorded streams.

Every streaming HTTP 200 recording in ``tests/recordings/wire``,
``tests/recordings/messages/wire`` and ``tests/recordings/gemini/wire`` is served verbatim
(the recorded bytes, one HTTP/1.1 chunk per SSE frame, ``text/event-stream``) from a local
server on 127.0.0.1, and streamed through each contender on the matching API:

- Chat Completions recordings: langchain-openai ``ChatOpenAI(use_responses_api=False)``,
  ``ChatLemonData(api="chat")``, llama-index ``OpenAI`` and ``LemonData(api="chat")``;
- Responses recordings: ``ChatOpenAI(use_responses_api=True)``,
  ``ChatLemonData(api="responses")``, llama-index ``OpenAIResponses`` and
  ``LemonData(api="responses")``;
- Anthropic Messages recordings: langchain-anthropic ``ChatAnthropic``,
  ``ChatLemonData(api="messages")``, llama-index ``Anthropic`` and
  ``LemonData(api="messages")``;
- Gemini recordings (``tests/recordings/gemini/wire``, SSE and JSON-array bodies):
  langchain-google-genai ``ChatGoogleGenerativeAI``, ``ChatLemonData(api="gemini")``,
  llama-index ``GoogleGenAI`` and ``LemonData(api="gemini")``.

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
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lemon_adapters.core.errors import LemonDataError

from .fidelity_server import frames, serving
from .fidelity_truth import (
    API_NAMES,
    APIS,
    CLAUDE_MODEL,
    GEMINI_MODEL,
    KEY,
    OUT,
    PEER_MODEL,
    TIMEOUT,
    WIRE,
    Truth,
    cross_check,
    raw_reading,
    recording,
    streaming_entries,
    truth_of,
)

#: This module's own names, and the ones the fidelity tests and report import from here.
__all__ = [
    "APIS",
    "API_NAMES",
    "CONTENDERS",
    "WIRE",
    "Cell",
    "Delivered",
    "Truth",
    "compare",
    "cross_check",
    "frames",
    "main",
    "raw_reading",
    "recording",
]

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
    if api == "gemini":
        return GEMINI_MODEL
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


def _lc_google(api: str, base_url: str) -> Any:
    from langchain_google_genai import ChatGoogleGenerativeAI

    # The google-genai SDK appends /v1beta/models/{model}:streamGenerateContent to its base.
    return ChatGoogleGenerativeAI(
        model=GEMINI_MODEL, api_key=KEY, base_url=_anthropic_base(base_url), timeout=TIMEOUT
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


def _li_google(api: str, base_url: str) -> Any:
    from llama_index.llms.google_genai import GoogleGenAI

    options = {"base_url": _anthropic_base(base_url), "timeout": int(TIMEOUT * 1000)}
    return GoogleGenAI(model=GEMINI_MODEL, api_key=KEY, http_options=options)


def _li_ours(api: str, base_url: str) -> Any:
    from lemon_adapters.llama_index import LemonData

    return LemonData(model=model_for(api), api=api, api_key=KEY, base_url=base_url, timeout=TIMEOUT)


OPENAI_APIS = ("chat", "responses")
CONTENDERS = (
    Contender("LC ChatOpenAI", "langchain", False, _lc_peer, run_langchain, OPENAI_APIS),
    Contender("LC ChatAnthropic", "langchain", False, _lc_anthropic, run_langchain, ("messages",)),
    Contender(
        "LC ChatGoogleGenerativeAI", "langchain", False, _lc_google, run_langchain, ("gemini",)
    ),
    Contender("LC ChatLemonData (ours)", "langchain", True, _lc_ours, run_langchain),
    Contender(
        "LI OpenAI/OpenAIResponses", "llama_index", False, _li_peer, run_llama_index, OPENAI_APIS
    ),
    Contender("LI Anthropic", "llama_index", False, _li_anthropic, run_llama_index, ("messages",)),
    Contender("LI GoogleGenAI", "llama_index", False, _li_google, run_llama_index, ("gemini",)),
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
    from .fidelity_probes import probes  # it drives this module's contenders
    from .fidelity_report import report  # it reads this module's cells

    md = report(cells, cross_check(), probes(), fragmented)
    md += f"\n_Run time: {time.perf_counter() - start:.1f} s._\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(md)
    print(md)


if __name__ == "__main__":
    main()
