"""The API's request and response bodies (and their OpenAPI schema)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from rest_framework import serializers

from xueshi.api.models import PushResult, VoidResult
from xueshi.api.selectors import CURSOR

EXTERNAL_ID = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}$",
    "编号应为 1–64 位字母、数字或“.”“_”“:”“-”，以字母或数字开头。",
)

# Declared so that the schema says it (pattern): DRF refuses NUL in any text anyway.
NO_NUL = RegexValidator(r"^[^\x00]*$", "不能含空字符（NUL）。")


class ProblemSerializer(serializers.Serializer):
    """problem+json (RFC 9457)."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField(help_text="中文说明")
    code = serializers.CharField(help_text="稳定的错误代码，见 docs/api.md")
    errors = serializers.JSONField(required=False, help_text="逐字段的校验错误")


class PushItemSerializer(serializers.Serializer):
    external_id = serializers.CharField(
        max_length=64, validators=[EXTERNAL_ID], help_text="报送系统自己的编号（幂等键）"
    )
    # Not trimmed here: each row's checks say what is wrong with a blank name or score (the
    # row is refused with its reason), as for an Excel row.
    name = serializers.CharField(
        max_length=64, trim_whitespace=False, validators=[NO_NUL], help_text="姓名"
    )
    id_number = serializers.CharField(
        max_length=32, trim_whitespace=False, validators=[NO_NUL], help_text="公民身份号码"
    )
    score = serializers.CharField(
        max_length=16,
        trim_whitespace=False,
        validators=[NO_NUL],
        help_text="考核成绩，0–100，最多一位小数",
    )


class PushSerializer(serializers.Serializer):
    items = serializers.ListField(
        child=PushItemSerializer(),
        min_length=1,
        max_length=settings.XUESHI_API_PUSH_MAX,
        help_text=f"学员成绩，每批最多 {settings.XUESHI_API_PUSH_MAX} 条",
    )


class ReceiptItemSerializer(serializers.Serializer):
    external_id = serializers.CharField()
    result = serializers.ChoiceField(choices=PushResult.choices)
    message = serializers.CharField()
    voided_at = serializers.DateTimeField(
        allow_null=True, help_text="作废时间：该编号的结果已由报送方作废，不再计入；未作废为 null"
    )
    void_reason = serializers.CharField(allow_blank=True, help_text="作废理由")


class ReceiptSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="回执编号：可凭它再次查询")
    class_id = serializers.IntegerField(source="class_plan_id")
    received_at = serializers.DateTimeField(source="created_at")
    sha256 = serializers.CharField(help_text="服务器收到的请求体的 SHA-256")
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    failed = serializers.IntegerField()
    conflicts = serializers.IntegerField()
    refused = serializers.IntegerField()
    items = ReceiptItemSerializer(
        many=True, source="items_shown", help_text="逐条结果，与报送顺序一致"
    )


class VoidSerializer(serializers.Serializer):
    external_ids = serializers.ListField(
        child=serializers.CharField(max_length=64, validators=[EXTERNAL_ID]),
        min_length=1,
        max_length=settings.XUESHI_API_PUSH_MAX,
        help_text=f"要作废的报送编号（external_id），每次最多 {settings.XUESHI_API_PUSH_MAX} 个",
    )
    reason = serializers.CharField(max_length=200, validators=[NO_NUL], help_text="作废理由")
    pushed_by = serializers.CharField(
        max_length=40,
        required=False,
        default="",
        allow_blank=True,
        validators=[NO_NUL],
        help_text="报送这些编号的接入系统的 App Key（同一机构的另一系统）；不填为本系统",
    )


class VoidItemSerializer(serializers.Serializer):
    external_id = serializers.CharField()
    result = serializers.ChoiceField(choices=VoidResult.choices)
    message = serializers.CharField()


class VoidAnswerSerializer(serializers.Serializer):
    voided = serializers.IntegerField(help_text="本次作废的条数")
    unchanged = serializers.IntegerField(help_text="此前已作废的条数")
    not_found = serializers.IntegerField(help_text="没有这个编号（或不是本机构报送）的条数")
    items = VoidItemSerializer(many=True, help_text="逐条结果，与请求顺序一致")


# --- pulls ---------------------------------------------------------------------------------


ID_NUMBER = RegexValidator(r"^[0-9]{17}[0-9Xx]$", "公民身份号码应为 18 位（末位可为 X）。")


class VerdictQuerySerializer(serializers.Serializer):
    id_number = serializers.CharField(
        max_length=18, trim_whitespace=False, validators=[ID_NUMBER], help_text="公民身份号码"
    )
    year = serializers.IntegerField(min_value=2000, max_value=2100, help_text="年度")
    as_of = serializers.DateField(
        required=False,
        help_text=(
            "截至日期（可选，默认为服务器当日）：按该日结束时各记录所处的状态判定，"
            "此后才认定的记录按审核中计、此后才登记的不计；晚于服务器当日的按当日答复"
            "（答复中的 as_of 为实际采用的日期）"
        ),
    )


class ReferenceSerializer(serializers.Serializer):
    notice = serializers.CharField(help_text="文件名称")
    document_number = serializers.CharField(help_text="文号")
    issuer = serializers.CharField(help_text="发文机关")
    section = serializers.CharField(help_text="条款")
    clause = serializers.CharField(help_text="条款原文")
    citation = serializers.CharField()


class RequirementSerializer(serializers.Serializer):
    title = serializers.CharField()
    unit = serializers.CharField()
    required = serializers.CharField(help_text="应完成")
    counted = serializers.CharField(help_text="已计入")
    shortfall = serializers.CharField(help_text="尚缺")
    met = serializers.BooleanField()
    region = serializers.CharField(help_text="规定该要求的地区代码")
    explanation = serializers.CharField()
    reference = ReferenceSerializer()


class VerdictSerializer(serializers.Serializer):
    id_number = serializers.CharField(help_text="公民身份号码（脱敏）")
    name = serializers.CharField()
    region = serializers.CharField()
    region_name = serializers.CharField()
    year = serializers.IntegerField()
    years = serializers.ListField(child=serializers.IntegerField(), help_text="核查的年度或周期")
    as_of = serializers.DateField(
        help_text="结论截至的日期：请求的截至日期，未给出或晚于服务器当日的为服务器当日"
    )
    status = serializers.CharField(help_text="已达标、未达标或无法判定")
    compliant = serializers.BooleanField()
    determined = serializers.BooleanField()
    summary = serializers.CharField(allow_blank=True)
    policy_version = serializers.CharField(allow_blank=True)
    requirements = RequirementSerializer(many=True)
    pending_records = serializers.IntegerField(help_text="尚在审核中的记录数")


class CertificateSerializer(serializers.Serializer):
    number = serializers.CharField()
    name = serializers.CharField(source="professional.full_name")
    id_number = serializers.CharField(source="professional.masked_id_number")
    year = serializers.IntegerField()
    years_label = serializers.CharField()
    region = serializers.CharField(source="region_id")
    issuer = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    hours = serializers.JSONField()
    verdict = serializers.JSONField()
    policy_version = serializers.CharField()


class ClassPlanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    provider = serializers.CharField(source="provider.name")
    region = serializers.CharField(source="region_id")
    category = serializers.CharField()
    required = serializers.BooleanField()
    series = serializers.CharField(allow_blank=True)
    mode = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    hours = serializers.DecimalField(max_digits=5, decimal_places=1)
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")


class ClassPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    results = ClassPlanSerializer(many=True)


class ClassQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)
    page = serializers.IntegerField(min_value=1, max_value=100_000, required=False, default=1)


class ChangesQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    cursor = serializers.CharField(
        max_length=200,
        required=False,
        default="",
        allow_blank=True,
        trim_whitespace=False,
        validators=[RegexValidator(CURSOR, "游标无效：请使用上次返回的 cursor。")],
        help_text="上次返回的 cursor；首次不带",
    )
    limit = serializers.IntegerField(min_value=1, max_value=1000, required=False, default=500)


class LedgerRowSerializer(serializers.Serializer):
    # The full number a mirroring system matches people by: revealed (and audited) by the
    # view, handed in the context (people/identity.py).
    id_number = serializers.SerializerMethodField(help_text="公民身份号码")
    name = serializers.CharField(source="professional.full_name")
    year = serializers.IntegerField()
    region = serializers.CharField(source="region_id")
    compliant = serializers.BooleanField(allow_null=True)
    pending = serializers.IntegerField()
    policy_version = serializers.CharField()
    updated_at = serializers.DateTimeField()

    def get_id_number(self, row: Any) -> str:
        return str(self.context["id_numbers"][row.professional_id])


class ChangesSerializer(serializers.Serializer):
    cursor = serializers.CharField(help_text="下次请求带上它")
    more = serializers.BooleanField(help_text="是否还有更多，为真则立即再取")
    results = LedgerRowSerializer(many=True, source="rows")
