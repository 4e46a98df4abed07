"""보도자료: a press release of a committee, of the Secretariat or of a member's office."""

from __future__ import annotations

from munseo.synth.content.common import Context, Document, amendments
from munseo.synth.fonts import GOTHIC_BOLD, MYEONGJO
from munseo.synth.korean import WEEKDAYS, declarative, dot_date, josa, spaced
from munseo.synth.layout import Block, Cell, Gap, Rule, Table, para
from munseo.synth.vocab import INSTITUTIONS, institution


def build(ctx: Context) -> Document:
    s = ctx.styles
    inst = ctx.inst
    day = ctx.date
    t = ctx.topic
    bill = ctx.main_bill(day)
    chair = ctx.name()
    staff = ctx.name()
    plenary = inst.plenary
    by_committee = plenary or ctx.named
    member = bill.proposer if not bill.by_government else ctx.name()
    if plenary:
        issuer, office = "국회사무처", "의사국 의사과"
    elif by_committee:
        issuer, office = f"국회 {inst.committee}", inst.office
    else:
        issuer, office = f"국회의원 {member}", f"{member} 의원실"
    weekday = WEEKDAYS[day.weekday()]
    release = ctx.pick(("배포 즉시", f"{dot_date(day)}({weekday}) 조간", f"{dot_date(day)}({weekday}) 14:00 이후"))
    label = s.plain(11, GOTHIC_BOLD, "center", leading=1.5)
    value = s.plain(11, MYEONGJO, "left", leading=1.5)
    header = Table(
        (1.0, 1.7, 1.0, 2.3),
        (
            (
                Cell((para("배포일시", label),), 0.9),
                Cell((para(f"{dot_date(day)}({weekday})", value),)),
                Cell((para("담당부서", label),), 0.9),
                Cell((para(office, value),)),
            ),
            (
                Cell((para("보도일시", label),), 0.9),
                Cell((para(release, value),)),
                Cell((para("담 당 자", label),), 0.9),
                Cell((para(f"{staff} ({ctx.phone()})", value),)),
            ),
        ),
        pad=4.0,
        frame=1.2,
        after=18.0,
    )
    level0, level1, level2 = s.bullet(0, 13), s.bullet(1, 13), s.bullet(2, 12.5)
    day_text = f"{day.month}월 {day.day}일"
    if plenary:
        count = ctx.rng.randint(20, 90)
        headline = f"국회 본회의, 법률안 등 {count}건 의결"
        sub = f"「{bill.law}」 등 민생 법안 처리"
        bills = [ctx.bill(institution(ctx.pick(INSTITUTIONS))) for _ in range(ctx.rng.randint(3, 6))]
        body = [
            para(
                f"□ 국회는 {day_text} {ctx.session_name(day)} 제{ctx.rng.randint(2, 15)}차 본회의를 열고 법률안 "
                f"{count - 3}건, 결의안 2건, 동의안 1건 등 총 {count}건의 안건을 처리하였다.",
                level0,
            ),
            para("○ 이날 본회의에서 가결된 주요 법률안은 다음과 같다.", level1),
            *(
                para(f"- 「{b.law}」 개정안: {josa(b.topic.actor, '이/가')} {b.topic.measure}하도록 함", level2)
                for b in bills
            ),
            para(
                f"□ 국회의장은 “{ctx.pick(inst.terms)}에 관한 여야의 합의로 민생 법안을 처리할 수 있었다”며 "
                f"“남은 회기 동안에도 국회 운영이 원활하게 이루어지도록 노력하겠다”고 밝혔다.",
                level0,
            ),
        ]
    else:
        headline = ctx.pick(
            (
                f"{t.subject} 강화를 위한 「{bill.law}」 개정안 {'의결' if by_committee else '발의'}",
                f"“{t.goal}” {t.target} 지원 법안 {'위원회 통과' if by_committee else '대표발의'}",
            )
        )
        sub = f"{josa(t.actor, '이/가')} {t.measure}하도록"
        if by_committee:
            lead = (
                f"□ 국회 {inst.committee}(위원장 {chair})는 {day_text} 전체회의를 열고 「{bill.title}」 등 "
                f"{ctx.rng.randint(2, 14)}건의 법률안을 의결하였다고 밝혔다."
            )
        else:
            lead = (
                f"□ {member} 의원은 {day_text} {josa(t.subject, '을/를')} 골자로 하는 "
                f"「{bill.title}」을 대표발의하였다고 밝혔다."
            )
        subject = [
            para(
                f"○ 현행법은 {t.subject}에 관한 사항을 규정하고 있으나, {t.problem}하다는 지적이 계속 제기되어 왔다.",
                level1,
            ),
            para(f"○ {declarative(ctx.context_sentence(ctx.topic_inst))}", level1),
            para(
                f"○ 개정안은 {josa(t.actor, '이/가')} {t.target}에 대하여 {t.measure}하도록 하는 내용을 담고 있다.",
                level1,
            ),
        ]
        speaker = f"{chair} 위원장" if by_committee else f"{member} 의원"
        quote = (
            f"□ {josa(speaker, '은/는')} “이번 개정으로 {t.goal}하는 제도적 기반이 마련될 것”이라며 “앞으로도 "
            f"{t.target}의 목소리에 귀 기울이겠다”고 말했다."
        )
        body = [para(lead, level0), *subject[: ctx.share(len(subject))]]
        if ctx.chance(0.6):
            body.append(para("○ 개정안의 주요 내용은 다음과 같다.", level1))
            body += [
                para(f"- {change.summary}({change.reference})", level2)
                for change in amendments(ctx, bill, ctx.rng.randint(2, 4))
            ]
        body.append(para(quote, level0))
        _, other_topic = ctx.other()
        if ctx.chance(0.6):
            body += [
                para(f"□ 한편, 이날 회의에서는 「{other_topic.law}」 개정안도 함께 논의되었다.", level0),
                para(
                    f"○ 이 개정안은 {other_topic.subject}에 관한 내용으로, 추후 소위원회에서 계속 심사할 예정이다.",
                    level1,
                ),
            ]
    blocks: list[Block] = [
        para(issuer, s.plain(13, GOTHIC_BOLD, "left", after=2)),
        para(spaced("보도자료"), s.plain(28, GOTHIC_BOLD, "right", leading=1.3, after=4)),
        Rule(2.0, before=0, after=8),
        header,
        para(headline, s.plain(18, GOTHIC_BOLD, "center", leading=1.45, after=4)),
        para(f"- {sub} -", s.plain(13.5, MYEONGJO, "center", leading=1.5, after=6)),
        Rule(0.6, before=2, after=10),
        *body,
    ]
    if ctx.chance(0.5):
        blocks += [Gap(12 * s.scale), para(f"붙임  {bill.title} 주요 내용 1부.  끝.", s.plain(12.5, leading=1.7))]
    fields = {
        "배포일시": f"{dot_date(day)}({weekday})",
        "보도일시": release,
        "담당부서": office,
        "제목": headline,
        "발신": issuer,
    }
    return Document(blocks, ctx.template, fields)
