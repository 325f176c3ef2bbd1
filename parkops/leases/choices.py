"""Choices for leases, reservations, seat requests."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class LeaseStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ACTIVE = "active", _("生效")
    TERMINATED = "terminated", _("已终止")
    EXPIRED = "expired", _("已到期")


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
