"""Partner organisations and their services (shared by every CPAS), and what each CPAS does with
them. One submodule per sub-domain:

- ``annuaire``: organisations, services, contacts, reference lists, suggestions, private notes
- ``portail``: the partner user's account (which organisation they work for)
- ``orientations``: referrals, their statuses, workflow log, messages and attendance
- ``conventions``: multi-CPAS conventions, their CPAS parties and funding (cost sharing)
- ``programmes``: programmes, their cohorts (participations) and participants' feedback

Every model is imported here (Django and the other apps import ``partenaires.models``)."""

from __future__ import annotations

import pghistory

from .annuaire import (
    ContactPartenaire,
    NotePartenaire,
    Partenaire,
    PartenaireQuerySet,
    Region,
    ServicePartenaire,
    SuggestionPartenaire,
    Thematique,
    TypePartenaire,
)
from .conventions import (
    MONTANT,
    Convention,
    ConventionQuerySet,
    Financement,
    PartieCpas,
    RegleRepartition,
    SourceFinancement,
)
from .orientations import (
    RESULTATS_POSITIFS,
    MessageOrientation,
    Orientation,
    OrientationQuerySet,
    PresenceOrientation,
    ResultatOrientation,
    StatutOrientation,
    TransitionOrientation,
    TypeQualification,
)
from .portail import ComptePartenaire
from .programmes import (
    SORTIES_POSITIVES,
    AvisParticipant,
    Participation,
    Programme,
    ProgrammeQuerySet,
    ResultatSortie,
    StatutParticipation,
)

__all__ = [
    "MONTANT",
    "RESULTATS_POSITIFS",
    "SORTIES_POSITIVES",
    "AvisParticipant",
    "ComptePartenaire",
    "ContactPartenaire",
    "Convention",
    "ConventionQuerySet",
    "Financement",
    "MessageOrientation",
    "NotePartenaire",
    "Orientation",
    "OrientationQuerySet",
    "Partenaire",
    "PartenaireQuerySet",
    "Participation",
    "PartieCpas",
    "PresenceOrientation",
    "Programme",
    "ProgrammeQuerySet",
    "Region",
    "RegleRepartition",
    "ResultatOrientation",
    "ResultatSortie",
    "ServicePartenaire",
    "SourceFinancement",
    "StatutOrientation",
    "StatutParticipation",
    "SuggestionPartenaire",
    "Thematique",
    "TransitionOrientation",
    "TypePartenaire",
    "TypeQualification",
]

# Links added to or removed from a convention or a programme are part of the audit trail too
# (many-to-many rows: insert = added, delete = removed).
for _through, _nom in [
    (Convention.partenaires.through, "ConventionPartenaireEvent"),
    (Programme.partenaires.through, "ProgrammePartenaireEvent"),
    (Programme.cpas_participants.through, "ProgrammeCpasEvent"),
]:
    pghistory.track(
        pghistory.InsertEvent("ajout"),
        pghistory.DeleteEvent("retrait"),
        obj_field=None,
        model_name=_nom,
        app_label="partenaires",
    )(_through)
