"""Korean text helpers: particles (조사), names, dates and session numbers."""

from __future__ import annotations

import datetime as dt
import random

_HANGUL_FIRST = 0xAC00
_HANGUL_LAST = 0xD7A3
_RIEUL = 8  # index of ㄹ among the final consonants (종성)

# Sino-Korean readings of digits: True when the reading ends in a consonant, and whether it is ㄹ.
_DIGIT_FINAL = {
    "0": (True, False),
    "1": (True, True),
    "2": (False, False),
    "3": (True, False),
    "4": (False, False),
    "5": (False, False),
    "6": (True, False),
    "7": (True, True),
    "8": (True, True),
    "9": (False, False),
}

SURNAMES = (
    "김",
    "이",
    "박",
    "최",
    "정",
    "강",
    "조",
    "윤",
    "장",
    "임",
    "한",
    "오",
    "서",
    "신",
    "권",
    "황",
    "안",
    "송",
    "전",
    "홍",
    "유",
    "고",
    "문",
    "양",
    "손",
    "배",
    "백",
    "허",
    "남",
    "심",
)
_GIVEN = (
    "민",
    "서",
    "지",
    "현",
    "준",
    "영",
    "수",
    "은",
    "성",
    "혜",
    "진",
    "우",
    "태",
    "정",
    "희",
    "경",
    "상",
    "동",
    "재",
    "승",
    "윤",
    "주",
    "선",
    "미",
    "호",
    "석",
    "철",
    "용",
    "연",
    "하",
    "원",
    "기",
    "종",
    "명",
    "광",
    "혁",
    "훈",
    "숙",
    "인",
    "길",
)
WEEKDAYS = "월화수목금토일"
MARKS = "가나다라마바사아자차카타파하"  # the ordinal marks of items: 가., 나., 다., …


def _final(word: str) -> tuple[bool, bool]:
    """Whether the last pronounced syllable of ``word`` has a final consonant, and whether it is ㄹ."""
    for ch in reversed(word):
        code = ord(ch)
        if _HANGUL_FIRST <= code <= _HANGUL_LAST:
            jong = (code - _HANGUL_FIRST) % 28
            return jong != 0, jong == _RIEUL
        if ch in _DIGIT_FINAL:
            return _DIGIT_FINAL[ch]
        if ch in ")」』\"' ”’":
            continue
        if ch.isalpha():
            return ch.lower() in "lmnr", ch.lower() == "l"
    return False, False


def josa(word: str, pair: str) -> str:
    """Attach the particle of ``pair`` (e.g. "이/가", "은/는", "을/를", "과/와", "으로/로") that fits ``word``."""
    with_final, without_final = pair.split("/")
    has_final, is_rieul = _final(word)
    if pair == "으로/로":
        return word + ("로" if not has_final or is_rieul else "으로")
    return word + (with_final if has_final else without_final)


_DECLARATIVE = (
    ("이르렀음.", "이르렀다."),
    ("넘어섰음.", "넘어섰다."),
    ("떨어졌음.", "떨어졌다."),
    ("있음.", "있다."),
    ("넘음.", "넘는다."),
    ("어려움.", "어렵다."),
    ("큼.", "크다."),
    ("시급함.", "시급하다."),
    ("많음.", "많다."),
    ("요구됨.", "요구된다."),
)


def declarative(sentence: str) -> str:
    """A report-style sentence ("…있음.") in the plain style of a press release ("…있다.")."""
    for ending, plain in _DECLARATIVE:
        if sentence.endswith(ending):
            return sentence.removesuffix(ending) + plain
    return sentence


def person_name(rng: random.Random) -> str:
    """A plausible three-syllable Korean name."""
    return rng.choice(SURNAMES) + rng.choice(_GIVEN) + rng.choice(_GIVEN)


def person_names(rng: random.Random, count: int) -> list[str]:
    """``count`` distinct names."""
    names: list[str] = []
    while len(names) < count:
        name = person_name(rng)
        if name not in names:
            names.append(name)
    return names


def dot_date(day: dt.date) -> str:
    """The official short form, e.g. "2024. 6. 3."."""
    return f"{day.year}. {day.month}. {day.day}."


def long_date(day: dt.date, weekday: bool = False) -> str:
    """The long form, e.g. "2024년 6월 3일" or "2024년 6월 3일(월)"."""
    text = f"{day.year}년 {day.month}월 {day.day}일"
    return text + f"({WEEKDAYS[day.weekday()]})" if weekday else text


def month_date(day: dt.date) -> str:
    """The year-month form used under report titles, e.g. "2024. 11."."""
    return f"{day.year}. {day.month}."


def workday(day: dt.date) -> dt.date:
    """The same day or the next weekday."""
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def later(rng: random.Random, day: dt.date, low: int, high: int) -> dt.date:
    """A weekday between ``low`` and ``high`` days after ``day``."""
    return workday(day + dt.timedelta(days=rng.randint(low, high)))


def session(day: dt.date) -> tuple[int, str]:
    """The National Assembly session (회기) number and kind that a date falls in (22nd Assembly).

    One extraordinary session (임시회) a month, the regular session (정기회) from September to
    10 December, counted from 제415회 in June 2024.
    """
    regular = day.month >= 9 and (day.month < 12 or day.day <= 10)
    if regular:
        index = 8
    elif day.month == 12:
        index = 9
    else:
        index = day.month - 1
    number = 415 + (day.year - 2024) * 10 + index - 5
    return number, "정기회" if regular else "임시회"


def bill_number(rng: random.Random, day: dt.date) -> str:
    """A 22nd-Assembly bill number (의안번호) consistent with the date."""
    months = max(0, (day.year - 2024) * 12 + day.month - 6)
    return str(2200001 + months * 620 + rng.randint(0, 600))


def clock(hour: int, minute: int) -> str:
    """A time as written in minutes, e.g. "10시 03분"."""
    return f"{hour}시 {minute:02d}분"


def spaced(text: str) -> str:
    """Letter-spaced heading text, e.g. "심사보고서" -> "심 사 보 고 서"."""
    return " ".join(text.replace(" ", ""))
