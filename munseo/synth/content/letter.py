"""공문: an official letter (기안문 form) with letterhead, 수신/제목, numbered body, seal and 시행 footer."""

from __future__ import annotations

from dataclasses import dataclass, replace

from munseo.synth.content.common import Bill, Context, Document
from munseo.synth.fonts import GOTHIC, GOTHIC_BOLD, MYEONGJO_BOLD
from munseo.synth.korean import MARKS, WEEKDAYS, dot_date, josa, spaced
from munseo.synth.layout import Block, Bottom, Gap, Rule, Seal, para
from munseo.synth.vocab import INSTITUTIONS, institution

_SLOGANS = ("국민과 함께하는 열린 국회", "일하는 국회, 국민의 국회", "국민을 위한 국회, 신뢰받는 국회")


@dataclass(frozen=True)
class _Sender:
    """How the body of the letter names its sender, and where the sender meets."""

    us: str
    room: str
    meeting: str


def _request_opinion(ctx: Context, bill: Bill, deadline: str, sender: _Sender) -> tuple[str, str, list[str], list[str]]:
    t = bill.topic
    body = [
        "1. 귀 기관의 무궁한 발전을 기원합니다.",
        f"2. {sender.us}에 회부된 「{bill.title}」(의안번호 제{bill.number}호)의 심사와 관련하여 귀 기관의 의견을 "
        f"요청하오니 {deadline}까지 회신하여 주시기 바랍니다.",
        f"  가. 대상 의안: {bill.title}({bill.sponsor})",
        f"  나. 주요 내용: {josa(t.actor, '이/가')} {t.measure}하도록 함",
        f"  다. 회신 기한: {deadline}까지",
    ]
    return (
        f"{ctx.pick(bill.institution.officials)}",
        f"「{bill.title}」에 대한 의견 요청",
        body,
        ["의안 원문 1부.", "의견 회신 양식 1부."],
    )


def _request_data(ctx: Context, bill: Bill, deadline: str, sender: _Sender) -> tuple[str, str, list[str], list[str]]:
    t = bill.topic
    body = [
        f"1. {ctx.session_name(ctx.date)} 중 {sender.us}의 {t.subject} 관련 안건 심사를 위하여 "
        f"「국회에서의 증언ㆍ감정 등에 관한 법률」 제2조에 따라 다음의 자료를 요구하오니 {deadline}까지 "
        f"제출하여 주시기 바랍니다.",
        f"  가. 최근 3년간 {t.target} 관련 지원 현황(연도별ㆍ지역별)",
        f"  나. {t.subject} 관련 예산의 편성 및 집행 내역",
        f"  다. {t.problem}하다는 지적에 대한 개선 계획",
        "2. 제출 자료는 전자문서와 함께 서면 10부를 제출하여 주시기 바랍니다.",
    ]
    return (ctx.pick(bill.institution.officials), f"{t.subject} 관련 자료 제출 요구", body, ["자료 요구 목록 1부."])


def _summon(ctx: Context, bill: Bill, deadline: str, sender: _Sender) -> tuple[str, str, list[str], list[str]]:
    official = ctx.pick(bill.institution.officials)
    meeting = sender.meeting
    body = [
        f"1. 「국회법」 제121조에 따라 {ctx.session_name(ctx.date)} {meeting}에 다음과 같이 {official}의 출석을 "
        f"요구합니다.",
        f"  가. 일시: {deadline} 10:00",
        f"  나. 장소: {sender.room}",
        f"  다. 안건: {bill.title} 등 {ctx.rng.randint(2, 12)}건",
        "2. 부득이한 사유로 출석할 수 없는 경우에는 미리 그 사유를 통보하여 주시기 바랍니다.",
    ]
    return official, f"{ctx.session_name(ctx.date)} {meeting} 출석 요구", body, ["안건 목록 1부."]


def _hearing(ctx: Context, bill: Bill, deadline: str, sender: _Sender) -> tuple[str, str, list[str], list[str]]:
    t = bill.topic
    experts = ctx.names(3)
    body = [
        f"1. {josa(sender.us, '은/는')} 「{bill.title}」의 심사를 위하여 {t.subject}에 관한 전문가의 의견을 듣고자 "
        f"다음과 같이 공청회를 개최하오니 관계자께서 참석하여 주시기 바랍니다.",
        f"  가. 일시: {deadline} 14:00",
        f"  나. 장소: {sender.room}",
        f"  다. 진술인: {experts[0]} 교수, {experts[1]} 연구위원, {experts[2]} 변호사",
        "2. 공청회는 국회방송(NATV)을 통하여 생중계될 예정입니다.",
    ]
    return "수신자 참조", f"「{bill.title}」 공청회 개최 안내", body, ["공청회 자료집 1부."]


def _transfer(ctx: Context, bill: Bill, deadline: str, sender: _Sender) -> tuple[str, str, list[str], list[str]]:
    bills = [ctx.bill(institution(ctx.pick(INSTITUTIONS))) for _ in range(ctx.rng.randint(3, 9))]
    body = [
        f"1. {ctx.session_name(ctx.date)} 본회의에서 의결된 다음 법률안을 「국회법」 제98조제1항에 따라 "
        f"정부에 이송합니다."
    ]
    body += [f"  {MARKS[i]}. {b.title}" for i, b in enumerate(bills)]
    body.append(f"2. 공포 결과는 {deadline}까지 알려 주시기 바랍니다.")
    return "법제처장", "국회에서 의결된 법률안 정부 이송", body, [f"법률안 {len(bills)}부."]


def _referral(ctx: Context, bill: Bill, deadline: str, sender: _Sender) -> tuple[str, str, list[str], list[str]]:
    target = institution(ctx.pick(INSTITUTIONS[1:]))
    bills = [ctx.bill(target) for _ in range(ctx.rng.randint(1, 5))]
    body = ["1. 「국회법」 제81조제1항에 따라 다음 의안을 귀 위원회에 회부합니다."]
    body += [f"  {MARKS[i]}. {b.listing}" for i, b in enumerate(bills)]
    body.append(f"2. 심사 결과는 {deadline}까지 보고하여 주시기 바랍니다.")
    return f"{target.committee.removesuffix('회')}장", "의안 회부", body, ["의안 원문 각 1부."]


def build(ctx: Context) -> Document:
    s = ctx.styles
    inst = ctx.inst
    day = ctx.date
    bill = ctx.main_bill(day)
    deadline_day = ctx.later(day, 7, 21)
    deadline = f"{dot_date(deadline_day)}({WEEKDAYS[deadline_day.weekday()]})"
    kinds = (
        (_request_opinion, _summon, _transfer, _referral)
        if inst.plenary
        else (_request_opinion, _request_data, _summon, _hearing)
    )
    committee_letter = not inst.plenary and ctx.named
    if committee_letter:
        letterhead, sender = f"국회{inst.committee}", f"국회{inst.committee}위원장"
        seal, code, office = f"{sender}인", inst.committee, inst.office
        who = _Sender("우리 위원회", inst.room, inst.committee)
    else:
        # Sent by the Secretariat (its bill office) on the institution's behalf: no committee named.
        letterhead, sender, seal = "국회사무처", "국회사무총장", "국회사무총장인"
        code, office = "의안과", "국회사무처 의사국 의안과"
        meeting = "본회의" if inst.plenary else "위원회"
        who = _Sender("국회", f"국회의사당 본관 {ctx.rng.randint(401, 640)}호", meeting)
    receiver, subject, body, attachments = ctx.pick(kinds)(ctx, bill, deadline, who)
    number = ctx.rng.randint(120, 4800)
    staff = ctx.name()
    label = s.plain(12.5, GOTHIC_BOLD, leading=1.7)
    text = s.plain(12.5, leading=1.7)
    item = s.plain(12.5, leading=1.75, hang=1, before=3)
    sub = s.plain(12.5, leading=1.75, indent=16, hang=1)
    blocks: list[Block] = [
        para(ctx.pick(_SLOGANS), s.plain(9.5, GOTHIC, "center", after=6)),
        para(spaced(letterhead), s.plain(23, GOTHIC_BOLD, "center", after=22)),
        para(receiver, text.but(hang=1), lead="수신  ", lead_font=GOTHIC_BOLD),
        para("(경유)", label),
        para(subject, label.but(hang=1), lead="제목  "),
        Rule(1.0, before=4, after=8),
    ]
    body = [
        *body,
        f"{len([b for b in body if not b.startswith(' ')]) + 1}. 문의: {office} 입법조사관 {staff}({ctx.phone()})",
    ]
    for line in body:
        blocks.append(para(line.strip(), sub if line.startswith("  ") else item))
    first, *rest = attachments
    first_line = f"붙임  {'1. ' if rest else ''}{first}" + ("" if rest else "  끝.")
    blocks.append(para(first_line, item.but(before=14 * s.scale)))
    for index, extra in enumerate(rest, start=2):
        last = index == len(attachments)
        blocks.append(para(f"{index}. {extra}" + ("  끝." if last else ""), item.but(indent=30 * s.scale)))
    blocks += [
        Gap(40 * s.scale),
        para(sender, s.plain(20, MYEONGJO_BOLD, "center", leading=1.4)),
        Seal(seal, 70.0 * s.scale, ctx.rng.randrange(1 << 30)),
    ]
    small = s.plain(9.5, leading=1.55)
    names = ctx.names(3)
    chief = "위원장" if committee_letter else "의사국장" if inst.plenary else "수석전문위원"
    blocks.append(
        Bottom(
            (
                Rule(1.2, before=0, after=4),
                para(
                    f"입법조사관 {names[0]}    입법심의관 {names[1]}    {chief} 전결 {day.month}/{day.day} {names[2]}",
                    small,
                ),
                para("협조자", small),
                para(f"시행  {code}-{number} ({dot_date(day)})    접수", small),
                para("우 07233  서울특별시 영등포구 의사당대로 1 국회의사당 / https://www.assembly.go.kr", small),
                para(f"전화번호 {ctx.phone()}   팩스번호 {ctx.phone()} / {_mail(ctx)} / 대국민 공개", small),
                Rule(0.6, before=2, after=0),
            )
        )
    )
    fields = {
        "수신": receiver,
        "제목": subject,
        "발신": sender,
        "시행번호": f"{code}-{number}",
        "시행일자": dot_date(day),
    }
    return Document(blocks, replace(ctx.template, footer=None), fields)


def _mail(ctx: Context) -> str:
    user = ctx.pick(("kim", "lee", "park", "choi", "jung", "kang", "yoon"))
    return f"{user}{ctx.rng.randint(10, 999)}@assembly.go.kr"
