"""Attestations: issue one (numbered per CPAS and year), print it, and the public page that
checks a verification code.

The public page shows what the attestation states (kind, number, activity, dates, hours,
result, issuing CPAS) with the person's INITIALS only: whoever holds the paper already reads
the name on it and only needs to know that it matches the record; someone who merely has or
guesses a code (16 random characters, 80 bits) learns no name, no date of birth, no NISS.
It is rate-limited like the appointments' booking page (``cpas_isp.limites``): per address,
and a lower limit on unknown codes per address; over a limit it answers 429."""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from activites import services
from activites.forms import AttestationForm
from activites.hooks import ONGLET_FICHE
from activites.models import Attestation
from activites.pdf import attestation_pdf
from activites.queries import inscriptions_visibles
from activites.views.commun import gestion_requise, get_inscription
from beneficiaires.hooks import url_onglet
from cpas_isp.audit import journaliser_acces
from cpas_isp.limites import Limiteur

# Per address, per code, and unknown codes per address.
limites = Limiteur("attestation")


@require_POST
@gestion_requise
def emettre(request, inscription_pk):
    inscription = get_inscription(request, inscription_pk)
    form = AttestationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez le type d'attestation."))
        return redirect("activites:detail", pk=inscription.activite_id)
    try:
        attestation = services.emettre_attestation(
            inscription, form.cleaned_data["type"], request.user
        )
    except ValidationError as erreur:
        for message in erreur.messages:
            messages.error(request, message)
        if request.POST.get("retour") == "personne":
            return redirect(url_onglet(inscription.beneficiaire_id, ONGLET_FICHE) + "#activites")
        return redirect("activites:detail", pk=inscription.activite_id)
    messages.success(
        request, _("Attestation n° %(ref)s délivrée.") % {"ref": attestation.reference}
    )
    return redirect("activites:attestation", pk=attestation.pk)


@gestion_requise
def attestation(request, pk):
    attestation = get_object_or_404(
        Attestation.objects.select_related(
            "inscription__beneficiaire", "inscription__activite", "cpas"
        ),
        pk=pk,
        inscription__in=inscriptions_visibles(request.user).values("pk"),
    )
    journaliser_acces(request, attestation.inscription.beneficiaire)
    response = HttpResponse(attestation_pdf(attestation, request), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="attestation-{attestation.cpas.code}-{attestation.reference}.pdf"'
    )
    return response


def verifier(request, code=""):
    """Public (no login): is this attestation genuine? ``?code=`` or the code in the URL.
    404 for an unknown code (counted against the address), 429 over a rate limit."""
    # Letters and digits only: spaces, dashes, a NUL byte typed or pasted into the address are
    # not part of a code (and never reach the database).
    code = re.sub(r"[^A-Z0-9]", "", (code or request.GET.get("code", "")).upper())[:32]
    if limites.requete_refusee(request, code or None):
        return render(
            request,
            "activites/verifier.html",
            {"code": code, "trop": True},
            status=429,
        )
    trouvee = None
    if code:
        trouvee = (
            Attestation.objects.select_related("inscription__activite", "cpas")
            .filter(code=code)
            .first()
        )
        if trouvee is None:
            limites.cle_inconnue(request)
    return render(
        request,
        "activites/verifier.html",
        {"code": code, "a": trouvee, "cherche": bool(code)},
        status=200 if (trouvee or not code) else 404,
    )
