"""The booking page of an invited person: no account, the secret token of the link is the key.

Mobile-first, in the person's language (a switch to the other), it shows only the first name,
the free slots of the invitation's agenda for its kind, a confirmation step, and the booked
appointment with "cancel" and "choose another slot" until the CPAS's cut-off. An unknown, expired
or withdrawn link gets one and the same page (nothing tells whether a token exists). Rate-limited
per address and per token; never cached; no Referer leaves for another site (the token is in
its URL)."""

from __future__ import annotations

import itertools

from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cpas_isp.limites import Limiteur
from rendezvous import lettres, services_invitations
from rendezvous.forms_invitations import CreneauForm
from rendezvous.models import NatureEnvoi, StatutInvitation

LANGUES = ("fr", "nl")
# Per address, per link token, and unknown links per address (cpas_isp.limites).
limites = Limiteur("rdv")
JOURS_PAR_PAGE = 5


def _entetes(response):
    # The token is in the page's address: no Referer to any other site. ("no-referrer" would
    # also make browsers send "Origin: null" with the page's own forms, which CSRF refuses.)
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    add_never_cache_headers(response)
    return response


def _langue(request, invitation=None) -> str:
    demandee = request.GET.get("lang") or request.POST.get("lang")
    if demandee in LANGUES:
        return demandee
    if invitation is not None and invitation.beneficiaire.langue in LANGUES:
        return invitation.beneficiaire.langue
    courante = translation.get_language() or "fr"
    return courante[:2] if courante[:2] in LANGUES else "fr"


def _page(request, template, context, langue, status=200):
    with translation.override(langue):
        context = {
            **context,
            "langue": langue,
            "autres_langues": [x for x in LANGUES if x != langue],
        }
        response = render(request, template, context, status=status)
    return _entetes(response)


def _lien_invalide(request, langue):
    limites.cle_inconnue(request)
    return _page(request, "rendezvous/reservation/invalide.html", {}, langue, status=404)


def _trop(request, langue):
    return _page(request, "rendezvous/reservation/trop.html", {}, langue, status=429)


def _ici(jeton, langue, **params):
    url = reverse("rendezvous:reserver", kwargs={"jeton": jeton})
    params = {"lang": langue, **params}
    return url + "?" + "&".join(f"{k}={v}" for k, v in params.items())


def _utilisable(invitation) -> bool:
    """A link leads somewhere while its invitation may be booked, or its booked appointment
    is still to come; otherwise it is "not valid" like an unknown one."""
    if invitation is None or invitation.mode != "invitation":
        return False
    etat = services_invitations.etat(invitation)
    if etat.peut_reserver:
        return True
    rdv = invitation.rendez_vous
    return (
        invitation.statut == StatutInvitation.RESERVEE
        and rdv is not None
        and not rdv.annule
        and rdv.fin > timezone.now()
    )


def _jours(creneaux):
    """[(date, [slots])] in time order."""
    return [
        (jour, list(groupe))
        for jour, groupe in itertools.groupby(
            creneaux, key=lambda c: timezone.localtime(c.debut).date()
        )
    ]


@require_http_methods(["GET", "POST"])
def reserver(request, jeton):
    """GET: the invitation's state (free slots, the slot to confirm, or the booked
    appointment). POST: book the chosen slot (or move the booked appointment to it)."""
    if limites.requete_refusee(request, jeton):
        return _trop(request, _langue(request))
    invitation = services_invitations.invitation_du_jeton(jeton)
    if not _utilisable(invitation):
        return _lien_invalide(request, _langue(request))
    langue = _langue(request, invitation)
    etat = services_invitations.etat(invitation)
    erreur = None
    if request.method == "POST":
        form = CreneauForm(request.POST)
        if form.is_valid():
            with translation.override(langue):
                try:
                    ancien = invitation.rendez_vous if etat.peut_modifier else None
                    reservee = services_invitations.reserver(jeton, form.cleaned_data["creneau"])
                except ValidationError as exc:
                    erreur = " ".join(exc.messages)
                else:
                    lien = lettres.lien_de_reservation(jeton, request)
                    if ancien is not None:
                        services_invitations.notifier(
                            NatureEnvoi.ANNULATION, reservee, rendez_vous=ancien
                        )
                    services_invitations.notifier(
                        NatureEnvoi.CONFIRMATION,
                        reservee,
                        rendez_vous=reservee.rendez_vous,
                        lien=lien,
                    )
                    return _entetes(HttpResponseRedirect(_ici(jeton, langue, fait="reserve")))
        else:
            erreur = _("Choisissez un créneau.")
        invitation = services_invitations.invitation_du_jeton(jeton)
        etat = services_invitations.etat(invitation)
    choisir = etat.peut_reserver or (etat.peut_modifier and request.GET.get("changer") == "1")
    if erreur:
        choisir = etat.peut_reserver or etat.peut_modifier
    context = {
        "jeton": jeton,
        "invitation": invitation,
        "prenom": invitation.beneficiaire.prenom,
        "etat": etat,
        "rdv": invitation.rendez_vous if invitation.statut == StatutInvitation.RESERVEE else None,
        "erreur": erreur,
        "fait": request.GET.get("fait", "")[:10],
        "choisir": choisir,
    }
    if choisir:
        creneaux = services_invitations.creneaux_de_l_invitation(invitation)
        choisi = request.GET.get("creneau", "")[:20]
        context["confirmer"] = next((c for c in creneaux if c.valeur == choisi), None)
        jours = _jours(creneaux)
        try:
            numero = max(0, int(request.GET.get("page", "0")[:3]))
        except ValueError:
            numero = 0
        numero = min(numero, max(0, (len(jours) - 1) // JOURS_PAR_PAGE))
        context.update(
            jours=jours[numero * JOURS_PAR_PAGE : (numero + 1) * JOURS_PAR_PAGE],
            page_precedente=numero - 1 if numero > 0 else None,
            page_suivante=numero + 1 if (numero + 1) * JOURS_PAR_PAGE < len(jours) else None,
            changer="1" if etat.peut_modifier else "",
        )
    return _page(request, "rendezvous/reservation/page.html", context, langue)


@require_POST
def annuler(request, jeton):
    """The person cancels the booked appointment (until the cut-off)."""
    if limites.requete_refusee(request, jeton):
        return _trop(request, _langue(request))
    invitation = services_invitations.invitation_du_jeton(jeton)
    if not _utilisable(invitation):
        return _lien_invalide(request, _langue(request))
    langue = _langue(request, invitation)
    with translation.override(langue):
        try:
            invitation = services_invitations.annuler_par_personne(jeton)
        except ValidationError:
            return _entetes(HttpResponseRedirect(_ici(jeton, langue, fait="ferme")))
    services_invitations.notifier(
        NatureEnvoi.ANNULATION, invitation, rendez_vous=invitation.rendez_vous
    )
    if invitation.statut == StatutInvitation.EN_ATTENTE:
        return _entetes(HttpResponseRedirect(_ici(jeton, langue, fait="annule")))
    return _page(request, "rendezvous/reservation/annule.html", {}, langue)
