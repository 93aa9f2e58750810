"""学时 · 专业技术人员继续教育管理系统.

Continuing education of professional and technical personnel.

This package must stay import-light: ``xueshi.rules`` is imported without Django, and
importing it imports this module first.
"""
