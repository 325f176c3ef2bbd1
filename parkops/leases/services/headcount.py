"""Headcount reports: a firm's reported headcount for a month, and when a figure needs confirming."""
from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from parkops.core.dates import month_start
from parkops.firms.models import Firm

from ..models import HeadcountReport, LeaseSeat
from .common import _history_user, allocation_write


HEADCOUNT_PER_SEAT_LIMIT = 2  # a report above this many people per seat needs a confirmation with a reason
HEADCOUNT_MONTHS_BACK = 12  # ... and so does a report for a month further back than this


def headcount_doubts(*, firm: Firm, month: datetime.date, headcount: int) -> list[str]:
    """Return why a report needs confirming (each sentence names the figure and the limit), or [] when plausible.

    The seats are those the firm held at any time in the month (distinct seats whose holding meets the month):
    never fewer than it held on any one day, so a firm that grew during the month is not flagged. One query.
    """
    doubts = []
    seats = (
        LeaseSeat.objects.filter(lease__firm=firm)
        .overlapping(month, month_start(month, 1))
        .values("seat_id")
        .distinct()
        .count()
    )
    limit = HEADCOUNT_PER_SEAT_LIMIT * seats
    if headcount > limit:
        doubts.append(
            _("在岗人数 %(n)s 人超过 %(month)s 所租席位 %(seats)s 席的 %(k)s 倍（上限 %(limit)s 人）。")
            % {"n": headcount, "month": month.strftime("%Y-%m"), "seats": seats, "k": HEADCOUNT_PER_SEAT_LIMIT, "limit": limit}
        )
    earliest = month_start(timezone.localdate(), -HEADCOUNT_MONTHS_BACK)
    if month < earliest:
        doubts.append(
            _("月份 %(month)s 早于 %(k)s 个月前（不经确认最早可填 %(earliest)s）。")
            % {"month": month.strftime("%Y-%m"), "k": HEADCOUNT_MONTHS_BACK, "earliest": earliest.strftime("%Y-%m")}
        )
    return doubts


@allocation_write
def headcount_report_submit(
    *, firm: Firm, month: datetime.date, headcount: int, note: str = "", confirmation_reason: str = "", by
) -> HeadcountReport:
    """Submit a firm's headcount for a month; a second submission for the month corrects the first (history keeps it).

    A report above twice the firm's seats, or for a month more than 12 months back, is refused unless
    `confirmation_reason` says why the figure is right; the reason is stored on the report and staff screens flag it.
    """
    if month is None:
        raise ValidationError({"month": _("请填写月份。")})
    month = month_start(month)
    if month > month_start(timezone.localdate()):
        raise ValidationError({"month": _("不能填报未来月份 %(m)s；请选择本月或以前的月份。") % {"m": month.strftime("%Y-%m")}})
    if not isinstance(headcount, int) or isinstance(headcount, bool):
        raise ValidationError({"headcount": _("在岗人数必须是整数。")})
    if headcount < 0:
        raise ValidationError({"headcount": _("在岗人数不能为负数（收到 %(n)s）。") % {"n": headcount}})
    # The firm's lock serialises its submissions: the first for a month creates it, and each later one (waiting
    # here) then finds it and corrects it, instead of failing on the unique constraint.
    firm = Firm.objects.select_for_update().get(pk=firm.pk)
    doubts = headcount_doubts(firm=firm, month=month, headcount=headcount)
    confirmation_reason = (confirmation_reason or "").strip()
    if doubts and not confirmation_reason:
        raise ValidationError(
            {
                "confirmation_reason": ValidationError(
                    "".join(doubts) + _("如数字无误，请勾选确认并填写原因后再提交。"), code="needs_confirmation"
                )
            }
        )
    report = HeadcountReport.objects.filter(firm=firm, month=month).first()
    if report is None:
        report = HeadcountReport(firm=firm, month=month)
    report.headcount = headcount
    report.note = note
    report.confirmation_reason = confirmation_reason[:200] if doubts else ""
    report.submitted_by = by
    report.full_clean(validate_unique=False, validate_constraints=False)
    _history_user(report, by).save()
    return report
