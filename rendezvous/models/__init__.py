"""Models of the agendas (Django finds them all here):

- ``agendas``: places, kinds of appointment, agendas, recurring availability, absences;
- ``rendez_vous``: appointments, participants, status history;
- ``invitations``: invitations and convocations, the CPAS's settings and channels, messages sent.
"""

from rendezvous.models.agendas import (
    MODE_ETAPE_DU_LIEU,
    Absence,
    Agenda,
    Disponibilite,
    DisponibiliteQuerySet,
    JourSemaine,
    Lieu,
    TsTzRange,
    TypeLieu,
    TypeRendezVous,
)
from rendezvous.models.invitations import (
    Canal,
    CanauxDuType,
    Envoi,
    Invitation,
    InvitationQuerySet,
    ModeInvitation,
    NatureEnvoi,
    ParametresRendezVous,
    StatutEnvoi,
    StatutInvitation,
)
from rendezvous.models.rendez_vous import (
    NON_ANNULE,
    STATUTS_A_VENIR,
    STATUTS_ANNULES,
    STATUTS_ISSUE,
    TRANSITIONS,
    ZONE_STATISTIQUES,
    ChangementStatut,
    OrigineRendezVous,
    Participant,
    RendezVous,
    RendezVousQuerySet,
    StatistiqueMensuelle,
    StatutRendezVous,
    recalculer_statistiques,
)

__all__ = [
    "recalculer_statistiques",
    "StatistiqueMensuelle",
    "ZONE_STATISTIQUES",
    "MODE_ETAPE_DU_LIEU",
    "NON_ANNULE",
    "STATUTS_ANNULES",
    "STATUTS_A_VENIR",
    "STATUTS_ISSUE",
    "TRANSITIONS",
    "Absence",
    "Agenda",
    "Canal",
    "CanauxDuType",
    "ChangementStatut",
    "Disponibilite",
    "DisponibiliteQuerySet",
    "Envoi",
    "Invitation",
    "InvitationQuerySet",
    "JourSemaine",
    "Lieu",
    "ModeInvitation",
    "NatureEnvoi",
    "OrigineRendezVous",
    "ParametresRendezVous",
    "Participant",
    "RendezVous",
    "RendezVousQuerySet",
    "StatutEnvoi",
    "StatutInvitation",
    "StatutRendezVous",
    "TsTzRange",
    "TypeLieu",
    "TypeRendezVous",
]
