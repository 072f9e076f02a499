"""Text samples for measuring :func:`lemon_adapters.core.tokens.count_tokens` (see tokens.py).

Written for this purpose (no third-party text): everyday prose, support chat, technical
documentation, numbers and dates, lists, a little code and markup, in each language, so the
estimate is measured on what people send to a chat model, not on one style.
"""

from __future__ import annotations

ENGLISH = [
    "Hello! Can you help me plan a three-day trip to Lisbon in early May?",
    "The quick brown fox jumps over the lazy dog while the farmer watches from the porch.",
    "Lemons are citrus fruits rich in vitamin C. Their juice is about five percent citric "
    "acid, which gives them a sour taste, and the zest is used in baking and perfume.",
    "To reset your password, open Settings, choose Security, and click 'Forgot password'. "
    "We will email you a link that expires after 30 minutes.",
    "Our Q3 revenue grew 14.7% year over year to $2,381,000, while operating costs fell "
    "by 3.2%. Headcount was 184 on September 30, 2024.",
    "Photosynthesis converts light energy into chemical energy: plants absorb carbon "
    "dioxide and water and, using sunlight, produce glucose and release oxygen.",
    "I'm sorry, but I can't find an order with that number. Could you double-check the "
    "confirmation email and send me the eight-digit code that starts with 'LD'?",
    "def fibonacci(n: int) -> int:\n    if n < 2:\n        return n\n"
    "    return fibonacci(n - 1) + fibonacci(n - 2)\n",
    "Install the package with `pip install lemon-adapters`, then set LEMONDATA_API_KEY "
    'and call ChatLemonData(model="gpt-4o-mini").invoke("Hi").',
    "Shopping list:\n- 2 lemons\n- 1 kg flour\n- 6 eggs\n- butter (unsalted)\n- sugar\n",
    "The committee postponed its decision, citing insufficient evidence and the need for "
    "further consultation with stakeholders across all affected municipalities.",
    "Neural networks approximate functions by composing linear transformations with "
    "non-linear activations; backpropagation computes gradients efficiently.",
    '{"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}',
    "Meeting notes - 14:00 UTC. Attendees: Ana, Bo, Chen. Decisions: ship v2.1 on "
    "Friday; freeze the API; Bo owns the migration guide.",
    "Once upon a time, in a village at the edge of a great forest, there lived an old "
    "clockmaker who could repair anything except his own broken heart.",
    "Error 429: rate limit exceeded. Retry after 8 seconds or upgrade your plan.",
    "Characterization of electrochemical impedance spectroscopy measurements requires "
    "careful calibration, particularly at frequencies below one hertz.",
    "What's the difference between a list and a tuple in Python? When should I use each?",
]

KOREAN = [
    "안녕하세요! 다음 주 서울 여행 일정을 짜는 것을 도와주실 수 있나요?",
    "대한민국의 수도는 서울이며, 인구는 약 천만 명입니다.",
    "비밀번호를 재설정하려면 설정에서 보안을 선택한 뒤 '비밀번호 찾기'를 누르세요. "
    "30분 동안 유효한 링크를 이메일로 보내 드립니다.",
    "레몬은 비타민 C가 풍부한 감귤류 과일로, 즙에는 구연산이 약 5% 들어 있어 신맛이 납니다.",
    "죄송하지만 해당 번호로 된 주문을 찾을 수 없습니다. 확인 메일에 있는 여덟 자리 코드를 "
    "다시 보내 주시겠어요?",
    "광합성은 빛 에너지를 화학 에너지로 바꾸는 과정으로, 식물은 이산화탄소와 물을 흡수하여 "
    "포도당을 만들고 산소를 내보냅니다.",
    "3분기 매출은 전년 대비 14.7% 증가한 23억 8천만 원을 기록했습니다.",
    "회의록 - 오후 2시. 참석자: 민수, 지영, 현우. 결정 사항: 금요일에 2.1 버전을 배포하고 "
    "API를 동결한다.",
    "옛날 옛적 깊은 숲 가장자리의 작은 마을에 무엇이든 고칠 수 있는 늙은 시계공이 살았습니다.",
    "파이썬에서 리스트와 튜플의 차이는 무엇인가요? 각각 언제 사용해야 하나요?",
    "인공 신경망은 선형 변환과 비선형 활성화 함수를 여러 층으로 쌓아 복잡한 함수를 근사합니다.",
    "장보기 목록:\n- 레몬 2개\n- 밀가루 1kg\n- 달걀 6개\n- 무염 버터\n",
    "요청 한도를 초과했습니다. 8초 후에 다시 시도하거나 요금제를 업그레이드하세요.",
    "위원회는 증거가 충분하지 않다는 이유로 결정을 미루고, 관련 지자체와 추가로 협의하기로 했다.",
    "한국어는 교착어로서 조사와 어미가 발달해 있으며, 존댓말 체계가 매우 정교합니다.",
    "오늘 날씨가 정말 좋네요. 점심 먹고 한강 공원에 산책하러 갈까요?",
]

CHINESE = [
    "你好！你能帮我规划一下下个月去北京的三天行程吗？",
    "中华人民共和国的首都是北京，人口超过两千万。",
    "要重置密码，请打开设置，选择安全，然后点击“忘记密码”。我们会发送一个三十分钟内有效的链接。",
    "柠檬是富含维生素C的柑橘类水果，果汁中约含百分之五的柠檬酸，因此味道很酸。",
    "很抱歉，我找不到这个编号的订单。请您再检查一下确认邮件，并把八位数的订单号发给我。",
    "光合作用是把光能转化为化学能的过程：植物吸收二氧化碳和水，利用阳光合成葡萄糖并释放氧气。",
    "第三季度营收同比增长14.7%，达到238.1万元，运营成本下降3.2%。",
    "会议纪要——下午两点。参会人：小王、小李、小陈。决定：周五发布2.1版本，冻结接口。",
    "从前，在一片大森林边上的小村庄里，住着一位什么都能修好的老钟表匠。",
    "在Python中，列表和元组有什么区别？分别应该在什么时候使用？",
    "神经网络通过将线性变换与非线性激活函数逐层组合来逼近复杂函数，反向传播可以高效地计算梯度。",
    "购物清单：\n- 柠檬2个\n- 面粉1公斤\n- 鸡蛋6个\n- 无盐黄油\n",
    "请求次数超过限制。请在8秒后重试，或升级您的套餐。",
    "委员会以证据不足为由推迟了决定，并表示将与各相关地方政府进一步协商。",
    "汉字是世界上最古老的文字之一，至今仍被数以亿计的人使用。",
    "今天天气真好，吃完午饭我们去公园散散步吧？",
]

JAPANESE = [
    "こんにちは！来週の東京旅行の計画を手伝ってもらえますか？",
    "日本の首都は東京で、人口は約千四百万人です。",
    "パスワードを再設定するには、設定からセキュリティを選び、「パスワードを忘れた」を押してください。",
    "レモンはビタミンCが豊富な柑橘類で、果汁には約5%のクエン酸が含まれています。",
    "申し訳ありませんが、その番号のご注文が見つかりません。確認メールをもう一度ご確認ください。",
    "ひらがなとカタカナと漢字を組み合わせて文章を書きます。",
    "今日はいい天気ですね。お昼ご飯のあと、公園を散歩しませんか？",
    "ニューラルネットワークは線形変換と非線形活性化関数を組み合わせて複雑な関数を近似します。",
]

#: Written after the coefficients were fitted on the samples above, and never used to fit
#: them: the held-out figures in bench/tokens.py.
HELD_OUT: dict[str, list[str]] = {
    "English": [
        "Could you summarize this article in three bullet points for a busy executive?",
        "The bridge was closed for repairs after inspectors found cracks in two of its "
        "supporting cables; traffic is being diverted through the northern tunnel.",
        "for item in orders:\n    total += item.price * item.quantity\nprint(total)\n",
        "Temperatures will reach 31°C on Tuesday, with a 40% chance of thunderstorms.",
        "She hadn't expected the interview to go so well, but they'd already offered her "
        "the job before she left the building.",
        "Quantum error correction encodes logical qubits redundantly across many physical "
        "qubits to protect fragile superpositions from decoherence.",
    ],
    "Korean": [
        "이 기사를 바쁜 임원을 위해 세 줄로 요약해 주실 수 있나요?",
        "점검 결과 지지 케이블 두 곳에서 균열이 발견되어 다리가 보수 공사로 폐쇄되었습니다.",
        "화요일 기온은 31도까지 오르겠고, 뇌우가 내릴 확률은 40%입니다.",
        "그녀는 면접이 그렇게 잘 될 줄 몰랐지만, 건물을 나서기도 전에 합격 통보를 받았다.",
        "양자 오류 정정은 논리 큐비트를 여러 물리 큐비트에 중복으로 인코딩하여 결어긋남으로부터 "
        "보호합니다.",
        "주문 내역을 확인해 보니 배송이 하루 늦어질 예정입니다. 불편을 드려 죄송합니다.",
    ],
    "Chinese": [
        "你能把这篇文章总结成三条要点，方便忙碌的高管阅读吗？",
        "检查人员发现两根支撑缆索出现裂缝后，这座桥已封闭维修，车辆改走北侧隧道。",
        "周二气温将达到31°C，出现雷阵雨的概率为40%。",
        "她没想到面试会这么顺利，还没走出大楼就收到了录用通知。",
        "量子纠错把逻辑量子比特冗余地编码到许多物理量子比特上，以防止脆弱的叠加态发生退相干。",
        "我查了一下您的订单，配送预计会晚一天，给您带来不便，非常抱歉。",
    ],
}

SAMPLES: dict[str, list[str]] = {
    "English": ENGLISH,
    "Korean": KOREAN,
    "Chinese": CHINESE,
    "Japanese": JAPANESE,
}
