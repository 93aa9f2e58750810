"""The audit trail: every state change writes one event, in the same transaction."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """Who did what to which object, from which status to which, under which policy."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    role = models.CharField("角色", max_length=32, blank=True)
    action = models.CharField("操作", max_length=64)
    target_type = models.CharField("对象类型", max_length=64)
    target_id = models.CharField("对象编号", max_length=64)
    from_status = models.CharField("原状态", max_length=32, blank=True)
    to_status = models.CharField("新状态", max_length=32, blank=True)
    comment = models.TextField("意见", blank=True)
    policy_version = models.CharField("政策版本", max_length=32, blank=True)
    data = models.JSONField("附加信息", default=dict, blank=True)
    client_address = models.CharField("客户端地址", max_length=45, blank=True)
    result = models.CharField("结果", max_length=16, blank=True, default="success")
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    # The chain (xueshi.audit.chain): the row's position and its HMAC-SM3, set by the seal
    # right after the row's transaction commits.
    seq = models.BigIntegerField("链序号", null=True, blank=True, unique=True, editable=False)
    mac = models.CharField("链校验值", max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = "审计事件"
        verbose_name_plural = "审计事件"
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="audit_target_idx"),
            models.Index(fields=["action", "created_at"], name="audit_action_time_idx"),
            models.Index(
                fields=["id"], condition=models.Q(seq__isnull=True), name="audit_unsealed_idx"
            ),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_type}#{self.target_id}"


class AuditChainHead(models.Model):
    """The chain's last position and MAC (one row, id 1), locked while sealing."""

    seq = models.BigIntegerField("链序号", default=0)
    mac = models.CharField("链校验值", max_length=64, blank=True)
    key_id = models.CharField("密钥标识", max_length=16, blank=True)
    # After a key rotation: [[first position, key id], …] in order, one per segment of the
    # chain (empty while the first key seals everything). A changed entry only makes the rows
    # fail their MACs: the keys themselves are outside the database.
    segments = models.JSONField("分段密钥", default=list, blank=True)

    class Meta:
        verbose_name = "审计链头"
        verbose_name_plural = "审计链头"

    def __str__(self) -> str:
        return f"{self.seq} {self.mac[:12]}"
