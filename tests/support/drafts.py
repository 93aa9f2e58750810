"""Shantou's 2025 notice as a bureau drafts it, in the shape of its 2014 notice with the
total raised from 72 to 90 hours: three categories, public 20, professional 42, elective 12
(the two YAML documents of ``xueshi.rules.layers``). Without it, 2025 is judged by the
national rules: 90 hours, professional two thirds, no electives."""

NOTICE = """\
440500-2025:
  title: 关于做好2025年度专业技术人员继续教育工作的通知
  issuer: 汕头市人力资源和社会保障局
  date: 2024-12-20
  for_year: 2025
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
categories:
  - from: 2025-01-01
    until: 2025-12-31
    unit: category
    value: [public, professional, elective]
    reference:
      notice: 440500-2025
      section: 二
      clause: 专业技术人员接受继续教育培训分为公需科目、专业科目和选修科目等三类。
hours.public:
  - from: 2025-01-01
    until: 2025-12-31
    unit: hour
    value: 20
    reference:
      notice: 440500-2025
      section: 二(一)
      clause: 公需科目培训时间为20学时。
hours.professional:
  - from: 2025-01-01
    until: 2025-12-31
    unit: hour
    value: 42
    reference:
      notice: 440500-2025
      section: 二(二)
      clause: 专业科目培训时间应不少于42学时。
hours.elective:
  - from: 2025-01-01
    until: 2025-12-31
    unit: hour
    value: 12
    reference:
      notice: 440500-2025
      section: 二(三)
      clause: 选修科目培训时间应不少于12学时。
"""
