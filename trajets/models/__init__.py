"""The trajectory's data and invariants, by sub-domain:

- ``phases``: the five phases, exit reasons and the stays (passages) of a person in them;
- ``journal``: the steps of a person's trajectory and their reference list of types;
- ``piis``: PIIS, their objectives, third parties' commitments and evaluations;
- ``article60``: article 60 contracts, the rules of their length and the pools of posts.

Every model is imported here (Django looks for them in ``trajets.models``); code inside the
project imports from the submodule where a name lives."""

from trajets.models.article60 import (
    ContratArticle60,
    ContratArticle60QuerySet,
    PoolArticle60,
    RegimeTravail,
    RegleDureeArticle60,
)
from trajets.models.journal import (
    Etape,
    EtapeQuerySet,
    ModeEtape,
    ParametresJournal,
    TypeEtape,
)
from trajets.models.phases import (
    CELLULE_DE_PHASE,
    ClasseSortie,
    MotifSortie,
    PassagePhase,
    PassagePhaseQuerySet,
    Phase,
)
from trajets.models.piis import (
    CHAMPS_CONTENU_PIIS,
    MESSAGE_PIIS_FIGE,
    MOIS_ENTRE_EVALUATIONS,
    STATUTS_CLOTURES,
    STATUTS_FIGES,
    STATUTS_MODIFIABLES,
    AppreciationObjectif,
    DomaineAction,
    EngagementTiers,
    EvaluationPiis,
    EvaluationQuerySet,
    ModeEvaluation,
    ObjectifPiis,
    Piis,
    PiisQuerySet,
    PolitiqueEvaluation,
    StatutPiis,
    TypePiis,
)

__all__ = [
    "CELLULE_DE_PHASE",
    "CHAMPS_CONTENU_PIIS",
    "MESSAGE_PIIS_FIGE",
    "MOIS_ENTRE_EVALUATIONS",
    "STATUTS_CLOTURES",
    "STATUTS_FIGES",
    "STATUTS_MODIFIABLES",
    "AppreciationObjectif",
    "ClasseSortie",
    "ContratArticle60",
    "ContratArticle60QuerySet",
    "DomaineAction",
    "EngagementTiers",
    "Etape",
    "EtapeQuerySet",
    "EvaluationPiis",
    "EvaluationQuerySet",
    "ModeEtape",
    "ModeEvaluation",
    "MotifSortie",
    "ObjectifPiis",
    "PassagePhase",
    "PassagePhaseQuerySet",
    "Phase",
    "Piis",
    "PiisQuerySet",
    "PoolArticle60",
    "PolitiqueEvaluation",
    "RegimeTravail",
    "RegleDureeArticle60",
    "StatutPiis",
    "ParametresJournal",
    "TypeEtape",
    "TypePiis",
]
