"""의사일정: the agenda of a plenary sitting or of a committee meeting."""

from __future__ import annotations

from munseo.synth.content.common import Context, Document
from munseo.synth.fonts import GOTHIC_BOLD, MYEONGJO_BOLD
from munseo.synth.korean import long_date
from munseo.synth.layout import Block, Gap, Rule, para
from munseo.synth.vocab import INSTITUTIONS, institution


def build(ctx: Context) -> Document:
    s = ctx.styles
    inst = ctx.inst
    day = ctx.date
    sitting = ctx.rng.randint(1, 16)
    plenary = inst.plenary
    hour = ctx.pick(("오전 10시", "오후 2시", "오후 2시", "오전 11시"))
    item = s.plain(12.5, leading=1.6, hang=1, before=5)
    blocks: list[Block] = [
        Gap(30 * s.scale, at_top=True),
        para(ctx.session_name(day), s.plain(15, MYEONGJO_BOLD, "center", after=4)),
    ]
    if plenary:
        blocks.append(para(f"제{sitting}차 본회의 의사일정", s.plain(22, GOTHIC_BOLD, "center", after=14)))
    else:
        blocks.append(para(f"{inst.committee} 의사일정", s.plain(22, GOTHIC_BOLD, "center", after=2)))
        blocks.append(para(f"(제{sitting}차 회의)", s.plain(14, align="center", after=14)))
    blocks += [
        para(f"일시 : {long_date(day, weekday=True)} {hour}", s.plain(12.5, align="right", after=2)),
        para(f"장소 : {inst.room}", s.plain(12.5, align="right", after=8)),
        Rule(1.2, double=True, after=10),
    ]
    count = ctx.rng.randint(12, 30) * ctx.length if plenary else ctx.rng.randint(4, 16) * ctx.length
    number = 1
    if not plenary and ctx.chance(0.5):
        blocks.append(para("<상정 안건>", s.plain(13, GOTHIC_BOLD, before=4, after=2)))
    for index in range(count):
        if plenary:
            bill_inst = institution(ctx.pick(INSTITUTIONS))
            bill = ctx.bill(bill_inst, before=day)
            if ctx.chance(0.35):
                text = f"{bill.law} 일부개정법률안(대안)({bill_inst.committee.removesuffix('회')}장)"
            else:
                text = bill.listing
        else:
            bill_inst, topic = (ctx.topic_inst, ctx.topic) if index == 0 else ctx.other()
            text = ctx.bill(bill_inst, topic, before=day).listing
        blocks.append(para(f"{number}. {text}", item))
        number += 1
    if not plenary and ctx.chance(0.4):
        blocks.append(para("<보고 안건>", s.plain(13, GOTHIC_BOLD, before=10, after=2)))
        for text in (f"{ctx.pick(ctx.topic_inst.ministries)} 소관 현안 보고", "법안심사소위원회 심사 결과 보고"):
            blocks.append(para(f"{number}. {text}", item))
            number += 1
    if plenary and ctx.chance(0.5):
        blocks.append(para(f"{number}. 국회의원({ctx.name()}) 사직의 건", item))
        number += 1
    fields = {
        "회의명": f"{ctx.session_name(day)} 제{sitting}차 {'본회의' if plenary else inst.committee}",
        "회의 일시": f"{long_date(day, weekday=True)} {hour}",
        "소관위원회": inst.committee,
        "안건 수": str(number - 1),
    }
    return Document(blocks, ctx.template, fields)
