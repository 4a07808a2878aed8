"""Read-side querysets and aggregates shared by the views (and the reports app)."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Avg, Case, Count, F, Q, TextField, Value, When

from beneficiaires.acces import cle_des_visibles, objets_visibles
from beneficiaires.models.personnes import voit_tout_le_cpas
from cpas_isp.lots import GENERIQUE, executer, executer_ensemble
from cpas_isp.memo import Memo

from .models import (
    SORTIES_POSITIVES,
    AvisParticipant,
    Convention,
    Orientation,
    Partenaire,
    Participation,
    ResultatOrientation,
    ResultatSortie,
    StatutOrientation,
    StatutParticipation,
)

S = StatutOrientation

ACCEPTEES = [S.ACCEPTEE, S.EN_COURS, S.TERMINEE]
REPONDUES = [S.ACCEPTEE, S.REFUSEE, S.EN_COURS, S.TERMINEE]
JOURS_ALERTE_CONVENTION = 90


def recherche_partenaires(qs, *, q="", type_code="", thematique="", commune=""):
    """Filter partners by name (accents and case ignored), type, theme of a service, commune."""
    if q:
        qs = qs.filter(
            Q(nom__unaccent__icontains=q)
            | Q(sigle__unaccent__icontains=q)
            | Q(services__nom__unaccent__icontains=q)
        )
    if type_code:
        qs = qs.filter(type__code=type_code)
    if thematique:
        qs = qs.filter(services__thematique__code=thematique, services__actif=True)
    if commune:
        qs = qs.filter(commune__unaccent__iexact=commune)
    if q or thematique:
        qs = qs.distinct()
    return qs


def statistiques_orientations(orientations):
    """Per partner: sent, accepted, refused, expired, completed, positive results, results by
    kind and average days to answer. One query. ``orientations`` is already scoped."""
    compteurs = {
        "envoyees": Count("id", filter=Q(date_envoi__isnull=False)),
        "en_attente": Count("id", filter=Q(statut=S.ENVOYEE)),
        "acceptees": Count("id", filter=Q(statut__in=ACCEPTEES)),
        "refusees": Count("id", filter=Q(statut=S.REFUSEE)),
        "expirees": Count("id", filter=Q(statut=S.EXPIREE)),
        "terminees": Count("id", filter=Q(statut=S.TERMINEE)),
        "delai_moyen": Avg(
            F("date_reponse") - F("date_envoi"),
            filter=Q(statut__in=REPONDUES, date_reponse__isnull=False, date_envoi__isnull=False),
        ),
    }
    for code in ResultatOrientation.values:
        compteurs[f"res_{code}"] = Count("id", filter=Q(resultat=code))
    lignes = list(
        orientations.values("service__partenaire", "service__partenaire__nom")
        .annotate(**compteurs)
        .order_by("service__partenaire__nom")
    )
    for ligne in lignes:
        ligne["resultats"] = [
            (ResultatOrientation(code).label, ligne[f"res_{code}"])
            for code in ResultatOrientation.values
            if ligne[f"res_{code}"]
        ]
        ligne["taux_acceptation"] = _taux(
            ligne["acceptees"], ligne["acceptees"] + ligne["refusees"]
        )
        delai = ligne["delai_moyen"]
        if isinstance(delai, datetime.timedelta):
            ligne["delai_moyen"] = delai.total_seconds() / 86400
    return lignes


def _taux(numerateur, denominateur):
    if not denominateur:
        return None
    return (Decimal(numerateur) * 100 / Decimal(denominateur)).quantize(Decimal("0.1"))


def conventions_bientot_finies(qs, aujourd_hui, jours=JOURS_ALERTE_CONVENTION):
    return qs.filter(fin__gte=aujourd_hui, fin__lte=aujourd_hui + datetime.timedelta(days=jours))


def annoter_alerte_convention(conventions, aujourd_hui):
    for c in conventions:
        c.jours_restants = (c.fin - aujourd_hui).days
        c.finit_bientot = 0 <= c.jours_restants <= JOURS_ALERTE_CONVENTION
        c.terminee = c.jours_restants < 0
    return conventions


@dataclass
class Indicateurs:
    inscrits: int
    commences: int
    actifs: int
    termines: int
    abandons: int
    sorties: int
    sorties_positives: int
    activite_propre: int
    objectif: int

    @property
    def progression(self):
        return _taux(self.inscrits, self.objectif)

    @property
    def taux_achevement(self):
        """Completed ÷ started (a registration that never started does not count)."""
        return _taux(self.termines, self.commences)

    @property
    def taux_sortie_positive(self):
        """Positive exits ÷ exits (completed or dropped out)."""
        return _taux(self.sorties_positives, self.sorties)

    @property
    def taux_activite_propre(self):
        """Share of exits into their own activity (self-employment)."""
        return _taux(self.activite_propre, self.sorties)


def indicateurs_programme(programme) -> Indicateurs:
    """Cohort figures over every participating CPAS (counts only, no names). One query."""
    sorties = [StatutParticipation.TERMINE, StatutParticipation.ABANDON]
    agg = Participation.objects.filter(programme=programme).aggregate(
        inscrits=Count("id"),
        commences=Count("id", filter=~Q(statut=StatutParticipation.INSCRIT)),
        actifs=Count("id", filter=Q(statut=StatutParticipation.ACTIF)),
        termines=Count("id", filter=Q(statut=StatutParticipation.TERMINE)),
        abandons=Count("id", filter=Q(statut=StatutParticipation.ABANDON)),
        sorties=Count("id", filter=Q(statut__in=sorties)),
        sorties_positives=Count(
            "id", filter=Q(statut__in=sorties, resultat__in=list(SORTIES_POSITIVES))
        ),
        activite_propre=Count(
            "id", filter=Q(statut__in=sorties, resultat=ResultatSortie.ACTIVITE_PROPRE)
        ),
    )
    return Indicateurs(objectif=programme.objectif_participants, **agg)


def fin_accompagnement(participation, programme):
    if not (programme.duree_max_mois and participation.date_debut):
        return None
    return participation.date_debut + relativedelta(months=programme.duree_max_mois)


def proches_duree_max(participations, programme, aujourd_hui, jours=30):
    """Active participants whose maximum guidance duration ends within ``jours`` (or passed)."""
    resultat = []
    for p in participations:
        fin = fin_accompagnement(p, programme)
        if (
            p.statut == StatutParticipation.ACTIF
            and fin
            and fin <= aujourd_hui + datetime.timedelta(days=jours)
        ):
            p.fin_max = fin
            p.jours_restants = (fin - aujourd_hui).days
            resultat.append(p)
    return sorted(resultat, key=lambda p: p.fin_max)


def resume_partenaire(partenaire: Partenaire, user):
    """What the user's CPAS did with this partner: conventions, referrals and results."""
    conventions = Convention.objects.for_user(user).filter(partenaires=partenaire)
    orientations = Orientation.objects.for_user(user).filter(service__partenaire=partenaire)
    return conventions, orientations


def compter_par_statut(orientations, *, statut_par_statut=False):
    """``{statut: count}`` of the statuses that have referrals. ``COUNT(*)`` (not of ``id``):
    the counts only read the index on (cpas, beneficiaire, statut).

    ``statut_par_statut``: one count per status (a sub-select for each of the statuses),
    each reading its own part of the index on (cpas, statut, ...) alone: for the referrals of
    a whole CPAS (``orientations`` filtered by CPAS only), where one GROUP BY read and hashed
    every referral of the CPAS. Not for a few people's or a partner's referrals (each
    sub-select would repeat their selection)."""
    if not statut_par_statut:
        return executer(requete_compter_par_statut(orientations))
    sql, params = _sql_statut_par_statut(orientations)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {statut: n for statut, n in cursor.fetchall() if n}


def requete_compter_par_statut(orientations):
    """``compter_par_statut`` (one count by status, one GROUP BY) as a generator of
    ``cpas_isp.lots``: its statement sent with a page's others (the partner portal's rows)."""
    try:
        sql, params = (
            orientations.order_by().values("statut").annotate(n=Count("*")).query.sql_with_params()
        )
    except EmptyResultSet:  # no referral by construction
        return {}
    (lignes,) = yield [(sql, params)]
    return dict(lignes)


def _sql_statut_par_statut(orientations):
    """``compter_par_statut``'s statement of one count per status: rows (statut, n)."""
    sql, params = orientations.order_by().values("statut").query.sql_with_params()
    return (
        f'SELECT "s"."statut", (SELECT COUNT(*) FROM ({sql}) "o" WHERE "o"."statut" = '
        '"s"."statut") AS "n" FROM UNNEST(%s::varchar[]) AS "s"("statut")',
        [*params, list(StatutOrientation.values)],
    )


def compter_par_statut_et_lire(orientations, lignes, *, statut_par_statut=False):
    """``compter_par_statut``'s counts and the rows of ``lignes`` (a ``values()`` queryset, e.g.
    a filter's choices) in one round trip: ``({statut: count}, [dict of values, ...])``. The
    same statements as sub-selects of one (the same plans); the rows come as JSON objects, in
    the queryset's order (json_agg reads the subquery's sorted rows in their order)."""
    requete = requete_compter_par_statut_et_lire(
        orientations, lignes, statut_par_statut=statut_par_statut
    )
    return executer_ensemble([requete])[0]


def requete_compter_par_statut_et_lire(orientations, lignes, *, statut_par_statut=False):
    """``compter_par_statut_et_lire`` as a generator of ``cpas_isp.lots``: its statement
    (prepared once per connection: its planning took about as long as running it) sent with
    a page's others in one round trip."""
    try:
        requete = _sql_compter_par_statut_et_lire(orientations, lignes, statut_par_statut)
    except EmptyResultSet:  # nothing to read for one of them: each as it is (no query if empty)
        return (
            compter_par_statut(orientations, statut_par_statut=statut_par_statut),
            list(lignes),
        )
    return (yield from _lire_compteurs_et_lignes(requete))


def _sql_compter_par_statut_et_lire(orientations, lignes, statut_par_statut):
    """``requete_compter_par_statut_et_lire``'s statement (SQL, params); ``EmptyResultSet``
    when one of the querysets is empty by construction."""
    if statut_par_statut:
        sql_c, params_c = _sql_statut_par_statut(orientations)
    else:
        sql_c, params_c = (
            orientations.values("statut").annotate(n=Count("*")).query.sql_with_params()
        )
    sql_l, params_l = lignes.query.sql_with_params()
    return (
        "SELECT (SELECT COALESCE(json_agg(json_build_array(c.statut, c.n)), '[]'::json) "
        f"FROM ({sql_c}) c), (SELECT COALESCE(json_agg(t), '[]'::json) FROM ({sql_l}) t)",
        (*params_c, *params_l),
    )


def _lire_compteurs_et_lignes(requete, generique=False):
    (((compteurs, rows),),) = yield [(*requete, GENERIQUE) if generique else requete]
    if isinstance(compteurs, str):  # a driver that does not parse json
        compteurs, rows = json.loads(compteurs), json.loads(rows)
    return {statut: n for statut, n in compteurs if n}, rows


def requete_compteurs_de_la_liste(user, orientations, partenaires):
    """The referral list's counts by status of the referrals of the people ``user`` may see
    and the partners its filter offers (pk, name), as ``requete_compter_par_statut_et_lire``
    reads them: its statement built and compiled once per key (``_COMPTEURS_LISTE``), the
    querysets (``orientations()``, ``partenaires()``: ``objets_visibles`` of the referrals,
    and the partners of the list) built only then. Building and compiling them was ~1 ms of
    Python on each page of the list. The key holds every input of the statement: the
    need-to-know rule's (``cle_des_visibles``: the CPAS and the rule's SQL and parameters)."""
    try:
        cle = cle_des_visibles(user)
    except EmptyResultSet:
        cle = None
    statut_par_statut = voit_tout_le_cpas(user)
    if cle is not None:
        try:
            requete = _COMPTEURS_LISTE.obtenir(
                (cle, statut_par_statut),
                lambda: _sql_compter_par_statut_et_lire(
                    orientations(), partenaires(), statut_par_statut
                ),
            )
        except EmptyResultSet:
            pass
        else:
            # Its generic plan: PostgreSQL kept planning a coordinator's for its values on
            # every page (3.1 -> 2.7 ms on the bench).
            return (yield from _lire_compteurs_et_lignes(requete, generique=True))
    return (
        yield from requete_compter_par_statut_et_lire(
            orientations(), partenaires(), statut_par_statut=statut_par_statut
        )
    )


# The referral list's statements of the users of a large deployment (a few hundred agents
# and coordinators, one rule each a day).
_COMPTEURS_LISTE: Memo[tuple[str, tuple]] = Memo(1024)


def orientations_recentes(orientations, user, nombre=20):
    """The latest referrals among ``orientations`` of the people the user may see."""
    return list(
        objets_visibles(orientations, user)
        .select_related("beneficiaire", "service", "agent")
        .order_by("-date_orientation", "-id")[:nombre]
    )


def cohorte_visible(programme, user):
    """The programme's participants the user may see (need-to-know, own CPAS), with their
    feedback count and the end of their maximum guidance; and how many others of the user's
    CPAS are hidden (the figures count every participating CPAS)."""
    cohorte = list(
        objets_visibles(Participation.objects.filter(programme=programme), user)
        .select_related("beneficiaire")
        .annotate(nb_avis=Count("avis"))
    )
    for participation in cohorte:
        participation.fin_max = fin_accompagnement(participation, programme)
    masques = Participation.objects.for_user(user).filter(programme=programme).count()
    return cohorte, masques - len(cohorte)


def avis_programme(programme, cpas_id, nombre=50):
    """Participants' feedback on a programme: the count and mean score over every CPAS, and the
    latest ``nombre`` (date, score, text); the free text only for the reader's own CPAS."""
    tous = AvisParticipant.objects.filter(participation__programme=programme)
    stats = tous.aggregate(n=Count("id"), moyenne=Avg("score"))
    avis = (
        tous.order_by("-date", "-id")
        .annotate(
            texte=Case(
                When(cpas_id=cpas_id, then=F("commentaire")),
                default=Value(""),
                output_field=TextField(),
            )
        )
        .values("date", "score", "texte")[:nombre]
    )
    return stats, avis
