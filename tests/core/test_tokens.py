"""The dependency-free token estimate: close to exact counts in English, Korean and Chinese,
and computed offline without tiktoken, transformers or any vocabulary file."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

import pytest

from lemon_adapters.core.tokens import (
    IMAGE_TOKENS,
    apportion,
    count_message_tokens,
    count_tokens,
)

# Exact ``o200k_base`` counts (tiktoken 0.14.0), from ``bench/tokens.py``'s held-out samples:
# texts the estimator's coefficients were not fitted on.
EXACT: dict[str, list[tuple[str, int]]] = {
    "English": [
        ("Could you summarize this article in three bullet points for a busy executive?", 14),
        (
            "The bridge was closed for repairs after inspectors found cracks in two of its "
            "supporting cables; traffic is being diverted through the northern tunnel.",
            26,
        ),
        ("for item in orders:\n    total += item.price * item.quantity\nprint(total)\n", 17),
        ("Temperatures will reach 31°C on Tuesday, with a 40% chance of thunderstorms.", 19),
    ],
    "Korean": [
        ("이 기사를 바쁜 임원을 위해 세 줄로 요약해 주실 수 있나요?", 20),
        ("점검 결과 지지 케이블 두 곳에서 균열이 발견되어 다리가 보수 공사로 폐쇄되었습니다.", 28),
        ("화요일 기온은 31도까지 오르겠고, 뇌우가 내릴 확률은 40%입니다.", 28),
        ("그녀는 면접이 그렇게 잘 될 줄 몰랐지만, 건물을 나서기도 전에 합격 통보를 받았다.", 29),
    ],
    "Chinese": [
        ("你能把这篇文章总结成三条要点，方便忙碌的高管阅读吗？", 23),
        ("检查人员发现两根支撑缆索出现裂缝后，这座桥已封闭维修，车辆改走北侧隧道。", 32),
        ("周二气温将达到31°C，出现雷阵雨的概率为40%。", 18),
        ("她没想到面试会这么顺利，还没走出大楼就收到了录用通知。", 22),
    ],
}


def relative_errors(language: str) -> list[float]:
    return [abs(count_tokens(text) - exact) / exact for text, exact in EXACT[language]]


@pytest.mark.disable_socket
@pytest.mark.parametrize(("language", "mean", "worst"), [
    ("English", 0.12, 0.25),
    ("Korean", 0.15, 0.25),
    ("Chinese", 0.20, 0.35),
])  # fmt: skip
def test_close_to_exact_counts(language: str, mean: float, worst: float) -> None:
    errors = relative_errors(language)
    assert statistics.mean(errors) <= mean and max(errors) <= worst, errors


@pytest.mark.disable_socket
def test_scripts_are_charged_by_their_density() -> None:
    assert count_tokens("") == 0
    assert count_tokens(" ") == 1
    assert count_tokens("hello") == 1
    assert count_tokens("hello world") == 2
    assert count_tokens("can't") == 2  # "can" + "'t"
    assert count_tokens("1234567") == 3  # digits in threes
    assert count_tokens("안녕하세요") == round(0.6 + 0.55 * 5)
    assert count_tokens("你好世界") == round(0.72 * 4)
    assert count_tokens("ひらがな") == round(0.3 + 0.65 * 4)
    # A Korean or Chinese sentence costs far more per character than an English one.
    english = "The weather is nice today."
    korean = "오늘 날씨가 좋네요."
    chinese = "今天天气很好。"
    assert count_tokens(english) / len(english) < 0.3
    assert count_tokens(korean) / len(korean) > 0.5
    assert count_tokens(chinese) / len(chinese) > 0.6


@pytest.mark.disable_socket
def test_odd_text_never_fails() -> None:
    for text in ["🙂🙂", "\ud800", "\x00\x01", "a" * 10_000, "\n\n\n", "---", "é" * 50]:
        assert count_tokens(text) >= 1


@pytest.mark.disable_socket
def test_message_framing_follows_the_cookbook() -> None:
    hello = count_tokens("Hello!")
    user = count_tokens("user")
    assert count_message_tokens([]) == 3
    assert count_message_tokens([{"role": "user", "content": "Hello!"}]) == 3 + 3 + user + hello
    named = count_message_tokens([{"role": "user", "name": "ana", "content": "Hello!"}])
    assert named == 3 + 3 + user + hello + 1 + count_tokens("ana")
    parts = [
        {"type": "text", "text": "Hello!"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
    ]
    assert count_message_tokens([{"role": "user", "content": parts}]) == (
        3 + 3 + user + hello + IMAGE_TOKENS
    )
    call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": {"a": 1}}}
    assistant = {"role": "assistant", "content": None, "tool_calls": [call]}
    expected = 3 + 3 + count_tokens("assistant") + count_tokens("f") + count_tokens('{"a": 1}')
    assert count_message_tokens([assistant]) == expected
    tool = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
    with_tools = count_message_tokens([assistant], tools=[tool])
    assert with_tools == expected + count_tokens(json.dumps(tool))


@pytest.mark.disable_socket
@pytest.mark.parametrize(
    ("total", "weights", "shares"),
    [
        (10, [1, 1], [5, 5]),
        (10, [1, 2, 2], [2, 4, 4]),
        (7, [1, 1, 1], [3, 2, 2]),
        (5, [0, 0], [3, 2]),
        (0, [3, 4], [0, 0]),
        (3, [], []),
    ],
)
def test_apportion_adds_up_exactly(total: int, weights: list[float], shares: list[int]) -> None:
    assert apportion(total, weights) == shares
    assert sum(apportion(total, weights)) == (total if weights else 0)


def test_nothing_heavy_is_imported() -> None:
    """The estimator, and the tokenizer hook, load neither tiktoken nor transformers (no
    vocabulary files, no downloads)."""
    code = (
        "import sys\n"
        "from lemon_adapters.core.tokens import count_tokens, count_message_tokens\n"
        "count_tokens('안녕하세요 hello 你好')\n"
        "count_message_tokens([{'role': 'user', 'content': 'x'}])\n"
        "from lemon_adapters.llama_index import tokenizer\n"
        "tokenizer('hello')\n"
        "heavy = [m for m in ('tiktoken', 'transformers', 'tokenizers') if m in sys.modules]\n"
        "sys.exit(f'imported: {heavy}' if heavy else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr + done.stdout
