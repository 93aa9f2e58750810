"""The open API's clients, the requests they sign, the records they push and the receipts
they are given (docs/api.md, docs/adr/0011-open-api.md)."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q


class ClientKind(models.TextChoices):
    """What kind of system docks: it decides the role the client acts in."""

    PROVIDER = "provider", "施教机构"
    PLATFORM = "platform", "网络学习平台"
    EDUCATION_AUTHORITY = "education_authority", "教育主管部门"
    HEALTH_AUTHORITY = "health_authority", "卫生健康主管部门"
    TITLE_SYSTEM = "title_system", "职称评审系统"


class Scope(models.TextChoices):
    """What a client may do. The OAuth2 scopes are these values; a signed request has all of
    its client's."""

    HOURS_PUSH = "hours:push", "报送学时（本机构的培训班学员）"
    COMPLIANCE_READ = "compliance:read", "查询达标情况（本地区）"
    CERTIFICATES_READ = "certificates:read", "查询证书"
    CLASSES_READ = "classes:read", "查询培训班（本地区）"


class ApiClient(models.Model):
    """接入系统: a system of an organisation that a bureau registered to call the API.

    It acts through its own account (``user``, no password: it cannot sign in to the pages)
    and the role held by that account (``assignment``): a provider's or platform's staff role,
    an industry authority's reviewer role, or a bureau role for a 职称 system. Selectors and
    services scope it exactly as they scope a person in that role."""

    name = models.CharField("系统名称", max_length=128)
    kind = models.CharField("类型", max_length=32, choices=ClientKind.choices)
    region = models.ForeignKey(
        "organisations.Region", verbose_name="登记地区", on_delete=models.PROTECT, related_name="+"
    )
    app_key = models.CharField("App Key", max_length=40, unique=True)
    # The secret, encrypted with a key derived from SECRET_KEY (api.secrets): the server
    # needs it in clear to check HMAC signatures. OAuth2 keeps its own hash of it.
    secret_sealed = models.TextField("密钥（加密保存）")
    secret_version = models.PositiveIntegerField("密钥版本", default=1)
    scopes = models.JSONField("权限范围", default=list)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="接入账户",
        on_delete=models.PROTECT,
        related_name="api_client",
    )
    assignment = models.OneToOneField(
        "accounts.RoleAssignment",
        verbose_name="接入角色",
        on_delete=models.PROTECT,
        related_name="api_client",
    )
    application = models.OneToOneField(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        verbose_name="OAuth2 应用",
        on_delete=models.PROTECT,
        related_name="api_client",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        on_delete=models.PROTECT,
        related_name="+",
    )
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    revoked_at = models.DateTimeField("停用时间", null=True, blank=True)

    class Meta:
        verbose_name = "接入系统"
        verbose_name_plural = "接入系统"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class ApiNonce(models.Model):
    """A nonce a client signed a request with: refused if seen again within the window
    (``XUESHI_API_NONCE_SECONDS``); older ones are purged."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=64)
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "请求随机数"
        verbose_name_plural = "请求随机数"
        constraints = [
            models.UniqueConstraint(fields=["client", "nonce"], name="api_nonce_once"),
        ]

    def __str__(self) -> str:
        return self.nonce


class PushResult(models.TextChoices):
    CREATED = "created", "已登记"
    UNCHANGED = "unchanged", "此前已接收，未重复登记"
    FAILED = "failed", "未达合格分数，不登记"
    CONFLICT = "conflict", "编号已用于不同内容"
    REFUSED = "refused", "未接收"


# The results a PushedResult keeps (conflicts and refusals are not kept).
STORED_RESULTS = ("created", "unchanged", "failed")


class VoidResult(models.TextChoices):
    VOIDED = "voided", "已作废"
    UNCHANGED = "unchanged", "此前已作废，未作改动"
    NOT_FOUND = "not_found", "没有这个编号的报送记录"


class ApiReceipt(models.Model):
    """回执: what one push did, row by row in the order sent; retrievable later by its id."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(
        ApiClient, verbose_name="接入系统", on_delete=models.PROTECT, related_name="receipts"
    )
    class_plan = models.ForeignKey(
        "training.ClassPlan", verbose_name="培训班", on_delete=models.PROTECT, related_name="+"
    )
    hour_batch = models.ForeignKey(
        "training.HourBatch",
        verbose_name="批量登记",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sha256 = models.CharField("请求体 SHA-256", max_length=64)
    rows = models.PositiveIntegerField("条数")
    created = models.PositiveIntegerField("新登记", default=0)
    unchanged = models.PositiveIntegerField("未变", default=0)
    failed = models.PositiveIntegerField("不合格", default=0)
    conflicts = models.PositiveIntegerField("冲突", default=0)
    refused = models.PositiveIntegerField("未接收", default=0)
    items = models.JSONField("逐条结果", default=list)
    created_at = models.DateTimeField("接收时间", auto_now_add=True)

    class Meta:
        verbose_name = "报送回执"
        verbose_name_plural = "报送回执"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return str(self.id)

    @property
    def items_shown(self) -> list[dict[str, Any]]:
        """The rows as sent, each saying whether the result its id stands for was voided
        since (when, why): a re-sent id's "unchanged" too."""
        voided = {
            row.external_id: row
            for row in PushedResult.objects.filter(
                client_id=self.client_id,
                voided_at__isnull=False,
                external_id__in=[item["external_id"] for item in self.items],
            )
        }
        shown = []
        for item in self.items:
            row = voided.get(item["external_id"])
            if row is not None and item["result"] in STORED_RESULTS:
                item = item | {"voided_at": row.voided_at, "void_reason": row.void_reason}
            else:
                item = item | {"voided_at": None, "void_reason": ""}
            shown.append(item)
        return shown


class PushedResult(models.Model):
    """One learner's result a client sent, by the client's own id (xAPI's statement id): the
    same id with the same content changes nothing, with other content is a conflict."""

    client = models.ForeignKey(
        ApiClient, verbose_name="接入系统", on_delete=models.PROTECT, related_name="results"
    )
    external_id = models.CharField("外部编号", max_length=64)
    content_sha256 = models.CharField("内容摘要", max_length=64)
    class_plan = models.ForeignKey(
        "training.ClassPlan", verbose_name="培训班", on_delete=models.PROTECT, related_name="+"
    )
    professional = models.ForeignKey(
        "people.Professional", verbose_name="学员", on_delete=models.PROTECT, related_name="+"
    )
    result = models.CharField("结果", max_length=16, choices=PushResult.choices)
    receipt = models.ForeignKey(
        ApiReceipt, verbose_name="回执", on_delete=models.PROTECT, related_name="+"
    )
    # The hour record this result entered (None: failed, or entered before by another way).
    record = models.ForeignKey(
        "records.HourRecord",
        verbose_name="学时记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    voided_at = models.DateTimeField("作废时间", null=True, blank=True)
    voided_by = models.ForeignKey(
        ApiClient,
        verbose_name="作废的接入系统",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    void_reason = models.CharField("作废理由", max_length=200, blank=True)
    created_at = models.DateTimeField("接收时间", auto_now_add=True)

    class Meta:
        verbose_name = "报送的学员成绩"
        verbose_name_plural = "报送的学员成绩"
        constraints = [
            models.UniqueConstraint(
                fields=["client", "external_id"], name="pushed_result_once_per_client"
            ),
            models.CheckConstraint(
                name="pushed_result_stored_results",
                condition=Q(result__in=list(STORED_RESULTS)),
            ),
        ]

    def __str__(self) -> str:
        return self.external_id
