"""Read side of the agendas: which agendas a user may open, and the calendar of several agendas
over some days (appointments, absences and the free slots left by the recurring availability),
in a fixed number of queries whatever the number of rows."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import BooleanField, F, Prefetch, Q, Value
from django.db.models.expressions import RawSQL
from django.utils import timezone

from beneficiaires.models import Beneficiaire
from cpas_isp import lots, permissions
from cpas_isp.models import Membership, Role
from cpas_isp.sql_compile import SENTINELLES, SENTINELLES_INSTANTS, RequeteCompilee
from cpas_isp.tenancy import current_membership
from rendezvous.models import (
    STATUTS_A_VENIR,
    Absence,
    Agenda,
    Disponibilite,
    Envoi,
    ParametresRendezVous,
    Participant,
    RendezVous,
    TsTzRange,
)


def agendas_visibles(user):
    """Agendas the user may open: a coordinator every agenda of the CPAS; an agent their own,
    their cellule's and those of the agents of their cellule; nobody else."""
    qs = Agenda.objects.for_user(user).select_related("agent", "cellule")
    if permissions.est_coordinateur(user):
        return qs
    if not permissions.est_agent(user):
        return qs.none()
    membership = current_membership(user)
    condition = Q(agent=user)
    if membership.cellule_id:
        collegues = Membership.objects.filter(
            cpas_id=membership.cpas_id, cellule_id=membership.cellule_id, actif=True
        ).values("user")
        condition |= Q(cellule_id=membership.cellule_id) | Q(agent__in=collegues)
    return qs.filter(condition)


def agenda_de(user, cpas_id) -> Agenda:
    """The user's own agenda in the CPAS (created the first time it is needed)."""
    agenda, _created = Agenda.objects.get_or_create(cpas_id=cpas_id, agent=user)
    return agenda


def agents_de_cellule(cellule):
    """Users working in the cellule (agents and coordinators attached to it)."""
    return [
        m.user
        for m in Membership.objects.filter(
            cellule=cellule, actif=True, role__in=[Role.AGENT, Role.COORDINATEUR]
        )
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user_id")
    ]


def agendas_de_cellule(cellule) -> list[Agenda]:
    """The cellule's shared agenda (created the first time it is needed) and the agendas of
    the users working in it, in their names' order: one query."""
    membres = Membership.objects.filter(
        cellule=cellule, actif=True, role__in=[Role.AGENT, Role.COORDINATEUR]
    ).values("user_id")
    agendas = list(
        Agenda.objects.filter(cpas_id=cellule.cpas_id)
        .filter(Q(cellule=cellule) | Q(agent__in=membres))
        .select_related("agent", "cellule")
        .order_by(
            F("agent__last_name").asc(nulls_first=True), "agent__first_name", "agent_id", "id"
        )
    )
    if not agendas or agendas[0].agent_id is not None:
        commun, _created = Agenda.objects.get_or_create(cpas_id=cellule.cpas_id, cellule=cellule)
        agendas.insert(0, commun)
    return agendas


def semaine_de(date: datetime.date) -> datetime.date:
    """The Monday of the week of ``date``."""
    return date - datetime.timedelta(days=date.weekday())


def _moment(date: datetime.date, heure: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(date, heure))


@dataclass
class Creneau:
    debut: datetime.datetime
    fin: datetime.datetime
    lieu: object = None


@dataclass
class JourAgenda:
    date: datetime.date
    rendez_vous: list = field(default_factory=list)
    absences: list = field(default_factory=list)
    creneaux: list = field(default_factory=list)

    @property
    def elements(self):
        """Appointments, absences and free slots in time order, for the template."""
        items = [("rdv", r.debut, r) for r in self.rendez_vous]
        items += [("absence", a.debut, a) for a in self.absences]
        items += [("libre", c.debut, c) for c in self.creneaux]
        return sorted(items, key=lambda item: (item[1], item[0]))


@dataclass
class Calendrier:
    agenda: Agenda
    jours: list


def _creneaux_libres(regles, jour, occupe, maintenant):
    libres = []
    for regle in regles:
        if regle.jour != jour.weekday() or regle.valide_du > jour:
            continue
        if regle.valide_au is not None and regle.valide_au < jour:
            continue
        pas = datetime.timedelta(minutes=regle.duree_creneau)
        debut, limite = _moment(jour, regle.heure_debut), _moment(jour, regle.heure_fin)
        while debut + pas <= limite:
            fin = debut + pas
            if fin > maintenant and not any(d < fin and f > debut for d, f in occupe):
                libres.append(Creneau(debut, fin, regle.lieu))
            debut = fin
    return libres


def chevauchant(queryset, agents, agendas, debut, fin):
    """The appointments of ``queryset`` overlapping [debut, fin) of the ``agents`` (whatever
    agenda they were booked in) or booked in the ``agendas``.

    The agents' part is written as the exclusion constraint's expression (agent, tstzrange
    overlap) so that PostgreSQL answers it from that GiST index when ``queryset`` leaves out
    the cancelled ones (the index's condition): the (agent, debut) b-tree can only bound
    ``debut < fin`` and reads each agent's whole past."""
    conditions = []
    if agents:
        conditions.append(Q(agent_id__in=list(agents), periode__overlap=(debut, fin)))
    if agendas:
        conditions.append(Q(agenda_id__in=list(agendas), debut__lt=fin, fin__gt=debut))
    if not conditions:
        return queryset.none()
    condition = conditions[0]
    for autre in conditions[1:]:
        condition |= autre
    return queryset.alias(periode=TsTzRange("debut", "fin")).filter(condition)


def rendez_vous_avec_personnes(queryset, user):
    """``queryset`` of appointments with participants and people prefetched; each appointment
    gets ``personnes``: [(person, visible to ``user``)], for templates that show a name only
    to who may see it, and ``presences``: [(participant, visible)] (each one's outcome)."""
    rdvs = list(
        queryset.select_related("type", "lieu", "agent", "cellule").prefetch_related(
            Prefetch(
                "participants",
                queryset=Participant.objects.select_related("beneficiaire").order_by(
                    "beneficiaire__nom", "beneficiaire__prenom"
                ),
            )
        )
    )
    ids = {p.beneficiaire_id for r in rdvs for p in r.participants.all()}
    visibles = set(
        Beneficiaire.objects.visibles_par(user).filter(pk__in=ids).values_list("pk", flat=True)
        if ids
        else ()
    )
    return _marquer_visibles(rdvs, visibles)


def _marquer_visibles(rdvs, visibles):
    """Each appointment's ``presences``, ``personnes`` and ``visible`` from its prefetched
    participants and the ids of the people the user may see."""
    for r in rdvs:
        r.presences = [(p, p.beneficiaire_id in visibles) for p in r.participants.all()]
        r.personnes = [(p.beneficiaire, visible) for p, visible in r.presences]
        r.visible = any(v for _b, v in r.personnes)
    return rdvs


def calendriers(agendas, premier: datetime.date, nb_jours: int, user) -> list[Calendrier]:
    """The calendar of each agenda over ``nb_jours`` days from ``premier``. An agent's agenda
    holds the agent's appointments (whatever agenda they were booked in); a cellule's, those
    booked in it. Free slots are the availability minus appointments and absences."""
    agendas = list(agendas)
    debut = _moment(premier, datetime.time.min)
    fin = _moment(premier + datetime.timedelta(days=nb_jours), datetime.time.min)
    ids = [a.pk for a in agendas]
    agents = [a.agent_id for a in agendas if a.agent_id]
    regles = list(
        Disponibilite.objects.filter(agenda_id__in=ids)
        .valides_entre(premier, premier + datetime.timedelta(days=nb_jours - 1))
        .select_related("lieu")
    )
    absences = list(Absence.objects.filter(agenda_id__in=ids, debut__lt=fin, fin__gt=debut))
    rdvs = rendez_vous_avec_personnes(
        chevauchant(
            RendezVous.objects.non_annules(),
            agents,
            [a.pk for a in agendas if not a.agent_id],
            debut,
            fin,
        ).order_by("debut", "id"),
        user,
    )
    maintenant = timezone.now()
    resultat = []
    for agenda in agendas:
        if agenda.agent_id:
            siens = [r for r in rdvs if r.agent_id == agenda.agent_id]
        else:
            siens = [r for r in rdvs if r.agenda_id == agenda.pk]
        ses_absences = [a for a in absences if a.agenda_id == agenda.pk]
        ses_regles = [r for r in regles if r.agenda_id == agenda.pk]
        jours = []
        for n in range(nb_jours):
            jour = premier + datetime.timedelta(days=n)
            d, f = (
                _moment(jour, datetime.time.min),
                _moment(jour + datetime.timedelta(days=1), datetime.time.min),
            )
            rdv_du_jour = [r for r in siens if r.debut < f and r.fin > d]
            absences_du_jour = [a for a in ses_absences if a.debut < f and a.fin > d]
            occupe = [(r.debut, r.fin) for r in rdv_du_jour]
            occupe += [(a.debut, a.fin) for a in absences_du_jour]
            jours.append(
                JourAgenda(
                    date=jour,
                    rendez_vous=rdv_du_jour,
                    absences=absences_du_jour,
                    creneaux=_creneaux_libres(ses_regles, jour, occupe, maintenant),
                )
            )
        resultat.append(Calendrier(agenda=agenda, jours=jours))
    return resultat


def du_jour(user, date=None):
    """The user's appointments of the day (the home page's card), as
    ``rendez_vous_avec_personnes`` gives them.

    Statements prepared on the connection (``cpas_isp.lots``): the appointments (the agent's
    GiST index), then, when there are some, their participants with their people and which of
    those people the user may see, both by the appointments' ids (one array parameter). Their
    SQL is the ORM's, compiled once per process (the visibility rule's: ``sql_ids_visibles``,
    memoised per user and day), not built again on every home page. The second step's
    statements, by ids, keep the generic plan PostgreSQL caches for a prepared statement; as
    subqueries of the day's overlap (one round trip for the three), they were planned again
    on every home page (~0.6 ms), a day without appointments included."""
    return lots.executer_ensemble([lecture_du_jour(user, date)])[0]


def lecture_du_jour(user, date=None):
    """``du_jour`` as a ``cpas_isp.lots`` generator: its first statement sent with the home
    page's other figures (``cpas_isp.accueil``)."""
    membership = current_membership(user)
    if membership is None:
        return []
    date = date or timezone.localdate()
    debut = _moment(date, datetime.time.min)
    valeurs = (membership.cpas_id, user.pk, debut, debut + datetime.timedelta(days=1))
    if _RENDEZ_VOUS_DU_JOUR._sql(valeurs) is None:  # not compiled: the ORM's querysets
        ids = list(_ids_du_jour(*valeurs))
        if not ids:
            return []
        return rendez_vous_avec_personnes(
            RendezVous.objects.filter(pk__in=ids).order_by("debut", "id"), user
        )
    rdvs = yield from _RENDEZ_VOUS_DU_JOUR.generateur(*valeurs)
    if not rdvs:
        return []
    ids = [r.pk for r in rdvs]
    visibles_sql = _sql_visibles_parmi(user, ids)
    participants, visibles = yield from lots.ensemble(
        [
            _PARTICIPANTS_PARMI.generateur(ids),
            _lignes(visibles_sql) if visibles_sql is not None else lots.valeur([]),
        ]
    )
    return _avec_personnes(rdvs, participants, {pk for (pk,) in visibles})


def _filtre_du_jour(cpas_id, agent_id, debut, fin):
    """``du_jour``'s appointments as the ORM writes them (``for_user``'s CPAS, ``non_annules``,
    the agent, overlapping the day). The overlap is written as the exclusion constraint's
    expression (agent, tstzrange overlap; ``chevauchant``): PostgreSQL answers it from that
    GiST index (its condition, not cancelled, is this query's), a few pages, where the
    (agent, debut) b-tree bounds only ``debut < fin`` and reads the agent's whole past (about
    1,900 pages for an agent with 2.5 years of appointments). Same rows as ``entre``: both
    periods are half-open and not empty (``fin > debut``)."""
    return (
        RendezVous.objects.filter(cpas=cpas_id)
        .non_annules()
        .alias(periode=TsTzRange("debut", "fin"))
        .filter(agent=agent_id, periode__overlap=TsTzRange(Value(debut), Value(fin)))
    )


def _ids_du_jour(cpas_id, agent_id, debut, fin):
    """The ids of ``_filtre_du_jour``."""
    return _filtre_du_jour(cpas_id, agent_id, debut, fin).values_list("pk", flat=True)


# ``rendez_vous_avec_personnes``'s appointments (their participants: ``_PARTICIPANTS_PARMI``) for
# the appointments of ``_filtre_du_jour``, planned for its values on every home page (the
# overlap's values keep PostgreSQL on custom plans; the generic one would read the agent's
# whole past through the (agent, debut) b-tree).
_RENDEZ_VOUS_DU_JOUR = RequeteCompilee(
    lambda *valeurs: (
        _filtre_du_jour(*valeurs)
        .select_related("type", "lieu", "agent", "cellule")
        .order_by("debut", "id")
    ),
    sentinelles=(*SENTINELLES[:2], *SENTINELLES_INSTANTS[:2]),
)
_PARTICIPANT = Participant._meta.db_table
# The participants of the appointments ``ids`` (``= ANY`` of one array parameter: one statement
# text whatever their number), with their people, as ``rendez_vous_avec_personnes`` orders them.
_PARTICIPANTS_PARMI = RequeteCompilee(
    lambda ids: (
        Participant.objects.filter(
            RawSQL(f'"{_PARTICIPANT}"."rendez_vous_id" = ANY(%s)', (ids,), BooleanField())
        )
        .select_related("beneficiaire")
        .order_by("beneficiaire__nom", "beneficiaire__prenom")
    ),
    sentinelles=[[SENTINELLES[0]]],
    # PostgreSQL kept planning it for its values on every home page: 0.9 -> 0.6 ms.
    generique=True,
)


def _sql_visibles_parmi(user, ids):
    """(SQL, parameters) of the ids of the participants of the appointments ``ids`` that
    ``user`` may see (``visibles_par``'s rule, ``sql_ids_visibles``); None when the rule is
    empty."""
    from django.core.exceptions import EmptyResultSet

    from beneficiaires.acces import sql_visible_par_ligne
    from beneficiaires.models.personnes import sql_ids_visibles

    try:
        regle, params_regle = sql_ids_visibles(user)
    except EmptyResultSet:
        return None
    # The rule checked for each of the day's few participants (``sql_visible_par_ligne``: the
    # participant's id goes down into each branch of the rule as an index condition, ~3
    # buffers a person) rather than ``IN (rule)``, planned as a hash of every person the agent
    # may see (~2,100 ids, 1.1 ms, for 4 participants). Same rows: the rule's ids and the
    # participants' are never NULL.
    sql = (
        f'SELECT DISTINCT "p"."beneficiaire_id" FROM "{_PARTICIPANT}" "p" '
        'WHERE "p"."rendez_vous_id" = ANY(%s) AND '
        + sql_visible_par_ligne(f"({regle})", '"p"."beneficiaire_id"')
    )
    return sql, [list(ids), *params_regle]


def _lignes(requete):
    # The visible participants of the day's appointments: PostgreSQL kept planning it for its
    # values on every home page, its generic plan runs as fast (0.7 -> 0.4 ms).
    (lignes,) = yield [(*requete, lots.GENERIQUE)]
    return lignes


def _avec_personnes(rdvs, participants, visibles):
    """``rendez_vous_avec_personnes``'s work on rows read already: each appointment's
    participants (in their query's order) as its prefetched ``participants``, ``presences``,
    ``personnes`` and ``visible``."""
    par_rdv: dict = {}
    for p in participants:
        par_rdv.setdefault(p.rendez_vous_id, []).append(p)
    cache_rdv = Participant._meta.get_field("rendez_vous")
    for r in rdvs:
        siens = par_rdv.get(r.pk, [])
        for p in siens:
            cache_rdv.set_cached_value(p, r)
        qs = r.participants.all()
        qs._result_cache = siens
        qs._prefetch_done = True
        r._prefetched_objects_cache = {"participants": qs}
    return _marquer_visibles(rdvs, visibles)


# The person page's appointments tab: every upcoming one and the last 20 past ones.
NB_PASSES_SECTION = 20


def de_la_personne(beneficiaire, user, nb_passes=NB_PASSES_SECTION):
    """(upcoming, past) appointments of a person, for their page: upcoming are those still
    planned or confirmed that have not ended; past, the last ``nb_passes`` others.

    One query for the section and the timeline of the page (cached on ``beneficiaire``); the
    page is the person's own, so each appointment shows this person only (the other
    participants of a collective session are on the appointment's page)."""
    maintenant = timezone.now()
    a_venir, passes = [], []
    # The tab's own shorter read when the page made it (``lecture_rendez_vous_de_la_personne``).
    rdvs = beneficiaire.__dict__.get("_rendez_vous_section")
    if rdvs is None or nb_passes > NB_PASSES_SECTION:
        rdvs = rendez_vous_de_la_personne(beneficiaire)
    for r in rdvs:
        r.personnes = [(beneficiaire, True)]
        r.visible = True
        if r.fin >= maintenant and r.statut in STATUTS_A_VENIR:
            a_venir.append(r)
        else:
            passes.append(r)
    a_venir.reverse()  # soonest first
    return a_venir, passes[:nb_passes]


# How many of a person's past appointments their page reads for the timeline (the last 50,
# ``hooks.timeline``); the appointments tab reads the last ``NB_PASSES_SECTION`` only.
NB_PASSES_FICHE = 50


def _rendez_vous_de_la_personne(cpas_id, personne):
    return (
        RendezVous.objects.filter(cpas_id=cpas_id, participants__beneficiaire=personne)
        .select_related("type", "lieu", "agent", "cellule")
        .order_by("-debut", "-id")
    )


# What the person page shows of each appointment (its cards, ``cartes.cartes``, and its
# timeline, ``hooks.timeline``): a row of a fifth of the columns (the agent's whole user row,
# the kind's and the place's every column were read and turned into objects, 25 to 70 rows).
CHAMPS_FICHE = (
    "cpas_id",
    "agent_id",
    "type_id",
    "lieu_id",
    "debut",
    "fin",
    "statut",
    "type__libelle_fr",
    "type__libelle_nl",
    "type__collectif",
    "lieu__nom",
    "agent__first_name",
    "agent__last_name",
    "agent__username",
)


def _rendez_vous_de_la_fiche(cpas_id, personne, maintenant, nb_passes=NB_PASSES_FICHE):
    """The person page's appointments of the person: every one not ended at ``maintenant``
    (the upcoming ones are all shown) and the last ``nb_passes`` ended ones (not the person's
    whole history), latest first: one statement, their ids the union of the two (each read
    from the person's participations), the rows then by primary key."""
    siens = RendezVous.objects.filter(cpas_id=cpas_id, participants__beneficiaire=personne)
    en_cours = siens.filter(fin__gte=maintenant).order_by().values("pk")
    termines = siens.filter(fin__lt=maintenant).order_by("-debut", "-id").values("pk")
    return (
        RendezVous.objects.filter(
            cpas_id=cpas_id, pk__in=en_cours.union(termines[:nb_passes], all=True)
        )
        .select_related("type", "lieu", "agent")
        .only(*CHAMPS_FICHE)
        .order_by("-debut", "-id")
    )


# Compiled once (cpas_isp.sql_compile): only the CPAS, the person and the instant change it.
_RENDEZ_VOUS_FICHE = RequeteCompilee(
    _rendez_vous_de_la_fiche, sentinelles=(*SENTINELLES[:2], SENTINELLES_INSTANTS[0])
)
_RENDEZ_VOUS_SECTION = RequeteCompilee(
    lambda cpas_id, personne, maintenant: _rendez_vous_de_la_fiche(
        cpas_id, personne, maintenant, NB_PASSES_SECTION
    ),
    sentinelles=(*SENTINELLES[:2], SENTINELLES_INSTANTS[0]),
)


def lecture_rendez_vous_de_la_personne(beneficiaire, maintenant=None, section_seule=False):
    """A ``cpas_isp.lots`` generator of ``rendez_vous_de_la_personne``'s list (its statement
    sent with the page's others), kept on ``beneficiaire``; ``section_seule``: only what the
    appointments tab shows (``de_la_personne``: the last ``NB_PASSES_SECTION`` past ones)."""
    requete = _RENDEZ_VOUS_SECTION if section_seule else _RENDEZ_VOUS_FICHE
    rdvs = yield from requete.generateur(
        beneficiaire.cpas_id, beneficiaire.pk, maintenant or timezone.now()
    )
    cle = "_rendez_vous_section" if section_seule else "_rendez_vous"
    beneficiaire.__dict__[cle] = rdvs
    return rdvs


def rendez_vous_de_la_personne(beneficiaire) -> list:
    """A person's appointments, latest first, fetched once per page: every one not ended yet
    and the last ``NB_PASSES_FICHE`` ended ones (what the section and the timeline show)."""
    cache = beneficiaire.__dict__.get("_rendez_vous")
    if cache is None:
        cache = lots.executer(lecture_rendez_vous_de_la_personne(beneficiaire))
    return cache


def _envois_de_la_personne(cpas_id, personne, limite=30):
    return (
        Envoi.objects.filter(cpas_id=cpas_id, beneficiaire=personne)
        .select_related("par")
        .order_by("-cree_le", "-id")[:limite]
    )


_ENVOIS = RequeteCompilee(_envois_de_la_personne, nombre=2)


def lecture_envois_de_la_personne(beneficiaire):
    """A ``cpas_isp.lots`` generator of ``envois_de_la_personne``'s list, kept on
    ``beneficiaire``."""
    envois = yield from _ENVOIS.generateur(beneficiaire.cpas_id, beneficiaire.pk)
    beneficiaire.__dict__["_envois"] = envois
    return envois


def envois_de_la_personne(beneficiaire, limite=30) -> list:
    """The messages sent to a person (latest first), for the appointments section of their
    page: one query (none when the page read them already: ``lecture_envois_de_la_personne``)."""
    if limite != 30:
        return list(_envois_de_la_personne(beneficiaire.cpas_id, beneficiaire, limite))
    cache = beneficiaire.__dict__.get("_envois")
    if cache is None:
        cache = lots.executer(lecture_envois_de_la_personne(beneficiaire))
    return cache


# A CPAS that has not set its channels yet: every channel (reminders use e-mail and SMS).
CANAUX_PAR_DEFAUT = ["lettre", "email", "sms"]


def parametres_du_cpas(cpas_id) -> ParametresRendezVous:
    """The CPAS's appointment settings, created with the defaults on first use."""
    return ParametresRendezVous.objects.get_or_create(
        cpas_id=cpas_id, defaults={"canaux": list(CANAUX_PAR_DEFAUT)}
    )[0]


# --- Free slots offered to a person (invitation, convocation) ---------------------------------

# How far ahead the booking page and the convocation form offer slots.
HORIZON_CRENEAUX = datetime.timedelta(days=28)


def _periodes_occupees(agenda, debut, fin):
    """(occupied periods of the agenda, {agent id: occupied periods} for a cellule's agenda)."""
    absences = list(
        Absence.objects.filter(agenda=agenda, debut__lt=fin, fin__gt=debut).values_list(
            "debut", "fin"
        )
    )
    if agenda.agent_id:
        rdvs = (
            RendezVous.objects.non_annules()
            .filter(Q(agent_id=agenda.agent_id) | Q(agenda=agenda))
            .entre(debut, fin)
            .values_list("debut", "fin")
        )
        return absences + list(rdvs), None
    pris = list(
        RendezVous.objects.non_annules()
        .filter(agenda=agenda)
        .entre(debut, fin)
        .values_list("debut", "fin")
    )
    agents = {u.pk: [] for u in agents_de_cellule(agenda.cellule)}
    for agent_id, d, f in (
        RendezVous.objects.non_annules()
        .filter(agent_id__in=list(agents))
        .entre(debut, fin)
        .values_list("agent_id", "debut", "fin")
    ):
        agents[agent_id].append((d, f))
    for agent_id, d, f in Absence.objects.filter(
        agenda__agent_id__in=list(agents),
        agenda__cpas_id=agenda.cpas_id,
        debut__lt=fin,
        fin__gt=debut,
    ).values_list("agenda__agent_id", "debut", "fin"):
        agents[agent_id].append((d, f))
    return absences + pris, agents


def _libre(periodes, debut, fin) -> bool:
    return not any(d < fin and f > debut for d, f in periodes)


@dataclass
class CreneauPropose:
    debut: datetime.datetime
    fin: datetime.datetime
    lieu: object = None
    agents: list = field(default_factory=list)  # free agents (a cellule's agenda)

    @property
    def valeur(self) -> str:
        """The slot as posted by a form (its start, ISO, in UTC)."""
        return self.debut.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M")


def creneaux_pour(agenda, duree: int, apres=None, horizon=HORIZON_CRENEAUX) -> list:
    """The free slots of ``agenda`` long enough for an appointment of ``duree`` minutes,
    starting after ``apres`` (now by default) and within ``horizon``: the recurring
    availability, stepped by its slot length, minus the agenda's absences and appointments
    (for an agent's agenda, all the agent's appointments; for a cellule's, those booked in it,
    and at least one agent of the cellule must be free)."""
    apres = apres or timezone.now()
    premier = timezone.localtime(apres).date()
    dernier = timezone.localtime(apres + horizon).date()
    debut_periode = _moment(premier, datetime.time.min)
    fin_periode = _moment(dernier + datetime.timedelta(days=1), datetime.time.min)
    regles = list(
        Disponibilite.objects.filter(agenda=agenda)
        .valides_entre(premier, dernier)
        .select_related("lieu")
        .order_by("jour", "heure_debut", "id")
    )
    if not regles:
        return []
    occupe, agents = _periodes_occupees(agenda, debut_periode, fin_periode)
    longueur = datetime.timedelta(minutes=duree)
    vus, resultat = set(), []
    jour = premier
    while jour <= dernier:
        for regle in regles:
            if regle.jour != jour.weekday() or regle.valide_du > jour:
                continue
            if regle.valide_au is not None and regle.valide_au < jour:
                continue
            pas = datetime.timedelta(minutes=regle.duree_creneau)
            debut, limite = _moment(jour, regle.heure_debut), _moment(jour, regle.heure_fin)
            while debut + longueur <= limite:
                fin = debut + longueur
                if debut > apres and debut not in vus and _libre(occupe, debut, fin):
                    libres = (
                        [a for a, p in agents.items() if _libre(p, debut, fin)]
                        if agents is not None
                        else [agenda.agent_id]
                    )
                    if libres:
                        vus.add(debut)
                        resultat.append(CreneauPropose(debut, fin, regle.lieu, libres))
                debut += pas
        jour += datetime.timedelta(days=1)
    resultat.sort(key=lambda c: c.debut)
    return resultat


def _invitations_en_cours(cpas_id, personne, maintenant):
    from rendezvous.models import Invitation, StatutInvitation

    return (
        Invitation.objects.filter(cpas_id=cpas_id, beneficiaire=personne)
        .filter(
            Q(statut=StatutInvitation.EN_ATTENTE)
            | Q(
                statut=StatutInvitation.RESERVEE,
                rendez_vous__fin__gte=maintenant,
                rendez_vous__statut__in=STATUTS_A_VENIR,
            )
        )
        .select_related("type", "agenda__agent", "agenda__cellule", "rendez_vous")
        .order_by("-cree_le", "-id")
    )


_INVITATIONS_EN_COURS = RequeteCompilee(
    _invitations_en_cours, sentinelles=(*SENTINELLES[:2], SENTINELLES_INSTANTS[0])
)


def lecture_invitations_en_cours(beneficiaire, maintenant=None):
    """A ``cpas_isp.lots`` generator of ``invitations_en_cours``'s list, kept on
    ``beneficiaire``."""
    invitations = yield from _INVITATIONS_EN_COURS.generateur(
        beneficiaire.cpas_id, beneficiaire.pk, maintenant or timezone.now()
    )
    beneficiaire.__dict__["_invitations_en_cours"] = invitations
    return invitations


def invitations_en_cours(beneficiaire) -> list:
    """A person's pending invitations and those whose appointment (booked or convened) is still
    to come, for their page (read once per person object)."""
    cache = beneficiaire.__dict__.get("_invitations_en_cours")
    if cache is None:
        cache = lots.executer(lecture_invitations_en_cours(beneficiaire))
    return cache
