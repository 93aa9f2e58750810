"""Users and the roles they hold. A role is held *in* something: a region, an employer,
a provider or an industry authority; that is what scopes what the user may see."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone


class User(AbstractUser):
    full_name = models.CharField("姓名", max_length=64, blank=True)
    password_changed_at = models.DateTimeField("密码修改时间", default=timezone.now)
    must_change_password = models.BooleanField("下次登录须修改密码", default=False)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.full_name or self.username

    def set_password(self, raw_password: str | None) -> None:
        """Set the password and restart its age (a reset sets ``must_change_password`` after)."""
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()
        self.must_change_password = False


class Role(models.TextChoices):
    PROFESSIONAL = "professional", "专业技术人员"
    EMPLOYER_ADMIN = "employer_admin", "用人单位管理员"
    EMPLOYER_REVIEWER = "employer_reviewer", "用人单位审核员"
    PROVIDER_STAFF = "provider_staff", "施教机构工作人员"
    AUTHORITY_REVIEWER = "authority_reviewer", "行业主管部门审核员"
    BUREAU_STAFF = "bureau_staff", "人社部门工作人员"
    SYSADMIN = "sysadmin", "系统管理员"
    SECURITY_ADMIN = "security_admin", "安全管理员"
    AUDIT_ADMIN = "audit_admin", "审计管理员"


EMPLOYER_ROLES = (Role.EMPLOYER_ADMIN, Role.EMPLOYER_REVIEWER)
# 三员分立 (等保 8.1.4.2 d): one account holds at most one of these (a database constraint).
ADMINISTRATOR_ROLES = (Role.SYSADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)
# Roles whose login needs a second factor (TOTP) beside the password (等保 8.1.4.1 d).
SECOND_FACTOR_ROLES = (Role.AUTHORITY_REVIEWER, Role.BUREAU_STAFF, *ADMINISTRATOR_ROLES)
# Every role but the professional's is staff: their passwords expire.
STAFF_ROLES = tuple(role for role in Role if role != Role.PROFESSIONAL)


class RoleAssignment(models.Model):
    """One role of a user, with the organisation or region it is held in."""

    user = models.ForeignKey(
        User, verbose_name="用户", on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField("角色", max_length=32, choices=Role.choices)
    region = models.ForeignKey(
        "organisations.Region",
        verbose_name="地区",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    employer = models.ForeignKey(
        "organisations.Employer",
        verbose_name="用人单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff_roles",
    )
    provider = models.ForeignKey(
        "organisations.Provider",
        verbose_name="施教机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff_roles",
    )
    authority = models.ForeignKey(
        "organisations.IndustryAuthority",
        verbose_name="行业主管部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff_roles",
    )
    created_at = models.DateTimeField("授权时间", auto_now_add=True)

    class Meta:
        verbose_name = "角色授权"
        verbose_name_plural = "角色授权"
        constraints = [
            # Each role is held in exactly the thing that scopes it.
            models.CheckConstraint(
                name="role_assignment_scope",
                condition=(
                    Q(
                        role="professional",
                        region__isnull=True,
                        employer__isnull=True,
                        provider__isnull=True,
                        authority__isnull=True,
                    )
                    | Q(
                        role__in=["employer_admin", "employer_reviewer"],
                        employer__isnull=False,
                        provider__isnull=True,
                        authority__isnull=True,
                    )
                    | Q(
                        role="provider_staff",
                        provider__isnull=False,
                        employer__isnull=True,
                        authority__isnull=True,
                    )
                    | Q(
                        role="authority_reviewer",
                        authority__isnull=False,
                        employer__isnull=True,
                        provider__isnull=True,
                    )
                    | Q(
                        role="bureau_staff",
                        region__isnull=False,
                        employer__isnull=True,
                        provider__isnull=True,
                        authority__isnull=True,
                    )
                    | Q(
                        role__in=["sysadmin", "security_admin", "audit_admin"],
                        employer__isnull=True,
                        provider__isnull=True,
                        authority__isnull=True,
                    )
                ),
            ),
            # 三员分立: the system, security and audit administrator are three accounts.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(role__in=["sysadmin", "security_admin", "audit_admin"]),
                name="one_administrator_role_per_user",
                violation_error_message="系统管理员、安全管理员、审计管理员不能由同一账户兼任。",
            ),
        ]

    def __str__(self) -> str:
        scope = self.employer or self.provider or self.authority or self.region or ""
        return f"{self.get_role_display()} {scope}".strip()
