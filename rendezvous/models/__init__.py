"""Models of the agendas (Django finds them all here):

- ``agendas``: places, kinds of appointment, agendas, recurring availability, absences;
- ``rendez_vous``: appointments, participants, status history.
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
from rendezvous.models.rendez_vous import (
    NON_ANNULE,
    STATUTS_A_VENIR,
    STATUTS_ANNULES,
    STATUTS_ISSUE,
    TRANSITIONS,
    ChangementStatut,
    Participant,
    RendezVous,
    RendezVousQuerySet,
    StatutRendezVous,
)

__all__ = [
    "MODE_ETAPE_DU_LIEU",
    "NON_ANNULE",
    "STATUTS_ANNULES",
    "STATUTS_A_VENIR",
    "STATUTS_ISSUE",
    "TRANSITIONS",
    "Absence",
    "Agenda",
    "ChangementStatut",
    "Disponibilite",
    "DisponibiliteQuerySet",
    "JourSemaine",
    "Lieu",
    "Participant",
    "RendezVous",
    "RendezVousQuerySet",
    "StatutRendezVous",
    "TsTzRange",
    "TypeLieu",
    "TypeRendezVous",
]
