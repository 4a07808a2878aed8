"""What the audit may show: the fields whose values it withholds, and how it names people
(in full to a viewer who may see them, otherwise as initials and number)."""

from __future__ import annotations

import functools

from django.apps import apps
from django.db import connection, models
from django.utils.translation import gettext as _

from cpas_isp.preparation import executer_prepare

PERSONNE = "beneficiaires.Beneficiaire"

# --- What the audit never shows ----------------------------------------------------------------

# Values withheld on the audit page and in its CSV, whoever looks: the fields below, and every
# free-text field (TextField) of every model, because free text is where notes about a person go.
# The audit still says that the field changed, when and by whom.
CHAMPS_CONFIDENTIELS: dict[str, set[str]] = {
    "beneficiaires.Beneficiaire": {
        "niss",
        "nom",
        "prenom",
        "date_naissance",
        "genre",
        "nationalite",
        "adresse",
        "code_postal",
        "commune",
        "telephone",
        "email",
        "nom_recherche",
    },
    # Obstacles may be health or judicial matters: which one, and what was said about it.
    "beneficiaires.FreinBeneficiaire": {"frein", "commentaire"},
    "trajets.Etape": {"note", "note_confidentielle", "prochaine_action"},
    "trajets.ContratArticle60": {"motif_derogation"},
    "trajets.EngagementTiers": {"nom"},
    "partenaires.PresenceOrientation": {"commentaire"},
    "partenaires.ContactPartenaire": {"nom", "telephone", "email"},
    "beneficiaires.LotImport": {"contenu", "nom_fichier"},
}


def champ_confidentiel(model, field) -> bool:
    """Whether the audit withholds the values of ``field`` of ``model``."""
    if isinstance(field, models.TextField):
        return True
    return field.name in CHAMPS_CONFIDENTIELS.get(model._meta.label, set())


# --- Who may be named ---------------------------------------------------------------------------


def personnes_visibles(user):
    """Queryset of the people ``user`` may see: the one need-to-know rule of the person model
    (``Beneficiaire.objects.visibles_par``), reached through the app registry so that the core
    imports no app above it."""
    return apps.get_model(PERSONNE).objects.visibles_par(user)


# The caseload search (name with typos, partial NISS) belongs to the beneficiaires app, which
# registers it here when it is ready (cpas_isp imports no app above it).
_recherche_personnes = None


def enregistrer_recherche_personnes(func):
    """``func(queryset, terme) -> queryset`` narrows a queryset of people to a search term."""
    global _recherche_personnes
    _recherche_personnes = func


def chercher_personnes(cpas, terme: str, limite: int = 20) -> list[int]:
    """Ids of the CPAS's people matching a name or a NISS (the caseload search)."""
    qs = _recherche_personnes(apps.get_model(PERSONNE).objects.filter(cpas=cpas), terme)
    if "pertinence" in qs.query.annotations:
        qs = qs.order_by("-pertinence", "pk")
    return list(qs.values_list("pk", flat=True)[:limite])


def masquer(prenom: str, nom: str, pk: int) -> str:
    initiales = " ".join(f"{part[0].upper()}." for part in (prenom, nom) if part)
    return f"{initiales} n° {pk}".strip()


@functools.cache
def _sql_noms() -> str:
    """The names of some people of a CPAS (params: the CPAS's id, the people's ids)."""
    table = apps.get_model(PERSONNE)._meta.db_table
    return f"SELECT id, nom, prenom FROM {table} WHERE cpas_id = %s AND id = ANY(%s)"


def libelles_personnes(viewer, cpas, ids) -> dict[int, str]:
    """Label of each person: full name when ``viewer`` may see the person, else initials and
    number. One query."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    visibles = personnes_visibles(viewer)
    if visibles.query.is_empty():
        # A viewer who may see nobody (the functional administrator, the audit page's only
        # reader): every person masked, the rule's EXISTS compiled to false. The names in one
        # statement prepared on the connection, without building and compiling the queryset
        # (half of this function's time on the audit page).
        with connection.cursor() as cursor:
            lignes = executer_prepare(cursor, _sql_noms(), [getattr(cpas, "pk", cpas), sorted(ids)])
        rows = [(pk, nom, prenom, False) for pk, nom, prenom in lignes]
    else:
        rows = (
            apps.get_model(PERSONNE)
            .objects.filter(cpas=cpas, pk__in=ids)
            .annotate(visible=models.Exists(visibles.filter(pk=models.OuterRef("pk"))))
            .values_list("pk", "nom", "prenom", "visible")
        )
    libelles = {}
    for pk, nom, prenom, visible in rows:
        libelles[pk] = f"{nom.upper()} {prenom}" if visible else masquer(prenom, nom, pk)
    for pk in ids - libelles.keys():
        libelles[pk] = _("personne n° %(n)s") % {"n": pk}
    return libelles
