"""Article 60: opening and ending contracts (with the person's Article 60 stay), the pool of
posts and the warnings when a new contract goes over it."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cpas_isp.contraintes import contraintes_en_messages, enregistrer
from trajets import delais, queries
from trajets.models.article60 import ContratArticle60, PoolArticle60, RegleDureeArticle60
from trajets.models.phases import MotifSortie, PassagePhase, Phase
from trajets.services.phases import orienter, passage_en_cours


def fin_prevue_proposee(beneficiaire, debut, heures_semaine=38):
    return delais.fin_prevue_article60(
        debut, beneficiaire.date_naissance, list(RegleDureeArticle60.objects.all()), heures_semaine
    )


@transaction.atomic
def ouvrir_contrat(contrat: ContratArticle60, user, *, motif_sortie=None) -> ContratArticle60:
    """Save a new contract and open the person's Article 60 stay from its start (closing the
    running stay the day before), in one transaction."""
    beneficiaire = contrat.beneficiaire
    proposee = fin_prevue_proposee(beneficiaire, contrat.debut, contrat.heures_semaine)
    if proposee:
        contrat.fin_prevue_calculee = proposee.fin
        contrat.jours_requis = proposee.jours
        if contrat.fin_prevue is None:
            contrat.fin_prevue = proposee.fin
        if contrat.fin_prevue != proposee.fin and not contrat.motif_derogation.strip():
            raise ValidationError(
                _(
                    "La fin prévue diffère de celle calculée par la règle (%(date)s) : "
                    "indiquez le motif."
                )
                % {"date": f"{proposee.fin:%d/%m/%Y}"}
            )
    contrat.cpas_id = beneficiaire.cpas_id
    contrat.cree_par = user
    en_cours = passage_en_cours(beneficiaire, contrat.debut)
    if en_cours and en_cours.phase == Phase.ARTICLE60:
        passage = en_cours
    else:
        ouvert = PassagePhase.objects.filter(beneficiaire=beneficiaire, fin__isnull=True).first()
        if ouvert and ouvert.phase == Phase.ARTICLE60:
            passage = ouvert
        else:
            passage = orienter(
                beneficiaire,
                Phase.ARTICLE60,
                contrat.debut,
                agent=user,
                motif_sortie=motif_sortie,
                motif_entree=_("Contrat article 60 : %(fonction)s")
                % {"fonction": contrat.fonction},
            )
    contrat.passage = passage
    return enregistrer(contrat)


@transaction.atomic
def terminer_contrat(contrat: ContratArticle60, fin: datetime.date, motif: MotifSortie, user):
    """Record the actual end; the Article 60 stay ends the same day with the same reason."""
    contrat.fin_reelle = fin
    contrat.motif_fin = motif
    with contraintes_en_messages():
        contrat.save(update_fields=["fin_reelle", "motif_fin"])
    passage = contrat.passage
    if passage and passage.fin is None and passage.phase == Phase.ARTICLE60:
        passage.fin = fin
        passage.motif_sortie = motif
        passage.save(update_fields=["fin", "motif_sortie"])
    return contrat


def enregistrer_pool(cpas, valable_du, **valeurs) -> PoolArticle60:
    """The pool of posts from ``valable_du``: a pool from the same date is replaced."""
    with contraintes_en_messages():
        pool, _cree = PoolArticle60.objects.update_or_create(
            cpas=cpas, valable_du=valable_du, defaults=valeurs
        )
    return pool


def alertes_pool(contrat: ContratArticle60) -> list[str]:
    """Warnings after a new contract: the pool in force on its start is over-filled (and the
    social economy posts, for a social economy contract)."""
    occ = queries.occupation_le(contrat.cpas_id, contrat.debut)
    if occ["pool"] is None:
        return []
    alertes = []
    if occ["occupes"] > occ["total"]:
        alertes.append(
            _(
                "Attention : le pool de postes article 60 est dépassé (%(occ)s postes "
                "occupés "
                "pour %(total)s disponibles au %(date)s)."
            )
            % {
                "occ": occ["occupes"],
                "total": occ["total"],
                "date": f"{contrat.debut:%d/%m/%Y}",
            }
        )
    if contrat.economie_sociale and occ["occupes_es"] > occ["total_es"]:
        alertes.append(
            _(
                "Attention : les postes en économie sociale sont tous occupés "
                "(%(occ)s pour "
                "%(total)s)."
            )
            % {"occ": occ["occupes_es"], "total": occ["total_es"]}
        )
    return alertes
