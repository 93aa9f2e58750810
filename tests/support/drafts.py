"""Shantou's 2025 notice as a bureau drafts it: total hours raised to 90 (the two YAML
documents of ``xueshi.rules.layers``)."""

NOTICE = """\
440500-2025:
  title: 关于做好2025年度专业技术人员继续教育工作的通知
  issuer: 汕头市人力资源和社会保障局
  date: 2024-12-20
"""

PARAMETERS = """\
hours.total:
  - from: 2025-01-01
    until: 2025-12-31
    unit: hour
    value: 90
    reference:
      notice: 440500-2025
      section: 二
      clause: 当年度参加继续教育累计不少于90学时。
"""
