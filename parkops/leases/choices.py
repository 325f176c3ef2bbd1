"""Choices for leases, reservations, seat requests; the product's one expiry window."""
import datetime

from django.conf import settings
from django.db import models
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


def expiry_days() -> int:
    """Return the product's expiry window in days (settings.PARKOPS_EXPIRY_DAYS), read when called."""
    return settings.PARKOPS_EXPIRY_DAYS


def expiry_horizon(day: datetime.date, days: int | None = None) -> datetime.date:
    """Return the last end date that reads "expiring" on `day`: day + the product's window (or `days`).

    An end (exclusive) on or before it means the last day falls within the window, `day` included.
    """
    return day + datetime.timedelta(days=expiry_days() if days is None else days)


def expiring_label(days: int | None = None) -> str:
    """Return the "expiring" label, e.g. "90 天内到期", for the product's window (or `days`)."""
    return gettext("%(expiry_days)s 天内到期") % {"expiry_days": expiry_days() if days is None else days}


# The same label as a lazy string, for module-level texts: formatted (window and language) when shown.
expiring_label_lazy = lazy(expiring_label, str)


class LeaseStage(models.TextChoices):
    """The one thing about a lease's lifecycle its dates cannot tell: signed or still a draft.

    Everything else (upcoming, active, expiring, ended, terminated) is derived from the dates:
    see LeaseState and Lease.state_on.
    """

    DRAFT = "draft", _("草稿")
    SIGNED = "signed", _("已签约")


class LeaseState(models.TextChoices):
    """A lease's state on a day, derived from its stage and dates (Lease.state_on, LeaseQuerySet.with_state).

    Never stored. The expiring label carries the product's window ("90 天内到期").
    """

    DRAFT = "draft", _("草稿")
    UPCOMING = "upcoming", _("未起租")
    ACTIVE = "active", _("生效")
    EXPIRING = "expiring", expiring_label_lazy()
    ENDED = "ended", _("已到期")
    TERMINATED = "terminated", _("已终止")

    @classmethod
    def label_of(cls, value) -> str:
        """Return the label of a state value (the value itself if it is not a state)."""
        try:
            return str(cls(value).label)
        except ValueError:
            return "" if value is None else str(value)


class RentTerms(models.TextChoices):
    FREE_POLICY = "free_policy", _("政策免租（拎包入驻）")
    SUBSIDISED = "subsidised", _("补贴租金")
    MARKET = "market", _("市场租金")


class ReservationStatus(models.TextChoices):
    ACTIVE = "active", _("有效")
    CONVERTED = "converted", _("已转租约")
    CANCELLED = "cancelled", _("已取消")


class SeatRequestStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")
    WITHDRAWN = "withdrawn", _("已撤回")
