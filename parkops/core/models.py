"""Shared abstract base model; no domain of its own."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """A model that records when its row was created and last changed."""

    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    modified = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        abstract = True


class AllocationVersion(models.Model):
    """The one row (id 1) whose number every write to a table that feeds a park-wide figure raises, in its own
    transaction: the key under which figures are cached (core/versioning.py). Never written by a model save."""

    number = models.BigIntegerField(_("版本号"))
    changed_at = models.DateTimeField(_("变更时间"))

    class Meta:
        verbose_name = _("分配数据版本")
        verbose_name_plural = _("分配数据版本")

    def __str__(self):
        return str(self.number)
