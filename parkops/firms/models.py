"""The tenants: business lines (业态), firms and the users who log in for them."""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from parkops.core.models import TimeStampedModel
from parkops.core.scoping import FirmScopedQuerySet

from .choices import FirmStatus, MemberRole
from .uscc import check_uscc


class BusinessLine(models.Model):
    """One of the park's business lines (业态), e.g. 呼叫中心 call centre."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)
    name_en = models.CharField(_("英文名称"), max_length=80, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("业态")
        verbose_name_plural = _("业态")

    def __str__(self):
        return self.name


class FirmQuerySet(FirmScopedQuerySet):
    """Firms; visible_to(user): all for staff, only its own for a tenant."""

    firm_path = "pk"


class Firm(TimeStampedModel):
    """A tenant firm (入驻企业) of the park, from negotiation to operation or exit."""

    name = models.CharField(_("企业全称"), max_length=200, unique=True)
    short_name = models.CharField(_("简称"), max_length=50)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    uscc = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, null=True, blank=True, help_text=_("18 位，选填")
    )
    parent_group = models.CharField(_("所属集团"), max_length=200, blank=True)
    business_lines = models.ManyToManyField(BusinessLine, verbose_name=_("业态"), blank=True, related_name="firms")
    is_top_ranked = models.BooleanField(_("五百强/行业百强"), default=False)
    is_internship_base = models.BooleanField(_("就业见习基地"), default=False)
    is_demo = models.BooleanField(
        _("演示数据"), default=False, help_text=_("演示用的虚构企业，不是园区真实租户。")
    )
    status = models.CharField(_("状态"), max_length=16, choices=FirmStatus.choices, default=FirmStatus.NEGOTIATING)
    signed_on = models.DateField(_("签约日期"), null=True, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    task_force_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("专班负责人"),
        help_text=_("一企一策一专班：负责该企业的园区工作人员"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="task_force_firms",
    )
    note = models.TextField(_("备注"), blank=True)
    history = HistoricalRecords(excluded_fields=["modified"])

    objects = FirmQuerySet.as_manager()

    class Meta:
        ordering = ["short_name"]
        verbose_name = _("入驻企业")
        verbose_name_plural = _("入驻企业")
        constraints = [
            models.CheckConstraint(condition=~Q(uscc=""), name="firm_uscc_null_not_blank"),
        ]

    def __str__(self):
        return self.short_name or self.name

    def clean(self):
        if self.uscc is not None:
            result = check_uscc(self.uscc)
            if result.error:
                raise ValidationError({"uscc": result.error})
            # Store None rather than "" so that "unique when present" holds.
            self.uscc = result.code or None


class FirmMemberQuerySet(FirmScopedQuerySet):
    """Firm members; visible_to(user): all for staff, its own firm's for a tenant."""

    firm_path = "firm"


class FirmMember(TimeStampedModel):
    """Links a login to exactly one tenant firm, as firm admin or viewer."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="firm_membership"
    )
    firm = models.ForeignKey(Firm, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="members")
    role = models.CharField(_("角色"), max_length=16, choices=MemberRole.choices, default=MemberRole.VIEWER)

    objects = FirmMemberQuerySet.as_manager()

    class Meta:
        ordering = ["firm", "user__username"]
        verbose_name = _("企业用户")
        verbose_name_plural = _("企业用户")

    def __str__(self):
        return f"{self.user} @ {self.firm}"

    @property
    def is_admin(self) -> bool:
        return self.role == MemberRole.ADMIN
