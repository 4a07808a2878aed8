"""Two-factor authentication (django-otp): who must use it, enrolment, backup codes.

A user must confirm their login with a one-time code (TOTP from an authenticator app, or a
single-use backup code) when they are staff or superuser (Django admin), are a functional
administrator in any CPAS, or have an active membership in a CPAS that requires it for every
role (``Cpas.double_authentification``). A user who enrolled a device of their own accord is
asked the code too. ``DoubleAuthentificationMiddleware`` enforces it on every page.
"""

from __future__ import annotations

from base64 import b32decode, b32encode

import qrcode
import qrcode.image.svg
from django.db import transaction
from django.db.models import Q
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cpas_isp.models import DoubleAuthentification, Membership, Role, User

NOMBRE_CODES_SECOURS = 10
NOM_APPAREIL = "authenticator"

# Demo data only (manage.py demo_data): the demo functional administrators' authenticator
# secret, printed by `make run` and given in README, to add to any authenticator app.
CLE_DEMO_BASE32 = "DEMOCPASISPTOTPDEMOCPASISPTOTP23"
# The current code without a phone, from the project's virtualenv.
COMMANDE_CODE_DEMO = (
    '.venv/bin/python -c "import base64, django_otp.oath as o; '
    f"print('%06d' % o.totp(base64.b32decode('{CLE_DEMO_BASE32}')))\""
)


def double_authentification_exigee(user) -> bool:
    """The rule: staff, superuser, functional administrator somewhere, or a CPAS of theirs
    requiring it for every role (active memberships only)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff or user.is_superuser:
        return True
    return (
        Membership.objects.filter(user=user, actif=True)
        .filter(Q(role=Role.ADMIN) | Q(cpas__double_authentification=DoubleAuthentification.TOUS))
        .exists()
    )


def verification_requise(user) -> bool:
    """One query: must this (not yet verified) user give a code? True when the rule requires
    it or when they have a confirmed authenticator."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff or user.is_superuser:
        return True
    memberships = Q(memberships__actif=True) & (
        Q(memberships__role=Role.ADMIN)
        | Q(memberships__cpas__double_authentification=DoubleAuthentification.TOUS)
    )
    return (
        User.objects.filter(pk=user.pk).filter(memberships | Q(totpdevice__confirmed=True)).exists()
    )


def enroler_demo(user):
    """Give a demo account a confirmed authenticator with the published demo secret."""
    return TOTPDevice.objects.create(
        user=user, name=NOM_APPAREIL, confirmed=True, key=b32decode(CLE_DEMO_BASE32).hex()
    )


def appareil_confirme(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def appareil_en_cours(user):
    """The authenticator being enrolled (not confirmed yet), created on first use."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=NOM_APPAREIL, confirmed=False)
    return device


def cle_base32(device) -> str:
    """The secret as an authenticator app expects it for manual entry (groups of 4)."""
    cle = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(cle[i : i + 4] for i in range(0, len(cle), 4))


def qr_code_svg(device) -> str:
    """The device's otpauth:// URL as an inline SVG QR code (generated here, no service)."""
    image = qrcode.make(
        device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=15, border=2
    )
    return image.to_string(encoding="unicode")


@transaction.atomic
def nouveaux_codes_secours(user) -> list[str]:
    """Replace the user's backup codes with new single-use ones; returns them (shown once)."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="backup", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(NOMBRE_CODES_SECOURS)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


@transaction.atomic
def confirmer_appareil(device) -> list[str]:
    """Confirm an enrolled authenticator (the only one of its user); new backup codes."""
    TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return nouveaux_codes_secours(device.user)


def codes_secours_restants(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def appareil_pour_code(user, code: str):
    """The device a code is meant for: 6 digits is the authenticator, else a backup code."""
    if len(code) == 6 and code.isascii() and code.isdigit():
        return appareil_confirme(user)
    return StaticDevice.objects.filter(user=user, confirmed=True).first()
