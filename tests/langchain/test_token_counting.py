"""Token counting on ChatLemonData: local estimates, never a download (LangChain's default
would load GPT-2's tokenizer through ``transformers``)."""

from __future__ import annotations

import sys

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.messages.utils import trim_messages
from langchain_core.tools import tool

from lemon_adapters.core.tokens import count_message_tokens, count_tokens
from lemon_adapters.langchain import ChatLemonData

KEY = "sk-test-token-counting-0123456789"


def model() -> ChatLemonData:
    # A base URL nothing listens on: counting must not need a server either.
    return ChatLemonData(model="gpt-4o-mini", api_key=KEY, base_url="http://127.0.0.1:9/v1")


@tool
def get_weather(city: str) -> str:
    """Weather for a city."""
    return "sunny"


CONVERSATION = [
    SystemMessage("You are terse."),
    HumanMessage("서울 날씨는 어때요? 내일 우산이 필요할까요?"),
    AIMessage(
        "",
        tool_calls=[{"id": "call_1", "name": "get_weather", "args": {"city": "Seoul"}}],
    ),
    ToolMessage("sunny, 21°C", tool_call_id="call_1"),
    AIMessage("맑아요. 우산은 필요 없어요."),
    HumanMessage("上海呢？明天会下雨吗？"),
]


def test_text_counts_are_the_local_estimate() -> None:
    llm = model()
    for text in ["Hello, world!", "안녕하세요, 반갑습니다.", "今天天气很好。", ""]:
        assert llm.get_num_tokens(text) == count_tokens(text)
    assert llm.get_num_tokens("Hello, world!") == 4  # o200k_base says 4 as well
    assert "transformers" not in sys.modules


def test_message_counts_include_framing_tool_calls_and_tools() -> None:
    llm = model()
    bare = llm.get_num_tokens_from_messages(CONVERSATION)
    texts = sum(count_tokens(str(m.content)) for m in CONVERSATION)
    assert bare > texts + 3 * len(CONVERSATION)  # framing per message, the call's arguments
    with_tools = llm.get_num_tokens_from_messages(CONVERSATION, tools=[get_weather])
    assert with_tools > bare + count_tokens("get_weather")
    assert bare == count_message_tokens(
        [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": CONVERSATION[1].content},
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city": "Seoul"}'},
                    }
                ],
            },
            {"role": "tool", "content": "sunny, 21°C", "tool_call_id": "call_1"},
            {"role": "assistant", "content": CONVERSATION[4].content},
            {"role": "user", "content": CONVERSATION[5].content},
        ]
    )


def test_trim_messages_with_the_model_as_counter() -> None:
    llm = model()
    total = llm.get_num_tokens_from_messages(CONVERSATION)
    kept = trim_messages(
        CONVERSATION,
        max_tokens=total - 10,
        token_counter=llm,
        strategy="last",
        include_system=True,
        start_on="human",
    )
    assert kept[0] == CONVERSATION[0]  # the system message stays
    assert kept[-1] == CONVERSATION[-1]
    assert len(kept) < len(CONVERSATION)
    assert llm.get_num_tokens_from_messages(kept) <= total - 10
    everything = trim_messages(CONVERSATION, max_tokens=total, token_counter=llm)
    assert everything == CONVERSATION
    assert "transformers" not in sys.modules
