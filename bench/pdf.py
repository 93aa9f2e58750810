"""Benchmark: certificate PDF pages per second, the CJK font embedded.

    python bench/pdf.py [--pages 1000] [--repeat 3] [--seed 2026]

Renders ``--pages`` certificates as one PDF (an employer's batch print) with
``xueshi.certificates.pdf.render``: the embedded TrueType font (WenQuanYi Zen Hei), each page
with its own signed payload in the QR code. Baseline, in the same run: the same pages with
ReportLab's CID font STSong-Light, which embeds nothing (and prints blank on a machine
without Chinese fonts). Best of ``--repeat`` runs each; the font is loaded before timing,
as a worker process keeps it. Goal: ≥100 pages/s on this machine.

The rendered PDF is checked too: its first and last pages' QR codes are decoded (pypdfium2 +
zxing-cpp) and their signatures verified. No database is needed.

Last line on stdout: the JSON result (bench/README.md). ``ratio`` = figure / baseline (the
embedded font's throughput as a share of the non-embedded font's).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib

from xueshi.certificates.offline import qr_texts_from_pdf
from xueshi.certificates.pdf import CertificateSheet, HoursLine, cjk_font, qr_version, render
from xueshi.certificates.signing import KeyRing, sign, verify

GOAL_PAGES_PER_S = 100.0
PUBLIC_URL = "https://xueshi.hrss.gd.gov.cn"
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余于杜叶程"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建国晓雪梅琳"
EMPLOYERS = [
    "汕头市第一中学",
    "汕头大学医学院第一附属医院",
    "汕头市金平区人民医院",
    "广东省汕头市建筑设计院有限公司",
    "龙湖区外砂街道社区卫生服务中心",
    "开封市第二人民医院",
    "厦门市湖里区实验小学",
    "广德市农业农村局农业技术推广中心",
]
REGIONS = [
    ("440507", "广东省 汕头市 龙湖区", "汕头市人力资源和社会保障局"),
    ("440511", "广东省 汕头市 金平区", "汕头市人力资源和社会保障局"),
    ("350206", "福建省 厦门市 湖里区", "厦门市湖里区人力资源和社会保障局"),
    ("410202", "河南省 开封市 龙亭区", "开封市人力资源和社会保障局"),
    ("341882", "安徽省 宣城市 广德市", "广德市人力资源和社会保障局"),
]


def make_sheets(count: int, seed: int) -> tuple[list[CertificateSheet], KeyRing]:
    """``count`` certificates as issuing makes them: real signed payloads, varied names."""
    rng = random.Random(seed)
    ring = KeyRing()
    ring.generate("k20261121")
    sheets = []
    for n in range(1, count + 1):
        code, region, issuer = rng.choice(REGIONS)
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
        year = rng.randint(2014, 2024)
        number = f"{code[:4]}00{year}{n:06d}"
        public, professional, elective = rng.choice([20, 24, 30]), rng.choice([42, 56, 60]), 12
        hours = {
            "public": str(public),
            "professional": str(professional),
            "elective": str(elective),
            "total": str(public + professional + elective),
        }
        masked = f"{code}**********{rng.randint(0, 9999):04d}"
        issued = f"{year + 1}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
        content = {
            "no": number,
            "nm": name,
            "id": masked,
            "y": year,
            "rg": code,
            "rn": region.split()[-1],
            "h": hours,
            "ok": True,
            "iss": issuer,
            "dt": issued,
            "pv": f"sha256:{rng.getrandbits(64):016x}",
        }
        payload = sign(content, ring)
        url = f"{PUBLIC_URL}/certificates/verify/?c={payload}"
        labels = {"public": "公需科目", "professional": "专业科目", "elective": "选修科目"}
        labels["total"] = "合计"
        sheets.append(
            CertificateSheet(
                number=number,
                name=name,
                masked_id=masked,
                year_label=f"{year} 年度",
                employer=rng.choice(EMPLOYERS),
                region=region,
                issuer=issuer,
                issued_on=issued,
                lines=[HoursLine(labels[k], f"{v} 学时") for k, v in hours.items()],
                verdict=f"已完成 {year} 年度继续教育任务",
                stamp="尚未验证盖章：须经人社部门验证盖章后有效",
                verify_url=url,
                verify_site=f"{PUBLIC_URL}/certificates/verify/",
                policy_version=str(content["pv"]),
            )
        )
    return sheets, ring


def check_output(sheets: list[CertificateSheet], ring: KeyRing) -> int:
    """Decode and verify the QR codes of a rendering of the first and last pages."""
    sample = render([sheets[0], sheets[-1]])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sample.pdf"
        path.write_bytes(sample)
        texts = qr_texts_from_pdf(path)
    expected = [sheets[0].number, sheets[-1].number]
    numbers = [verify(text.split("?c=", 1)[-1], ring).number for text in texts]
    if numbers != expected:
        raise SystemExit(f"QR check failed: decoded {numbers}, expected {expected}")
    return len(numbers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    font = cjk_font()
    if not font.embedded:
        raise SystemExit("no embeddable CJK font: apt-get install fonts-wqy-zenhei")
    sheets, ring = make_sheets(args.pages, args.seed)
    longest = max(len(s.verify_url) for s in sheets)
    render(sheets[:2])  # load and register both fonts before timing
    render(sheets[:2], embed_font=False)

    embedded_s, data = benchlib.best_of(args.repeat, lambda: render(sheets))
    cid_s, cid_data = benchlib.best_of(args.repeat, lambda: render(sheets, embed_font=False))
    checked = check_output(sheets, ring)

    pages_per_s = args.pages / embedded_s
    baseline = args.pages / cid_s
    ratio = pages_per_s / baseline
    met = pages_per_s >= GOAL_PAGES_PER_S
    print(f"{args.pages} certificates, one PDF, best of {args.repeat}; font {font.path}")
    print(f"  QR: addresses up to {longest} bytes, version {qr_version(longest)}, mask fixed")
    print(
        f"  embedded font: {embedded_s:.2f} s = {pages_per_s:.1f} pages/s, "
        f"{len(data) / args.pages / 1024:.1f} KiB/page"
    )
    print(
        f"  CID font (baseline, not embedded): {cid_s:.2f} s = {baseline:.1f} pages/s, "
        f"{len(cid_data) / args.pages / 1024:.1f} KiB/page"
    )
    print(f"  QR codes decoded and verified on {checked} sample pages")
    print(
        f"  ratio {ratio:.2f} of the baseline's throughput; goal ≥{GOAL_PAGES_PER_S:.0f} "
        f"pages/s: {'met' if met else 'NOT met'}"
    )
    print(
        benchlib.result_line(
            name="certificate PDF",
            figure=pages_per_s,
            unit="pages/s",
            baseline=baseline,
            ratio=ratio,
            goal=f"≥{GOAL_PAGES_PER_S:.0f} pages/s (embedded font)",
            met=met,
            pages=args.pages,
            kib_per_page=round(len(data) / args.pages / 1024, 1),
            baseline_kib_per_page=round(len(cid_data) / args.pages / 1024, 1),
        )
    )


if __name__ == "__main__":
    main()
