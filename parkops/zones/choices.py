"""Choices for the supply side: zones, phases, buildings, seats."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class ZoneStatus(models.TextChoices):
    OPERATING = "operating", _("运营中")
    UNDER_CONSTRUCTION = "under_construction", _("在建")
    PLANNED = "planned", _("规划中")


class PhaseStatus(models.TextChoices):
    PLANNED = "planned", _("规划中")
    UNDER_CONSTRUCTION = "under_construction", _("在建")
    HANDED_OVER = "handed_over", _("已交付")
    OPERATING = "operating", _("运营中")


class FunctionalArea(models.TextChoices):
    INTEGRATED_SERVICES = "integrated_services", _("综合服务")
    ENTERPRISE_WORK_ZONE = "enterprise_work_zone", _("企业工区")
    TALENT_APARTMENTS = "talent_apartments", _("人才公寓")
    COMMERCIAL_STREET = "commercial_street", _("商业街区")


class SeatKind(models.TextChoices):
    WORKSTATION = "workstation", _("工位")
    CALL_CENTRE_BOOTH = "call_centre_booth", _("呼叫中心坐席")
    OFFICE_DESK = "office_desk", _("办公桌")
    TRAINING = "training", _("培训席位")


class SeatCondition(models.TextChoices):
    IN_SERVICE = "in_service", _("可用")
    OUT_OF_SERVICE = "out_of_service", _("停用")
