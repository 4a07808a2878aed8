from django import template

from cpas_isp import permissions
from cpas_isp.audit import journaliser_liste
from rendezvous import queries

register = template.Library()


@register.inclusion_tag("rendezvous/_aujourdhui.html", takes_context=True)
def rendez_vous_du_jour(context):
    """The home page's "today" card: the user's appointments of the day."""
    request = context["request"]
    user = request.user
    if not permissions.peut_suivre_beneficiaires(user):
        return {"afficher": False}
    from rendezvous import cartes

    lu = getattr(request, "_rendez_vous_du_jour", None)
    rdvs = lu[1] if lu is not None and lu[0] == user.pk else queries.du_jour(user)
    journaliser_liste(request, [b.pk for r in rdvs for b, visible in r.personnes if visible])
    return {
        "afficher": True,
        "rdvs": rdvs,
        # The cards written in Python (rendezvous/_rdv.html's HTML): no include per card.
        "cartes": cartes.cartes(rdvs, request),
        "request": request,
        "perms_isp": context.get("perms_isp"),
    }


def prechargement_accueil(request):
    """The "today" card's appointments read with the home page's other figures
    (``cpas_isp.accueil``), kept on the request for ``rendez_vous_du_jour``."""
    user = request.user
    if not permissions.peut_suivre_beneficiaires(user):
        return None

    def lire():
        rdvs = yield from queries.lecture_du_jour(user)
        request._rendez_vous_du_jour = (user.pk, rdvs)

    return lire()


# Bootstrap colour of each status (badge background and card border), contrast AA with the
# text colour Bootstrap gives that background.
COULEURS = {
    "planifie": "light",
    "confirme": "info",
    "vu": "success",
    "absent": "danger",
    "excuse": "warning",
    "annule_cpas": "secondary",
    "annule_personne": "secondary",
}


@register.filter
def couleur_statut(statut):
    return COULEURS.get(statut, "light")
