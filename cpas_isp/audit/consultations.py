"""Read side of the access log: consultations of files (filtered, newest first, people masked
unless the viewer may see them) and consultations per user and day, unusual days flagged."""

from __future__ import annotations

import dataclasses
import datetime
import statistics

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from cpas_isp.audit.confidentialite import libelles_personnes, personnes_visibles
from cpas_isp.audit.journal import Filtres, debut_du_jour
from cpas_isp.models import JournalAcces, Membership


def consultations_qs(user, f: Filtres):
    """The access log rows of the user's CPAS matching the filters, newest first."""
    qs = JournalAcces.objects.for_user(user).select_related("user", "content_type")
    if f.personnes is not None:
        qs = qs.filter(personnes__overlap=f.personnes or [0])
    if f.utilisateur is not None:
        qs = qs.filter(user_id=f.utilisateur)
    if f.du:
        qs = qs.filter(quand__gte=debut_du_jour(f.du))
    if f.au:
        qs = qs.filter(quand__lt=debut_du_jour(f.au + datetime.timedelta(days=1)))
    return qs.order_by("-quand", "-id")


def decrire_consultations(viewer, cpas, rows):
    """Object and person columns of access log rows, people masked unless visible. One query."""
    ids = {r.personnes[0] for r in rows if len(r.personnes) == 1}
    libelles = libelles_personnes(viewer, cpas, ids)
    for r in rows:
        nature = (
            str(r.content_type.model_class()._meta.verbose_name).capitalize()
            if r.content_type_id and r.content_type.model_class()
            else _("Liste")
        )
        r.nature = nature
        # The path only: a query string may carry a searched name or NISS.
        r.chemin = r.page.split("?", 1)[0]
        r.nb_personnes = len(r.personnes)
        r.personne = libelles.get(r.personnes[0], "") if r.nb_personnes == 1 else ""
    return rows


def curseur_consultation(texte):
    """(moment, id) of the last row shown, from ``?apres=``; None when absent or junk."""
    try:
        quand, pk = (texte or "").split("~")
        moment = datetime.datetime.fromisoformat(quand)
        return (moment, int(pk)) if timezone.is_aware(moment) else None
    except ValueError:
        return None


# --- Consultations per user and day ---------------------------------------------------------

# The rule for "unusual" (documented on the page): a day on which a user opened
#  - at least SEUIL_HORS_PORTEFEUILLE distinct files of people outside what they may see
#    (for an agent: not their referent's people and not in their cellule; for a role that does
#    not follow people, every file), or
#  - at least SEUIL_PIC distinct files and FACTEUR_PIC times their usual day (the median of
#    their days with consultations over the JOURS_HABITUDE days before).
SEUIL_HORS_PORTEFEUILLE = 5
SEUIL_PIC = 20
FACTEUR_PIC = 3
JOURS_HABITUDE = 30


@dataclasses.dataclass
class JourUtilisateur:
    user_id: int
    jour: datetime.date
    dossiers: int = 0
    hors_portefeuille: int = 0
    personnes_listes: int = 0  # people shown in lists (not distinct)
    habituel: float | None = None
    utilisateur: str = ""
    alertes: list = dataclasses.field(default_factory=list)

    @property
    def inhabituel(self):
        return bool(self.alertes)


# Files opened (a row naming one object) and people shown in lists, per user and day. A file row
# names one person: ``personnes[1]``, no unnest needed.
_SQL_PAR_JOUR = """
SELECT j.user_id, (j.quand AT TIME ZONE %(tz)s)::date AS jour,
       count(DISTINCT j.personnes[1]) FILTER (WHERE j.content_type_id IS NOT NULL) AS dossiers,
       coalesce(sum(cardinality(j.personnes)) FILTER (WHERE j.content_type_id IS NULL), 0)
FROM cpas_isp_journalacces j
WHERE j.cpas_id = %(cpas)s AND j.quand >= %(debut)s AND j.quand < %(fin)s {user}
GROUP BY 1, 2
"""

_SQL_HORS_PORTEFEUILLE = """
SELECT jour, count(DISTINCT p) FROM (
  SELECT (j.quand AT TIME ZONE %s)::date AS jour, j.personnes[1] AS p
  FROM cpas_isp_journalacces j
  WHERE j.cpas_id = %s AND j.user_id = %s AND j.content_type_id IS NOT NULL
    AND j.quand >= %s AND j.quand < %s
) o WHERE p IS NOT NULL {visible}
GROUP BY 1
"""


def _hors_portefeuille(cpas, user, params) -> dict[datetime.date, int]:
    """Per day, files ``user`` opened of people outside what they may see in ``cpas`` (the
    need-to-know rule of ``confidentialite.personnes_visibles``, run in the database). One query.
    ``user._membership_courante`` must be their membership in ``cpas`` (None: every file is
    outside)."""
    visible, extra = "", []
    if user._membership_courante is not None:
        qs = personnes_visibles(user)
        if not qs.query.is_empty():
            sql, extra = qs.values("pk").query.sql_with_params()
            visible = f"AND p NOT IN ({sql})"
    args = [params["tz"], cpas.pk, user.pk, params["debut"], params["fin"], *extra]
    with connection.cursor() as cursor:
        cursor.execute(_SQL_HORS_PORTEFEUILLE.format(visible=visible), args)
        return dict(cursor.fetchall())


def consultations_par_utilisateur(cpas, du, au, utilisateur=None) -> list[JourUtilisateur]:
    """Rows (user, day) with files opened, files outside the caseload, people seen in lists,
    the usual day and the alerts, newest day first, unusual first within a day."""
    debut_habitude = du - datetime.timedelta(days=JOURS_HABITUDE)
    params = {
        "tz": timezone.get_current_timezone_name(),
        "cpas": cpas.pk,
        "debut": debut_du_jour(debut_habitude),
        "fin": debut_du_jour(au + datetime.timedelta(days=1)),
    }
    user_sql = ""
    if utilisateur is not None:
        user_sql = "AND j.user_id = %(filtre_user)s"
        params["filtre_user"] = utilisateur
    with connection.cursor() as cursor:
        cursor.execute(_SQL_PAR_JOUR.format(user=user_sql), params)
        data = cursor.fetchall()
    par_user: dict[int, dict[datetime.date, tuple[int, int]]] = {}
    for user_id, jour, dossiers, listes in data:
        par_user.setdefault(user_id, {})[jour] = (dossiers, listes)
    users = get_user_model().objects.in_bulk(par_user.keys())
    for user in users.values():
        user._membership_courante = None
    for membership in Membership.objects.filter(
        cpas=cpas, actif=True, user_id__in=users.keys()
    ).select_related("cpas", "cellule"):
        users[membership.user_id]._membership_courante = membership
    lignes = []
    params_periode = {**params, "debut": debut_du_jour(du)}
    for user_id, jours in par_user.items():
        dans_periode = {j: v for j, v in jours.items() if du <= j <= au}
        if not dans_periode:
            continue
        hors = _hors_portefeuille(cpas, users[user_id], params_periode)
        for jour, (dossiers, listes) in dans_periode.items():
            precedents = [
                v[0]
                for j, v in jours.items()
                if jour - datetime.timedelta(days=JOURS_HABITUDE) <= j < jour and v[0]
            ]
            ligne = JourUtilisateur(
                user_id=user_id,
                jour=jour,
                dossiers=dossiers,
                hors_portefeuille=hors.get(jour, 0),
                personnes_listes=listes,
                habituel=statistics.median(precedents) if precedents else None,
                utilisateur=str(users[user_id]),
            )
            if ligne.hors_portefeuille >= SEUIL_HORS_PORTEFEUILLE:
                ligne.alertes.append(_("dossiers hors de son portefeuille"))
            if ligne.dossiers >= SEUIL_PIC and ligne.dossiers >= FACTEUR_PIC * (
                ligne.habituel or 0
            ):
                ligne.alertes.append(_("bien plus de dossiers que d'habitude"))
            lignes.append(ligne)
    lignes.sort(key=lambda r: (r.jour, r.inhabituel, r.dossiers), reverse=True)
    return lignes
