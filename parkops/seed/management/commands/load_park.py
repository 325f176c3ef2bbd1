"""manage.py load_park: load the real park (fixtures/park.json) as the default data set.

Does nothing when the park is already loaded; ``--replace`` wipes park data (never users) and
loads again. Everything happens in one transaction, so a bad file leaves the database as it was.
"""
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from parkops.seed import park_loader


class Command(BaseCommand):
    help = "加载园区默认数据（fixtures/park.json）：A、B、B1、C 区约7000席，D 区四期，入驻企业与演示分配。"

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(park_loader.DEFAULT_FILE), help="园区数据文件（默认 fixtures/park.json）")
        parser.add_argument("--replace", action="store_true", help="先清除已有园区数据（不含用户），再重新加载")

    def handle(self, *args, file, replace, **options):
        data = self.read(file)
        started, cpu = time.perf_counter(), time.process_time()
        try:
            with transaction.atomic():
                if park_loader.park_is_loaded() and not replace:
                    self.stdout.write("园区数据已加载，未做任何更改。如需重新加载：manage.py load_park --replace")
                    return
                links = park_loader.wipe_park() if replace else park_loader.UserLinks()
                park_loader.ParkLoader(data).run()
                restored = park_loader.restore_links(links)
        except park_loader.ParkDataError as exc:
            raise CommandError(f"园区数据未加载（未做任何更改）：{exc}") from exc
        self.report(time.perf_counter() - started, time.process_time() - cpu, restored)

    def read(self, path):
        try:
            return park_loader.load_file(path)
        except park_loader.ParkDataError as exc:
            raise CommandError(str(exc)) from exc

    def report(self, seconds: float, cpu: float, restored: int) -> None:
        summary = park_loader.park_summary()
        for occ in summary["zones"]:
            zone = occ.obj
            self.stdout.write(
                f"  {zone.code:<3} 规划 {zone.declared_seats:>6} 席  实有 {occ.seats:>5} 席  "
                f"已租 {occ.leased:>5}  停用 {occ.out_of_service:>3}  面积 {zone.gross_area_m2:>6} m²"
            )
        self.stdout.write(
            "  企业 {firms} 家（其中演示企业 {demo_firms} 家），租约 {leases} 份，租约席位 {lease_seats} 条，"
            "容量预留 {reservations} 条，席位申请 {seat_requests} 条，在岗人数报告 {headcount_reports} 条".format(**summary)
        )
        if restored:
            self.stdout.write(f"  已恢复 {restored} 个企业用户与企业的关联")
        self.stdout.write(self.style.SUCCESS(f"园区数据加载完成，用时 {seconds:.2f} 秒（本进程 CPU {cpu:.2f} 秒）。"))
