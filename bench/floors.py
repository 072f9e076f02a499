"""Framework floors: what LangChain and LlamaIndex themselves cost for our adapters' chunks.

An adapter can be no cheaper than the core it runs on plus what the framework does with
each chunk object the adapter must hand it (LangChain: build the ``AIMessageChunk``, which
parses ``tool_call_chunks`` into ``tool_calls``, the callbacks, the id and metadata
stamping, the final merge; LlamaIndex: build the cumulative ``ChatResponse`` and its blocks,
the instrumentation event per chunk, the callback manager). The floors here pay exactly
that and nothing else: a minimal ``BaseChatModel`` and a minimal ``CustomLLM`` that replay
the chunks ``ChatLemonData`` / ``LemonData`` yield for the same scenario, with no network,
no parsing and no events to map.

How: :func:`langchain_floor` and :func:`llama_index_floor` stream the adapter once through
its public API (``stream``/``astream``, ``stream_chat``/``astream_chat``) and record every
chunk as the constructor calls that build it (:class:`Recorder`). Each distinct shape of
chunk becomes one small generated function, so rebuilding a chunk costs the constructors
and the literal dicts and lists the adapter also builds, not an interpreter walking a
recorded tree. Strings that grow from one chunk to the next (LlamaIndex's cumulative
text and arguments) are rebuilt by the same concatenation the adapter does, and a string
object shared within one chunk (the arguments in a ``ToolCallBlock`` and in
``additional_kwargs``) stays shared. Every rebuilt chunk is checked equal to the one
recorded, so a floor that drifted from the adapter fails at capture, never silently.
"""

from __future__ import annotations

import asyncio
import copy
import enum
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Iterator, Sequence
from typing import Any

from pydantic import BaseModel

#: Strings at least this long that extend the previous chunk's string at the same place
#: are stored as the new suffix and rebuilt by concatenation (shorter ones are stored
#: whole: copying them costs nothing measurable, and deltas are never mistaken for growth).
GROW = 64

#: The message fields LangChain's ``AIMessageChunk`` is built from (the rest, such as
#: ``tool_calls``, it derives from these).
LC_FIELDS = (
    "content",
    "additional_kwargs",
    "tool_call_chunks",
    "usage_metadata",
    "response_metadata",
    "chunk_position",
    "id",
)

Build = Callable[[tuple[Any, ...], list[str]], Any]


class Replay:
    """A recorded stream: ``steps`` of (builder, arguments), one per chunk, in order.

    ``build(args, state)`` returns a fresh object; ``state`` (from :meth:`state`, one per
    stream) holds the previous chunk's long strings for those that grow.
    """

    __slots__ = ("slots", "steps")

    def __init__(self, steps: list[tuple[Build, tuple[Any, ...]]], slots: int) -> None:
        self.steps = steps
        self.slots = slots

    def state(self) -> list[str]:
        return [""] * self.slots


class Recorder:
    """Turns objects into generated constructor calls, one chunk at a time.

    ``fields(obj)`` names the fields to pass when rebuilding a pydantic model (the ones
    its constructor was given). Dicts with string keys and lists become literals; ``None``,
    booleans and integers constants; floats, enums and strings arguments; anything else is
    deep-copied per rebuild (not met in our adapters' chunks). A string of at least
    :data:`GROW` characters gets a slot in the stream's state, keyed by where it sits in
    the chunk, so the next chunk's string at the same place can be built from it.
    """

    def __init__(self, fields: Callable[[BaseModel], Iterable[str]]) -> None:
        self._fields = fields
        self._names: dict[str, Any] = {"_copy": copy.deepcopy}
        self._classes: dict[type, str] = {}
        self._shapes: dict[str, Build] = {}
        self._slots: dict[tuple[Any, ...], int] = {}
        self._prev: dict[int, str] = {}
        self._check: list[str] = []
        self.steps: list[tuple[Build, tuple[Any, ...]]] = []
        # per chunk being recorded: its arguments, statements, shared and long strings
        self._args: list[Any] = []
        self._lines: list[str] = []
        self._shared: dict[int, str] = {}
        self._cur: dict[int, str] = {}

    def add(self, obj: Any) -> None:
        """Record one chunk and check that rebuilding it gives an equal object."""
        self._args, self._lines, self._shared, self._cur = [], [], {}, {}
        expr = self._expr(obj, ())
        source = "def build(a, s):\n" + "".join(f"    {line}\n" for line in self._lines)
        source += f"    return {expr}\n"
        build = self._shapes.get(source)
        if build is None:
            space = dict(self._names)
            exec(compile(source, f"<floor shape {len(self._shapes)}>", "exec"), space)
            build = self._shapes[source] = space["build"]
        args = tuple(self._args)
        self._check += [""] * (len(self._slots) - len(self._check))
        if build(args, self._check) != obj:
            raise RuntimeError(f"floor rebuild differs from the recorded chunk: {obj!r}")
        self.steps.append((build, args))
        self._prev = self._cur

    def replay(self) -> Replay:
        return Replay(self.steps, len(self._slots))

    def _arg(self, value: Any) -> str:
        self._args.append(value)
        return f"a[{len(self._args) - 1}]"

    def _expr(self, value: Any, path: tuple[Any, ...]) -> str:
        if value is None or type(value) in (bool, int):
            return repr(value)
        if type(value) is str:
            return self._string(value, path)
        if isinstance(value, (enum.Enum, float, bytes)):
            return self._arg(value)
        if type(value) is list:
            return "[" + ", ".join(self._expr(v, (*path, i)) for i, v in enumerate(value)) + "]"
        if type(value) is dict and all(type(k) is str for k in value):
            items = (f"{k!r}: {self._expr(v, (*path, k))}" for k, v in value.items())
            return "{" + ", ".join(items) + "}"
        if isinstance(value, BaseModel):
            cls = type(value)
            name = self._classes.get(cls)
            if name is None:
                name = self._classes[cls] = f"C{len(self._classes)}_{cls.__name__}"
                self._names[name] = cls
            kwargs = (
                f"{f}={self._expr(getattr(value, f), (*path, f))}"
                for f in sorted(self._fields(value))
            )
            return f"{name}({', '.join(kwargs)})"
        return f"_copy({self._arg(value)})"

    def _string(self, value: str, path: tuple[Any, ...]) -> str:
        shared = self._shared.get(id(value))
        if shared is not None:
            return shared
        if len(value) < GROW:
            return self._arg(value)
        slot = self._slots.setdefault(path, len(self._slots))
        prev = self._prev.get(slot)
        var = f"v{len(self._shared)}"
        if prev is not None and value.startswith(prev):
            self._lines.append(f"{var} = s[{slot}] = s[{slot}] + {self._arg(value[len(prev) :])}")
        else:
            self._lines.append(f"{var} = s[{slot}] = {self._arg(value)}")
        self._shared[id(value)] = var
        self._cur[slot] = value
        return var


def _in_new_loop(coro: Coroutine[Any, Any, None]) -> None:
    """Run ``coro`` in a loop of its own (the bench's runner is not running here)."""
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(coro)
    finally:
        loop.close()


# -- LangChain -------------------------------------------------------------------------


def _langchain_fields(obj: BaseModel) -> list[str]:
    from langchain_core.messages import AIMessageChunk

    if not isinstance(obj, AIMessageChunk):
        return ["message"]  # ChatGenerationChunk: generation_info is never set by ours
    return [f for f in LC_FIELDS if f == "content" or getattr(obj, f) not in (None, {}, [])]


def capture_langchain(llm: Any, prompt: str, is_async: bool) -> Replay:
    """What ``llm.stream(prompt)`` (or ``astream``) yields, recorded for rebuilding.

    The framework stamps an ``lc_run-`` id on chunks that have none and copies
    ``response_metadata``; the id is left out (the floor's framework stamps its own), so
    the record is exactly the chunks the adapter's ``_stream`` yielded.
    """
    from langchain_core.messages import AIMessageChunk
    from langchain_core.outputs import ChatGenerationChunk
    from langchain_core.utils.utils import LC_ID_PREFIX

    rec = Recorder(_langchain_fields)

    def add(message: AIMessageChunk) -> None:
        kwargs = {f: getattr(message, f) for f in LC_FIELDS}
        if str(kwargs["id"] or "").startswith(LC_ID_PREFIX):
            kwargs["id"] = None
        rec.add(ChatGenerationChunk(message=AIMessageChunk(**copy.deepcopy(kwargs))))

    if is_async:

        async def consume() -> None:
            async for message in llm.astream(prompt):
                add(message)
            await llm.aclose()

        _in_new_loop(consume())
    else:
        for message in llm.stream(prompt):
            add(message)
        llm.close()
    return rec.replay()


def langchain_floor(llm: Any, prompt: str, is_async: bool) -> Any:
    """A ``BaseChatModel`` whose stream is the chunks ``llm`` yields for ``prompt``."""
    from langchain_core.callbacks import (
        AsyncCallbackManagerForLLMRun,
        CallbackManagerForLLMRun,
    )
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage
    from langchain_core.outputs import ChatGenerationChunk, ChatResult
    from pydantic import PrivateAttr

    class LangChainFloor(BaseChatModel):
        """Replays recorded chunks: fresh ``AIMessageChunk``/``ChatGenerationChunk``
        objects per yield, ``on_llm_new_token`` per chunk, as ``ChatLemonData`` does."""

        _replay: Replay = PrivateAttr()

        @property
        def _llm_type(self) -> str:
            return "lemon-bench-floor"

        def _generate(
            self,
            messages: list[BaseMessage],
            stop: list[str] | None = None,
            run_manager: CallbackManagerForLLMRun | None = None,
            **kwargs: Any,
        ) -> ChatResult:
            raise NotImplementedError("the floor only streams")

        def _stream(
            self,
            messages: list[BaseMessage],
            stop: list[str] | None = None,
            run_manager: CallbackManagerForLLMRun | None = None,
            **kwargs: Any,
        ) -> Iterator[ChatGenerationChunk]:
            replay = self._replay
            state = replay.state()
            for build, args in replay.steps:
                chunk = build(args, state)
                if run_manager:
                    run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk

        async def _astream(
            self,
            messages: list[BaseMessage],
            stop: list[str] | None = None,
            run_manager: AsyncCallbackManagerForLLMRun | None = None,
            **kwargs: Any,
        ) -> AsyncIterator[ChatGenerationChunk]:
            replay = self._replay
            state = replay.state()
            for build, args in replay.steps:
                chunk = build(args, state)
                if run_manager:
                    await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk

    floor = LangChainFloor()
    floor._replay = capture_langchain(llm, prompt, is_async)
    return floor


# -- LlamaIndex ------------------------------------------------------------------------


def _set_fields(obj: BaseModel) -> set[str]:
    return obj.model_fields_set


def capture_llama_index(llm: Any, messages: Sequence[Any], is_async: bool) -> Replay:
    """What ``llm.stream_chat(messages)`` (or ``astream_chat``) yields, recorded.

    Each ``ChatResponse`` is recorded with the fields its constructor was given
    (``model_fields_set``), down to the message's blocks, as it arrives, so a long stream
    of cumulative messages is never held whole.
    """
    rec = Recorder(_set_fields)
    if is_async:

        async def consume() -> None:
            async for response in await llm.astream_chat(messages):
                rec.add(response)
            await llm.aclose()

        _in_new_loop(consume())
    else:
        for response in llm.stream_chat(messages):
            rec.add(response)
        llm.close()
    return rec.replay()


def llama_index_floor(llm: Any, messages: Sequence[Any], is_async: bool) -> Any:
    """A ``CustomLLM`` whose ``stream_chat``/``astream_chat`` yield what ``llm`` yields."""
    from llama_index.core.base.llms.types import (
        ChatMessage,
        ChatResponse,
        ChatResponseAsyncGen,
        ChatResponseGen,
        CompletionResponse,
        CompletionResponseGen,
        LLMMetadata,
    )
    from llama_index.core.llms import CustomLLM
    from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
    from pydantic import PrivateAttr

    class LlamaIndexFloor(CustomLLM):
        """Replays recorded responses through ``llm_chat_callback``-decorated stream
        methods, as ``LemonData``'s are: fresh cumulative objects per chunk."""

        _replay: Replay = PrivateAttr()

        @property
        def metadata(self) -> LLMMetadata:
            return LLMMetadata(is_chat_model=True, model_name="lemon-bench-floor")

        @llm_completion_callback()
        def complete(
            self, prompt: str, formatted: bool = False, **kwargs: Any
        ) -> CompletionResponse:
            raise NotImplementedError("the floor only streams chat")

        @llm_completion_callback()
        def stream_complete(
            self, prompt: str, formatted: bool = False, **kwargs: Any
        ) -> CompletionResponseGen:
            raise NotImplementedError("the floor only streams chat")

        def _gen(self) -> Iterator[ChatResponse]:
            replay = self._replay
            state = replay.state()
            for build, args in replay.steps:
                yield build(args, state)

        async def _agen(self) -> AsyncIterator[ChatResponse]:
            replay = self._replay
            state = replay.state()
            for build, args in replay.steps:
                yield build(args, state)

        @llm_chat_callback()
        def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
            return self._gen()  # type: ignore[return-value]

        @llm_chat_callback()
        async def astream_chat(
            self, messages: Sequence[ChatMessage], **kwargs: Any
        ) -> ChatResponseAsyncGen:
            return self._agen()  # type: ignore[return-value]

    floor = LlamaIndexFloor()
    floor._replay = capture_llama_index(llm, messages, is_async)
    return floor
