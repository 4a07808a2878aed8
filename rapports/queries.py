"""Read-side statistics shared by the dashboards, the exports, the commands and the PDF report.

Every figure is computed in PostgreSQL, in one query per table whatever the number of dates or
months (a set of dates joined to the inclusive date ranges of rights and stays). Counts are of
distinct persons unless stated otherwise; reports never carry names. The lists of people behind
a number are built by the ``personnes_*`` functions, which return querysets the views scope to
the viewer.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.db import connection

from beneficiaires.models import Beneficiaire, DroitAide
from cpas_isp import lots
from trajets.models import ClasseSortie, MotifSortie, PassagePhase, Phase

PHASES: list[str] = [p.value for p in Phase]
CLASSES: list[str] = [c.value for c in ClasseSortie]
# Exits recorded without a reason yet: counted in the total, shown apart.
SANS_CLASSE = "non_classee"

MOIS_RAPPORT = 12  # months covered by the monthly report's tables

COLONNES_PARTICIPATION = ["date", "ris_eris", *PHASES, "isp", "taux"]


def taux_pourcent(numerateur: int, denominateur: int) -> Decimal | None:
    """numerateur / denominateur in percent, rounded half up to two decimals (exact, integer
    arithmetic); None when the denominator is zero."""
    if not denominateur:
        return None
    centiemes = (numerateur * 20_000 + denominateur) // (2 * denominateur)
    return Decimal(centiemes).scaleb(-2)


def taux_acceptation(acceptees: int, refusees: int) -> Decimal | None:
    """The acceptance rate of referrals, in percent: accepted ÷ (accepted + refused), i.e. on
    the referrals that received an answer. Those still waiting for one (proposed, sent),
    expired without answer or cancelled are not counted: 2 accepted, 1 refused and 3 pending
    give 66.67 %, not 33.33 %. The one rule for the dashboard, its export and the PDF (whose
    notes say so); None when no referral was answered."""
    return taux_pourcent(acceptees, acceptees + refusees)


def premier_du_mois(d: datetime.date) -> datetime.date:
    return d.replace(day=1)


def ajouter_mois(d: datetime.date, n: int) -> datetime.date:
    """First day of the month ``n`` months after the month of ``d``."""
    return d + relativedelta(day=1, months=n)


def fin_du_mois(d: datetime.date) -> datetime.date:
    return d + relativedelta(day=31)  # relativedelta clamps the day to the month's last


def fins_de_mois(debut: datetime.date, fin: datetime.date) -> list[datetime.date]:
    """The last day of every month from the month of ``debut`` to the month of ``fin``."""
    mois, dernier = premier_du_mois(debut), premier_du_mois(fin)
    dates = []
    while mois <= dernier:
        dates.append(fin_du_mois(mois))
        mois = ajouter_mois(mois, 1)
    return dates


def _tables():
    return {
        "droit": DroitAide._meta.db_table,
        "passage": PassagePhase._meta.db_table,
        "motif": MotifSortie._meta.db_table,
        "beneficiaire": Beneficiaire._meta.db_table,
    }


def _filtre_passages(phases: Sequence[str] | None, agent_id: int | None, params: dict) -> str:
    """Extra SQL conditions on the stays (alias pp) for the cellule (phases) and agent filters.
    An agent's figures are those of the people they follow: their referent (the one notion of
    who follows a person, ``beneficiaires.models.referents``), not the stay's agent."""
    sql = ""
    if phases is not None:
        params["phases"] = list(phases)
        sql += " AND pp.phase = ANY(%(phases)s)"
    if agent_id is not None:
        params["agent"] = agent_id
        sql += (
            f" AND pp.beneficiaire_id IN (SELECT id FROM {Beneficiaire._meta.db_table}"
            " WHERE referent_id = %(agent)s)"
        )
    return sql


# --- Participation table -------------------------------------------------------------------


@dataclass
class LigneParticipation:
    date: datetime.date
    ris_eris: int
    phases: dict[str, int]
    isp: int

    @property
    def taux(self) -> Decimal | None:
        return taux_pourcent(self.isp, self.ris_eris)

    def valeurs(self) -> dict:
        """The row with the command's keys, in order (date ISO, taux as Decimal or None)."""
        return {
            "date": self.date.isoformat(),
            "ris_eris": self.ris_eris,
            **{p: self.phases[p] for p in PHASES},
            "isp": self.isp,
            "taux": self.taux,
        }


# (The statements start with SELECT, not WITH: pghistory prepends its context variables, a
# statement more, to any other statement, see ``pghistory.runtime._is_ignored_statement``.)
SQL_PARTICIPATION = """
SELECT k, s.quoi, sum(s.c)
FROM generate_series(1, %(n)s) AS k
JOIN (
    SELECT '' AS quoi, width_bucket(da.debut, %(lendemains)s::date[]) AS b0,
           coalesce(width_bucket(da.fin, %(dates)s::date[]), %(n)s) AS b1, count(*) AS c
    FROM {droit} da
    WHERE da.cpas_id = ANY(%(cpas)s) AND da.debut <= %(derniere)s
      AND (da.fin IS NULL OR da.fin >= %(premiere)s)
    GROUP BY 1, 2, 3
    UNION ALL
    SELECT pp.phase, width_bucket(pp.debut, %(lendemains)s::date[]),
           coalesce(width_bucket(pp.fin, %(dates)s::date[]), %(n)s), count(*)
    FROM {passage} pp
    WHERE pp.cpas_id = ANY(%(cpas)s) AND pp.debut <= %(derniere)s
      AND (pp.fin IS NULL OR pp.fin >= %(premiere)s) {filtre}
    GROUP BY 1, 2, 3
) s ON s.b0 < k AND k <= s.b1
GROUP BY 1, 2
"""


def _participation_sql(
    cpas_ids: Iterable[int],
    dates: list[datetime.date],
    phases: Sequence[str] | None,
    agent_id: int | None,
) -> tuple[str, dict]:
    un_jour = datetime.timedelta(days=1)
    params = {
        "cpas": list(cpas_ids),
        "dates": dates,
        "lendemains": [d + un_jour for d in dates],
        "n": len(dates),
        "premiere": dates[0],
        "derniere": dates[-1],
    }
    filtre = _filtre_passages(phases, agent_id, params)
    return SQL_PARTICIPATION.format(**_tables(), filtre=filtre), params


def _lignes_vides(dates):
    return {d: LigneParticipation(d, 0, dict.fromkeys(PHASES, 0), 0) for d in dates}


def _remplir(lignes, dates, k, quoi, n):
    ligne = lignes[dates[k - 1]]
    if quoi == "":
        ligne.ris_eris = int(n)
    elif quoi in ligne.phases:
        ligne.phases[quoi] = int(n)
        ligne.isp += int(n)


def tableau_participation(
    cpas_ids: Iterable[int],
    dates: Iterable[datetime.date],
    *,
    phases: Sequence[str] | None = None,
    agent_id: int | None = None,
) -> list[LigneParticipation]:
    """The participation table of one CPAS or several together, one row per date (sorted).

    RIS+ERIS: distinct persons with a right running on the date; each phase and ISP: distinct
    persons with a stay running on the date (article 60 workers count even without a right).
    Rights and stays count from their start to their end inclusive, an open end runs forever.
    ``phases``/``agent_id`` restrict the stays counted (dashboard filters), never the rights.

    One query whatever the number of dates, one pass over the rights and stays: with the
    dates sorted d_1 < ... < d_n, a right or stay runs on d_k exactly when b0 < k <= b1, where
    b0 is the number of dates before its start (``width_bucket`` of the start over the days
    after each date) and b1 the number of dates up to its end (``width_bucket`` of the end
    over the dates; n when open). Rights and stays are counted per (kind, b0, b1), a few
    hundred groups, and each date sums the groups whose bucket range holds it. Counting
    rights and stays is counting distinct persons because the database forbids overlaps per
    person (exclusion constraints ``droit_sans_chevauchement`` and
    ``passage_une_phase_a_la_fois``) and a file belongs to one CPAS.
    """
    return lots.executer(requetes_participation(cpas_ids, dates, phases=phases, agent_id=agent_id))


def requetes_participation(cpas_ids, dates, *, phases=None, agent_id=None):
    """``tableau_participation`` as a generator of ``cpas_isp.lots``."""
    dates = sorted(set(dates))
    if not dates:
        return []
    sql, params = _participation_sql(cpas_ids, dates, phases, agent_id)
    (rows,) = yield [(sql, params)]
    return _participation_depuis(rows, dates)


def _participation_depuis(rows, dates) -> list[LigneParticipation]:
    lignes = _lignes_vides(dates)
    for k, quoi, n in rows:
        _remplir(lignes, dates, k, quoi, n)
    return list(lignes.values())


SQL_PARTICIPATION_PAR_CPAS = """
WITH bornes AS (
    SELECT da.cpas_id, '' AS quoi, width_bucket(da.debut, %(lendemains)s::date[]) AS b0,
           width_bucket(da.fin, %(dates)s::date[]) AS b1, count(*) AS c
    FROM {droit} da
    WHERE da.cpas_id = ANY(%(cpas)s) AND da.debut <= %(derniere)s
      AND (da.fin IS NULL OR da.fin >= %(premiere)s)
    GROUP BY GROUPING SETS ((1, 3), (1, 4))
    UNION ALL
    SELECT pp.cpas_id, pp.phase, width_bucket(pp.debut, %(lendemains)s::date[]),
           width_bucket(pp.fin, %(dates)s::date[]), count(*)
    FROM {passage} pp
    WHERE pp.cpas_id = ANY(%(cpas)s) AND pp.debut <= %(derniere)s
      AND (pp.fin IS NULL OR pp.fin >= %(premiere)s)
    GROUP BY GROUPING SETS ((1, 2, 3), (1, 2, 4))
),
seaux AS (
    SELECT cpas_id, quoi, coalesce(b0, b1) + 1 AS k,
           sum(CASE WHEN b0 IS NULL THEN -c ELSE c END) AS delta
    FROM bornes WHERE b0 IS NOT NULL OR b1 IS NOT NULL
    GROUP BY 1, 2, 3
)
SELECT cpas_id, k, quoi, sum(delta) OVER (PARTITION BY cpas_id, quoi ORDER BY k) FROM seaux
"""


def tableaux_participation_par_cpas(
    cpas_ids: Iterable[int], dates: Iterable[datetime.date]
) -> dict[int, list[LigneParticipation]]:
    """The participation table of every CPAS in ``cpas_ids`` separately, in one query.

    Many CPAS make many (kind, b0, b1) groups, so this one sweeps instead: one pass over each
    table sums, per CPAS and kind, +1 in bucket b0 + 1 (the first date on or after the start)
    and -1 in bucket b1 + 1 (the first date after the end) with two grouping sets, and a
    running sum over the buckets gives the count at each date with events; the dates between
    carry the previous count."""
    dates = sorted(set(dates))
    cpas_ids = list(cpas_ids)
    if not dates:
        return {c: [] for c in cpas_ids}
    _, params = _participation_sql(cpas_ids, dates, None, None)
    sql = SQL_PARTICIPATION_PAR_CPAS.format(**_tables())
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    n = len(dates)
    comptes: dict[int, dict[str, list[int]]] = {c: {} for c in cpas_ids}
    for cpas_id, k, quoi, cumul in rows:
        if k <= n:
            comptes[cpas_id].setdefault(quoi, [None] * n)[k - 1] = int(cumul)
    tables = {}
    for cpas_id, par_quoi in comptes.items():
        lignes = _lignes_vides(dates)
        for quoi, valeurs in par_quoi.items():
            courant = 0
            for k, v in enumerate(valeurs, start=1):
                courant = courant if v is None else v
                if courant:
                    _remplir(lignes, dates, k, quoi, courant)
        tables[cpas_id] = list(lignes.values())
    return tables


# --- Flows per month -----------------------------------------------------------------------


@dataclass
class FluxMois:
    mois: datetime.date
    entrees: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PHASES, 0))
    sorties: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PHASES, 0))
    sorties_par_classe: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys([*CLASSES, SANS_CLASSE], 0)
    )

    @property
    def total_entrees(self) -> int:
        return sum(self.entrees.values())

    @property
    def total_sorties(self) -> int:
        return sum(self.sorties.values())

    @property
    def taux_sortie_positive(self) -> Decimal | None:
        return taux_pourcent(self.sorties_par_classe[ClasseSortie.POSITIVE], self.total_sorties)


@dataclass
class Flux:
    mois: list[FluxMois]

    @cached_property  # read by the page's cards and by each of its three flow tables
    def total(self) -> FluxMois:
        total = FluxMois(mois=self.mois[0].mois if self.mois else None)
        for m in self.mois:
            for p in PHASES:
                total.entrees[p] += m.entrees[p]
                total.sorties[p] += m.sorties[p]
            for c, n in m.sorties_par_classe.items():
                total.sorties_par_classe[c] += n
        return total


# One pass over the CPAS's stays: each stay's entry month and exit month (their numbers in the
# period: ``width_bucket`` over the first days of its months and of the month after it, 0 or
# n + 1 outside) side by side, counted per (entry month, exit month, phase, exit's reason), a
# few hundred groups whose reasons are then read (the reasons' table joined to the groups, not
# to every stay), and that Python adds up into entries and exits. (A UNION of two scans made
# Postgres plan a parallel append; unpivoting each stay into an entry row and an exit row with
# a lateral VALUES cost a values scan per stay and twice the rows to group: 2x slower at best
# (4 vs 2 ms on a 6,000-file CPAS), 5x under load. The month as ``date_trunc`` of a timestamp
# and the reason joined to each stay cost 2.0 ms where this costs 1.6.) The stays are read from
# the index (cpas, phase, debut) alone, the reason included (trajets 0013): ``debut <= fin``
# bounds its range (a stay ending in the period began before its end: passage_fin_apres_debut).
SQL_FLUX = """
SELECT f.entree, f.sortie, f.phase, coalesce(ms.classe, ''), sum(f.n)::bigint
FROM (
    SELECT width_bucket(pp.debut, %(bornes)s::date[]) AS entree,
           width_bucket(pp.fin, %(bornes)s::date[]) AS sortie,
           pp.phase, pp.motif_sortie_id, count(*) AS n
    FROM {passage} pp
    WHERE pp.cpas_id = ANY(%(cpas)s) AND pp.debut <= %(fin)s
      AND (pp.debut BETWEEN %(debut)s AND %(fin)s OR pp.fin BETWEEN %(debut)s AND %(fin)s) {filtre}
    GROUP BY 1, 2, 3, 4
) f
LEFT JOIN {motif} ms ON ms.id = f.motif_sortie_id
GROUP BY 1, 2, 3, 4
"""


def flux_mensuels(
    cpas_ids: Iterable[int],
    premier_mois: datetime.date,
    dernier_mois: datetime.date,
    *,
    phases: Sequence[str] | None = None,
    agent_id: int | None = None,
) -> Flux:
    """Entries (stays started) and exits (stays ended) per phase and month, exits by class of
    their reason. A change of phase is an exit from one phase and an entry into the next."""
    sql, params = _flux_sql(cpas_ids, premier_mois, dernier_mois, phases, agent_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return _flux_depuis(rows, params["debut"], params["fin"])


def _mois_de(debut, fin) -> list[datetime.date]:
    """The first day of every month from ``debut``'s to ``fin``'s."""
    mois, m = [], premier_du_mois(debut)
    while m <= fin:
        mois.append(m)
        m = ajouter_mois(m, 1)
    return mois


def _flux_sql(cpas_ids, premier_mois, dernier_mois, phases, agent_id) -> tuple[str, dict]:
    debut, fin = premier_du_mois(premier_mois), fin_du_mois(dernier_mois)
    bornes = [*_mois_de(debut, fin), ajouter_mois(fin, 1)]
    params = {"cpas": list(cpas_ids), "debut": debut, "fin": fin, "bornes": bornes}
    filtre = _filtre_passages(phases, agent_id, params)
    return SQL_FLUX.format(**_tables(), filtre=filtre), params


def _flux_depuis(rows, debut, fin) -> Flux:
    """The months' rows from the counts per (entry month, exit month, phase, reason's class),
    the months by their number (1 for ``debut``'s; 0 or beyond the last: outside)."""
    mois = [FluxMois(mois=m) for m in _mois_de(debut, fin)]
    n = len(mois)
    for entree, sortie, phase, classe, nombre in rows:
        if entree is not None and 1 <= entree <= n:
            mois[entree - 1].entrees[phase] += nombre
        if sortie is not None and 1 <= sortie <= n:
            ligne = mois[sortie - 1]
            ligne.sorties[phase] += nombre
            ligne.sorties_par_classe[classe or SANS_CLASSE] += nombre
    return Flux(mois=mois)


# --- Workload ------------------------------------------------------------------------------


@dataclass
class LigneCharge:
    agent_id: int | None
    agent: str
    phases: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.phases.values())


# The referent of each person in a phase: the people of the CPAS asked for come from one
# index scan of that CPAS's files hashed (not the whole table scanned to hash the stays). A stay
# whose file is in another CPAS (none can be since the foreign key passage_cpas_de_la_personne,
# trajets 0012; the branch costs nothing when it finds none) is grouped apart by its person
# (``autre``), whose referent is then looked up by primary key, for those groups only.
# Counting stays is counting distinct persons: a person has one stay at a time (exclusion
# constraint ``passage_une_phase_a_la_fois``), so the groups are hashed, not sorted for a
# DISTINCT. A referent can come back in several rows (their own CPAS's, another's): the
# caller adds them.
SQL_CHARGE = """
SELECT r.referent_id, u.first_name, u.last_name, u.username, r.phase, r.n
FROM (
    SELECT CASE WHEN s.autre IS NULL THEN s.referent_id ELSE (
               SELECT b2.referent_id FROM {beneficiaire} b2 WHERE b2.id = s.autre
           ) END AS referent_id,
           s.phase, s.n
    FROM (
        SELECT b.referent_id, pp.phase,
               CASE WHEN b.id IS NULL THEN pp.beneficiaire_id END AS autre, count(*) AS n
        FROM {passage} pp
        LEFT JOIN {beneficiaire} b ON b.id = pp.beneficiaire_id AND b.cpas_id = ANY(%(cpas)s)
        WHERE pp.cpas_id = ANY(%(cpas)s) AND pp.debut <= %(date)s
          AND (pp.fin IS NULL OR pp.fin >= %(date)s) {filtre}
        GROUP BY 1, 2, 3
    ) s
) r
LEFT JOIN {user} u ON u.id = r.referent_id
"""


def charge_de_travail(
    cpas_ids: Iterable[int],
    date: datetime.date,
    *,
    phases: Sequence[str] | None = None,
    agent_id: int | None = None,
    sans_agent: str = "—",
) -> list[LigneCharge]:
    """People in a phase on ``date`` per agent who follows them (their referent) and phase."""
    sql, params = _charge_sql(cpas_ids, date, phases, agent_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return _charge_depuis(rows, sans_agent)


def _charge_sql(cpas_ids, date, phases, agent_id) -> tuple[str, dict]:
    params = {"cpas": list(cpas_ids), "date": date}
    filtre = _filtre_passages(phases, agent_id, params)
    sql = SQL_CHARGE.format(**_tables(), user=get_user_model()._meta.db_table, filtre=filtre)
    return sql, params


def _charge_depuis(rows, sans_agent) -> list[LigneCharge]:
    lignes: dict[int | None, LigneCharge] = {}
    for agent, prenom, nom, username, phase, n in rows:
        if agent not in lignes:
            libelle = f"{prenom} {nom}".strip() or username if agent else sans_agent
            lignes[agent] = LigneCharge(agent, libelle, dict.fromkeys(PHASES, 0))
        lignes[agent].phases[phase] += n
    return sorted(lignes.values(), key=lambda ligne: (ligne.agent_id is None, ligne.agent.lower()))


# --- The three tables of the stays, in one round trip ----------------------------------------

# The participation, flows and workload statements side by side (each its own plan, as when
# run alone), their rows tagged and padded to the same columns.
SQL_PASSAGES = """
SELECT 'p', p.k, p.quoi, NULL::int, NULL::int, NULL::text, NULL::bigint, NULL::text,
       NULL::text, NULL::text, p.n::bigint
FROM ({participation}) p (k, quoi, n)
UNION ALL
SELECT 'f', NULL, f.phase, f.entree, f.sortie, f.classe, NULL, NULL, NULL, NULL, f.n
FROM ({flux}) f (entree, sortie, phase, classe, n)
UNION ALL
SELECT 'c', NULL, c.phase, NULL, NULL, NULL, c.referent_id, c.first_name, c.last_name,
       c.username, c.n
FROM ({charge}) c (referent_id, first_name, last_name, username, phase, n)
"""


def tableaux_passages(
    cpas_ids: Iterable[int],
    dates: Iterable[datetime.date],
    premier_mois: datetime.date,
    dernier_mois: datetime.date,
    date_charge: datetime.date,
    *,
    phases: Sequence[str] | None = None,
    agent_id: int | None = None,
    sans_agent: str = "—",
) -> tuple[list[LigneParticipation], Flux, list[LigneCharge]]:
    """``tableau_participation``, ``flux_mensuels`` and ``charge_de_travail`` (same arguments,
    same figures) in one query: the dashboard's three tables of the stays."""
    return lots.executer(
        requetes_passages(
            cpas_ids,
            dates,
            premier_mois,
            dernier_mois,
            date_charge,
            phases=phases,
            agent_id=agent_id,
            sans_agent=sans_agent,
        )
    )


def requetes_passages(
    cpas_ids: Iterable[int],
    dates: Iterable[datetime.date],
    premier_mois: datetime.date,
    dernier_mois: datetime.date,
    date_charge: datetime.date,
    *,
    phases: Sequence[str] | None = None,
    agent_id: int | None = None,
    sans_agent: str = "—",
):
    """``tableaux_passages`` as a generator of ``cpas_isp.lots`` (its statements yielded)."""
    cpas_ids = list(cpas_ids)
    dates = sorted(set(dates))
    sql_f, params_f = _flux_sql(cpas_ids, premier_mois, dernier_mois, phases, agent_id)
    sql_c, params_c = _charge_sql(cpas_ids, date_charge, phases, agent_id)
    if not dates:
        rows_f, rows_c = yield [(sql_f, params_f), (sql_c, params_c)]
        return (
            [],
            _flux_depuis(rows_f, params_f["debut"], params_f["fin"]),
            _charge_depuis(rows_c, sans_agent),
        )
    sql_p, params = _participation_sql(cpas_ids, dates, phases, agent_id)
    params.update(params_f)
    params.update(params_c)
    sql = SQL_PASSAGES.format(participation=sql_p, flux=sql_f, charge=sql_c)
    (rows,) = yield [(sql, params)]
    participation, flux, charge = [], [], []
    for sorte, k, phase, entree, sortie, classe, referent, prenom, nom, username, n in rows:
        if sorte == "p":
            participation.append((k, phase, n))
        elif sorte == "f":
            flux.append((entree, sortie, phase, classe, n))
        else:
            charge.append((referent, prenom, nom, username, phase, n))
    return (
        _participation_depuis(participation, dates),
        _flux_depuis(flux, params_f["debut"], params_f["fin"]),
        _charge_depuis(charge, sans_agent),
    )


# --- The people behind a number ------------------------------------------------------------


def _passages(cpas_ids, phases=None, agent_id=None):
    qs = PassagePhase.objects.filter(cpas_id__in=list(cpas_ids))
    if phases is not None:
        qs = qs.filter(phase__in=list(phases))
    if agent_id is not None:
        qs = qs.filter(beneficiaire__referent_id=agent_id)  # who follows: the referent
    return qs


def personnes_ris_eris(cpas_ids, date):
    ids = DroitAide.objects.filter(cpas_id__in=list(cpas_ids)).actifs_le(date)
    return Beneficiaire.objects.filter(pk__in=ids.values("beneficiaire_id"))


def personnes_en_phase(cpas_ids, date, phase=None, *, phases=None, agent_id=None):
    """People in ``phase`` (or in any ISP phase when None) on ``date``."""
    qs = _passages(cpas_ids, phases, agent_id).en_cours_le(date)
    if phase:
        qs = qs.filter(phase=phase)
    return Beneficiaire.objects.filter(pk__in=qs.values("beneficiaire_id"))


def personnes_flux(cpas_ids, mois, sens, *, phase=None, classe=None, phases=None, agent_id=None):
    """People who entered (``sens='entree'``) or left (``'sortie'``) a phase in ``mois``;
    ``classe`` restricts exits to one class of reason (or SANS_CLASSE)."""
    debut, fin = premier_du_mois(mois), fin_du_mois(mois)
    qs = _passages(cpas_ids, phases, agent_id)
    if phase:
        qs = qs.filter(phase=phase)
    if sens == "entree":
        qs = qs.filter(debut__range=(debut, fin))
    else:
        qs = qs.filter(fin__range=(debut, fin))
        if classe == SANS_CLASSE:
            qs = qs.filter(motif_sortie__isnull=True)
        elif classe:
            qs = qs.filter(motif_sortie__classe=classe)
    return Beneficiaire.objects.filter(pk__in=qs.values("beneficiaire_id"))


def personnes_charge(cpas_ids, date, agent_id, phase=None, *, phases=None):
    """People in a phase on ``date`` followed by ``agent_id``, their referent (None: people
    without a referent)."""
    qs = _passages(cpas_ids, phases).en_cours_le(date)
    qs = (
        qs.filter(beneficiaire__referent__isnull=True)
        if agent_id is None
        else qs.filter(beneficiaire__referent_id=agent_id)
    )
    if phase:
        qs = qs.filter(phase=phase)
    return Beneficiaire.objects.filter(pk__in=qs.values("beneficiaire_id"))
