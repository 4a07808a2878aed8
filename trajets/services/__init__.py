"""Write operations of the trajectory that touch several rows, each in one transaction, by
sub-domain:

- ``phases``: orienting a person, ending a trajectory, correcting a stay (steps follow);
- ``journal``: single and collective steps, corrections, next actions done;
- ``piis``: the PIIS transition table, the optimistic lock and the PIIS writes;
- ``evaluations``: planning and recording PIIS evaluations, the yearly legal minimum;
- ``article60``: contracts, the pool of posts and its warnings.

Errors the user can fix are raised as ``django.core.exceptions.ValidationError`` with a message
in the user's language; database constraints stay the last line of defence (their violations
become their own message through ``cpas_isp.contraintes``). The public names are re-exported
here for other apps; code inside trajets imports from the submodules."""

from trajets.services.article60 import (
    alertes_pool,
    enregistrer_pool,
    fin_prevue_proposee,
    ouvrir_contrat,
    terminer_contrat,
)
from trajets.services.evaluations import (
    ajouter_evaluation,
    conformite_evaluations,
    enregistrer_evaluation,
    planifier_evaluations,
)
from trajets.services.journal import (
    derniers_choix,
    marquer_action_faite,
    modifier_etape,
    noter_etape,
    noter_seance_collective,
    type_par_defaut,
)
from trajets.services.phases import (
    MOTIF_REORIENTATION,
    enregistrer_passage,
    orienter,
    passage_en_cours,
    relier_etapes,
    terminer_trajet,
)
from trajets.services.piis import (
    CHAMPS_VERSIONNES,
    TRANSITIONS,
    ConflitVersion,
    TransitionInvalide,
    cloturer_piis,
    creer_avenant,
    enregistrer_piis,
    proposer_piis,
    signer_piis,
    transitions_possibles,
)

__all__ = [
    "CHAMPS_VERSIONNES",
    "MOTIF_REORIENTATION",
    "TRANSITIONS",
    "ConflitVersion",
    "TransitionInvalide",
    "ajouter_evaluation",
    "alertes_pool",
    "cloturer_piis",
    "conformite_evaluations",
    "creer_avenant",
    "derniers_choix",
    "type_par_defaut",
    "enregistrer_evaluation",
    "enregistrer_passage",
    "enregistrer_piis",
    "enregistrer_pool",
    "fin_prevue_proposee",
    "marquer_action_faite",
    "modifier_etape",
    "noter_etape",
    "noter_seance_collective",
    "ouvrir_contrat",
    "orienter",
    "passage_en_cours",
    "planifier_evaluations",
    "proposer_piis",
    "relier_etapes",
    "signer_piis",
    "terminer_contrat",
    "terminer_trajet",
    "transitions_possibles",
]
