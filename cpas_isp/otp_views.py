"""Two-factor authentication pages: enrol an authenticator app, give the code after the
password, new backup codes. The rule of who must is in cpas_isp/deux_facteurs.py."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from cpas_isp import deux_facteurs
from cpas_isp.views import safe_next


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split()).replace("-", "").lower()
        if not code.isalnum() or not code.isascii():
            raise forms.ValidationError(_("Code incorrect."))
        return code


def _url(name, suivant):
    return f"{reverse(name)}?{urlencode({'next': suivant})}"


def _verifier_code(form, device):
    """Check the form's code against ``device`` under django-otp's throttling (the device row
    locked, so that parallel guesses are counted). True when accepted; errors on the form."""
    code = form.cleaned_data["code"]
    if device is None:
        form.add_error("code", _("Code incorrect."))
        return False
    with transaction.atomic():
        device = type(device).objects.select_for_update().get(pk=device.pk)
        autorise, _info = device.verify_is_allowed()
        if not autorise:
            form.add_error(
                "code",
                _("Trop de codes erronés : attendez quelques secondes avant de réessayer."),
            )
            return False
        if not device.verify_token(code):
            form.add_error("code", _("Code incorrect."))
            return False
    form.device = device
    return True


def _sans_cache(response):
    response["Cache-Control"] = "no-store"
    return response


@login_required
def verifier(request):
    """After the password: the 6-digit code of the authenticator app, or a backup code."""
    user = request.user
    suivant = safe_next(request)
    if user.is_verified():
        return redirect(suivant)
    if deux_facteurs.appareil_confirme(user) is None:
        return redirect(_url("otp_activer", suivant))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        if _verifier_code(form, deux_facteurs.appareil_pour_code(user, code)):
            request.session.cycle_key()
            otp_login(request, form.device)
            if isinstance(form.device, StaticDevice):
                messages.warning(
                    request,
                    _(
                        "Code de secours utilisé : il vous en reste %(n)d. Créez-en de "
                        "nouveaux depuis la page « Double authentification »."
                    )
                    % {"n": deux_facteurs.codes_secours_restants(user)},
                )
            return redirect(suivant)
    return _sans_cache(
        render(request, "registration/otp_verifier.html", {"form": form, "next": suivant})
    )


@login_required
def activer(request):
    """Enrol an authenticator app: QR code and key, confirmed by a first code; then the
    backup codes, shown once. With an authenticator already: its status page."""
    user = request.user
    suivant = safe_next(request)
    if deux_facteurs.appareil_confirme(user) is not None:
        if not user.is_verified():
            return redirect(_url("otp_verifier", suivant))
        return _sans_cache(
            render(
                request,
                "registration/otp_actif.html",
                {"restants": deux_facteurs.codes_secours_restants(user), "next": suivant},
            )
        )
    device = deux_facteurs.appareil_en_cours(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _verifier_code(form, device):
            codes = deux_facteurs.confirmer_appareil(form.device)
            request.session.cycle_key()
            otp_login(request, form.device)
            return _sans_cache(
                render(
                    request,
                    "registration/otp_codes_secours.html",
                    {"codes": codes, "next": suivant, "active": True},
                )
            )
    contexte = {
        "form": form,
        "next": suivant,
        "qr_code": deux_facteurs.qr_code_svg(device),
        "cle": deux_facteurs.cle_base32(device),
        "obligatoire": deux_facteurs.double_authentification_exigee(user),
    }
    return _sans_cache(render(request, "registration/otp_activer.html", contexte))


@require_POST
@login_required
def codes_secours(request):
    """New backup codes (the old ones stop working), for a user verified by a code."""
    user = request.user
    if deux_facteurs.appareil_confirme(user) is None or not user.is_verified():
        return redirect("otp_activer")
    codes = deux_facteurs.nouveaux_codes_secours(user)
    return _sans_cache(
        render(
            request,
            "registration/otp_codes_secours.html",
            {"codes": codes, "next": reverse("accueil"), "active": False},
        )
    )
