"""Closing a person's file ends their open referrals, if chosen (registered through
``beneficiaires.hooks.register_cloture`` from ``partenaires.integration.register``): those not
yet answered are cancelled; those accepted or in progress end with the result chosen."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from beneficiaires import hooks

from .models import Orientation, ResultatOrientation, StatutOrientation

S = StatutOrientation
SANS_REPONSE = (S.PROPOSEE, S.ENVOYEE)
EN_COURS = (S.ACCEPTEE, S.EN_COURS)


def elements_cloture(beneficiaire, date):
    from .services.orientations import STATUTS_OUVERTS

    ouvertes = list(
        Orientation.objects.filter(beneficiaire=beneficiaire, statut__in=STATUTS_OUVERTS)
    )
    if not ouvertes:
        return []
    suivies = [o for o in ouvertes if o.statut in EN_COURS]

    def terminer(date, user, valeurs, ouvertes=ouvertes):
        from .services.orientations import transition

        commentaire = _("Dossier clôturé au CPAS")
        for o in ouvertes:
            if o.statut in SANS_REPONSE:
                transition(o, S.ANNULEE, par=user, commentaire=commentaire)
            else:
                transition(
                    o,
                    S.TERMINEE,
                    par=user,
                    commentaire=commentaire,
                    resultat=valeurs.get("resultat") or "",
                    date=max(date, o.date_debut or date),
                )

    champs = {}
    if suivies:
        champs["resultat"] = forms.ChoiceField(
            label=_("Résultat des orientations acceptées ou en cours"),
            choices=[("", "—")]
            + [
                (r.value, r.label)
                for r in ResultatOrientation
                if r != ResultatOrientation.QUALIFICATION
            ],
        )
    return [
        hooks.ElementCloture(
            cle="orientations",
            libelle=ngettext(
                "%(n)s orientation ouverte (les non répondues sont annulées)",
                "%(n)s orientations ouvertes (les non répondues sont annulées)",
                len(ouvertes),
            )
            % {"n": len(ouvertes)},
            resume=_("orientations"),
            terminer=terminer,
            champs=champs,
            ordre=40,
        )
    ]
