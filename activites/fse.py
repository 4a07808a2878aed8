"""ESF+ computations (Regulation (EU) 2021/1057, Annex I common indicators): who is a
participant of a project, their hours, entry and exit dates, what the file proposes at entry,
the aggregated indicators table by gender and what is still missing.

Definitions (documented for the managing authority's file in README.md, "Export FSE+"):

- a project is the set of activities sharing a ``numero_projet_fse``;
- a participant is a person with an enrolment in one of them that is not on the waiting list,
  and not withdrawn before attending any session (present or late);
- entry date: their first enrolment date in the project; exit date: the last end or
  withdrawal date, once no enrolment of the project is running (``None`` while one is);
- hours: the hours of every attendance mark in the project's activities;
- the period selects participants by entry date; the table counts those whose entry data was
  confirmed (``ParticipantFse``), the others are counted apart ("sans données d'entrée");
- results at exit count when recorded (``sortie_notee_le``), six months likewise.

Everything takes ``personnes``, a queryset of the people whose data may be read (one CPAS;
``perimetre``): each CPAS reads only its own participants, even in a shared project."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from activites.models import (
    CHAMPS_RESULTATS,
    SITUATIONS_SENSIBLES,
    Activite,
    Declaration,
    Inscription,
    NiveauIsced,
    ParticipantFse,
    Presence,
    StatutEmploiFse,
    StatutInscription,
    StatutPresence,
    TrancheAge,
)
from beneficiaires.models import Beneficiaire, NiveauEtudes
from beneficiaires.niss import analyser_niss
from cpas_isp import lots
from cpas_isp import permissions as p
from trajets.models import PassagePhase, Phase

SEMAINES_SORTIE = 4
MOIS_SUIVI = 6
GENRES = ("F", "M", "X")  # X: other or unknown (the person's file)

# The file's highest education level -> ISCED 2011 band.
ISCED_DU_NIVEAU = {
    NiveauEtudes.AUCUN: NiveauIsced.ISCED_0_2,
    NiveauEtudes.CEB: NiveauIsced.ISCED_0_2,
    NiveauEtudes.CE1D: NiveauIsced.ISCED_0_2,
    NiveauEtudes.CESS: NiveauIsced.ISCED_3_4,
    NiveauEtudes.BACHELIER: NiveauIsced.ISCED_5_8,
    NiveauEtudes.MASTER: NiveauIsced.ISCED_5_8,
}
NATIONALITES_BELGES = {"belge", "belgique", "belg", "belgie", "belgië", "belgian"}


# --- Who may read what ---------------------------------------------------------------------


def perimetre(user):
    """The people whose ESF+ data ``user`` reads: coordinators and directors the whole CPAS
    (figures; directors never see names: the lists require following files), agents their
    caseload (``visibles_par``)."""
    if p.peut_voir_tous_les_dossiers(user) or p.est_directeur(user):
        return Beneficiaire.objects.for_user(user)
    return Beneficiaire.objects.visibles_par(user)


def projets(user) -> list[str]:
    """The ESF+ project numbers of the activities the user's CPAS organises or takes part in."""
    return list(
        Activite.objects.for_user(user)
        .exclude(numero_projet_fse="")
        .order_by("numero_projet_fse")
        .values_list("numero_projet_fse", flat=True)
        .distinct()
    )


# --- Entry data proposed from the file -----------------------------------------------------


def tranche_age(date_naissance, date) -> str:
    if date_naissance is None:
        return ""
    anniversaire_passe = (date.month, date.day) >= (date_naissance.month, date_naissance.day)
    age = date.year - date_naissance.year - (0 if anniversaire_passe else 1)
    if age < 18:
        return TrancheAge.MOINS_18
    if age < 30:
        return TrancheAge.DE_18_A_29
    if age < 55:
        return TrancheAge.DE_30_A_54
    return TrancheAge.PLUS_55


def naissance(beneficiaire):
    """The birth date of the file, else the one the NISS carries (None when unknown)."""
    if beneficiaire.date_naissance:
        return beneficiaire.date_naissance
    if beneficiaire.niss:
        try:
            return analyser_niss(beneficiaire.niss).date_naissance
        except ValidationError:
            return None
    return None


def propositions(beneficiaire, date_entree) -> dict:
    """Initial values of the entry form from the file: education from the highest level,
    'employed' when an article 60 contract runs at entry, 'not a third-country national' for
    a Belgian. The agent confirms or corrects them with the person."""
    valeurs = {}
    if beneficiaire.niveau_etudes in ISCED_DU_NIVEAU:
        valeurs["niveau_isced"] = ISCED_DU_NIVEAU[beneficiaire.niveau_etudes]
    if (
        PassagePhase.objects.filter(beneficiaire=beneficiaire, phase=Phase.ARTICLE60)
        .en_cours_le(date_entree)
        .exists()
    ):
        valeurs["statut_emploi"] = StatutEmploiFse.EMPLOI
    if (beneficiaire.nationalite or "").strip().lower() in NATIONALITES_BELGES:
        valeurs["pays_tiers"] = Declaration.NON
    return valeurs


# --- Participants of a project -------------------------------------------------------------


@dataclass
class Ligne:
    """One participant of one project (what the export and the table read)."""

    beneficiaire_id: int
    projet: str
    nom: str
    prenom: str
    niss: str | None
    genre: str
    date_naissance: datetime.date | None
    entree: datetime.date
    sortie: datetime.date | None
    heures: Decimal
    donnees: ParticipantFse | None = None

    @property
    def genre_fse(self) -> str:
        return self.genre if self.genre in ("F", "M") else "X"

    @property
    def tranche(self) -> str:
        return self.donnees.tranche_age if self.donnees else ""

    def manque(self, quoi: str, date) -> bool:
        d = self.donnees
        if quoi == "entree":
            return d is None
        if self.sortie is None or self.sortie > date:
            return False
        if quoi == "sortie":
            return d is None or d.sortie_notee_le is None
        if quoi == "six_mois":
            return self.sortie + relativedelta(months=MOIS_SUIVI) <= date and (
                d is None or d.six_mois_note_le is None
            )
        return False


def inscriptions_participantes(personnes, projet=None):
    """The enrolments that make their person a participant (module docstring)."""
    a_suivi = Presence.objects.filter(
        inscription=OuterRef("pk"), statut__in=[StatutPresence.PRESENT, StatutPresence.RETARD]
    )
    qs = Inscription.objects.filter(beneficiaire__in=personnes.values("pk")).exclude(
        activite__numero_projet_fse=""
    )
    if projet is not None:
        qs = qs.filter(activite__numero_projet_fse=projet)
    return qs.exclude(statut=StatutInscription.ATTENTE).exclude(
        Q(statut=StatutInscription.RETIRE) & ~Exists(a_suivi)
    )


def lignes(personnes, projet=None, du=None, au=None) -> list[Ligne]:
    """The participants (one per person and project) entered between ``du`` and ``au``
    (inclusive, both optional), ordered by project and name. Three queries."""
    qs = (
        inscriptions_participantes(personnes, projet)
        .values(
            "beneficiaire_id",
            "activite__numero_projet_fse",
            "beneficiaire__nom",
            "beneficiaire__prenom",
            "beneficiaire__niss",
            "beneficiaire__genre",
            "beneficiaire__date_naissance",
        )
        .annotate(
            entree=Min("date_inscription"),
            en_cours=Count("pk", filter=Q(statut=StatutInscription.INSCRIT), distinct=True),
            sortie=Max(Coalesce("date_fin", "date_retrait")),
        )
        .order_by(
            "activite__numero_projet_fse",
            "beneficiaire__nom",
            "beneficiaire__prenom",
            "beneficiaire_id",
        )
    )
    if du is not None:
        qs = qs.filter(entree__gte=du)
    if au is not None:
        qs = qs.filter(entree__lte=au)
    rangees = list(qs)
    # Hours in a query of their own, grouped on two narrow keys: joining the marks to the
    # query above would sort every mark with the people's names (3× slower on 40,000 marks).
    heures = {
        (h["inscription__beneficiaire_id"], h["inscription__activite__numero_projet_fse"]): h["h"]
        for h in Presence.objects.filter(
            inscription__in=inscriptions_participantes(personnes, projet).values("pk")
        )
        .values("inscription__beneficiaire_id", "inscription__activite__numero_projet_fse")
        .annotate(h=Sum("heures"))
        .order_by()
    }
    donnees_qs = ParticipantFse.objects.filter(beneficiaire__in=personnes.values("pk"))
    if projet is not None:
        donnees_qs = donnees_qs.filter(numero_projet=projet)
    donnees = {(d.beneficiaire_id, d.numero_projet): d for d in donnees_qs}
    return [
        Ligne(
            beneficiaire_id=r["beneficiaire_id"],
            projet=r["activite__numero_projet_fse"],
            nom=r["beneficiaire__nom"],
            prenom=r["beneficiaire__prenom"],
            niss=r["beneficiaire__niss"],
            genre=r["beneficiaire__genre"],
            date_naissance=r["beneficiaire__date_naissance"],
            entree=r["entree"],
            sortie=None if r["en_cours"] else r["sortie"],
            heures=heures.get((r["beneficiaire_id"], r["activite__numero_projet_fse"]))
            or Decimal("0.00"),
            donnees=donnees.get((r["beneficiaire_id"], r["activite__numero_projet_fse"])),
        )
        for r in rangees
    ]


def date_sortie(beneficiaire, projet):
    """The person's exit date from the project (None while an enrolment runs)."""
    for ligne in lignes(Beneficiaire.objects.filter(pk=beneficiaire.pk), projet):
        return ligne.sortie
    return None


def date_entree(beneficiaire, projet):
    for ligne in lignes(Beneficiaire.objects.filter(pk=beneficiaire.pk), projet):
        return ligne.entree
    return None


# --- The Annex I table ---------------------------------------------------------------------


@dataclass
class Indicateur:
    code: str
    libelle: object
    groupe: str  # "entree", "resultat", "controle"
    test: Callable[[Ligne], bool]
    sensible: bool = False


def _d(attr, valeur):
    return lambda ligne: ligne.donnees is not None and getattr(ligne.donnees, attr) == valeur


def _note(date_attr, attr):
    return lambda ligne: (
        ligne.donnees is not None
        and getattr(ligne.donnees, date_attr) is not None
        and getattr(ligne.donnees, attr)
    )


def _indicateurs() -> list[Indicateur]:
    liste = [
        Indicateur("total", _("Participants"), "entree", lambda ligne: ligne.donnees is not None),
        Indicateur(
            "chomeurs",
            _("Chômeurs, y compris de longue durée"),
            "entree",
            lambda ligne: (
                ligne.donnees is not None
                and ligne.donnees.statut_emploi
                in (StatutEmploiFse.CHOMEUR, StatutEmploiFse.CHOMEUR_LONGUE_DUREE)
            ),
        ),
        Indicateur(
            "chomeurs_ld",
            _("Chômeurs de longue durée"),
            "entree",
            _d("statut_emploi", StatutEmploiFse.CHOMEUR_LONGUE_DUREE),
        ),
        Indicateur(
            "inactifs", _("Inactifs"), "entree", _d("statut_emploi", StatutEmploiFse.INACTIF)
        ),
        Indicateur(
            "emploi",
            _("Personnes occupées, y compris indépendants"),
            "entree",
            _d("statut_emploi", StatutEmploiFse.EMPLOI),
        ),
        Indicateur(
            "moins_18", _("Moins de 18 ans"), "entree", _d("tranche_age", TrancheAge.MOINS_18)
        ),
        Indicateur("18_29", _("18 à 29 ans"), "entree", _d("tranche_age", TrancheAge.DE_18_A_29)),
        Indicateur("55_plus", _("55 ans et plus"), "entree", _d("tranche_age", TrancheAge.PLUS_55)),
        Indicateur(
            "isced_0_2",
            _("Niveau CITE 0 à 2"),
            "entree",
            _d("niveau_isced", NiveauIsced.ISCED_0_2),
        ),
        Indicateur(
            "isced_3_4",
            _("Niveau CITE 3 ou 4"),
            "entree",
            _d("niveau_isced", NiveauIsced.ISCED_3_4),
        ),
        Indicateur(
            "isced_5_8",
            _("Niveau CITE 5 à 8"),
            "entree",
            _d("niveau_isced", NiveauIsced.ISCED_5_8),
        ),
    ]
    for champ, libelle in SITUATIONS_SENSIBLES:
        liste.append(
            Indicateur(champ, libelle, "entree", _d(champ, Declaration.OUI), sensible=True)
        )
    liste += [
        Indicateur(
            "sortie_recherche",
            _("En recherche d'emploi à la sortie"),
            "resultat",
            _note("sortie_notee_le", "sortie_recherche_emploi"),
        ),
        Indicateur(
            "sortie_formation",
            _("Suivant un enseignement ou une formation à la sortie"),
            "resultat",
            _note("sortie_notee_le", "sortie_formation"),
        ),
        Indicateur(
            "sortie_qualification",
            _("Ayant obtenu une qualification à la sortie"),
            "resultat",
            _note("sortie_notee_le", "sortie_qualification"),
        ),
        Indicateur(
            "sortie_emploi",
            _("Occupant un emploi, y compris indépendant, à la sortie"),
            "resultat",
            _note("sortie_notee_le", "sortie_emploi"),
        ),
        Indicateur(
            "six_mois_emploi",
            _("Occupant un emploi six mois après la sortie"),
            "resultat",
            _note("six_mois_note_le", "six_mois_emploi"),
        ),
        Indicateur(
            "six_mois_amelioree",
            _("Situation améliorée six mois après la sortie"),
            "resultat",
            _note("six_mois_note_le", "six_mois_situation_amelioree"),
        ),
    ]
    # What the table cannot count: declared refusals, missing entry data and results.
    for champ, libelle in SITUATIONS_SENSIBLES:
        liste.append(
            Indicateur(
                f"{champ}_refus",
                _("%(situation)s : refus de répondre") % {"situation": libelle},
                "controle",
                _d(champ, Declaration.REFUS),
                sensible=True,
            )
        )
    liste += [
        Indicateur(
            "sans_entree",
            _("Participants sans données d'entrée confirmées"),
            "controle",
            lambda ligne: ligne.donnees is None,
        ),
        Indicateur(
            "sortis",
            _("Participants sortis"),
            "controle",
            lambda ligne: ligne.donnees is not None and ligne.sortie is not None,
        ),
        Indicateur(
            "sortie_non_notee",
            _("Sortis sans résultat à la sortie noté"),
            "controle",
            lambda ligne: (
                ligne.sortie is not None
                and (ligne.donnees is None or ligne.donnees.sortie_notee_le is None)
            ),
        ),
    ]
    return liste


def indicateurs() -> list[Indicateur]:
    return _indicateurs()  # rebuilt per call: labels follow the active language


def indicateur(code) -> Indicateur | None:
    return next((i for i in _indicateurs() if i.code == code), None)


@dataclass
class Rangee:
    indicateur: Indicateur
    par_genre: dict = field(default_factory=dict)  # "F"/"M"/"X" -> count
    total: int = 0


def tableau(les_lignes: list[Ligne]) -> list[Rangee]:
    """The Annex I table: one row per indicator, counts by gender and in total."""
    rangees = []
    for ind in _indicateurs():
        rangee = Rangee(ind, {g: 0 for g in GENRES})
        for ligne in les_lignes:
            if ind.test(ligne):
                rangee.par_genre[ligne.genre_fse] += 1
                rangee.total += 1
        rangees.append(rangee)
    return rangees


def filtrer(les_lignes: list[Ligne], code=None, genre=None, manquant=None, date=None):
    """The participants behind one figure (an indicator and gender, or what is missing)."""
    resultat = les_lignes
    if code:
        ind = indicateur(code)
        resultat = [ligne for ligne in resultat if ind is not None and ind.test(ligne)]
    if genre:
        resultat = [ligne for ligne in resultat if ligne.genre_fse == genre]
    if manquant:
        resultat = [ligne for ligne in resultat if ligne.manque(manquant, date)]
    return resultat


@dataclass
class Manquants:
    entree: int = 0
    sortie: int = 0
    six_mois: int = 0

    @property
    def total(self) -> int:
        return self.entree + self.sortie + self.six_mois


# ``Ligne.manque`` counted in SQL over the participants (grouped as ``lignes`` groups them:
# one per person and project, out when no enrolment is running) and their ESF+ data.
SQL_MANQUANTS = """
SELECT count(*) FILTER (WHERE d.id IS NULL),
       count(*) FILTER (WHERE g.en_cours = 0 AND g.sortie <= %s AND d.sortie_notee_le IS NULL),
       count(*) FILTER (WHERE g.en_cours = 0 AND g.sortie <= %s
                        AND g.sortie + make_interval(months => %s) <= %s
                        AND d.six_mois_note_le IS NULL)
FROM ({groupes}) g
LEFT JOIN {donnees} d ON d.beneficiaire_id = g.personne AND d.numero_projet = g.projet
"""


def manquants(personnes, date) -> Manquants:
    """What the agents still have to record, every ESF+ project together (the dashboard):
    the counts of ``Ligne.manque`` over ``lignes(personnes)``, in one query (no names, no
    hours)."""
    return lots.executer(_requetes_manquants(*_groupes_sql(personnes), date))


def _groupes_sql(personnes):
    """SQL and parameters of the participants of ``personnes``, one row per person and project
    (``lignes``' groups): running enrolments and exit date."""
    groupes = (
        inscriptions_participantes(personnes)
        .values(personne=F("beneficiaire_id"), projet=F("activite__numero_projet_fse"))
        .annotate(
            en_cours=Count("pk", filter=Q(statut=StatutInscription.INSCRIT)),
            sortie=Max(Coalesce("date_fin", "date_retrait")),
        )
        .order_by()
    )
    return groupes.query.sql_with_params()


def _requetes_manquants(sql, params, date):
    (rows,) = yield [
        (
            SQL_MANQUANTS.format(groupes=sql, donnees=ParticipantFse._meta.db_table),
            (date, date, MOIS_SUIVI, date, *params),
        )
    ]
    return Manquants(*rows[0])


# ``_groupes_sql`` of a CPAS's people (of one referent's), compiled once per process with these
# stand-ins for the CPAS and the referent, then given the request's: the ORM compiled the
# participants' subqueries on every dashboard (~2 ms).
_CPAS, _REFERENT = -918_273_645_001, -918_273_645_002
_GROUPES_CPAS: dict = {}


def requetes_manquants_cpas(cpas_id, date, *, referent_id=None):
    """``manquants`` of the people of the CPAS ``cpas_id`` (those ``referent_id`` refers when
    given), as a generator of ``cpas_isp.lots``."""
    avec_referent = referent_id is not None

    def personnes(cpas_id, referent_id):
        qs = Beneficiaire.objects.filter(cpas_id=cpas_id)
        return qs.filter(referent_id=referent_id) if avec_referent else qs

    if avec_referent not in _GROUPES_CPAS:
        sql, params = _groupes_sql(personnes(_CPAS, _REFERENT))
        places = sorted(p for p in params if type(p) is int and p in (_CPAS, _REFERENT))
        # (Each stand-in once among the parameters, or compiled on every call.)
        ok = places == sorted([_CPAS, _REFERENT][: 1 + avec_referent])
        _GROUPES_CPAS[avec_referent] = (sql, params) if ok else None
    if _GROUPES_CPAS[avec_referent] is None:
        sql, params = _groupes_sql(personnes(cpas_id, referent_id))
    else:
        sql, params = _GROUPES_CPAS[avec_referent]
        valeurs = {_CPAS: cpas_id, _REFERENT: referent_id}
        params = tuple(valeurs[p] if type(p) is int and p in valeurs else p for p in params)
    return (yield from _requetes_manquants(sql, params, date))


# --- Writes --------------------------------------------------------------------------------


def enregistrer(beneficiaire, projet, valeurs: dict, par, *, sensibles: bool) -> ParticipantFse:
    """Create or update the person's ESF+ data for ``projet`` with ``valeurs`` (the form's
    cleaned data). The declared situations are written only when ``sensibles`` (the user may
    see them); the age band is computed at entry. A result recorded closes its follow-up."""
    from django.db import transaction

    from activites.models import GenreSuiviFse, SuiviFse

    with transaction.atomic():
        donnees = (
            ParticipantFse.objects.select_for_update()
            .filter(beneficiaire=beneficiaire, numero_projet=projet)
            .first()
        )
        if donnees is None:
            entree = date_entree(beneficiaire, projet)
            if entree is None:
                raise ValidationError(_("Cette personne ne participe pas à ce projet FSE+."))
            donnees = ParticipantFse(
                cpas_id=beneficiaire.cpas_id,
                beneficiaire=beneficiaire,
                numero_projet=projet,
                date_entree=entree,
            )
        donnees.tranche_age = tranche_age(naissance(beneficiaire), donnees.date_entree)
        champs = ["statut_emploi", "niveau_isced", *CHAMPS_RESULTATS]
        if sensibles:
            champs += [c for c, _label in SITUATIONS_SENSIBLES]
        for champ in champs:
            if champ in valeurs:
                setattr(donnees, champ, valeurs[champ])
        donnees.confirme_par = par
        donnees.full_clean(exclude=["beneficiaire", "cpas", "confirme_par"])
        donnees.save()
        faits = []
        if donnees.sortie_notee_le:
            faits.append((GenreSuiviFse.SORTIE, donnees.sortie_notee_le))
        if donnees.six_mois_note_le:
            faits.append((GenreSuiviFse.SIX_MOIS, donnees.six_mois_note_le))
        for genre, quand in faits:
            SuiviFse.objects.filter(
                beneficiaire=beneficiaire,
                numero_projet=projet,
                type_suivi=genre,
                fait_le__isnull=True,
            ).update(fait_le=quand)
    return donnees


def creer_suivis(date=None) -> int:
    """The daily task's work: for each participant who left (every CPAS), the follow-ups of
    the result at exit (due 4 weeks after leaving) and six months later, for the person's
    referent (else the agent who enrolled them). Idempotent: one of each per person and
    project (unique constraint), none when the result is already recorded."""
    from django.utils import timezone

    from activites.models import GenreSuiviFse, SuiviFse

    date = date or timezone.localdate()
    sortis = [ligne for ligne in lignes(Beneficiaire.objects.all()) if ligne.sortie is not None]
    sortis = [ligne for ligne in sortis if ligne.sortie <= date]
    if not sortis:
        return 0
    ids = {ligne.beneficiaire_id for ligne in sortis}
    personnes = dict(Beneficiaire.objects.filter(pk__in=ids).values_list("pk", "cpas_id"))
    referents = dict(
        Beneficiaire.objects.filter(pk__in=ids, referent__isnull=False).values_list(
            "pk", "referent_id"
        )
    )
    agents = {}
    for b_id, projet, agent_id in (
        Inscription.objects.filter(beneficiaire_id__in=ids, agent__isnull=False)
        .exclude(activite__numero_projet_fse="")
        .order_by("date_inscription", "id")
        .values_list("beneficiaire_id", "activite__numero_projet_fse", "agent_id")
    ):
        agents[(b_id, projet)] = agent_id
    existants = set(
        SuiviFse.objects.filter(beneficiaire_id__in=ids).values_list(
            "beneficiaire_id", "numero_projet", "type_suivi"
        )
    )
    nouveaux = []
    for ligne in sortis:
        agent_id = referents.get(ligne.beneficiaire_id) or agents.get(
            (ligne.beneficiaire_id, ligne.projet)
        )
        d = ligne.donnees
        for genre, echeance, fait in (
            (
                GenreSuiviFse.SORTIE,
                ligne.sortie + datetime.timedelta(weeks=SEMAINES_SORTIE),
                d is not None and d.sortie_notee_le is not None,
            ),
            (
                GenreSuiviFse.SIX_MOIS,
                ligne.sortie + relativedelta(months=MOIS_SUIVI),
                d is not None and d.six_mois_note_le is not None,
            ),
        ):
            if fait or (ligne.beneficiaire_id, ligne.projet, genre) in existants:
                continue
            nouveaux.append(
                SuiviFse(
                    cpas_id=personnes[ligne.beneficiaire_id],
                    beneficiaire_id=ligne.beneficiaire_id,
                    numero_projet=ligne.projet,
                    type_suivi=genre,
                    date_sortie=ligne.sortie,
                    echeance=echeance,
                    agent_id=agent_id,
                )
            )
    return len(SuiviFse.objects.bulk_create(nouveaux, ignore_conflicts=True))


# --- The participant file (export) ---------------------------------------------------------


def _oui_non(valeur) -> int:
    return 1 if valeur else 0


def _resultat(date_attr, attr):
    """1/0 once the result is recorded, empty before."""

    def valeur(ligne):
        d = ligne.donnees
        if d is None or getattr(d, date_attr) is None:
            return ""
        return _oui_non(getattr(d, attr))

    return valeur


def _donnee(attr):
    return lambda ligne: getattr(ligne.donnees, attr) if ligne.donnees else ""


def colonnes_participants(sensibles: bool) -> list[tuple[object, Callable[[Ligne], object]]]:
    """(column code, value) of the participant file, in the order of README.md's table. Codes,
    not labels, for the indicators; the declared situations only for a user who may see
    them (``sensibles``)."""
    colonnes = [
        ("projet", lambda ligne: ligne.projet),
        ("niss", lambda ligne: ligne.niss or ""),
        ("nom", lambda ligne: ligne.nom),
        ("prenom", lambda ligne: ligne.prenom),
        ("genre", lambda ligne: ligne.genre_fse),
        ("date_naissance", lambda ligne: ligne.date_naissance),
        ("date_entree", lambda ligne: ligne.entree),
        ("date_sortie", lambda ligne: ligne.sortie),
        ("heures", lambda ligne: ligne.heures),
        ("donnees_entree_confirmees", lambda ligne: _oui_non(ligne.donnees)),
        ("age_entree", _donnee("tranche_age")),
        ("statut_emploi", _donnee("statut_emploi")),
        ("cite", _donnee("niveau_isced")),
    ]
    if sensibles:
        colonnes += [(champ, _donnee(champ)) for champ, _label in SITUATIONS_SENSIBLES]
    colonnes += [
        ("sortie_notee_le", _donnee("sortie_notee_le")),
        ("sortie_recherche_emploi", _resultat("sortie_notee_le", "sortie_recherche_emploi")),
        ("sortie_formation", _resultat("sortie_notee_le", "sortie_formation")),
        ("sortie_qualification", _resultat("sortie_notee_le", "sortie_qualification")),
        ("sortie_emploi", _resultat("sortie_notee_le", "sortie_emploi")),
        ("six_mois_note_le", _donnee("six_mois_note_le")),
        ("six_mois_emploi", _resultat("six_mois_note_le", "six_mois_emploi")),
        (
            "six_mois_situation_amelioree",
            _resultat("six_mois_note_le", "six_mois_situation_amelioree"),
        ),
    ]
    return colonnes
