"""Demo conventions: one shared by three neighbouring CPAS (split pro rata to inhabitants)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from cpas_isp.models import Cpas, Role

from ..models import (
    Convention,
    Financement,
    NotePartenaire,
    PartieCpas,
)
from .donnees import CPAS_VOISINS


def creer_conventions(ctx, partenaires):
    today = ctx.aujourd_hui
    par_code = {c.code: c for c in ctx.cpas}
    ciney = par_code.get("ciney")
    if ciney is not None:
        voisins = [
            Cpas.objects.get_or_create(
                code=code, defaults={"nom": nom, "commune": commune, "habitants": habitants}
            )[0]
            for code, nom, commune, habitants in CPAS_VOISINS
        ]
        conv = Convention.objects.create(
            cpas=ciney,
            titre="Préformation intercommunale « Cap Condroz »",
            objet=(
                "Préformation commune de 12 stagiaires des trois CPAS vers les formations "
                "qualifiantes (horeca, bâtiment), avec un·e assistant·e social·e à 3/5 temps "
                "pour la coordination."
            ),
            debut=today - datetime.timedelta(days=300),
            fin=today + datetime.timedelta(days=65),
            places=12,
            budget_total=Decimal("47775.00"),
            regle_repartition="prorata_habitants",
            cree_par=ctx.comptes.get(("ciney", Role.COORDINATEUR)),
        )
        conv.partenaires.add(partenaires["CISP Le Trusquin"], partenaires["Lire et Écrire Namur"])
        PartieCpas.objects.bulk_create(
            [PartieCpas(convention=conv, cpas=c, habitants=c.habitants) for c in [ciney, *voisins]]
        )
        Financement.objects.create(
            convention=conv,
            source="federal",
            libelle="SPP Intégration sociale — appel à projets",
            montant=Decimal("10000.00"),
        )
    anderlecht = par_code.get("anderlecht")
    if anderlecht is not None:
        conv = Convention.objects.create(
            cpas=anderlecht,
            titre="Apprentis en article 60 — AFT Le Goujon",
            objet=(
                "Les apprenti·es de dernière année sont engagé·es sous article 60 et dispensé·es "
                "de travail pendant les heures de cours ; le minerval est partagé à parts "
                "égales entre le CPAS et le centre de formation."
            ),
            debut=today - datetime.timedelta(days=120),
            fin=today + datetime.timedelta(days=245),
            places=8,
            budget_total=Decimal("36000.00"),
            regle_repartition="montants_fixes",
            minerval=Decimal("245.00"),
            part_minerval_cpas=50,
            cree_par=ctx.comptes.get(("anderlecht", Role.COORDINATEUR)),
        )
        conv.partenaires.add(partenaires["AFT Le Goujon"])
        PartieCpas.objects.create(
            convention=conv,
            cpas=anderlecht,
            habitants=anderlecht.habitants,
            montant_fixe=Decimal("16000.00"),
        )
        Financement.objects.create(
            convention=conv,
            source="regional",
            libelle="Région de Bruxelles-Capitale — subside article 60",
            montant=Decimal("20000.00"),
        )
        NotePartenaire.objects.create(
            cpas=anderlecht,
            partenaire=partenaires["AFT Le Goujon"],
            auteur=ctx.comptes[("anderlecht", Role.COORDINATEUR)],
            texte="Comité d'accompagnement trimestriel : prochain le premier mardi du mois.",
        )
