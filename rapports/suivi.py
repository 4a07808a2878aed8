"""Figures of the follow-up sections: PIIS compliance, article 60, referrals and programmes.

Like ``queries``: one query per table, counts only; ``personnes_*`` give the people behind a
number (the views scope them to the viewer).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db.models import F, Q

from beneficiaires.models import Beneficiaire, DroitAide
from cpas_isp import lots
from partenaires.models import SORTIES_POSITIVES as PROGRAMME_SORTIES_POSITIVES
from partenaires.models import (
    Orientation,
    Partenaire,
    Participation,
    Programme,
    ResultatOrientation,
    ServicePartenaire,
    StatutOrientation,
    StatutParticipation,
)
from rapports.queries import taux_acceptation, taux_pourcent
from trajets.models import ContratArticle60, EvaluationPiis, MotifSortie, Piis, PoolArticle60

MOIS_SIGNATURE_PIIS = 3  # a PIIS is signed within 3 months of the RIS decision
JOURS_FIN_CONTRAT = 60  # article 60 contracts "ending soon"
MOTIF_DROITS_OUVERTS = "article60_droits"  # seeded exit reason: art. 60 done, rights opened
RESULTATS_POSITIFS = [
    ResultatOrientation.QUALIFICATION,
    ResultatOrientation.EMPLOI,
    ResultatOrientation.INDEPENDANT,
]
ACCEPTEES = [StatutOrientation.ACCEPTEE, StatutOrientation.EN_COURS, StatutOrientation.TERMINEE]
EN_ATTENTE = [StatutOrientation.PROPOSEE, StatutOrientation.ENVOYEE]  # no answer yet


# --- PIIS ----------------------------------------------------------------------------------


@dataclass
class ConformitePiis:
    dus: int  # new RIS decisions in the period: a PIIS is due for each
    echus: int  # ... whose 3-month deadline has passed on the date
    signes_a_temps: int  # ... signed within the 3 months
    en_retard: int  # deadline passed, still not signed on the date
    evaluations_prevues: int  # evaluations planned in the period, up to the date
    evaluations_a_temps: int  # ... held no later than planned
    evaluations_tardives: int  # ... held late
    evaluations_en_retard: int  # ... planned before the date and not held

    @property
    def taux_signature(self):
        return taux_pourcent(self.signes_a_temps, self.echus)

    @property
    def taux_evaluations(self):
        return taux_pourcent(self.evaluations_a_temps, self.evaluations_prevues)


# Wrapped in a SELECT: pghistory prepends its context variables (a statement more) to the
# statements that do not start with SELECT, such as WITH.
SQL_PIIS = """
SELECT * FROM (
WITH decisions AS (
    SELECT DISTINCT da.beneficiaire_id, coalesce(da.date_decision, da.debut) AS decision
    FROM {droit} da {jointure_referent}
    WHERE da.cpas_id = ANY(%(cpas)s) AND da.type = 'RIS'
      AND coalesce(da.date_decision, da.debut) BETWEEN %(debut)s AND %(fin)s {filtre_referent}
),
dus AS (
    SELECT d.beneficiaire_id,
           (d.decision + make_interval(months => %(mois)s))::date AS echeance,
           (SELECT min(p.date_signature) FROM {piis} p
             WHERE p.beneficiaire_id = d.beneficiaire_id AND p.date_signature >= d.decision
           ) AS signe
    FROM decisions d
),
evaluations AS (
    SELECT e.date_prevue, e.date_tenue
    FROM {evaluation} e
    JOIN {piis} p ON p.id = e.piis_id
    WHERE e.cpas_id = ANY(%(cpas)s) AND e.date_prevue BETWEEN %(debut)s AND %(date)s
      AND NOT (e.date_tenue IS NULL AND p.date_cloture IS NOT NULL
               AND p.date_cloture <= e.date_prevue) {filtre_agent}
)
SELECT
    (SELECT count(*) FROM dus),
    (SELECT count(*) FROM dus WHERE echeance <= %(date)s),
    (SELECT count(*) FROM dus WHERE echeance <= %(date)s AND signe <= echeance),
    (SELECT count(*) FROM dus WHERE echeance < %(date)s AND (signe IS NULL OR signe > %(date)s)),
    (SELECT count(*) FROM evaluations),
    (SELECT count(*) FROM evaluations WHERE date_tenue <= date_prevue),
    (SELECT count(*) FROM evaluations WHERE date_tenue > date_prevue),
    (SELECT count(*) FROM evaluations WHERE date_tenue IS NULL AND date_prevue < %(date)s)
) piis
"""


def conformite_piis(cpas_ids, debut, fin, date, *, agent_id=None) -> ConformitePiis:
    """PIIS due for the new RIS decisions of [debut, fin], signed within 3 months, and the
    evaluations planned from ``debut`` up to ``date``: held on time, late, or overdue. With
    ``agent_id``: the people that agent refers (who follows them) and their PIIS."""
    return lots.executer(requetes_conformite_piis(cpas_ids, debut, fin, date, agent_id=agent_id))


def requetes_conformite_piis(cpas_ids, debut, fin, date, *, agent_id=None):
    """``conformite_piis`` as a generator of ``cpas_isp.lots``."""
    params = {
        "cpas": list(cpas_ids),
        "debut": debut,
        "fin": fin,
        "date": date,
        "mois": MOIS_SIGNATURE_PIIS,
        "agent": agent_id,
    }
    sql = SQL_PIIS.format(
        droit=DroitAide._meta.db_table,
        piis=Piis._meta.db_table,
        evaluation=EvaluationPiis._meta.db_table,
        # The person is read only for the referent (every right has its person).
        jointure_referent=(
            f"JOIN {Beneficiaire._meta.db_table} b ON b.id = da.beneficiaire_id" if agent_id else ""
        ),
        filtre_referent="AND b.referent_id = %(agent)s" if agent_id else "",
        # The PIIS of the people the agent follows (their referent), as the workload counts.
        filtre_agent=(
            f"AND p.beneficiaire_id IN (SELECT id FROM {Beneficiaire._meta.db_table}"
            " WHERE referent_id = %(agent)s)"
        )
        if agent_id
        else "",
    )
    (rows,) = yield [(sql, params)]
    return ConformitePiis(*rows[0])


def _decisions_ris(cpas_ids, debut, fin, agent_id=None):
    qs = DroitAide.objects.filter(cpas_id__in=list(cpas_ids), type="RIS").filter(
        Q(date_decision__range=(debut, fin))
        | Q(date_decision__isnull=True, debut__range=(debut, fin))
    )
    if agent_id:
        qs = qs.filter(beneficiaire__referent_id=agent_id)
    return qs


def personnes_piis_en_retard(cpas_ids, debut, fin, date, *, agent_id=None):
    """People whose PIIS deadline (3 months after a new RIS decision of the period) has passed
    on ``date`` without a PIIS signed since the decision."""
    ids = set()
    droits = _decisions_ris(cpas_ids, debut, fin, agent_id).values_list(
        "beneficiaire_id", "date_decision", "debut"
    )
    signatures: dict[int, list[datetime.date]] = {}
    for b, d in Piis.objects.filter(
        beneficiaire_id__in=[b for b, _, _ in droits], date_signature__isnull=False
    ).values_list("beneficiaire_id", "date_signature"):
        signatures.setdefault(b, []).append(d)
    for b, decision, debut_droit in droits:
        decision = decision or debut_droit
        if decision + relativedelta(months=MOIS_SIGNATURE_PIIS) >= date:
            continue
        if not any(decision <= s <= date for s in signatures.get(b, [])):
            ids.add(b)
    return Beneficiaire.objects.filter(pk__in=ids)


def personnes_evaluations_en_retard(cpas_ids, debut, date, *, agent_id=None):
    qs = EvaluationPiis.objects.filter(
        cpas_id__in=list(cpas_ids),
        date_prevue__gte=debut,
        date_prevue__lt=date,
        date_tenue__isnull=True,
    ).exclude(piis__date_cloture__isnull=False, piis__date_cloture__lte=F("date_prevue"))
    if agent_id:
        qs = qs.filter(piis__agent_id=agent_id)
    return Beneficiaire.objects.filter(pk__in=qs.values("piis__beneficiaire_id"))


# --- Article 60 ----------------------------------------------------------------------------


@dataclass
class Article60:
    postes: int | None  # pool in force on the date
    postes_economie_sociale: int | None
    occupes: int
    occupes_economie_sociale: int
    finissant: int  # running contracts whose planned end is within 60 days
    termines: int  # contracts ended in the period
    droits_ouverts: int  # ... with rights opened

    @property
    def taux_occupation(self):
        return taux_pourcent(self.occupes, self.postes) if self.postes else None

    @property
    def libres(self):
        return None if self.postes is None else self.postes - self.occupes


SQL_ARTICLE60 = """
SELECT
    (SELECT postes_total FROM {pool} WHERE cpas_id = ANY(%(cpas)s) AND valable_du <= %(date)s
      ORDER BY valable_du DESC LIMIT 1),
    (SELECT postes_economie_sociale FROM {pool} WHERE cpas_id = ANY(%(cpas)s)
      AND valable_du <= %(date)s ORDER BY valable_du DESC LIMIT 1),
    count(*) FILTER (WHERE {actif}),
    count(*) FILTER (WHERE {actif} AND c.economie_sociale),
    count(*) FILTER (WHERE c.fin_reelle IS NULL AND c.debut <= %(date)s
                     AND c.fin_prevue BETWEEN %(date)s AND %(horizon)s),
    count(*) FILTER (WHERE c.fin_reelle BETWEEN %(debut)s AND %(fin)s),
    count(*) FILTER (WHERE c.fin_reelle BETWEEN %(debut)s AND %(fin)s
                     AND m.code = %(droits)s)
FROM {contrat} c
LEFT JOIN {motif} m ON m.id = c.motif_fin_id
WHERE c.cpas_id = ANY(%(cpas)s)
"""
ACTIF_SQL = "c.debut <= %(date)s AND coalesce(c.fin_reelle, c.fin_prevue) >= %(date)s"


def article60(cpas_ids, debut, fin, date) -> Article60:
    return lots.executer(requetes_article60(cpas_ids, debut, fin, date))


def requetes_article60(cpas_ids, debut, fin, date):
    """``article60`` as a generator of ``cpas_isp.lots``."""
    params = {
        "cpas": list(cpas_ids),
        "debut": debut,
        "fin": fin,
        "date": date,
        "horizon": date + datetime.timedelta(days=JOURS_FIN_CONTRAT),
        "droits": MOTIF_DROITS_OUVERTS,
    }
    sql = SQL_ARTICLE60.format(
        pool=PoolArticle60._meta.db_table,
        contrat=ContratArticle60._meta.db_table,
        motif=MotifSortie._meta.db_table,
        actif=ACTIF_SQL,
    )
    (rows,) = yield [(sql, params)]
    return Article60(*rows[0])


def personnes_article60(cpas_ids, quoi, debut, fin, date):
    qs = ContratArticle60.objects.filter(cpas_id__in=list(cpas_ids))
    if quoi == "occupes":
        qs = qs.actifs_le(date)
    elif quoi == "finissant":
        qs = qs.filter(
            fin_reelle__isnull=True,
            debut__lte=date,
            fin_prevue__range=(date, date + datetime.timedelta(days=JOURS_FIN_CONTRAT)),
        )
    elif quoi == "termines":
        qs = qs.filter(fin_reelle__range=(debut, fin))
    elif quoi == "droits_ouverts":
        qs = qs.filter(fin_reelle__range=(debut, fin), motif_fin__code=MOTIF_DROITS_OUVERTS)
    else:
        return None
    return Beneficiaire.objects.filter(pk__in=qs.values("beneficiaire_id"))


# --- Referrals and programmes --------------------------------------------------------------


@dataclass
class LigneOrientations:
    partenaire_id: int
    partenaire: str
    orientees: int
    envoyees: int
    acceptees: int
    refusees: int
    terminees: int
    positives: int
    en_attente: int = 0  # sent or proposed, no answer yet: outside the acceptance rate

    @property
    def taux_acceptation(self):
        return taux_acceptation(self.acceptees, self.refusees)

    @property
    def taux_positif(self):
        return taux_pourcent(self.positives, self.terminees)


# Counted per service first (a few dozen groups), then added up per partner: the period's
# referrals are not each joined to their service and partner (25% quicker on 3,800).
SQL_ORIENTATIONS = """
SELECT s.partenaire_id, p.nom, sum(o.orientees)::int, sum(o.envoyees)::int,
       sum(o.acceptees)::int, sum(o.refusees)::int, sum(o.terminees)::int,
       sum(o.positives)::int, sum(o.en_attente)::int
FROM (
    SELECT o.service_id,
           count(*) AS orientees,
           count(*) FILTER (WHERE o.date_envoi IS NOT NULL) AS envoyees,
           count(*) FILTER (WHERE o.statut = ANY(%(acceptees)s)) AS acceptees,
           count(*) FILTER (WHERE o.statut = %(refusee)s) AS refusees,
           count(*) FILTER (WHERE o.statut = %(terminee)s) AS terminees,
           count(*) FILTER (WHERE o.resultat = ANY(%(positifs)s)) AS positives,
           count(*) FILTER (WHERE o.statut = ANY(%(en_attente)s)) AS en_attente
    FROM {orientation} o
    WHERE o.cpas_id = ANY(%(cpas)s) AND o.date_orientation BETWEEN %(debut)s AND %(fin)s
      {filtre}
    GROUP BY o.service_id
) o
JOIN {service} s ON s.id = o.service_id
JOIN {partenaire} p ON p.id = s.partenaire_id
GROUP BY s.partenaire_id, p.nom
ORDER BY p.nom
"""


def orientations_par_partenaire(cpas_ids, debut, fin, *, agent_id=None):
    """Referrals made in the period, per partner: sent, accepted, refused, completed, with a
    positive result (qualification, job, self-employment). One query (SQL: the ORM's
    compilation of seven filtered counts cost more than the query on the dashboard)."""
    return lots.executer(
        requetes_orientations_par_partenaire(cpas_ids, debut, fin, agent_id=agent_id)
    )


def requetes_orientations_par_partenaire(cpas_ids, debut, fin, *, agent_id=None):
    """``orientations_par_partenaire`` as a generator of ``cpas_isp.lots``."""
    params = {
        "cpas": list(cpas_ids),
        "debut": debut,
        "fin": fin,
        "agent": agent_id,
        "acceptees": [str(s) for s in ACCEPTEES],
        "refusee": str(StatutOrientation.REFUSEE),
        "terminee": str(StatutOrientation.TERMINEE),
        "positifs": [str(r) for r in RESULTATS_POSITIFS],
        "en_attente": [str(s) for s in EN_ATTENTE],
    }
    sql = SQL_ORIENTATIONS.format(
        orientation=Orientation._meta.db_table,
        service=ServicePartenaire._meta.db_table,
        partenaire=Partenaire._meta.db_table,
        filtre="AND o.agent_id = %(agent)s" if agent_id else "",
    )
    (rows,) = yield [(sql, params)]
    return [LigneOrientations(*row) for row in rows]


def personnes_orientations(cpas_ids, debut, fin, partenaire_id, quoi, *, agent_id=None):
    qs = Orientation.objects.filter(
        cpas_id__in=list(cpas_ids),
        date_orientation__range=(debut, fin),
        service__partenaire_id=partenaire_id,
    )
    if agent_id:
        qs = qs.filter(agent_id=agent_id)
    filtres = {
        "orientees": Q(),
        "envoyees": Q(date_envoi__isnull=False),
        "acceptees": Q(statut__in=ACCEPTEES),
        "refusees": Q(statut=StatutOrientation.REFUSEE),
        "terminees": Q(statut=StatutOrientation.TERMINEE),
        "positives": Q(resultat__in=RESULTATS_POSITIFS),
        "en_attente": Q(statut__in=EN_ATTENTE),
    }
    if quoi not in filtres:
        return None
    return Beneficiaire.objects.filter(pk__in=qs.filter(filtres[quoi]).values("beneficiaire_id"))


@dataclass
class LigneProgramme:
    programme_id: int
    titre: str
    debut: datetime.date
    fin: datetime.date | None
    objectif: int
    inscrits: int
    commences: int
    termines: int
    abandons: int
    sorties_positives: int

    @property
    def progression(self):
        return taux_pourcent(self.inscrits, self.objectif)

    @property
    def taux_achevement(self):
        return taux_pourcent(self.termines, self.commences)

    @property
    def taux_sortie_positive(self):
        return taux_pourcent(self.sorties_positives, self.termines + self.abandons)


# Each participation counted once per programme: the programmes shared with the CPAS are
# found by EXISTS (the ORM joined the participating CPAS, multiplying the participations it
# then counted DISTINCT, and compiled five filtered counts for a query that reads a few rows).
SQL_PROGRAMMES = """
SELECT p.id, p.titre, p.debut, p.fin, p.objectif_participants,
       count(pa.id),
       count(pa.id) FILTER (WHERE NOT (pa.statut = %(inscrit)s AND pa.statut IS NOT NULL)),
       count(pa.id) FILTER (WHERE pa.statut = %(termine)s),
       count(pa.id) FILTER (WHERE pa.statut = %(abandon)s),
       count(pa.id) FILTER (WHERE pa.statut = ANY(%(sorties)s)
                            AND pa.resultat = ANY(%(positives)s))
FROM {programme} p
LEFT JOIN {participation} pa ON pa.programme_id = p.id
WHERE (p.cpas_id = %(cpas)s OR EXISTS (
          SELECT 1 FROM {partage} cp WHERE cp.programme_id = p.id AND cp.cpas_id = %(cpas)s))
  AND (p.fin IS NULL OR p.fin >= %(debut)s) AND p.debut <= %(fin)s
GROUP BY p.id
ORDER BY p.debut DESC, p.titre
"""


def programmes(cpas_id, debut, fin):
    """Programmes run by or with the CPAS and running during the period, with their cohort
    (every participating CPAS) against the target. One query."""
    return lots.executer(requetes_programmes(cpas_id, debut, fin))


def requetes_programmes(cpas_id, debut, fin):
    """``programmes`` as a generator of ``cpas_isp.lots``."""
    params = {
        "cpas": cpas_id,
        "debut": debut,
        "fin": fin,
        "inscrit": str(StatutParticipation.INSCRIT),
        "termine": str(StatutParticipation.TERMINE),
        "abandon": str(StatutParticipation.ABANDON),
        "sorties": [str(StatutParticipation.TERMINE), str(StatutParticipation.ABANDON)],
        "positives": [str(r) for r in PROGRAMME_SORTIES_POSITIVES],
    }
    sql = SQL_PROGRAMMES.format(
        programme=Programme._meta.db_table,
        participation=Participation._meta.db_table,
        partage=Programme.cpas_participants.through._meta.db_table,
    )
    (rows,) = yield [(sql, params)]
    return [LigneProgramme(*row) for row in rows]


def personnes_programme(cpas_id, programme_id):
    return Beneficiaire.objects.filter(
        pk__in=Participation.objects.filter(programme_id=programme_id, cpas_id=cpas_id).values(
            "beneficiaire_id"
        )
    )
