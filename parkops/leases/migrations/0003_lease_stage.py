"""A lease stores only what its dates cannot tell: its stage (draft or signed) and its termination day.

Lease.status held date-derived values ("expired", and "active" for leases long past their end), which
disagreed with the dates. It becomes Lease.stage: draft stays draft; active, expired and terminated
become signed (a terminated lease is one with terminated_on). The history rows are mapped the same way,
so no stored row, past or present, holds a date-derived value.

A row marked terminated without a termination day (none is written by the services) is taken as
terminated on its end; a termination day after the end (lease_terminate refuses one) is clamped to the end.
"""
from django.db import migrations, models
from django.db.models import F

OLD_TO_NEW = {"draft": "draft", "active": "signed", "expired": "signed", "terminated": "signed"}


def status_to_stage(apps, schema_editor):
    for name in ("Lease", "HistoricalLease"):
        model = apps.get_model("leases", name)
        model.objects.filter(stage="terminated", terminated_on__isnull=True).update(terminated_on=F("end"))
        model.objects.filter(terminated_on__gt=F("end")).update(terminated_on=F("end"))
        for old, new in OLD_TO_NEW.items():
            if old != new:
                model.objects.filter(stage=old).update(stage=new)


def stage_to_status(apps, schema_editor):
    for name in ("Lease", "HistoricalLease"):
        model = apps.get_model("leases", name)
        model.objects.filter(stage="signed", terminated_on__isnull=False).update(stage="terminated")
        model.objects.filter(stage="signed").update(stage="active")


STAGE = dict(
    choices=[("draft", "草稿"), ("signed", "已签约")],
    default="signed",
    help_text="草稿尚未签约；生效、到期等状态由起止日期推算，不在此保存。",
    max_length=16,
    verbose_name="签约阶段",
)


class Migration(migrations.Migration):
    dependencies = [("leases", "0002_leaseseat_no_overlap")]

    operations = [
        migrations.RenameField("lease", "status", "stage"),
        migrations.RenameField("historicallease", "status", "stage"),
        # Widen the choices first so that both the old and the new values are valid while rows are mapped.
        migrations.AlterField("lease", "stage", models.CharField(max_length=16, default="signed")),
        migrations.AlterField("historicallease", "stage", models.CharField(max_length=16, default="signed")),
        migrations.RunPython(status_to_stage, stage_to_status),
        migrations.AlterField("lease", "stage", models.CharField(**STAGE)),
        migrations.AlterField("historicallease", "stage", models.CharField(**STAGE)),
    ]
