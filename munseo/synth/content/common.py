"""What the document builders share: the per-document context, styles, bills and their amendments."""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from munseo.synth.difficulty import Difficulty
from munseo.synth.fonts import GOTHIC_BOLD, MYEONGJO, MYEONGJO_BOLD
from munseo.synth.korean import MARKS, bill_number, josa, later, person_name, person_names, session, workday
from munseo.synth.layout import (
    UNDERLINE_END,
    UNDERLINE_START,
    Align,
    Block,
    Cell,
    PageTemplate,
    Style,
    Table,
    para,
)
from munseo.synth.vocab import (
    GENERIC_DEBATE,
    GENERIC_OPINIONS,
    GENERIC_REASONS,
    INSTITUTIONS,
    Institution,
    Topic,
    institution,
    own_topics,
    shared_topics,
)

T = TypeVar("T")
_NUMBER = re.compile(r"\{(\d+)-(\d+)\}")
_FIRST_DAY = dt.date(2024, 6, 10)
_DAYS = 640


@dataclass
class Document:
    """What a builder returns: blocks to lay out, the page template and the key fields."""

    blocks: list[Block]
    template: PageTemplate
    fields: dict[str, str]


@dataclass(frozen=True)
class Bill:
    """A bill; ``institution`` is the field its subject belongs to (whose laws it amends)."""

    number: str
    law: str
    kind: str
    proposer: str
    cosponsors: tuple[str, ...]
    proposed: dt.date
    topic: Topic
    institution: Institution

    @property
    def title(self) -> str:
        """The bill's title: "고등교육법 일부개정법률안" (or "…에 관한 법률안" for a new law)."""
        return f"{self.law}안" if self.kind == "제정" else f"{self.law} {self.kind}법률안"

    @property
    def act(self) -> str:
        """The title of the law as enacted ("고등교육법 일부개정법률")."""
        return self.title[:-1]

    @property
    def by_government(self) -> bool:
        return self.proposer == "정부"

    @property
    def sponsor(self) -> str:
        """Who brought the bill, as titles show it: "홍길동의원 대표발의" or "정부 제출"."""
        return "정부 제출" if self.by_government else f"{self.proposer}의원 대표발의"

    @property
    def proposers(self) -> str:
        """The key field 제안자: "홍길동의원 등 12인" or "정부"."""
        return "정부" if self.by_government else f"{self.proposer}의원 등 {len(self.cosponsors) + 1}인"

    @property
    def listing(self) -> str:
        """How agendas and minutes list the bill."""
        return f"{self.title}({self.sponsor})(의안번호 {self.number})"


@dataclass(frozen=True)
class Amendment:
    """One change a bill makes: what it does, its operative clauses and its 신ㆍ구조문 pair.

    ``action`` is the stem both "…함" and "…하려는 것임" are made from ("…분리하도록 ", "…상향").
    """

    number: int
    title: str
    action: str
    reference: str
    clauses: tuple[str, ...]
    current: tuple[str, ...]
    amended: tuple[str, ...]

    @property
    def summary(self) -> str:
        return f"{self.action}함"

    @property
    def purpose(self) -> str:
        return f"{self.action}하려는 것"


class Styles:
    """The styles of one document, scaled by a per-document factor so that layouts vary."""

    def __init__(self, scale: float) -> None:
        self.scale = scale
        s = scale
        self.body = Style(MYEONGJO, 12.5 * s, 1.72, "justify", first=12.5 * s, after=4 * s)
        self.heading = Style(GOTHIC_BOLD, 14 * s, 1.5, "left", before=14 * s, after=4 * s)
        self.title = Style(MYEONGJO_BOLD, 20 * s, 1.4, "center")

    def bullet(self, level: int, size: float = 12.5) -> Style:
        """A "□" (0), "○" (1) or "-" (2) item: hanging indent under the text after the mark."""
        s = self.scale
        return Style(
            MYEONGJO, size * s, 1.72, "justify", indent=(0, 14, 28)[level] * s, before=(8, 3, 1)[level] * s, hang=1
        )

    def plain(
        self,
        size: float,
        font: str = MYEONGJO,
        align: Align = "left",
        leading: float = 1.5,
        hang: int = 0,
        **spacing: float,
    ) -> Style:
        """A style of ``size`` points (scaled); ``spacing`` (indent, first, right, before, after) scaled too."""
        s = self.scale
        return Style(font, size * s, leading, align, hang=hang, **{k: v * s for k, v in spacing.items()})


class Context:
    """The random choices of one document, drawn from its own seeded generator."""

    def __init__(self, rng: random.Random, label: str, difficulty: Difficulty) -> None:
        self.rng = rng
        self.inst = institution(label)
        self.difficulty = difficulty
        # Whether this document names its institution where naming it is optional, and the field
        # its main subject comes from (one shared with a neighbour, or another institution's when
        # the document is confusable).
        self.named = rng.random() < difficulty.explicit
        self.shared = shared_topics(self.inst) if rng.random() < difficulty.shared else ()
        if self.shared:
            self.topic_inst, self.topic = rng.choice(self.shared)
        else:
            self.topic_inst = self.foreign() if rng.random() < difficulty.confusable else self.inst
            self.topic = rng.choice(own_topics(self.topic_inst))
        self.date = workday(_FIRST_DAY + dt.timedelta(days=rng.randrange(_DAYS)))
        self.styles = Styles(rng.uniform(0.93, 1.05))
        # Most documents are short; some run long (a big bill, a long meeting): a multiplier of counts.
        self.length = rng.choices((1, 2, 3), weights=(62, 26, 12))[0]
        self.template = PageTemplate(
            top=rng.uniform(56, 70), bottom=rng.uniform(58, 70), left=rng.uniform(56, 70), right=rng.uniform(56, 70)
        )

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, items: Sequence[T]) -> T:
        return self.rng.choice(items)

    def name(self) -> str:
        return person_name(self.rng)

    def names(self, count: int) -> list[str]:
        return person_names(self.rng, count)

    def share(self, count: int) -> int:
        """How many of ``count`` subject sentences to keep at this difficulty (at least one)."""
        return max(1, round(count * self.difficulty.subject))

    def other(self) -> tuple[Institution, Topic]:
        """A secondary topic: another institution's with probability ``foreign``, else one of the shared
        subjects when the document's subject is shared, else one of the institution's own."""
        if self.chance(self.difficulty.foreign):
            inst = self.foreign()
            return inst, self.pick(own_topics(inst))
        if self.shared:
            return self.pick(self.shared)
        return self.inst, self.pick(own_topics(self.inst))

    def foreign(self) -> Institution:
        """Any institution other than this document's."""
        return institution(self.pick([label for label in INSTITUTIONS if label != self.inst.label]))

    def context_sentence(self, inst: Institution | None = None) -> str:
        """A background sentence of the institution's field, its "{lo-hi}" numbers drawn at random."""
        template = self.pick((inst or self.topic_inst).contexts)

        def number(match: re.Match[str]) -> str:
            value = self.rng.randint(int(match[1]), int(match[2]))
            return f"{value:,}" if value >= 10000 else str(value)

        return _NUMBER.sub(number, template)

    def main_bill(self, before: dt.date) -> Bill:
        """The bill the document is about (its subject may belong to another institution's field)."""
        return self.bill(self.topic_inst, self.topic, before)

    def bill(self, inst: Institution | None = None, topic: Topic | None = None, before: dt.date | None = None) -> Bill:
        inst = inst or self.inst
        topic = topic or self.pick(own_topics(inst))
        proposed = workday((before or self.date) - dt.timedelta(days=self.rng.randint(20, 150)))
        government = self.chance(0.12)
        kind = "제정" if self.chance(0.06) else self.pick(("일부개정",) * 7 + ("전부개정",))
        return Bill(
            number=bill_number(self.rng, proposed),
            law=f"{topic.subject}에 관한 법률" if kind == "제정" else topic.law,
            kind=kind,
            proposer="정부" if government else self.name(),
            cosponsors=() if government else tuple(self.names(self.rng.randint(9, 15))),
            proposed=proposed,
            topic=topic,
            institution=inst,
        )

    def session_name(self, day: dt.date) -> str:
        number, kind = session(day)
        return f"제{number}회국회({kind})"

    def later(self, day: dt.date, low: int, high: int) -> dt.date:
        return later(self.rng, day, low, high)

    def phone(self) -> str:
        return f"02-6788-{self.rng.randint(2000, 7999)}"


# ---------------------------------------------------------------- bills


def underline(text: str) -> str:
    return UNDERLINE_START + text + UNDERLINE_END


def reasons(ctx: Context, bill: Bill, amendments: list[Amendment]) -> list[str]:
    """The paragraphs of 제안이유 및 주요내용: the current law, the problem, the remedy, the points."""
    t = bill.topic
    background = [
        f"현행법은 {t.subject}에 관한 사항을 규정하고 있으나, {t.problem}하다는 지적이 있음.",
        ctx.context_sentence(bill.institution),
        f"특히 {josa(t.actor, '은/는')} {t.target}에 대하여 필요한 지원을 할 수 있을 뿐 구체적인 의무가 없어 "
        f"제도의 실효성이 떨어진다는 의견이 있음.",
    ]
    paragraphs = [" ".join(background[: ctx.share(len(background))])]
    main = amendments[0]
    if len(amendments) == 1:
        paragraphs.append(f"이에 {main.summary}으로써 {t.goal}하려는 것임({main.reference}).")
    else:
        paragraphs.append(f"이에 {t.goal}하기 위하여 다음과 같이 개정하려는 것임.")
        paragraphs.extend(f"{MARKS[i]}. {a.summary}({a.reference})." for i, a in enumerate(amendments))
    if ctx.chance(1.2 - ctx.difficulty.subject):
        paragraphs.append(ctx.pick(GENERIC_REASONS))
    return paragraphs


def amendments(ctx: Context, bill: Bill, count: int) -> list[Amendment]:
    """``count`` changes to the law, the first carrying the bill's main measure, in article order."""
    t = bill.topic
    actor_is, actor_topic = josa(t.actor, "이/가"), josa(t.actor, "은/는")
    article = ctx.rng.randint(3, 30)
    main = Amendment(
        number=article,
        title=t.subject,
        action=f"{actor_is} {t.measure}하도록 ",
        reference=f"안 제{article}조제2항",
        clauses=(
            f"제{article}조제2항 중 “필요한 지원을 할 수 있다”를 “{t.measure}하여야 한다”로 하고, "
            f"같은 조에 제3항을 다음과 같이 신설한다.",
            "③ 제2항에 따른 조치의 내용ㆍ방법 및 절차 등에 필요한 사항은 대통령령으로 정한다.",
        ),
        current=(
            f"제{article}조({t.article}) ① {actor_topic} {josa(t.subject, '을/를')} 위하여 필요한 시책을 "
            f"수립ㆍ시행하여야 한다.",
            f"② {actor_topic} {t.target}에 대하여 {underline('필요한 지원을 할 수 있다')}.",
            underline("<신 설>"),
        ),
        amended=(
            f"제{article}조({t.article}) ① (현행과 같음)",
            f"② {'-' * 6} {underline(t.measure + '하여야 한다')}.",
            underline("③ 제2항에 따른 조치의 내용ㆍ방법 및 절차 등에 필요한 사항은 대통령령으로 정한다."),
        ),
    )
    number = article
    extra: list[Amendment] = []
    for kind in ctx.rng.sample(range(len(_NEW_ARTICLES) + 3), min(len(_NEW_ARTICLES) + 3, count - 1)):
        number += ctx.rng.randint(1, 6)
        extra.append(_extra_amendment(kind, t, number))
    return [main, *extra]


# New articles a bill may add: (title, action, paragraphs); "{actor}" is the actor with 은/는.
_NEW_ARTICLES = (
    (
        "실태조사",
        "{actor} {subject}에 관한 실태조사를 3년마다 실시하고 그 결과를 공표하도록 ",
        (
            "① {actor} {subject}에 관한 실태조사를 3년마다 실시하고 그 결과를 공표하여야 한다.",
            "② 제1항에 따른 실태조사의 내용 및 방법 등에 필요한 사항은 대통령령으로 정한다.",
        ),
    ),
    (
        "기본계획의 수립",
        "{actor} {subject}에 관한 기본계획을 5년마다 수립ㆍ시행하도록 ",
        (
            "① {actor} {subject}에 관한 기본계획을 5년마다 수립ㆍ시행하여야 한다.",
            "② 기본계획에는 다음 각 호의 사항이 포함되어야 한다.",
            "1. {subject}의 기본방향",
            "2. {target}에 대한 지원에 관한 사항",
            "3. 그 밖에 대통령령으로 정하는 사항",
        ),
    ),
    (
        "심의위원회",
        "{subject}에 관한 사항을 심의하기 위하여 {actor_plain} 소속으로 심의위원회를 두도록 ",
        (
            "① {subject}에 관한 사항을 심의하기 위하여 {actor_plain} 소속으로 심의위원회를 둔다.",
            "② 심의위원회는 위원장 1명을 포함한 15명 이내의 위원으로 구성한다.",
            "③ 심의위원회의 구성 및 운영 등에 필요한 사항은 대통령령으로 정한다.",
        ),
    ),
    (
        "자료의 제출 요청",
        "{actor} 관계 기관의 장에게 필요한 자료의 제출을 요청할 수 있도록 ",
        (
            "① {actor} {subject_object} 위하여 필요한 경우 관계 기관의 장에게 자료의 제출을 요청할 수 있다.",
            "② 제1항에 따라 요청을 받은 관계 기관의 장은 특별한 사유가 없으면 이에 따라야 한다.",
        ),
    ),
    (
        "교육의 실시",
        "{actor} {target}에 대하여 {subject}에 관한 교육을 연 1회 이상 실시하도록 ",
        ("{actor} {target}에 대하여 {subject}에 관한 교육을 연 1회 이상 실시하여야 한다.",),
    ),
    (
        "포상",
        "{actor} {subject}에 공로가 있는 개인 또는 단체를 포상할 수 있도록 ",
        ("{actor} {subject}에 공로가 있는 개인 또는 단체에 대하여 포상할 수 있다.",),
    ),
    (
        "전문인력의 양성",
        "{actor} {subject}에 필요한 전문인력을 양성하도록 ",
        (
            "① {actor} {subject}에 필요한 전문인력을 양성하기 위하여 노력하여야 한다.",
            "② 제1항에 따른 전문인력의 양성에 필요한 사항은 대통령령으로 정한다.",
        ),
    ),
    (
        "비밀 유지",
        "업무에 종사하였던 사람의 비밀 유지 의무를 신설",
        ("이 법에 따른 업무에 종사하거나 종사하였던 사람은 그 직무상 알게 된 비밀을 누설하여서는 아니 된다.",),
    ),
)


def _extra_amendment(kind: int, t: Topic, number: int) -> Amendment:
    actor_topic = josa(t.actor, "은/는")
    if kind < len(_NEW_ARTICLES):
        title, action, paragraphs = _NEW_ARTICLES[kind]
        suffix = 2 + kind % 2
        article = f"제{number}조의{suffix}"
        slots = {
            "actor": actor_topic,
            "actor_plain": t.actor,
            "subject": t.subject,
            "subject_object": josa(t.subject, "을/를"),
            "target": t.target,
        }
        first, *rest = (text.format(**slots) for text in paragraphs)
        text = (f"{article}({title}) {first}", *rest)
        return Amendment(
            number,
            title,
            action.format(**slots),
            f"안 {article} 신설",
            (f"{josa(article, '을/를')} 다음과 같이 신설한다.", *text),
            (underline("<신 설>"),),
            tuple(underline(line) for line in text),
        )
    kind -= len(_NEW_ARTICLES)
    if kind == 0:
        added = f"② {actor_topic} {t.target}에 대한 지원 업무를 대통령령으로 정하는 전문기관에 위탁할 수 있다."
        return Amendment(
            number,
            "지원 업무의 위탁",
            f"{t.target}에 대한 지원 업무를 전문기관에 위탁할 수 있도록 ",
            f"안 제{number}조제2항 신설",
            (f"제{number}조에 제2항을 다음과 같이 신설한다.", added),
            (
                f"제{number}조(권한의 위임ㆍ위탁) ① {actor_topic} 이 법에 따른 권한의 일부를 대통령령으로 "
                f"정하는 바에 따라 소속 기관의 장에게 위임할 수 있다.",
                underline("<신 설>"),
            ),
            (f"제{number}조(권한의 위임ㆍ위탁) ① (현행과 같음)", underline(added)),
        )
    if kind == 1:
        return Amendment(
            number,
            "과태료 상한의 상향",
            "과태료의 상한을 1천만원으로 상향",
            f"안 제{number}조제1항",
            (f"제{number}조제1항 각 호 외의 부분 중 “500만원”을 “1천만원”으로 한다.",),
            (
                f"제{number}조(과태료) ① 다음 각 호의 어느 하나에 해당하는 자에게는 "
                f"{underline('500만원')} 이하의 과태료를 부과한다.",
                "1. ∼ 3. (생 략)",
            ),
            (f"제{number}조(과태료) ① {'-' * 12} {underline('1천만원')} {'-' * 8}.", "1. ∼ 3. (현행과 같음)"),
        )
    return Amendment(
        number,
        "벌칙의 상향",
        "벌칙을 5년 이하의 징역 또는 5천만원 이하의 벌금으로 상향",
        f"안 제{number}조",
        (
            f"제{number}조 중 “3년 이하의 징역 또는 3천만원 이하의 벌금”을 “5년 이하의 징역 또는 "
            f"5천만원 이하의 벌금”으로 한다.",
        ),
        (
            f"제{number}조(벌칙) 제{max(3, number - 7)}조를 위반한 자는 {underline('3년')} 이하의 징역 또는 "
            f"{underline('3천만원')} 이하의 벌금에 처한다.",
        ),
        (f"제{number}조(벌칙) {'-' * 10} {underline('5년')} {'-' * 6} {underline('5천만원')} {'-' * 8}.",),
    )


def enactment_articles(ctx: Context, bill: Bill) -> list[str]:
    """The articles of a new law (제정법률안), one paragraph each."""
    t = bill.topic
    actor_topic = josa(t.actor, "은/는")
    articles = [
        f"제1조(목적) 이 법은 {t.subject}에 관한 사항을 정함으로써 {t.goal}함을 목적으로 한다.",
        f"제2조(정의) 이 법에서 사용하는 용어의 뜻은 다음과 같다. 1. “{t.target}”이란 대통령령으로 정하는 "
        f"기준에 해당하는 자를 말한다. 2. “지원기관”이란 제9조에 따라 지정된 기관을 말한다.",
        f"제3조(국가 등의 책무) 국가와 지방자치단체는 {josa(t.subject, '을/를')} 위하여 필요한 시책을 마련하여야 한다.",
        f"제4조(다른 법률과의 관계) {t.subject}에 관하여 다른 법률에 특별한 규정이 있는 경우를 제외하고는 이 법에서 "
        f"정하는 바에 따른다.",
        f"제5조(기본계획의 수립) ① {actor_topic} {t.subject}에 관한 기본계획을 5년마다 수립ㆍ시행하여야 한다. "
        f"② 기본계획의 수립 절차 등에 필요한 사항은 대통령령으로 정한다.",
        f"제6조(시행계획) {actor_topic} 기본계획에 따라 매년 시행계획을 수립ㆍ시행하여야 한다.",
        f"제7조(실태조사) {actor_topic} {t.target}의 현황을 파악하기 위하여 3년마다 실태조사를 실시하여야 한다.",
        f"제8조(지원) {actor_topic} {t.target}에 대하여 {t.measure}하여야 한다.",
        f"제9조(지원기관의 지정) {actor_topic} 이 법에 따른 업무를 효율적으로 수행하기 위하여 지원기관을 "
        f"지정할 수 있다.",
        "제10조(비밀 유지) 이 법에 따른 업무에 종사하거나 종사하였던 사람은 직무상 알게 된 비밀을 누설하여서는 "
        "아니 된다.",
        f"제11조(권한의 위임) {actor_topic} 이 법에 따른 권한의 일부를 대통령령으로 정하는 바에 따라 위임할 수 있다.",
        "제12조(벌칙 적용에서 공무원 의제) 지원기관의 임직원은 「형법」 제129조부터 제132조까지의 규정을 적용할 "
        "때에는 공무원으로 본다.",
        "제13조(벌칙) 제10조를 위반하여 비밀을 누설한 사람은 1년 이하의 징역 또는 1천만원 이하의 벌금에 처한다.",
    ]
    return articles[: ctx.rng.randint(9, len(articles))]


def comparison_table(ctx: Context, changes: list[Amendment], size: float = 11.0, omissions: bool = True) -> Table:
    """The 신ㆍ구조문대비표: 현 행 | 개 정 안, one row per amended article."""
    s = ctx.styles
    head = s.plain(size + 1, GOTHIC_BOLD, "center", leading=1.6)
    cell = s.plain(size, leading=1.55, align="justify")
    rows: list[tuple[Cell, ...]] = [(Cell((para("현   행", head),), 0.9), Cell((para("개 정 안", head),), 0.9))]
    previous = 0
    for change in changes:
        if omissions and previous and change.number - previous > 2 and ctx.chance(0.6):
            span = f"제{previous + 1}조 ∼ 제{change.number - 1}조"
            rows.append((Cell((para(f"{span} (생 략)", cell),)), Cell((para(f"{span} (현행과 같음)", cell),))))
        rows.append(
            (
                Cell(tuple(para(line, cell) for line in change.current)),
                Cell(tuple(para(line, cell) for line in change.amended)),
            )
        )
        previous = change.number
    return Table((1.0, 1.0), tuple(rows), header=1, pad=5.0 * ctx.styles.scale, frame=1.0)


def bill_text(ctx: Context, bill: Bill, changes: list[Amendment]) -> list[Block]:
    """The text of the bill as it would be enacted: title, operative clauses, 부칙."""
    s = ctx.styles
    blocks: list[Block] = [
        para("법률 제      호", s.plain(12.5, MYEONGJO, after=10)),
        para(bill.act, s.title.but(after=14 * s.scale)),
    ]
    clause = s.body
    if bill.kind == "제정":
        blocks.extend(para(text, clause.but(first=0.0, hang=False)) for text in enactment_articles(ctx, bill))
    elif bill.kind == "전부개정":
        blocks.append(para(f"{bill.law} 전부를 다음과 같이 개정한다.", clause))
        blocks.extend(para(text, clause.but(first=0.0)) for text in enactment_articles(ctx, bill))
    else:
        blocks.append(para(f"{bill.law} 일부를 다음과 같이 개정한다.", clause))
        for change in changes:
            first, *rest = change.clauses
            blocks.append(para(first, clause))
            blocks.extend(para(text, clause.but(indent=12.5 * s.scale, first=0.0)) for text in rest)
    months = ctx.pick(("3개월", "6개월", "6개월", "1년"))
    blocks += [
        para("부    칙", s.plain(13, MYEONGJO_BOLD, "center", before=18, after=8)),
        para(f"이 법은 공포 후 {months}이 경과한 날부터 시행한다.", clause),
    ]
    return blocks


def number_box(ctx: Context, number: str) -> Table:
    """The small box at the top-left of a bill or report: 의안 번호 | 1234."""
    s = ctx.styles
    label = s.plain(10.5, GOTHIC_BOLD, "center", leading=1.3)
    value = s.plain(12, MYEONGJO, "center", leading=2.6)
    return Table(
        (1.0, 2.1),
        ((Cell((para("의 안", label), para("번 호", label)), 0.9), Cell((para(number, value),))),),
        pad=3.0,
        frame=1.2,
        span=0.3,
        after=10.0,
    )


def opinions(ctx: Context, bill: Bill, change: Amendment, main: bool = True) -> list[str]:
    """The staff's review opinions on one change ("○" items of a 검토보고).

    The main change gets the background of the bill's subject; the others are argued on their own.
    """
    t = bill.topic
    inst = bill.institution
    ministry = ctx.pick(inst.ministries)
    concern = ctx.pick(
        (
            "재정 소요와 집행 가능성을 고려하여",
            "관계 법률과의 정합성을 고려하여",
            "현장의 수용성과 준비 기간을 고려하여",
            "다른 제도와의 형평성을 고려하여",
        )
    )
    if main:
        subject = [
            f"개정안은 {change.purpose}으로, {t.goal}하려는 입법취지는 타당한 측면이 있음.",
            f"현행법상 {t.target}에 대한 지원은 {josa(t.actor, '이/가')} 재량으로 할 수 있도록 규정되어 있어, "
            f"{t.problem}하다는 지적이 꾸준히 제기되어 왔음.",
            ctx.context_sentence(inst),
            f"이에 대하여 {josa(ministry, '은/는')} 개정안의 취지에는 공감하나, {concern} 신중한 검토가 "
            f"필요하다는 의견을 제시하고 있음.",
        ]
    else:
        subject = [
            f"개정안은 {change.purpose}으로, 제도의 실효성을 높이려는 것으로 보임.",
            f"다만, {change.title}에 따른 행정 부담과 {t.target}에 미치는 영향을 함께 고려할 필요가 있음.",
            f"{josa(ministry, '은/는')} {concern} 세부 기준을 하위법령에서 정하는 방안을 제시하고 있음.",
        ]
    items = subject[: ctx.share(len(subject))]
    generic = (1 if main else 0) + round(2 * (1.0 - ctx.difficulty.subject))
    items += ctx.rng.sample(GENERIC_OPINIONS, generic)
    _, other_topic = ctx.other()
    if ctx.chance(0.5 if main else 0.2):
        items.append(
            f"아울러 「{other_topic.law}」에서도 {other_topic.subject}에 관하여 유사한 규정을 두고 있으므로 "
            f"두 법률 간의 정합성을 검토할 필요가 있음."
        )
    return items


def debate(ctx: Context, bill: Bill) -> list[str]:
    """Points raised in the general debate (대체토론) on a bill."""
    t = bill.topic
    points = [
        f"{t.target}에 대한 지원을 확대하는 경우 재정 소요를 면밀히 검토해야 한다는 의견",
        f"{t.problem}하다는 현장의 지적을 고려할 때 조속한 입법이 필요하다는 의견",
        f"{josa(t.actor, '이/가')} 실제로 {t.measure}할 수 있는 여건이 마련되어 있는지에 대한 질의",
    ]
    chosen = points[: ctx.share(len(points))] + ctx.rng.sample(GENERIC_DEBATE, 1 + round(1 - ctx.difficulty.subject))
    ctx.rng.shuffle(chosen)
    return [f"{point}이 있었음." for point in chosen]
