"""The API's request and response bodies (and their OpenAPI schema)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from rest_framework import serializers

from xueshi.api.models import PushResult

EXTERNAL_ID = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}$",
    "编号应为 1–64 位字母、数字或“.”“_”“:”“-”，以字母或数字开头。",
)


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
    name = serializers.CharField(max_length=64, help_text="姓名")
    id_number = serializers.CharField(max_length=32, help_text="公民身份号码")
    score = serializers.CharField(max_length=16, help_text="考核成绩，0–100，最多一位小数")


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
    items = ReceiptItemSerializer(many=True, help_text="逐条结果，与报送顺序一致")
