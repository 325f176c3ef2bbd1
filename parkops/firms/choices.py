"""Choices for tenant firms."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class FirmStatus(models.TextChoices):
    NEGOTIATING = "negotiating", _("洽谈中")
    SIGNED = "signed", _("已签约")
    FITTING_OUT = "fitting_out", _("装修中")
    OPERATING = "operating", _("运营中")
    EXITED = "exited", _("已退出")


class MemberRole(models.TextChoices):
    ADMIN = "admin", _("企业管理员")
    VIEWER = "viewer", _("只读用户")
