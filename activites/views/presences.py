"""Attendance of a session: the grid (participants x present / late / excused / absent and
hours), entered in place with htmx and saved in one transaction, and the printable sheet for
signatures (PDF, FR or NL)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from activites import permissions, queries, services
from activites.forms import lire_grille
from activites.models import Presence, StatutPresence
from activites.pdf import feuille_pdf
from activites.views.commun import get_seance, voir_requis
from cpas_isp.audit import journaliser_liste


def _lignes(request, seance):
    return queries.participants_de_la_seance(request.user, seance)


@voir_requis
def grille(request, seance_pk):
    seance = get_seance(request, seance_pk)
    if not permissions.peut_noter_presences(request.user, seance.activite):
        raise Http404
    lignes = _lignes(request, seance)
    erreurs, valeurs = {}, {}
    enregistre = False
    if request.method == "POST":
        marques, erreurs = lire_grille(request.POST, lignes, seance)
        valeurs = request.POST
        if not erreurs:
            try:
                services.enregistrer_presences(seance, marques, request.user)
            except ValidationError as erreur:
                erreurs = {0: " ".join(erreur.messages)}
            else:
                enregistre = True
                if not request.htmx:
                    messages.success(request, _("Présences enregistrées."))
                    return redirect("activites:presences", seance_pk=seance.pk)
                # The grid as saved, without reading it back.
                lignes = [(i, _marque(seance, i, p, marques.get(i))) for i, p in lignes]
                valeurs = {}
    journaliser_liste(request, [i for i, _p in lignes])
    contexte = {
        "seance": seance,
        "activite": seance.activite,
        "lignes": [
            {
                "inscription": i,
                "presence": p,
                "statut": valeurs.get(f"statut-{i.pk}", p.statut if p else ""),
                "heures": valeurs.get(f"heures-{i.pk}", _heures(p.heures) if p else ""),
                "erreur": erreurs.get(i.pk, ""),
            }
            for i, p in lignes
        ],
        "erreur_generale": erreurs.get(0, ""),
        "a_venir": seance.date > timezone.localdate(),
        "nb_erreurs": len(erreurs),
        "enregistre": enregistre,
        "statuts": StatutPresence.choices,
        "heures_prevues": _heures(seance.heures_prevues),
    }
    if request.htmx:
        return render(request, "activites/_grille.html", contexte)
    contexte["precedente"], contexte["suivante"] = _voisines(seance)
    return render(request, "activites/presences.html", contexte)


def _marque(seance, inscription, presence, marque):
    """The row's mark after a save: the one posted (hours as the service stored them), or
    the one it had."""
    if marque is None:
        return presence
    statut, heures = marque
    presence = presence or Presence(seance=seance, inscription=inscription)
    presence.statut, presence.heures = statut, services.heures_de_la_marque(seance, statut, heures)
    return presence


def _heures(valeur) -> str:
    return services.format_heures(valeur)


def _voisines(seance):
    autres = seance.activite.seances.order_by("date", "heure_debut", "id")
    precedente = autres.filter(date__lt=seance.date).last()
    suivante = autres.filter(date__gt=seance.date).first()
    return precedente, suivante


@voir_requis
def feuille(request, seance_pk):
    """The attendance sheet to print and sign, in the language asked (default: the user's)."""
    seance = get_seance(request, seance_pk)
    if not permissions.peut_noter_presences(request.user, seance.activite):
        raise Http404
    langue = request.GET.get("langue", "")
    if langue not in ("fr", "nl"):
        langue = (translation.get_language() or "fr")[:2]
        langue = langue if langue in ("fr", "nl") else "fr"
    lignes = _lignes(request, seance)
    inscriptions = [i for i, _p in lignes]
    journaliser_liste(request, inscriptions)
    pdf = feuille_pdf(seance, inscriptions, langue, request)
    response = HttpResponse(pdf, content_type="application/pdf")
    nom = f"presences-{seance.activite_id}-{seance.date:%Y%m%d}-{langue}.pdf"
    response["Content-Disposition"] = f'inline; filename="{nom}"'
    return response
