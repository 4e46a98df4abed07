"""회의록: minutes of a committee meeting or of a plenary sitting, in two columns after the front matter."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from munseo.synth.content.common import Bill, Context, Document
from munseo.synth.fonts import GOTHIC_BOLD, MYEONGJO, MYEONGJO_BOLD
from munseo.synth.korean import clock, josa, long_date, session, spaced
from munseo.synth.layout import Block, Columns, Rule, Style, para
from munseo.synth.vocab import INSTITUTIONS, Institution, Topic, institution


class _Minutes:
    """Accumulates the turns of a meeting."""

    def __init__(self, ctx: Context, chair_role: str) -> None:
        self.ctx = ctx
        s = ctx.styles
        self.speech = Style(MYEONGJO, 10.5 * s.scale, 1.62, "justify", before=5 * s.scale)
        self.more = self.speech.but(first=10.5 * s.scale, before=0.0)
        self.note = Style(MYEONGJO, 10.5 * s.scale, 1.62, "center", before=4 * s.scale, after=2 * s.scale)
        self.chair = f"{chair_role} {ctx.name()}"
        self.blocks: list[Block] = []
        self._used: dict[str, set[int]] = {}

    def fresh(self, kind: str, options: list[str]) -> str:
        """One of ``options``, not repeating a template of this ``kind`` before all have been used."""
        used = self._used.setdefault(kind, set())
        if len(used) >= len(options):
            used.clear()
        index = self.ctx.pick([i for i in range(len(options)) if i not in used])
        used.add(index)
        return options[index]

    def say(self, speaker: str, *paragraphs: str) -> None:
        first, *rest = paragraphs
        self.blocks.append(para(first, self.speech, lead=f"○{speaker}  ", lead_font=GOTHIC_BOLD))
        self.blocks.extend(para(text, self.more) for text in rest)

    def chair_says(self, *paragraphs: str) -> None:
        self.say(self.chair, *paragraphs)

    def note_(self, text: str) -> None:
        self.blocks.append(para(f"({text})", self.note))


def _chair_title(inst: Institution) -> str:
    return inst.committee.removesuffix("회") + "장"


def _question(m: _Minutes, official: str, t: Topic, inst: Institution) -> list[str]:
    term = m.ctx.pick(inst.terms)
    options = [
        f"{official}님, {t.subject} 문제에 대해서 질의하겠습니다. 현장에서는 {t.problem}하다는 지적이 계속 "
        f"나오고 있습니다. 정부는 이 문제를 어떻게 보고 계십니까?",
        f"지금 {t.target}에 대한 지원이 제대로 이루어지지 않고 있다는 민원이 많습니다. 정부는 실태 파악을 "
        f"하고 계십니까?",
        f"개정안대로 {t.measure}하려면 예산이 어느 정도 필요합니까? 추계는 해 보셨습니까?",
        f"{term} 관련해서 작년 국정감사에서 지적된 사항이 아직도 개선되지 않고 있습니다. 언제까지 개선하실 계획입니까?",
        f"{official}님, 제가 요구한 {t.subject} 관련 자료가 아직 제출되지 않았습니다. 언제까지 주실 수 있습니까?",
        f"{josa(t.actor, '이/가')} {t.measure}하도록 하면 현장에서 혼란은 없겠습니까? 준비 기간은 충분하다고 보십니까?",
        "이 법안에 대해서 관계 부처 간에 이견은 없습니까? 협의는 어디까지 진행되었습니까?",
        f"{t.target}의 입장에서 보면 {t.goal}하는 일이 시급합니다. 정부가 좀 더 적극적으로 나서야 하지 않겠습니까?",
    ]
    first = m.fresh("question", options)
    return [first] if m.ctx.chance(0.6) else [first, m.fresh("question", options)]


def _answer(m: _Minutes, t: Topic) -> str:
    return m.fresh(
        "answer",
        [
            f"위원님 지적에 공감합니다. {t.measure}하는 방안에 대해서는 관계 부처와 협의해서 "
            "적극적으로 검토하겠습니다.",
            "현재 실태조사를 진행하고 있습니다. 결과가 나오는 대로 위원회에 보고드리겠습니다.",
            "개정안의 취지에는 동의합니다마는 재정 소요가 있기 때문에 소위원회 심사 과정에서 조정이 필요하다고 "
            "생각합니다.",
            "그 부분은 제가 정확한 수치를 갖고 있지 않아서 확인해서 서면으로 답변드리겠습니다.",
            "예, 그렇습니다. 그 부분은 저희도 문제로 인식하고 있습니다.",
            "관계 부처와는 실무 협의를 마쳤고, 세부적인 사항은 하위법령에서 정하도록 준비하고 있습니다.",
            "준비 기간이 다소 필요하다고 봅니다. 시행 시기를 조정하는 방안도 함께 검토해 주시면 좋겠습니다.",
            "자료는 이번 주 안에 제출하도록 하겠습니다. 늦어진 점 송구합니다.",
        ],
    )


def _follow_up(m: _Minutes, inst: Institution) -> str:
    return m.fresh(
        "follow-up",
        [
            f"{m.ctx.pick(inst.terms)} 문제는 국민들의 관심이 매우 큽니다. 철저하게 준비해 주시기 바랍니다.",
            "서면으로라도 반드시 자료를 제출해 주십시오.",
            "알겠습니다. 이상입니다.",
            "그렇게 답변하시면 안 됩니다. 다음 회의 때까지 구체적인 대책을 가지고 오십시오.",
            "소위원회 심사 전까지 정부 입장을 정리해서 보고해 주시기 바랍니다.",
            "현장의 목소리를 좀 더 들어 주시기를 부탁드립니다. 이상입니다.",
        ],
    )


def _committee(ctx: Context, m: _Minutes, name: str, bills: list[Bill]) -> tuple[list[str], list[str]]:
    count = len(bills)
    m.chair_says("의석을 정돈하여 주시기 바랍니다.", f"성원이 되었으므로 {name}를 개의하겠습니다.")
    m.note_("의사봉 3타")
    m.chair_says(
        "먼저 보고사항은 배부해 드린 유인물로 갈음하도록 하겠습니다.",
        f"그러면 의사일정에 들어가겠습니다. 의사일정 제1항부터 제{count}항까지 이상 {count}건의 법률안을 "
        f"일괄하여 상정합니다.",
    )
    m.note_("의사봉 3타")
    bill = bills[0]
    t = bill.topic
    if not bill.by_government:
        m.chair_says(f"먼저 제안설명을 듣도록 하겠습니다. {bill.proposer} 위원님 나오셔서 제안설명해 주시기 바랍니다.")
        m.say(
            f"{bill.proposer} 위원",
            f"존경하는 {m.chair.split()[-1]} 위원장님, 그리고 선배ㆍ동료 위원 여러분! {bill.proposer} 의원입니다. "
            f"{bill.title}에 대하여 제안설명을 드리겠습니다.",
            f"현행법은 {t.subject}에 관한 사항을 규정하고 있습니다마는 {t.problem}하다는 지적이 있습니다. 이에 "
            f"{josa(t.actor, '이/가')} {t.measure}하도록 함으로써 {t.goal}하려는 것입니다.",
            "위원님들께서 심도 있게 논의하시어 원안대로 의결하여 주시기 바랍니다. 감사합니다.",
        )
    reviewer = ctx.name()
    m.chair_says(f"다음은 {reviewer} 수석전문위원 나오셔서 검토보고해 주시기 바랍니다.")
    m.say(
        f"수석전문위원 {reviewer}",
        f"검토보고 드리겠습니다. 배부해 드린 검토보고서 {ctx.rng.randint(2, 9)}쪽입니다.",
        f"{josa(bill.title, '은/는')} {josa(t.actor, '이/가')} {t.measure}하도록 하려는 것으로, {t.goal}하려는 "
        f"입법취지는 타당하다고 보입니다. 다만, 재정 소요에 대해서는 관계 부처와 협의가 필요하다고 보입니다.",
        "나머지 법률안에 대해서는 배부해 드린 자료를 참고해 주시기 바랍니다. 이상입니다.",
    )
    official_role = ctx.pick(ctx.topic_inst.officials)
    official_name = ctx.name()
    official = f"{official_role} {official_name}"
    members = ctx.names(ctx.rng.randint(4, 9) * ctx.length)
    m.chair_says(
        f"다음은 대체토론을 하도록 하겠습니다. 정부 측에서는 {official_role}이 출석하셨습니다.",
        f"{members[0]} 위원님 질의해 주시기 바랍니다.",
    )
    for index, member in enumerate(members):
        topic_inst, topic = ctx.other()
        m.say(f"{member} 위원", *_question(m, official_role, topic, topic_inst))
        m.say(official, _answer(m, topic))
        if ctx.chance(0.5):
            topic_inst, topic = ctx.other()
            m.say(f"{member} 위원", *_question(m, official_role, topic, topic_inst))
            m.say(official, _answer(m, topic))
        if ctx.chance(0.6):
            m.say(f"{member} 위원", _follow_up(m, topic_inst))
            if ctx.chance(0.5):
                m.say(official, _answer(m, topic))
        if index + 1 < len(members):
            m.chair_says(f"{member} 위원님 수고하셨습니다. 다음은 {members[index + 1]} 위원님 질의해 주십시오.")
    m.chair_says(
        "더 이상 질의하실 위원님이 안 계시므로 대체토론을 마치도록 하겠습니다.",
        f"그러면 의사일정 제1항부터 제{count}항까지는 보다 심도 있는 심사를 위하여 법안심사소위원회에 "
        f"회부하도록 하겠습니다.",
    )
    m.note_("의사봉 3타")
    m.chair_says("오늘 회의는 이것으로 마치겠습니다. 위원님 여러분 수고 많으셨습니다. 산회를 선포합니다.")
    m.note_("의사봉 3타")
    return members + ctx.names(ctx.rng.randint(4, 10)), [ctx.topic_inst.ministries[0], official]


def _plenary(ctx: Context, m: _Minutes, name: str, bills: list[Bill]) -> tuple[list[str], list[str]]:
    m.chair_says(f"성원이 되었으므로 {name}를 개의하겠습니다.")
    m.note_("의사봉 3타")
    m.chair_says("보고사항은 단말기의 회의록으로 갈음하도록 하겠습니다.")
    present = ctx.rng.randint(240, 290)
    for index, bill in enumerate(bills, start=1):
        t = bill.topic
        inst = bill.institution
        chair_name = ctx.name()
        m.chair_says(f"의사일정 제{index}항 {josa(bill.title, '을/를')} 상정합니다.")
        m.note_("의사봉 3타")
        if ctx.chance(0.5):
            m.chair_says(f"{_chair_title(inst)} {chair_name} 의원 나오셔서 심사보고해 주시기 바랍니다.")
            m.say(
                f"{_chair_title(inst)} {chair_name}",
                f"{inst.committee} 위원장 {chair_name}입니다. {bill.title}에 대한 심사결과를 보고드리겠습니다.",
                f"이 법률안은 {josa(t.actor, '이/가')} {t.measure}하도록 하려는 것으로, 위원회는 원안대로 "
                f"의결하였습니다. 의원 여러분께서는 위원회에서 심사한 대로 의결하여 주시기 바랍니다.",
            )
        else:
            m.chair_says("이 안건은 심사보고서를 단말기에 게재하는 것으로 심사보고를 갈음하겠습니다.")
        m.chair_says("토론 신청이 없으므로 표결하도록 하겠습니다. 투표해 주시기 바랍니다.")
        m.note_("투표")
        m.chair_says("투표를 다 하셨습니까?")
        m.note_("「예」 하는 의원 있음")
        m.chair_says("투표를 마치겠습니다.")
        m.note_("투표 종료")
        against, abstain = ctx.rng.randint(0, 12), ctx.rng.randint(0, 15)
        m.chair_says(
            f"투표 결과를 발표하겠습니다. 재석 {present}인 중 찬성 {present - against - abstain}인, "
            f"반대 {against}인, 기권 {abstain}인으로서 {josa(bill.title, '은/는')} 가결되었음을 선포합니다."
        )
        m.note_("의사봉 3타")
        present += ctx.rng.randint(-3, 3)
    m.chair_says(
        "오늘 의사일정을 모두 마쳤습니다. 다음 본회의는 의사일정을 협의하여 정하도록 하겠습니다.", "산회를 선포합니다."
    )
    m.note_("의사봉 3타")
    return ctx.names(ctx.rng.randint(12, 30)), ["국무위원", f"법제처장 {ctx.name()}"]


def _bills(ctx: Context, count: int, day: dt.date) -> list[Bill]:
    if ctx.inst.plenary:
        return [ctx.bill(institution(ctx.pick(INSTITUTIONS)), before=day) for _ in range(count)]
    bills = [ctx.main_bill(day)]
    for _ in range(count - 1):
        inst, topic = ctx.other()
        bills.append(ctx.bill(inst, topic, before=day))
    return bills


def build(ctx: Context) -> Document:
    s = ctx.styles
    inst = ctx.inst
    day = ctx.date
    number, kind = session(day)
    sitting = ctx.rng.randint(1, 14)
    plenary = inst.plenary
    body = "본회의" if plenary else inst.committee
    name = f"{ctx.session_name(day)} 제{sitting}차 {body}"
    bills = _bills(ctx, ctx.rng.randint(3, 6) * ctx.length if plenary else ctx.rng.randint(2, 8), day)
    start = (ctx.pick((10, 10, 14)), ctx.rng.randint(0, 20))
    m = _Minutes(ctx, "의장" if plenary else "위원장")
    members, government = (_plenary if plenary else _committee)(ctx, m, name, bills)
    end_hour = start[0] + 1 + len(m.blocks) // 40
    title = "국회본회의회의록" if plenary else f"{inst.committee}회의록"
    listing = s.plain(11, leading=1.55, hang=1, before=2)
    blocks: list[Block] = [
        para(f"제{number}회국회", s.plain(13, MYEONGJO_BOLD, leading=1.3)),
        para(f"({kind})", s.plain(12, leading=1.3, after=6)),
        para(title, s.plain(26, GOTHIC_BOLD, "center", leading=1.4, after=4)),
        para(f"제 {sitting} 호", s.plain(14, align="center", after=6)),
        para(spaced("국회사무처"), s.plain(12, MYEONGJO_BOLD, "center", after=8)),
        Rule(1.2, double=True, after=8),
        para(f"일  시  {long_date(day, weekday=True)}", s.plain(11.5, leading=1.6)),
        para(f"장  소  {inst.room}", s.plain(11.5, leading=1.6, after=4)),
        Rule(0.5, after=6),
        para("의 사 일 정", s.plain(12, GOTHIC_BOLD, after=2), keep=True),
        *(para(f"{i}. {bill.listing}", listing) for i, bill in enumerate(bills, start=1)),
        para("상정된 안건", s.plain(12, GOTHIC_BOLD, before=8, after=2), keep=True),
        *(para(f"{i}. {bill.listing}", listing) for i, bill in enumerate(bills, start=1)),
        Rule(0.8, before=8, after=10),
        Columns(2, 18.0 * s.scale),
        para(f"({clock(*start)} 개의)", m.note),
        *m.blocks,
        para(f"({clock(end_hour, ctx.rng.randint(0, 59))} 산회)", m.note),
    ]
    closing = s.plain(10.5, leading=1.62, before=10)
    names = s.plain(10.5, leading=1.62)
    who = "의원" if plenary else "위원"
    blocks += [
        para(f"○출석 {who}({len(members)}인)", closing, keep=True),
        para("  ".join(members), names),
        para(f"○{'출석 국무위원 및 정부위원' if plenary else '정부측 및 기타 참석자'}", closing, keep=True),
        *(para(text, names) for text in government),
    ]
    short = "본회의" if plenary else inst.short
    template = replace(
        ctx.template,
        footer=None,
        header=(f"제{number}회－{short}제{sitting}차({day.year}년{day.month}월{day.day}일)", "{n}"),
    )
    fields = {
        "회의명": name,
        "회의 일시": f"{long_date(day, weekday=True)} {clock(*start)}",
        "장소": inst.room,
        "소관위원회": inst.committee,
        "안건 수": str(len(bills)),
    }
    return Document(blocks, template, fields)
