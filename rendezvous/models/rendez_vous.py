"""Appointments, their participants (with the copy of the period the database checks for
overlaps) and the history of their status."""

from __future__ import annotations

import datetime

import pgtrigger
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beneficiaires.models import Beneficiaire
from cpas_isp.historique import suivre
from cpas_isp.models import Cellule, TenantModel, TenantQuerySet
from rendezvous.models.agendas import Agenda, Lieu, TsTzRange, TypeRendezVous

# --- Appointments ------------------------------------------------------------------------------


class StatutRendezVous(models.TextChoices):
    PLANIFIE = "planifie", _("Planifié")
    CONFIRME = "confirme", _("Confirmé")
    VU = "vu", _("Vu")
    ABSENT = "absent", _("Absent")
    EXCUSE = "excuse", _("Excusé")
    ANNULE_CPAS = "annule_cpas", _("Annulé par le CPAS")
    ANNULE_PERSONNE = "annule_personne", _("Annulé par la personne")


STATUTS_ANNULES = (StatutRendezVous.ANNULE_CPAS, StatutRendezVous.ANNULE_PERSONNE)
STATUTS_A_VENIR = (StatutRendezVous.PLANIFIE, StatutRendezVous.CONFIRME)
STATUTS_ISSUE = (StatutRendezVous.VU, StatutRendezVous.ABSENT, StatutRendezVous.EXCUSE)
# The changes allowed from each status (an outcome may be corrected; a cancellation is final).
TRANSITIONS = {
    StatutRendezVous.PLANIFIE: {StatutRendezVous.CONFIRME, *STATUTS_ISSUE, *STATUTS_ANNULES},
    StatutRendezVous.CONFIRME: {*STATUTS_ISSUE, *STATUTS_ANNULES},
    StatutRendezVous.VU: {StatutRendezVous.ABSENT, StatutRendezVous.EXCUSE},
    StatutRendezVous.ABSENT: {StatutRendezVous.VU, StatutRendezVous.EXCUSE},
    StatutRendezVous.EXCUSE: {StatutRendezVous.VU, StatutRendezVous.ABSENT},
    StatutRendezVous.ANNULE_CPAS: set(),
    StatutRendezVous.ANNULE_PERSONNE: set(),
}
NON_ANNULE = ~Q(statut__in=STATUTS_ANNULES)


class OrigineRendezVous(models.TextChoices):
    """How the appointment came about (the no-show indicators compare them)."""

    DIRECT = "direct", _("Fixé directement")
    INVITATION = "invitation", _("Réservé sur invitation")
    CONVOCATION = "convocation", _("Convocation")


class RendezVousQuerySet(TenantQuerySet):
    def non_annules(self):
        return self.filter(NON_ANNULE)

    def entre(self, debut: datetime.datetime, fin: datetime.datetime):
        """Appointments overlapping [debut, fin)."""
        return self.filter(debut__lt=fin, fin__gt=debut)

    def visibles_par(self, user):
        """Appointments of the user's CPAS with at least one participant the user may see."""
        visibles = Beneficiaire.objects.visibles_par(user).values("pk")
        return self.for_user(user).filter(
            pk__in=Participant.objects.filter(beneficiaire__in=visibles).values("rendez_vous")
        )


# The participant's copy of its appointment's kind: taken from the appointment when the row is
# written (whatever the writer gave), given again to the participants when the kind changes.
_TYPE_DU_RENDEZ_VOUS = pgtrigger.Trigger(
    name="type_du_rendez_vous",
    when=pgtrigger.Before,
    operation=pgtrigger.Insert | pgtrigger.UpdateOf("rendez_vous_id", "type_id"),
    func="""
        NEW.type_id := (SELECT type_id FROM rendezvous_rendezvous WHERE id = NEW.rendez_vous_id);
        RETURN NEW;""",
)
_TYPE_AUX_PARTICIPANTS = pgtrigger.Trigger(
    name="type_aux_participants",
    when=pgtrigger.After,
    operation=pgtrigger.UpdateOf("type_id"),
    condition=pgtrigger.Q(old__type_id__df=pgtrigger.F("new__type_id")),
    func="""
        UPDATE rendezvous_participant SET type_id = NEW.type_id WHERE rendez_vous_id = NEW.id;
        RETURN NULL;""",
)


# --- Monthly counts: the triggers' SQL ---------------------------------------------------------

#: The time zone whose calendar months ``StatistiqueMensuelle`` counts in (its triggers' and
#: rebuild's ``AT TIME ZONE``). The indicators read the counts only when the site's
#: ``TIME_ZONE`` is this one (otherwise they count the appointments themselves).
ZONE_STATISTIQUES = "Europe/Brussels"
_CLE = "cpas_id, mois, agent_id, cellule_id, type_id, origine"
_MOIS = f"date_trunc('month', {{}}.debut AT TIME ZONE '{ZONE_STATISTIQUES}')::date"
_ANNULES_SQL = "('annule_cpas', 'annule_personne')"


def _deltas_rendez_vous(table: str, signe: int) -> str:
    """What the appointments of a transition table add (``signe`` 1) or take away (-1): each
    counts if not cancelled, with its participants' recorded outcomes (as they are now)."""
    return f"""
        SELECT x.cpas_id, {_MOIS.format("x")} AS mois, x.agent_id, x.cellule_id, x.type_id,
               x.origine, {signe} * (x.statut NOT IN {_ANNULES_SQL})::int AS rendez_vous,
               {signe} * p.vus AS vus, {signe} * p.absents AS absents,
               {signe} * p.excuses AS excuses
        FROM {table} x
        CROSS JOIN LATERAL (
            SELECT count(*) FILTER (WHERE q.issue = 'vu') AS vus,
                   count(*) FILTER (WHERE q.issue = 'absent') AS absents,
                   count(*) FILTER (WHERE q.issue = 'excuse') AS excuses
            FROM rendezvous_participant q WHERE q.rendez_vous_id = x.id
        ) p"""


def _deltas_participants(table: str, signe: int) -> str:
    """What the recorded outcomes of a transition table of participants add or take away,
    counted under their appointment (as it is now; none if it is gone)."""
    return f"""
        SELECT r.cpas_id, {_MOIS.format("r")} AS mois, r.agent_id, r.cellule_id, r.type_id,
               r.origine, 0 AS rendez_vous, {signe} * (x.issue = 'vu')::int AS vus,
               {signe} * (x.issue = 'absent')::int AS absents,
               {signe} * (x.issue = 'excuse')::int AS excuses
        FROM {table} x JOIN rendezvous_rendezvous r ON r.id = x.rendez_vous_id
        WHERE x.issue <> ''"""


def _appliquer(*deltas: str) -> str:
    """The trigger's body: the deltas summed per key (the old and new rows of an update
    cancel out where nothing counted changed) and added to the counts, keys in order."""
    return f"""
        INSERT INTO rendezvous_statistiquemensuelle AS s
            ({_CLE}, rendez_vous, vus, absents, excuses)
        SELECT {_CLE}, sum(rendez_vous), sum(vus), sum(absents), sum(excuses)
        FROM ({" UNION ALL ".join(deltas)}) d
        GROUP BY {_CLE}
        HAVING sum(rendez_vous) <> 0 OR sum(vus) <> 0 OR sum(absents) <> 0 OR sum(excuses) <> 0
        ORDER BY {_CLE}
        ON CONFLICT ON CONSTRAINT statistique_rdv_cle DO UPDATE SET
            rendez_vous = s.rendez_vous + EXCLUDED.rendez_vous,
            vus = s.vus + EXCLUDED.vus,
            absents = s.absents + EXCLUDED.absents,
            excuses = s.excuses + EXCLUDED.excuses;
        RETURN NULL;"""


def _declencheurs(prefixe: str, deltas) -> list:
    """The three statement triggers keeping the counts for one table."""
    options = {"when": pgtrigger.After, "level": pgtrigger.Statement}
    return [
        pgtrigger.Trigger(
            name=f"{prefixe}_insert",
            operation=pgtrigger.Insert,
            referencing=pgtrigger.Referencing(new="nouveau"),
            func=_appliquer(deltas("nouveau", 1)),
            **options,
        ),
        pgtrigger.Trigger(
            name=f"{prefixe}_update",
            operation=pgtrigger.Update,
            referencing=pgtrigger.Referencing(old="ancien", new="nouveau"),
            func=_appliquer(deltas("ancien", -1), deltas("nouveau", 1)),
            **options,
        ),
        pgtrigger.Trigger(
            name=f"{prefixe}_delete",
            operation=pgtrigger.Delete,
            referencing=pgtrigger.Referencing(old="ancien"),
            func=_appliquer(deltas("ancien", -1)),
            **options,
        ),
    ]


#: The counts rebuilt from the appointments (the triggers' sums from scratch).
SQL_RECALCULER = f"""
    DELETE FROM rendezvous_statistiquemensuelle;
    INSERT INTO rendezvous_statistiquemensuelle ({_CLE}, rendez_vous, vus, absents, excuses)
    SELECT r.cpas_id, {_MOIS.format("r")}, r.agent_id, r.cellule_id, r.type_id, r.origine,
           count(*) FILTER (WHERE r.statut NOT IN {_ANNULES_SQL}),
           coalesce(sum(p.vus), 0), coalesce(sum(p.absents), 0), coalesce(sum(p.excuses), 0)
    FROM rendezvous_rendezvous r
    LEFT JOIN (
        SELECT rendez_vous_id, count(*) FILTER (WHERE issue = 'vu') AS vus,
               count(*) FILTER (WHERE issue = 'absent') AS absents,
               count(*) FILTER (WHERE issue = 'excuse') AS excuses
        FROM rendezvous_participant GROUP BY rendez_vous_id
    ) p ON p.rendez_vous_id = r.id
    GROUP BY 1, 2, 3, 4, 5, 6
"""


@suivre()
class RendezVous(TenantModel):
    """An appointment of an agent with one person (or several, for a collective session)."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="rendez_vous",
        verbose_name=_("agent"),
    )
    agenda = models.ForeignKey(
        Agenda,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rendez_vous",
        verbose_name=_("agenda"),
        help_text=_("L'agenda dont le créneau a été pris (celui de l'agent par défaut)."),
    )
    cellule = models.ForeignKey(
        Cellule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cellule"),
    )
    type = models.ForeignKey(
        TypeRendezVous, on_delete=models.PROTECT, related_name="+", verbose_name=_("type")
    )
    debut = models.DateTimeField(_("début"))
    fin = models.DateTimeField(_("fin"))
    lieu = models.ForeignKey(
        Lieu,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lieu"),
    )
    statut = models.CharField(
        _("statut"),
        max_length=16,
        choices=StatutRendezVous.choices,
        default=StatutRendezVous.PLANIFIE,
    )
    note = models.TextField(_("note"), blank=True)
    origine = models.CharField(
        _("origine"),
        max_length=12,
        choices=OrigineRendezVous.choices,
        default=OrigineRendezVous.DIRECT,
        editable=False,
    )
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("créé par"),
        editable=False,
    )
    cree_le = models.DateTimeField(_("créé le"), auto_now_add=True)
    modifie_le = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = RendezVousQuerySet.as_manager()

    class Meta:
        verbose_name = _("rendez-vous")
        verbose_name_plural = _("rendez-vous")
        ordering = ["debut", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fin__gt=F("debut")),
                name="rendezvous_fin_apres_debut",
                violation_error_message=_("Un rendez-vous doit durer au moins une minute."),
                violation_error_code="rendezvous_duree",
            ),
            ExclusionConstraint(
                name="rendezvous_agent_sans_chevauchement",
                expressions=[
                    ("agent", RangeOperators.EQUAL),
                    (TsTzRange("debut", "fin"), RangeOperators.OVERLAPS),
                ],
                condition=NON_ANNULE,
                violation_error_message=_(
                    "Cet agent a déjà un rendez-vous pendant ce créneau : choisissez une autre "
                    "heure ou annulez d'abord l'autre rendez-vous."
                ),
                violation_error_code="rendezvous_agent_occupe",
            ),
        ]
        indexes = [
            models.Index(fields=["agent", "debut"]),
            models.Index(fields=["cpas", "cellule", "debut"]),
            # the CPAS's appointments of the coming days (the agents' load)
            models.Index(fields=["cpas", "debut"], name="rendezvous_cpas_debut_idx"),
            models.Index(fields=["agenda", "debut"]),
        ]
        triggers = [
            *_declencheurs("statistiques_rdv", _deltas_rendez_vous),
            _TYPE_AUX_PARTICIPANTS,
        ]

    def __str__(self):
        return f"{self.debut:%d/%m/%Y %H:%M} {self.type}"

    @property
    def duree(self) -> int:
        return int((self.fin - self.debut).total_seconds() // 60)

    @property
    def annule(self) -> bool:
        return self.statut in STATUTS_ANNULES

    def transitions(self) -> set:
        return TRANSITIONS.get(self.statut, set())

    @property
    def commence(self) -> bool:
        return self.debut <= timezone.now()

    def actions_rapides(self) -> list[tuple[str, str]]:
        """The one-click status buttons: confirm a planned appointment; once it has started,
        its outcome (seen, absent, excused), also to correct a recorded one."""
        voulus = [StatutRendezVous.CONFIRME]
        if self.commence:
            voulus = list(STATUTS_ISSUE)
        permis = self.transitions()
        return [(s.value, s.label) for s in voulus if s in permis]

    def annulations(self) -> list[tuple[str, str]]:
        return [(s.value, s.label) for s in STATUTS_ANNULES if s in self.transitions()]


# Its kind is a copy of the appointment's, whose own history records its changes.
@suivre(exclude=["type"])
class Participant(TenantModel):
    """A person expected at an appointment. Carries a copy of the appointment's period and
    whether it is cancelled (kept in sync by ``rendezvous.services`` in the same
    transaction) so that the database refuses a person two appointments at the same time;
    and of its kind, kept by the database (``_TYPE_DU_RENDEZ_VOUS``) whatever writes them, so
    that a person's first appointment of a kind seen is one probe of the index of the seen
    ones (``rendezvous.indicateurs``)."""

    rendez_vous = models.ForeignKey(
        RendezVous, on_delete=models.CASCADE, related_name="participants"
    )
    beneficiaire = models.ForeignKey(
        Beneficiaire,
        on_delete=models.CASCADE,
        related_name="rendez_vous",
        verbose_name=_("personne"),
    )
    debut = models.DateTimeField(editable=False)
    fin = models.DateTimeField(editable=False)
    annule = models.BooleanField(default=False, editable=False)
    type = models.ForeignKey(
        TypeRendezVous, on_delete=models.PROTECT, editable=False, related_name="+", db_index=False
    )
    # This person's outcome (seen, absent, excused): the appointment's for an individual one;
    # recorded person by person in a collective session. Empty until recorded.
    issue = models.CharField(
        _("issue"),
        max_length=16,
        choices=[(s.value, s.label) for s in STATUTS_ISSUE],
        blank=True,
        default="",
        editable=False,
    )
    # The journal step written when the outcome was recorded (updated if it is corrected).
    etape = models.ForeignKey(
        "trajets.Etape", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(
                fields=["rendez_vous", "beneficiaire"],
                name="participant_une_fois_par_rendezvous",
                violation_error_message=_("Cette personne participe déjà à ce rendez-vous."),
            ),
            models.CheckConstraint(
                condition=Q(fin__gt=F("debut")), name="participant_fin_apres_debut"
            ),
            ExclusionConstraint(
                name="rendezvous_personne_sans_chevauchement",
                expressions=[
                    ("beneficiaire", RangeOperators.EQUAL),
                    (TsTzRange("debut", "fin"), RangeOperators.OVERLAPS),
                ],
                condition=Q(annule=False),
                violation_error_message=_(
                    "Cette personne a déjà un rendez-vous pendant ce créneau."
                ),
                violation_error_code="rendezvous_personne_occupee",
            ),
            models.CheckConstraint(
                condition=Q(issue__in=["", *STATUTS_ISSUE]),
                name="participant_issue_valide",
                violation_error_message=_("Issue inconnue."),
            ),
        ]
        indexes = [
            models.Index(fields=["beneficiaire", "debut"]),
            # A person's appointments seen, in order (the delays to the first one, of a kind):
            # read from the index alone.
            models.Index(
                fields=["beneficiaire", "debut"],
                include=["cpas", "type"],
                condition=Q(issue="vu"),
                name="participant_vus_idx",
            ),
        ]
        triggers = [
            *_declencheurs("statistiques_participant", _deltas_participants),
            _TYPE_DU_RENDEZ_VOUS,
        ]

    def __str__(self):
        return f"{self.beneficiaire} — {self.rendez_vous}"

    def choix_issue(self) -> list[tuple[str, str]]:
        """The one-click outcome buttons of this person in a collective session."""
        return [(s.value, s.label) for s in STATUTS_ISSUE]


# --- Monthly counts (maintained by the database) -----------------------------------------------


class StatistiqueMensuelle(models.Model):
    """Appointments counted per CPAS, calendar month of their start (``ZONE_STATISTIQUES``),
    agent, cellule, kind and origin: those not cancelled, and the participants' recorded
    outcomes. Kept by statement triggers on appointments and participants in the writing
    transaction (``_declencheurs``), so the dashboards' period figures add up a few rows per month
    instead of every appointment of the period, and are exact on every request.
    ``rendezvous_statistiques_recalculer()`` rebuilds it from the appointments (after a load
    with the triggers off)."""

    cpas_id = models.IntegerField()
    mois = models.DateField()
    agent_id = models.BigIntegerField()
    cellule_id = models.BigIntegerField(null=True)
    type_id = models.BigIntegerField()
    origine = models.CharField(max_length=12)
    rendez_vous = models.IntegerField(default=0)  # not cancelled
    vus = models.IntegerField(default=0)
    absents = models.IntegerField(default=0)
    excuses = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cpas_id", "mois", "agent_id", "cellule_id", "type_id", "origine"],
                name="statistique_rdv_cle",
                nulls_distinct=False,
            )
        ]
        indexes = [
            # The dashboard's no-shows and agents' load add up a CPAS's months from the index
            # alone (the key's index holds no counts: its rows were each read in the table).
            models.Index(
                fields=["cpas_id", "mois"],
                include=[
                    "agent_id",
                    "cellule_id",
                    "type_id",
                    "origine",
                    "rendez_vous",
                    "vus",
                    "absents",
                    "excuses",
                ],
                name="statistique_rdv_cpas_mois",
            )
        ]


class ChangementStatut(TenantModel):
    """Who changed an appointment's status, when, from what to what (and why)."""

    rendez_vous = models.ForeignKey(
        RendezVous, on_delete=models.CASCADE, related_name="changements"
    )
    ancien = models.CharField(
        _("ancien statut"), max_length=16, choices=StatutRendezVous.choices, blank=True
    )
    nouveau = models.CharField(_("nouveau statut"), max_length=16, choices=StatutRendezVous.choices)
    par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("par")
    )
    le = models.DateTimeField(_("le"), auto_now_add=True)
    motif = models.CharField(_("motif"), max_length=300, blank=True)
    # Set when the change is one participant's outcome in a collective session.
    beneficiaire = models.ForeignKey(
        Beneficiaire,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("personne"),
    )

    class Meta:
        verbose_name = _("changement de statut")
        verbose_name_plural = _("changements de statut")
        ordering = ["le", "id"]

    def __str__(self):
        return f"{self.le:%d/%m/%Y %H:%M} {self.get_nouveau_display()}"


def recalculer_statistiques() -> None:
    """Rebuilds ``StatistiqueMensuelle`` from the appointments (after rows were written with the
    triggers off, e.g. a benchmark's load)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(SQL_RECALCULER)
