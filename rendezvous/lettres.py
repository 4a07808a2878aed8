"""Printed letters of invitations and convocations: one A4 PDF (WeasyPrint, as the PIIS) holding
the letter of each person in their language (FR or NL), on the CPAS's letterhead; each letter
printed is recorded as an ``Envoi`` (channel letter, status "letter generated")."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from rendezvous import services_invitations
from rendezvous.models import (
    Canal,
    Envoi,
    Invitation,
    ModeInvitation,
    NatureEnvoi,
    StatutEnvoi,
    StatutInvitation,
)


def lien_de_reservation(jeton: str, request=None) -> str:
    """The absolute address of the booking page (``SITE_URL``, else the request's host)."""
    chemin = reverse("rendezvous:reserver", kwargs={"jeton": jeton})
    if settings.SITE_URL:
        return settings.SITE_URL + chemin
    if request is not None:
        return request.build_absolute_uri(chemin)
    return chemin


def langue_de(beneficiaire) -> str:
    return beneficiaire.langue if beneficiaire.langue in ("fr", "nl") else "fr"


def imprimables(invitations):
    """The invitations a letter can be printed for: pending invitations (a booking link) and
    booked or convened appointments still to come."""
    return [
        i
        for i in invitations
        if (i.mode == ModeInvitation.INVITATION and i.statut == StatutInvitation.EN_ATTENTE)
        or (i.statut == StatutInvitation.RESERVEE and i.rendez_vous and not i.rendez_vous.annule)
    ]


def _nature(invitation) -> str:
    if invitation.mode == ModeInvitation.CONVOCATION:
        return NatureEnvoi.CONVOCATION
    if invitation.statut == StatutInvitation.RESERVEE:
        return NatureEnvoi.CONFIRMATION
    return NatureEnvoi.INVITATION


def _adresse(b) -> str:
    return ", ".join(p for p in (b.adresse, f"{b.code_postal} {b.commune}".strip()) if p)


@transaction.atomic
def imprimer(invitations, user, jetons=None, request=None) -> bytes:
    """One PDF with the letter of each printable invitation (``jetons``: fresh links by
    invitation id; a pending invitation without one gets a new link, the old one stops
    working). Records one ``Envoi`` per letter."""
    from weasyprint import HTML  # lazy: native libraries load only when a PDF is asked for

    jetons = jetons or {}
    pages = []
    maintenant = timezone.now()
    envois = []
    for invitation in imprimables(invitations):
        b = invitation.beneficiaire
        langue = langue_de(b)
        lien = None
        if invitation.statut == StatutInvitation.EN_ATTENTE:
            jeton = jetons.get(invitation.pk) or services_invitations.nouveau_lien(invitation)
            lien = lien_de_reservation(jeton, request)
        rdv = invitation.rendez_vous if invitation.statut == StatutInvitation.RESERVEE else None
        lieu = rdv.lieu if rdv else None
        with translation.override(langue):
            pages.append(
                render_to_string(
                    "rendezvous/pdf/_lettre.html",
                    {
                        "invitation": invitation,
                        "b": b,
                        "adresse": _adresse(b),
                        "cpas": invitation.cpas,
                        "rdv": rdv,
                        "lieu": lieu,
                        "lien": lien,
                        "a_apporter": invitation.type.a_apporter(langue),
                        "type_libelle": invitation.type.libelle_nl
                        if langue == "nl"
                        else invitation.type.libelle_fr,
                        "agent": (rdv.agent if rdv else invitation.cree_par),
                        "date": timezone.localdate(),
                        "langue": langue,
                    },
                )
            )
        envois.append(
            Envoi(
                cpas_id=invitation.cpas_id,
                beneficiaire=b,
                canal=Canal.LETTRE,
                nature=_nature(invitation),
                invitation=invitation,
                rendez_vous=rdv,
                destinataire=_adresse(b)[:254],
                statut=StatutEnvoi.IMPRIME,
                par=user,
                envoye_le=maintenant,
                statut_le=maintenant,
            )
        )
    Envoi.objects.bulk_create(envois)
    html = render_to_string("rendezvous/pdf/lettres.html", {"pages": pages})
    base_url = request.build_absolute_uri("/") if request is not None else None
    return HTML(string=html, base_url=base_url).write_pdf()


def invitations_imprimables(user, ids):
    """The user's CPAS's invitations of people they may see, among ``ids``, ready to print."""
    from beneficiaires.models import Beneficiaire

    return list(
        Invitation.objects.for_user(user)
        .filter(pk__in=ids, beneficiaire__in=Beneficiaire.objects.visibles_par(user))
        .select_related(
            "beneficiaire", "cpas", "type", "cree_par", "rendez_vous__lieu", "rendez_vous__agent"
        )
        .order_by("beneficiaire__nom", "beneficiaire__prenom", "pk")
    )
