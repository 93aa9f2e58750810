"""A verification roster as Excel: 《____年广东省专业技术人员继续教育证书汇总表》 / 花名册."""

from __future__ import annotations

import io

import xlsxwriter

from xueshi.certificates.models import Roster
from xueshi.certificates.selectors import HOURS_LABELS

HEADER = ["序号", "证书编号", "姓名", "公民身份号码", "学时", "验证盖章"]


def roster_workbook(roster: Roster) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"strings_to_formulas": False, "in_memory": True})
    sheet = book.add_worksheet("汇总表")
    bold = book.add_format({"bold": True})
    title = f"{roster.year} 年专业技术人员继续教育证书汇总表（{roster.employer.name}）"
    sheet.write(0, 0, title, bold)
    sheet.write_row(2, 0, HEADER, bold)
    for n, entry in enumerate(roster.entries.select_related("certificate__professional"), 1):
        c = entry.certificate
        hours = "；".join(f"{HOURS_LABELS.get(k, k)} {v}" for k, v in c.hours.items())
        sheet.write_row(
            2 + n,
            0,
            [
                n,
                c.number,
                c.professional.full_name,
                c.professional.masked_id_number,
                hours,
                "已盖章" if c.stamped else "待验证",
            ],
        )
    sheet.set_column(0, 5, 18)
    book.close()
    return buffer.getvalue()
