"""What the trajectory adds to "who follows this person" and to closing a file (registered
through ``beneficiaires.hooks`` from ``trajets.hooks.register``):

- the running stay's cellule and agent, shown beside the referent ("agent de la cellule");
- the reassignment option "also the running stay's agent": the stays running that day get the
  new referent as their agent, so that the cellule's view and the referent do not drift;
- closing the file ends, if chosen, the running stay (with an exit reason) and the signed PIIS
  (with its closing status)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _

from beneficiaires import hooks
from trajets.models.phases import MotifSortie, PassagePhase
from trajets.models.piis import Piis, StatutPiis


def _passage_en_cours(beneficiaire, date):
    return (
        PassagePhase.objects.filter(beneficiaire=beneficiaire)
        .en_cours_le(date)
        .select_related("agent")
        .order_by("-debut")
        .first()
    )


def suivi_cellule(beneficiaire):
    """The running stay (from the stays the person page fetches anyway: no extra query)."""
    from django.utils import timezone

    from trajets import sections

    aujourd_hui = timezone.localdate()
    passage = next(
        (
            p
            for p in sections.passages(beneficiaire)
            if p.debut <= aujourd_hui and (p.fin is None or p.fin >= aujourd_hui)
        ),
        None,
    )
    if passage is None:
        return None
    # Each phase is served by one cellule (CELLULE_DE_PHASE), named after it.
    return hooks.SuiviCellule(
        phase=passage.get_phase_display(),
        cellule=passage.get_phase_display(),
        depuis=passage.debut,
        agent=passage.agent,
    )


def reattribuer_passages(beneficiaire_ids, nouveau, date):
    """The stays running on ``date`` of these people are followed by the new referent."""
    PassagePhase.objects.filter(beneficiaire_id__in=list(beneficiaire_ids)).en_cours_le(
        date
    ).exclude(agent=nouveau).update(agent=nouveau)


def elements_cloture(beneficiaire, date):
    from trajets.services.phases import terminer_trajet
    from trajets.services.piis import STATUTS_DE_CLOTURE, cloturer_piis

    elements = []
    passage = _passage_en_cours(beneficiaire, date)
    if passage is not None and passage.fin is None:

        def terminer_passage(date, user, valeurs, passage=passage):
            terminer_trajet(
                passage, max(date, passage.debut), valeurs["motif_sortie"], valeurs.get("note")
            )

        elements.append(
            hooks.ElementCloture(
                cle="passage",
                libelle=_("Passage en phase « %(phase)s » depuis le %(debut)s")
                % {"phase": passage.get_phase_display(), "debut": f"{passage.debut:%d/%m/%Y}"},
                resume=_("passage %(phase)s") % {"phase": passage.get_phase_display()},
                terminer=terminer_passage,
                champs={
                    "motif_sortie": forms.ModelChoiceField(
                        label=_("Motif de sortie"),
                        queryset=MotifSortie.objects.pour_cpas(beneficiaire.cpas_id).filter(
                            actif=True
                        ),
                    ),
                },
                ordre=20,
            )
        )
    signes = Piis.objects.filter(beneficiaire=beneficiaire, statut=StatutPiis.SIGNE)
    for piis in signes:

        def terminer_piis(date, user, valeurs, piis=piis):
            cloturer_piis(piis, valeurs["statut"], date, user)

        elements.append(
            hooks.ElementCloture(
                cle=f"piis_{piis.pk}",
                libelle=_("PIIS signé le %(date)s")
                % {"date": f"{piis.date_signature:%d/%m/%Y}" if piis.date_signature else "—"},
                resume=_("PIIS"),
                terminer=terminer_piis,
                champs={
                    "statut": forms.ChoiceField(
                        label=_("Clôture du PIIS"),
                        choices=[("", "—")]
                        + [(s, StatutPiis(s).label) for s in STATUTS_DE_CLOTURE],
                    )
                },
                ordre=30,
            )
        )
    return elements


def register():
    hooks.register_suivi_cellule(suivi_cellule)
    hooks.register_reattribution(reattribuer_passages)
    hooks.register_cloture(elements_cloture)
