"""Indicators of the appointments, for the dashboards and the monthly report: delays to the
first meeting, no-shows, the agents' load. Each table is one SQL query (aggregates,
``percentile_cont``, ``FILTER``) over one CPAS (or several); the ``personnes_*`` functions give
the people behind each number (the views narrow them to what the viewer may see).

Definitions (the page's help text repeats them):

- delays in calendar days; the median is over the cases that reached the event (the first
  interview seen, the first appointment seen in the stay, the partner's answer); the share
  "within 30 days" is over the cases whose 30 days have passed on the date of the table;
- no-show rate = no-shows / (seen + no-shows + excused), excused rate = excused / the same,
  counted per person expected (a collective session counts each participant); cancelled
  appointments and those whose outcome is not recorded are left out;
- free slots: the agendas' recurring availability over the next 14 days, minus appointments
  and absences (as the agenda pages show them); pending invitations: still valid and not
  booked.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from beneficiaires.models import Beneficiaire, DroitAide
from cpas_isp import lots
from cpas_isp.models import Cellule, Membership, User, libelle_bilingue
from partenaires.models import Orientation, StatutOrientation
from rendezvous.models import (
    STATUTS_ANNULES,
    ZONE_STATISTIQUES,
    Absence,
    Agenda,
    Disponibilite,
    Invitation,
    OrigineRendezVous,
    Participant,
    RendezVous,
    StatistiqueMensuelle,
    StatutInvitation,
    TypeRendezVous,
)
from trajets.models import PassagePhase, Phase

JOURS_DELAI = 30  # the share of cases reached "within 30 days"
JOURS_CHARGE = 14  # free slots and pending invitations: the next two weeks
TYPE_PREMIER_ENTRETIEN = "premier_entretien_isp"
REPONDUES = [
    StatutOrientation.ACCEPTEE,
    StatutOrientation.REFUSEE,
    StatutOrientation.EN_COURS,
    StatutOrientation.TERMINEE,
]
#: what each number of a delay row counts (the ``quoi`` of the links)
QUOI_DELAI = ("total", "atteints", "echus", "dans_delai", "en_attente")

T = {
    "droit": DroitAide._meta.db_table,
    "beneficiaire": Beneficiaire._meta.db_table,
    "participant": Participant._meta.db_table,
    "rdv": RendezVous._meta.db_table,
    "type": TypeRendezVous._meta.db_table,
    "passage": PassagePhase._meta.db_table,
    "orientation": Orientation._meta.db_table,
    "agenda": Agenda._meta.db_table,
    "dispo": Disponibilite._meta.db_table,
    "absence": Absence._meta.db_table,
    "invitation": Invitation._meta.db_table,
    "membership": Membership._meta.db_table,
    "stat": StatistiqueMensuelle._meta.db_table,
    "user": User._meta.db_table,
}
ANNULES = "('" + "','".join(STATUTS_ANNULES) + "')"


def _executer(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# --- Delays --------------------------------------------------------------------------------


@dataclass
class Delai:
    """One delay row: ``total`` cases started in the period, ``atteints`` that reached the
    event by the date (median over them, in days), ``echus`` whose 30 days have passed, of
    which ``dans_delai`` reached it within 30 days; ``en_attente`` still waiting."""

    cle: str  # "ris", "phase" or "orientation"
    phase: str | None
    total: int
    atteints: int
    mediane: float | None
    echus: int
    dans_delai: int
    en_attente: int

    @property
    def taux_dans_delai(self):
        return pourcent(self.dans_delai, self.echus)


def pourcent(n, d):
    """n / d in percent, two decimals rounded half up (None when d is 0): the dashboards'
    rounding (``rapports.queries.taux_pourcent``, which this app may not import)."""
    if not d:
        return None
    return Decimal((n * 20_000 + d) // (2 * d)).scaleb(-2)


# Each delay is a set of cases (beneficiaire_id, depart, arrivee, attente) where ``depart`` is
# the start date, ``arrivee`` the date of the event (NULL if not reached by the date) and
# ``attente`` whether the case is still waiting for it.
_AGREGATS = """
    count(*),
    count(arrivee),
    percentile_cont(0.5) WITHIN GROUP (ORDER BY arrivee - depart)
        FILTER (WHERE arrivee IS NOT NULL),
    count(*) FILTER (WHERE depart + %(jours)s::int < %(date)s),
    count(*) FILTER (WHERE depart + %(jours)s::int < %(date)s AND arrivee - depart <= %(jours)s),
    count(*) FILTER (WHERE attente)
"""

_CONDITIONS = {
    "total": "TRUE",
    "atteints": "arrivee IS NOT NULL",
    "echus": "depart + %(jours)s::int < %(date)s",
    "dans_delai": "depart + %(jours)s::int < %(date)s AND arrivee - depart <= %(jours)s",
    "en_attente": "attente",
}

# The first appointment seen of a person from a date (local) up to a date, optionally of a kind
# (on the participant's copies of the period and of the kind: the partial index of the seen
# ones, (beneficiaire, debut) with the CPAS and the kind, answers it without reading a row).
# The cases are MATERIALIZED: inlined, this subquery was copied into every use of ``arrivee``
# (the aggregates use it five times) and ran that many times per case.
# The earliest one is the first entry of that index that matches (ORDER BY ... LIMIT 1): the
# first interview's kind checked on the participant (joining the appointment for it read one
# appointment per seen participant of the person: 9,000 of the 24,000 buffers of the delays).
# A CPAS with no participant at all (it does not use the agendas) answers NULL for every case
# without the per-case subquery: the test is one index probe run once (an InitPlan), and
# the CASE skips the subquery, whose empty scan and sort were set up again for each case
# (1,400 stays: 1.4 ms of the dashboard's 4 ms of delays on a CPAS without appointments).
# The probe is ordered on the CPAS so that it reads the index on it: as an EXISTS, the
# planner chose a sequential scan "finding a row at once", that read 1,900 empty pages when
# the table's head was free space (after the participants were all rewritten).
_PREMIER_VU = """CASE WHEN (SELECT true FROM {participant} WHERE cpas_id = ANY(%(cpas)s)
                ORDER BY cpas_id LIMIT 1) THEN (
    SELECT (p.debut AT TIME ZONE %(tz)s)::date
    FROM {participant} p
    WHERE p.beneficiaire_id = {qui} AND p.issue = 'vu' AND p.cpas_id = ANY(%(cpas)s) {filtre_type}
      AND p.debut >= ({depuis}::timestamp AT TIME ZONE %(tz)s)
      AND p.debut < (({jusqu_a} + 1)::timestamp AT TIME ZONE %(tz)s)
    ORDER BY p.debut LIMIT 1
) END"""


def _cas_ris(agent_id):
    premier = _PREMIER_VU.format(
        **T,
        qui="d.beneficiaire_id",
        filtre_type="AND p.type_id = (SELECT id FROM {type} WHERE code = %(premier)s)".format(**T),
        depuis="d.depart",
        jusqu_a="%(date)s::date",
    )
    # The person's referent, only when filtered on it (every right has its person).
    jointure = referent = ""
    if agent_id:
        jointure = f"JOIN {T['beneficiaire']} b ON b.id = da.beneficiaire_id"
        referent = "AND b.referent_id = %(agent)s"
    return f"""
    WITH decisions AS (
        SELECT da.beneficiaire_id, min(coalesce(da.date_decision, da.debut)) AS depart
        FROM {T["droit"]} da {jointure}
        WHERE da.cpas_id = ANY(%(cpas)s) AND da.type = 'RIS'
          AND coalesce(da.date_decision, da.debut) BETWEEN %(debut)s AND %(fin)s {referent}
        GROUP BY da.beneficiaire_id
    ),
    cas AS MATERIALIZED (
        SELECT d.beneficiaire_id, d.depart, {premier} AS arrivee FROM decisions d
    )
    SELECT beneficiaire_id, depart, arrivee, arrivee IS NULL AS attente FROM cas
    """


def _cas_phase(agent_id, phases):
    premier = _PREMIER_VU.format(
        **T,
        qui="pp.beneficiaire_id",
        filtre_type="",
        depuis="pp.debut",
        jusqu_a="least(coalesce(pp.fin, %(date)s::date), %(date)s::date)",
    )
    filtres = ""
    if agent_id:
        filtres += " AND pp.agent_id = %(agent)s"
    if phases:
        filtres += " AND pp.phase = ANY(%(phases)s)"
    return f"""
    WITH passages AS MATERIALIZED (
        SELECT pp.beneficiaire_id, pp.phase, pp.debut AS depart, pp.fin, {premier} AS arrivee
        FROM {T["passage"]} pp
        WHERE pp.cpas_id = ANY(%(cpas)s) AND pp.debut BETWEEN %(debut)s AND %(fin)s
          AND pp.debut <= %(date)s {filtres}
    )
    SELECT beneficiaire_id, depart, arrivee, phase,
           arrivee IS NULL AND (fin IS NULL OR fin >= %(date)s) AS attente
    FROM passages
    """


# OFFSET 0 keeps the subquery apart: flattened into the aggregates, its CASE was evaluated
# in each of the five that read ``arrivee`` (6,200 referrals: 2.0 ms, 1.3 ms computed once).
def _cas_orientation(agent_id):
    agent = "AND o.agent_id = %(agent)s" if agent_id else ""
    return f"""
    SELECT beneficiaire_id, depart, arrivee, attente FROM (
        SELECT o.beneficiaire_id, o.date_envoi AS depart,
               CASE WHEN o.statut = ANY(%(repondues)s) AND o.date_reponse <= %(date)s
                    THEN o.date_reponse END AS arrivee,
               o.statut = 'envoyee' AS attente
        FROM {T["orientation"]} o
        WHERE o.cpas_id = ANY(%(cpas)s) AND o.date_envoi BETWEEN %(debut)s AND %(fin)s
          AND o.date_envoi <= %(date)s {agent}
        OFFSET 0
    ) envois
    """


def _params(cpas_ids, debut, fin, date, agent_id=None, phases=None):
    return {
        "cpas": list(cpas_ids),
        "debut": debut,
        "fin": fin,
        "date": date,
        "agent": agent_id,
        "phases": list(phases or []),
        "jours": JOURS_DELAI,
        "tz": settings.TIME_ZONE,
        "premier": TYPE_PREMIER_ENTRETIEN,
        "repondues": [str(s) for s in REPONDUES],
    }


def _ligne(cle, phase, row) -> Delai:
    total, atteints, mediane, echus, dans_delai, attente = row
    if mediane is not None:
        mediane = round(float(mediane), 1)
        mediane = int(mediane) if mediane.is_integer() else mediane
    return Delai(
        cle, phase, total, atteints, mediane, echus,
        dans_delai, attente,
    )  # fmt: skip


def delais(cpas_ids, debut, fin, date, *, agent_id=None, phases=None, sans_cellule=True):
    """The delay rows: RIS decision → first ISP interview seen, referral sent → partner's
    answer (both only for the whole CPAS: ``sans_cellule``), and the orientation to each phase
    → first appointment seen in the stay (per phase, then all phases). One query: the three
    sets of cases aggregated side by side (UNION ALL), each row tagged with its set."""
    return lots.executer(
        requetes_delais(
            cpas_ids, debut, fin, date, agent_id=agent_id, phases=phases, sans_cellule=sans_cellule
        )
    )


def requetes_delais(cpas_ids, debut, fin, date, *, agent_id=None, phases=None, sans_cellule=True):
    """``delais`` as a generator of ``cpas_isp.lots``."""
    params = _params(cpas_ids, debut, fin, date, agent_id, phases)
    parties = [
        f"SELECT 'phase', phase, GROUPING(phase), {_AGREGATS} "
        f"FROM ({_cas_phase(agent_id, phases)}) c GROUP BY ROLLUP(phase)"
    ]
    if sans_cellule:
        parties.insert(0, f"SELECT 'ris', NULL, 1, {_AGREGATS} FROM ({_cas_ris(agent_id)}) c")
        parties.append(
            f"SELECT 'orientation', NULL, 1, {_AGREGATS} FROM ({_cas_orientation(agent_id)}) c"
        )
    (rows,) = yield [(" UNION ALL ".join(parties), params)]
    autres = {r[0]: r[3:] for r in rows if r[0] != "phase"}
    lignes = []
    if sans_cellule:
        lignes.append(_ligne("ris", None, autres["ris"]))
    par_phase = {r[1]: r for r in rows if r[0] == "phase" and not r[2]}
    for phase in Phase:
        if phases and phase.value not in phases:
            continue
        row = par_phase.get(phase.value)
        lignes.append(_ligne("phase", phase.value, row[3:] if row else (0, 0, None, 0, 0, 0)))
    totaux = [r for r in rows if r[0] == "phase" and r[2]]
    if not phases or len(phases) > 1:
        lignes.append(_ligne("phase", None, totaux[0][3:] if totaux else (0, 0, None, 0, 0, 0)))
    if sans_cellule:
        lignes.append(_ligne("orientation", None, autres["orientation"]))
    return lignes


def personnes_delai(
    cpas_ids, debut, fin, date, cle, quoi, *, phase=None, agent_id=None, phases=None
):
    """The people behind one number of a delay row (None for an unknown link)."""
    if quoi not in _CONDITIONS:
        return None
    if cle == "ris":
        cas = _cas_ris(agent_id)
    elif cle == "phase":
        if phase is not None:
            phases = [phase] if not phases or phase in phases else []
        cas = _cas_phase(agent_id, phases)
    elif cle == "orientation":
        cas = _cas_orientation(agent_id)
    else:
        return None
    params = _params(cpas_ids, debut, fin, date, agent_id, phases)
    if cle == "phase" and phases == []:
        return Beneficiaire.objects.none()
    ids = [r[0] for r in _executer(f"SELECT beneficiaire_id FROM ({cas}) c "
                                   f"WHERE {_CONDITIONS[quoi]}", params)]  # fmt: skip
    return Beneficiaire.objects.filter(cpas_id__in=list(cpas_ids), pk__in=ids)


# --- No-shows ------------------------------------------------------------------------------


@dataclass
class LigneAbsences:
    """Outcomes recorded for one kind or one origin (or in all: ``type_id`` and ``origine``
    None), counted per person expected."""

    type_id: int | None
    origine: str | None
    libelle: str
    vus: int
    absents: int
    excuses: int

    @property
    def issues(self):
        return self.vus + self.absents + self.excuses

    @property
    def taux_absence(self):
        return pourcent(self.absents, self.issues)

    @property
    def taux_excuse(self):
        return pourcent(self.excuses, self.issues)


@dataclass
class Absences:
    par_type: list = field(default_factory=list)
    par_origine: list = field(default_factory=list)
    total: LigneAbsences | None = None


def _filtre_rdv(agent_id, cellule_id, alias="r"):
    filtres = ""
    if agent_id:
        filtres += f" AND {alias}.agent_id = %(agent)s"
    if cellule_id:
        filtres += f" AND {alias}.cellule_id = %(cellule)s"
    return filtres


_RDV_PERIODE = """
    FROM {participant} p
    JOIN {rdv} r ON r.id = p.rendez_vous_id
    JOIN {type} t ON t.id = r.type_id
    WHERE r.cpas_id = ANY(%(cpas)s)
      AND r.debut >= (%(debut)s::timestamp AT TIME ZONE %(tz)s)
      AND r.debut < ((%(fin)s::date + 1)::timestamp AT TIME ZONE %(tz)s)
      AND p.issue <> '' {filtres}
"""


def absences(cpas_ids, debut, fin, *, agent_id=None, cellule_id=None) -> Absences:
    """Seen / no-show / excused per kind of appointment and per origin (direct, invitation,
    convocation), and in all. One query (GROUPING SETS)."""
    return lots.executer(
        requetes_absences(cpas_ids, debut, fin, agent_id=agent_id, cellule_id=cellule_id)
    )


def mois_entiers(debut, fin) -> bool:
    """Whether [debut, fin] is made of whole calendar months that ``StatistiqueMensuelle``
    counts (the dashboards' and the report's periods; the site in its time zone)."""
    return (
        debut.day == 1
        and (fin + datetime.timedelta(days=1)).day == 1
        and settings.TIME_ZONE == ZONE_STATISTIQUES
    )


def _requete_mois(sql, params, debut, fin) -> tuple:
    """The statement for ``cpas_isp.lots``, not prepared when it reads the monthly counts:
    planned for its values each time. Prepared, PostgreSQL's generic plan (chosen after five
    runs) guessed a few rows for "the months between two parameters" and read the year's
    12,000 count rows one by one through the key's index (13,000 buffers, where the plan for
    the actual months scans the table: 476)."""
    return (sql, params, False) if mois_entiers(debut, fin) else (sql, params)


def requetes_absences(cpas_ids, debut, fin, *, agent_id=None, cellule_id=None):
    """``absences`` as a generator of ``cpas_isp.lots``. Over whole months, the outcomes are
    added up from the monthly counts (``StatistiqueMensuelle``, a few rows per agent and
    month); otherwise counted from the participants."""
    params = _params(cpas_ids, debut, fin, None, agent_id)
    params["cellule"] = cellule_id
    if mois_entiers(debut, fin):
        # Added up per kind and origin first (a few dozen rows), then grouped three ways:
        # the grouping sets over the counts' rows hashed each of them three times.
        sql = f"""
    SELECT GROUPING(t.id), GROUPING(s.origine), t.id, t.libelle_fr, t.libelle_nl, t.ordre,
           s.origine, coalesce(sum(s.vus), 0)::bigint, coalesce(sum(s.absents), 0)::bigint,
           coalesce(sum(s.excuses), 0)::bigint
    FROM (
        SELECT s.type_id, s.origine, sum(s.vus) AS vus, sum(s.absents) AS absents,
               sum(s.excuses) AS excuses
        FROM {T["stat"]} s
        WHERE s.cpas_id = ANY(%(cpas)s) AND s.mois BETWEEN %(debut)s AND %(fin)s
          AND (s.vus <> 0 OR s.absents <> 0 OR s.excuses <> 0)
          {_filtre_rdv(agent_id, cellule_id, "s")}
        GROUP BY s.type_id, s.origine
    ) s
    JOIN {T["type"]} t ON t.id = s.type_id
    GROUP BY GROUPING SETS ((t.id, t.libelle_fr, t.libelle_nl, t.ordre), (s.origine), ())
    """
    else:
        sql = f"""
    SELECT GROUPING(t.id), GROUPING(r.origine), t.id, t.libelle_fr, t.libelle_nl, t.ordre,
           r.origine,
           count(*) FILTER (WHERE p.issue = 'vu'),
           count(*) FILTER (WHERE p.issue = 'absent'),
           count(*) FILTER (WHERE p.issue = 'excuse')
    {_RDV_PERIODE.format(**T, filtres=_filtre_rdv(agent_id, cellule_id))}
    GROUP BY GROUPING SETS ((t.id, t.libelle_fr, t.libelle_nl, t.ordre), (r.origine), ())
    """
    resultat = Absences()
    origines = dict(OrigineRendezVous.choices)
    par_origine = {}
    (rows,) = yield [_requete_mois(sql, params, debut, fin)]
    for g_type, g_origine, type_id, fr, nl, ordre, origine, vus, absents, excuses in rows:
        if g_type and g_origine:
            resultat.total = LigneAbsences(None, None, "", vus, absents, excuses)
        elif not g_type:
            ligne = LigneAbsences(type_id, None, libelle_bilingue(fr, nl), vus, absents, excuses)
            ligne.ordre = (ordre, str(ligne.libelle))
            resultat.par_type.append(ligne)
        else:
            par_origine[origine] = LigneAbsences(
                None, origine, origines.get(origine, origine), vus, absents, excuses
            )
    resultat.par_type.sort(key=lambda ligne: ligne.ordre)
    resultat.par_origine = [
        par_origine.get(o) or LigneAbsences(None, o, origines[o], 0, 0, 0)
        for o in OrigineRendezVous.values
    ]
    resultat.total = resultat.total or LigneAbsences(None, None, "", 0, 0, 0)
    return resultat


def personnes_absences(
    cpas_ids, debut, fin, issue, *, type_id=None, origine=None, agent_id=None, cellule_id=None
):
    """The people with outcome ``issue`` (``vu``, ``absent``, ``excuse``, or ``tous``) in the
    period, for one kind or one origin (or all)."""
    if issue not in {"vu", "absent", "excuse", "tous"}:
        return None
    if origine is not None and origine not in OrigineRendezVous.values:
        return None
    params = _params(cpas_ids, debut, fin, None, agent_id)
    params.update(cellule=cellule_id, issue=issue, type_id=type_id, origine=origine)
    filtres = _filtre_rdv(agent_id, cellule_id)
    if issue != "tous":
        filtres += " AND p.issue = %(issue)s"
    if type_id is not None:
        filtres += " AND r.type_id = %(type_id)s"
    if origine is not None:
        filtres += " AND r.origine = %(origine)s"
    sql = "SELECT DISTINCT p.beneficiaire_id " + _RDV_PERIODE.format(**T, filtres=filtres)
    ids = [r[0] for r in _executer(sql, params)]
    return Beneficiaire.objects.filter(cpas_id__in=list(cpas_ids), pk__in=ids)


# --- The agents' load ----------------------------------------------------------------------


@dataclass
class ChargeAgent:
    agent_id: int
    agent: str
    cellule_id: int | None
    rendez_vous: int  # not cancelled, in the period
    semaines: float  # weeks of the period (up to today)
    a_venir: int  # not cancelled, in the next 14 days
    creneaux_libres: int = 0  # in the next 14 days

    @property
    def par_semaine(self):
        return round(self.rendez_vous / self.semaines, 1) if self.semaines else None


@dataclass
class ChargeCellule:
    cellule_id: int
    cellule: str
    code: str
    creneaux_libres: int
    invitations: int

    @property
    def alerte(self) -> bool:
        return self.creneaux_libres < self.invitations


# The cellule an agenda serves: its own, or its agent's in the CPAS.
_CELLULE_AGENDA = """coalesce(a.cellule_id, (
    SELECT m.cellule_id FROM {membership} m
    WHERE m.user_id = a.agent_id AND m.cpas_id = a.cpas_id AND m.actif
    ORDER BY m.cellule_id NULLS LAST, m.id LIMIT 1))""".format(**T)

# Free slots over the window, set-based: the slots generated from the recurring availability
# (generate_series per day and rule), minus the absences and the appointments that overlap the
# window. Those appointments are fetched once: an agent's through the exclusion constraint's
# GiST index (agent, tstzrange) -- probing each slot against the (agent, debut) b-tree instead
# read the agent's whole past for every slot (a second on 150,000 appointments) -- and those
# booked in a cellule's agenda through (agenda, debut); then one hash anti-join per kind.
# A slot lies within its local day, so an appointment overlapping it either starts that day
# or started an earlier day and ends after it began: the agents' appointments are tested by a
# hash anti-join on (agent, local day of the start), against that day's few appointments
# instead of all the agent's fortnight (105,000 overlap tests for 5,500 slots: 10,000), and
# those ending on a later day than they start (few) again by agent alone.
# The pending invitations per cellule come in the same round trip (``invitation`` true),
# counted per agenda before the agenda's cellule is looked up (once per agenda, not per
# invitation).
SQL_CRENEAUX_LIBRES = f"""
WITH agendas AS MATERIALIZED (
    SELECT a.id AS agenda_id, a.agent_id, {_CELLULE_AGENDA} AS cellule_id
    FROM {T["agenda"]} a
    WHERE a.cpas_id = ANY(%(cpas)s)
),
creneaux AS MATERIALIZED (
    SELECT ag.agenda_id, ag.agent_id, ag.cellule_id, j.jour::date AS jour,
           s.debut, s.debut + make_interval(mins => dp.duree_creneau) AS fin
    FROM {T["dispo"]} dp
    JOIN agendas ag ON ag.agenda_id = dp.agenda_id
    JOIN generate_series(%(premier)s::date, %(dernier)s::date, interval '1 day') j(jour)
      ON extract(isodow FROM j.jour) - 1 = dp.jour
     AND dp.valide_du <= j.jour::date AND (dp.valide_au IS NULL OR dp.valide_au >= j.jour::date)
    CROSS JOIN LATERAL generate_series(
        (j.jour::date + dp.heure_debut) AT TIME ZONE %(tz)s,
        ((j.jour::date + dp.heure_fin) AT TIME ZONE %(tz)s)
            - make_interval(mins => dp.duree_creneau),
        make_interval(mins => dp.duree_creneau)) s(debut)
    WHERE s.debut + make_interval(mins => dp.duree_creneau) > %(maintenant)s
),
fenetre AS MATERIALIZED (
    SELECT min(debut) AS debut, max(fin) AS fin FROM creneaux
),
rdv_agents AS MATERIALIZED (
    SELECT r.agent_id, (r.debut AT TIME ZONE %(tz)s)::date AS jour,
           (r.fin AT TIME ZONE %(tz)s)::date > (r.debut AT TIME ZONE %(tz)s)::date AS long,
           r.debut, r.fin
    FROM {T["rdv"]} r, fenetre f
    WHERE r.agent_id = ANY(ARRAY(SELECT agent_id FROM agendas WHERE agent_id IS NOT NULL))
      AND r.statut NOT IN {ANNULES}
      AND tstzrange(r.debut, r.fin) && tstzrange(f.debut, f.fin)
),
rdv_agents_longs AS MATERIALIZED (
    SELECT r.agent_id, r.debut, r.fin FROM rdv_agents r WHERE r.long
),
rdv_cellules AS MATERIALIZED (
    SELECT r.agenda_id, r.debut, r.fin
    FROM {T["rdv"]} r, fenetre f
    WHERE r.agenda_id = ANY(ARRAY(SELECT agenda_id FROM agendas WHERE agent_id IS NULL))
      AND r.statut NOT IN {ANNULES}
      AND r.debut < f.fin AND r.fin > f.debut
),
absences AS MATERIALIZED (
    SELECT ab.agenda_id, ab.debut, ab.fin
    FROM {T["absence"]} ab, fenetre f
    WHERE ab.agenda_id IN (SELECT agenda_id FROM agendas)
      AND ab.debut < f.fin AND ab.fin > f.debut
)
SELECT false AS invitation, c.agenda_id, c.agent_id, c.cellule_id, count(*)
FROM creneaux c
WHERE NOT EXISTS (SELECT 1 FROM absences ab
                  WHERE ab.agenda_id = c.agenda_id AND ab.debut < c.fin AND ab.fin > c.debut)
  AND NOT EXISTS (SELECT 1 FROM rdv_agents r
                  WHERE r.agent_id = c.agent_id AND r.jour = c.jour
                    AND r.debut < c.fin AND r.fin > c.debut)
  AND NOT EXISTS (SELECT 1 FROM rdv_agents_longs r
                  WHERE r.agent_id = c.agent_id AND r.debut < c.fin AND r.fin > c.debut)
  AND NOT EXISTS (SELECT 1 FROM rdv_cellules r
                  WHERE r.agenda_id = c.agenda_id AND r.debut < c.fin AND r.fin > c.debut)
GROUP BY c.agenda_id, c.agent_id, c.cellule_id
UNION ALL
SELECT true, NULL, NULL, {_CELLULE_AGENDA}, sum(i.n)::bigint
FROM (
    SELECT i.agenda_id, count(*) AS n FROM {T["invitation"]} i
    WHERE i.cpas_id = ANY(%(cpas)s) AND i.statut = %(en_attente)s
      AND i.expire_le > %(maintenant)s
    GROUP BY i.agenda_id
) i JOIN {T["agenda"]} a ON a.id = i.agenda_id
GROUP BY 4
"""

SQL_RDV_AGENTS = f"""
SELECT r.agent_id, u.first_name, u.last_name, u.username,
       (SELECT m.cellule_id FROM {T["membership"]} m
         WHERE m.user_id = r.agent_id AND m.cpas_id = ANY(%(cpas)s) AND m.actif
         ORDER BY m.cellule_id NULLS LAST, m.id LIMIT 1),
       count(*) FILTER (WHERE r.debut >= (%(debut)s::timestamp AT TIME ZONE %(tz)s)
                          AND r.debut < ((%(fin)s::date + 1)::timestamp AT TIME ZONE %(tz)s)),
       count(*) FILTER (WHERE r.debut >= %(maintenant)s AND r.debut < %(horizon)s)
FROM {T["rdv"]} r
JOIN {T["user"]} u ON u.id = r.agent_id
WHERE r.cpas_id = ANY(%(cpas)s) AND r.statut NOT IN {ANNULES}
  AND ((r.debut >= (%(debut)s::timestamp AT TIME ZONE %(tz)s)
        AND r.debut < ((%(fin)s::date + 1)::timestamp AT TIME ZONE %(tz)s))
       OR (r.debut >= %(maintenant)s AND r.debut < %(horizon)s)) {{filtre}}
GROUP BY r.agent_id, u.first_name, u.last_name, u.username
"""

# The same rows over whole months (``mois_entiers``): the period's appointments added up from
# the monthly counts (``StatistiqueMensuelle``: a few rows per agent and month instead of each
# appointment of the period), those of the next 14 days counted (the index on (cpas, debut)),
# each per agent before they meet the users.
SQL_RDV_AGENTS_MOIS = f"""
SELECT a.agent_id, u.first_name, u.last_name, u.username,
       (SELECT m.cellule_id FROM {T["membership"]} m
         WHERE m.user_id = a.agent_id AND m.cpas_id = ANY(%(cpas)s) AND m.actif
         ORDER BY m.cellule_id NULLS LAST, m.id LIMIT 1),
       sum(a.periode)::bigint, sum(a.a_venir)::bigint
FROM (
    SELECT s.agent_id, sum(s.rendez_vous) AS periode, 0 AS a_venir
    FROM {T["stat"]} s
    WHERE s.cpas_id = ANY(%(cpas)s) AND s.mois BETWEEN %(debut)s AND %(fin)s
      AND s.rendez_vous <> 0 {{filtre_s}}
    GROUP BY s.agent_id
    UNION ALL
    SELECT r.agent_id, 0, count(*)
    FROM {T["rdv"]} r
    WHERE r.cpas_id = ANY(%(cpas)s) AND r.statut NOT IN {ANNULES}
      AND r.debut >= %(maintenant)s AND r.debut < %(horizon)s {{filtre}}
    GROUP BY r.agent_id
) a
JOIN {T["user"]} u ON u.id = a.agent_id
GROUP BY a.agent_id, u.first_name, u.last_name, u.username
"""


@dataclass
class Charge:
    agents: list
    cellules: list
    premier: datetime.date
    dernier: datetime.date


def _fenetre(date_debut=None):
    premier = date_debut or timezone.localdate()
    return premier, premier + datetime.timedelta(days=JOURS_CHARGE - 1)


def charge(cpas_ids, debut, fin, *, agent_id=None, cellule_id=None, a_venir=True) -> Charge:
    """Appointments per agent in the period (and per week), and, with ``a_venir``, over the
    next 14 days: appointments, free slots, and per cellule the free slots against the
    pending invitations. Three queries (the cellules' names included), a fourth for the agents
    with free slots and no appointment."""
    return lots.executer(
        requetes_charge(
            cpas_ids, debut, fin, agent_id=agent_id, cellule_id=cellule_id, a_venir=a_venir
        )
    )


# The CPAS's active cellules (one when ``cellule`` is given), as ``Cellule.objects`` orders them.
SQL_CELLULES = f"""
SELECT c.id, c.code, c.nom_fr, c.nom_nl FROM {Cellule._meta.db_table} c
WHERE c.cpas_id = ANY(%(cpas)s) AND c.active {{filtre}}
ORDER BY c.ordre, c.code
"""


def requetes_charge(cpas_ids, debut, fin, *, agent_id=None, cellule_id=None, a_venir=True):
    """``charge`` as a generator of ``cpas_isp.lots``: its statements side by side."""
    maintenant = timezone.now()
    premier, dernier = _fenetre()
    params = _params(cpas_ids, debut, fin, None, agent_id)
    params.update(
        cellule=cellule_id,
        maintenant=maintenant,
        premier=premier,
        dernier=dernier,
        horizon=timezone.make_aware(
            datetime.datetime.combine(dernier + datetime.timedelta(days=1), datetime.time.min)
        ),
        en_attente=StatutInvitation.EN_ATTENTE.value,
    )
    jusqu_a = min(fin, timezone.localdate())
    semaines = max((jusqu_a - debut).days + 1, 0) / 7
    filtre = _filtre_rdv(agent_id, None)
    if mois_entiers(debut, fin):
        sql_agents = SQL_RDV_AGENTS_MOIS.format(
            filtre=filtre, filtre_s=_filtre_rdv(agent_id, None, "s")
        )
    else:
        sql_agents = SQL_RDV_AGENTS.format(filtre=filtre)
    requetes = [_requete_mois(sql_agents, params, debut, fin)]
    if a_venir:
        # The free slots and the pending invitations in one statement (rows tagged by kind).
        requetes.append((SQL_CRENEAUX_LIBRES, params))
        if agent_id is None:
            filtre_cellule = "AND c.id = %(cellule)s" if cellule_id else ""
            requetes.append((SQL_CELLULES.format(filtre=filtre_cellule), params))
    lignes = yield requetes
    agents = []
    for aid, prenom, nom, username, cellule, periode, futurs in lignes[0]:
        if cellule_id and cellule != cellule_id:
            continue
        nom_complet = f"{prenom} {nom}".strip() or username
        agents.append(ChargeAgent(aid, nom_complet, cellule, periode, semaines, futurs))
    if not a_venir:
        agents.sort(key=lambda a: a.agent.lower())
        return Charge(agents, [], premier, dernier)
    libres_agent, libres_cellule, invitations = {}, {}, {}
    for invitation, _agenda, aid, cellule, n in lignes[1]:
        if invitation:
            invitations[cellule] = n
            continue
        if aid is not None:
            libres_agent[aid] = libres_agent.get(aid, 0) + n
        if cellule is not None:
            libres_cellule[cellule] = libres_cellule.get(cellule, 0) + n
    connus = {a.agent_id for a in agents}
    manquants = [
        aid for aid in libres_agent if aid not in connus and (agent_id is None or aid == agent_id)
    ]
    agents += _agents_sans_rendez_vous(manquants, cpas_ids, semaines)
    for a in agents:
        a.creneaux_libres = libres_agent.get(a.agent_id, 0)
    if cellule_id:
        agents = [a for a in agents if a.cellule_id == cellule_id]
    agents.sort(key=lambda a: a.agent.lower())
    cellules = []
    if agent_id is None:
        for pk, code, nom_fr, nom_nl in lignes[2]:
            cellules.append(
                ChargeCellule(
                    pk,
                    libelle_bilingue(nom_fr, nom_nl),
                    code,
                    libres_cellule.get(pk, 0),
                    invitations.get(pk, 0),
                )
            )
    return Charge(agents, cellules, premier, dernier)


def _agents_sans_rendez_vous(ids, cpas_ids, semaines) -> list:
    """Agents with free slots but no appointment (one query for all)."""
    if not ids:
        return []
    vus, lignes = set(), []
    for m in (
        Membership.objects.filter(user_id__in=ids, cpas_id__in=list(cpas_ids), actif=True)
        .select_related("user")
        .order_by("user_id", "cellule_id", "id")
    ):
        if m.user_id in vus:
            continue
        vus.add(m.user_id)
        nom = m.user.get_full_name() or m.user.username
        lignes.append(ChargeAgent(m.user_id, nom, m.cellule_id, 0, semaines, 0))
    return lignes


def personnes_charge_agent(cpas_ids, debut, fin, agent_id, quoi):
    """People with a (not cancelled) appointment with the agent in the period
    (``quoi="periode"``) or in the next 14 days (``"a_venir"``)."""
    qs = RendezVous.objects.filter(cpas_id__in=list(cpas_ids), agent_id=agent_id).exclude(
        statut__in=STATUTS_ANNULES
    )
    if quoi == "periode":
        qs = qs.filter(
            debut__gte=_debut_du_jour(debut),
            debut__lt=_debut_du_jour(fin + datetime.timedelta(days=1)),
        )
    elif quoi == "a_venir":
        premier, dernier = _fenetre()
        qs = qs.filter(
            debut__gte=timezone.now(),
            debut__lt=_debut_du_jour(dernier + datetime.timedelta(days=1)),
        )
    else:
        return None
    return Beneficiaire.objects.filter(
        pk__in=Participant.objects.filter(rendez_vous__in=qs).values("beneficiaire_id")
    )


def personnes_invitations(cpas_ids, cellule_id):
    """People with a pending invitation (still valid) in an agenda of the cellule."""
    pendantes = Invitation.objects.filter(
        cpas_id__in=list(cpas_ids),
        statut=StatutInvitation.EN_ATTENTE,
        expire_le__gt=timezone.now(),
    )
    agents = Membership.objects.filter(
        cpas_id__in=list(cpas_ids), cellule_id=cellule_id, actif=True
    ).values("user_id")
    pendantes = pendantes.filter(Q(agenda__cellule_id=cellule_id) | Q(agenda__agent_id__in=agents))
    return Beneficiaire.objects.filter(pk__in=pendantes.values("beneficiaire_id"))


def _debut_du_jour(date):
    return timezone.make_aware(datetime.datetime.combine(date, datetime.time.min))
