"""Appointment cards (``rendezvous/_rdv.html``) written in Python for the pages listing many of
them (the person page's section: every upcoming one and the last 20): about forty template
nodes per card, a page of 25 cards was most of the person page's Python time. The same HTML
as the template's, byte for byte (``tests/rendezvous/test_cartes.py`` compares them); the
template stays for the single cards (detail page, status change, agenda's day)."""

from __future__ import annotations

from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from cpas_isp.listes import echapper, url_par_pk
from rendezvous.templatetags.rendezvous_tags import couleur_statut

_FIN = "\n  </div>\n</article>\n"
_PRESSE = ' aria-pressed="true"'


def _classe_bouton(valeur) -> str:
    if valeur == "vu":
        return "btn-success"
    if valeur == "absent":
        return "btn-outline-danger"
    return "btn-outline-secondary"


def _jour(moment, jours: dict) -> str:
    """``moment|date:"D d/m/Y"`` escaped, without a ``DateFormat`` per card: the day's
    abbreviation in the active language (``jours``: those translated already, by weekday)."""
    semaine = moment.weekday()
    if (jour := jours.get(semaine)) is None:
        jour = jours[semaine] = echapper(WEEKDAYS_ABBR[semaine])
    return f"{jour} {moment.day:02d}/{moment.month:02d}/{moment.year:04d}"


def _heure(moment) -> str:
    """``moment|time:"H:i"``."""
    return f"{moment.hour:02d}:{moment.minute:02d}"


def cartes(rdvs, request, avec_date=False, avec_agent=False) -> SafeString:
    """The cards of ``rdvs`` as ``{% include "rendezvous/_rdv.html" %}`` of each writes them
    (``avec_date``, ``avec_agent`` as the include's; no ``erreur``, no ``oob``); every value
    escaped. Each appointment comes with ``personnes`` and ``visible``
    (``queries.rendez_vous_avec_personnes`` or ``queries.de_la_personne``)."""
    if not rdvs:
        return mark_safe("")  # noqa: S308 - empty
    url_rdv = url_par_pk("rendezvous:detail", None)
    url_statut = url_par_pk("rendezvous:statut", None)
    url_personne = url_par_pk("beneficiaires:detail", None)
    # The template's {% translate "..." %} of a literal: its translation as it is (not escaped).
    collegue = _("Dossier d'un collègue")
    noter = _("Noter les présences")
    libelle_statut = _("Statut du rendez-vous")
    jeton = suivant = None
    # Within a call: the weekdays, agents and status buttons already written (a person's
    # page: 25 cards of a few agents and statuses).
    jours: dict = {}
    agents: dict = {}
    types: dict = {}
    boutons_ecrits: dict = {}
    # The active time zone read once (``localtime``'s own lookup, twice a card otherwise).
    fuseau = timezone.get_current_timezone()
    morceaux = []
    for rdv in rdvs:
        pk = int(rdv.pk)
        couleur = couleur_statut(rdv.statut)
        debut = timezone.localtime(rdv.debut, fuseau)
        fin = timezone.localtime(rdv.fin, fuseau)
        quand = f"{_jour(debut, jours)} " if avec_date else ""
        personnes = ", ".join(
            f'<a href="{url_personne(b.pk)}">{echapper(b.nom)} {echapper(b.prenom)}</a>'
            if visible
            else f'<span class="text-muted">{collegue}</span>'
            for b, visible in rdv.personnes
        )
        if avec_agent:
            if (agent := agents.get(rdv.agent_id)) is None:
                agent = agents[rdv.agent_id] = echapper(rdv.agent)
            suite = f" · {agent}"
        else:
            suite = ""
        if rdv.lieu:
            suite += f" · {echapper(rdv.lieu)}"
        # The kind's label in the active language, escaped once per kind.
        if (type_rdv := types.get(rdv.type_id)) is None:
            type_rdv = types[rdv.type_id] = echapper(rdv.type.libelle)
        morceaux.append(
            f'<article class="rdv card mb-2 border-start border-4 border-{couleur}" '
            f'id="rdv-{pk}" aria-labelledby="rdv-{pk}-titre">\n'
            '  <div class="card-body p-2">\n'
            f'    <h3 class="h6 mb-1" id="rdv-{pk}-titre"><a href="{url_rdv(pk)}">{quand}'
            f"{_heure(debut)}–{_heure(fin)} · "
            f"{type_rdv}</a></h3>\n"
            '    <p class="mb-1 small">\n'
            f"      {personnes}\n"
            f"      {suite}\n"
            f'      · <span class="badge text-bg-{couleur} border">'
            f"{echapper(rdv.get_statut_display())}</span>\n"
            "    </p>\n"
            "    \n"
            "    "
        )
        if rdv.visible and rdv.type.collectif and rdv.commence and not rdv.annule:
            morceaux.append(
                '\n    <a class="btn btn-sm btn-outline-primary" '
                f'href="{url_rdv(pk)}#presences">{noter}</a>\n    '
            )
        elif rdv.visible and (actions := rdv.actions_rapides()):
            if jeton is None:
                # One masked token for the request's cards (the page's two lists), as one
                # template's {% csrf_token %} repeats its own: each get_token() draws a new
                # mask (32 random characters).
                if (jeton := request.__dict__.get("_jeton_cartes")) is None:
                    jeton = request.__dict__["_jeton_cartes"] = echapper(get_token(request))
                suivant = echapper(request.get_full_path())
            url = url_statut(pk)
            # A button's label is its status's (``actions_rapides``): the same buttons for the
            # same status and actions.
            cle = (rdv.statut, *(valeur for valeur, _libelle in actions))
            if (boutons := boutons_ecrits.get(cle)) is None:
                boutons = boutons_ecrits[cle] = "".join(
                    f'<button type="submit" name="statut" value="{echapper(valeur)}" '
                    f'class="btn btn-sm {_classe_bouton(valeur)}"'
                    f"{_PRESSE if valeur == rdv.statut else ''}>{echapper(libelle)}</button>"
                    for valeur, libelle in actions
                )
            champ_date = '<input type="hidden" name="avec_date" value="1">' if avec_date else ""
            morceaux.append(
                f'\n    <form method="post" action="{url}" hx-post="{url}" '
                f'hx-target="#rdv-{pk}" hx-swap="outerHTML" class="d-flex flex-wrap gap-1" '
                f'aria-labelledby="rdv-{pk}-statut rdv-{pk}-titre">'
                f'<span class="visually-hidden" id="rdv-{pk}-statut">{libelle_statut}</span>'
                f'<input type="hidden" name="csrfmiddlewaretoken" value="{jeton}">\n'
                f'      <input type="hidden" name="next" '
                f'value="{suivant}">{champ_date}\n'
                f"      {boutons}\n"
                "    </form>\n    "
            )
        morceaux.append(_FIN)
    return mark_safe("".join(morceaux))  # noqa: S308 - every value escaped above
