"""Demo programme: a self-employment programme with its cohort and feedback."""

from __future__ import annotations

import datetime

from beneficiaires.models import Beneficiaire

from ..models import (
    AvisParticipant,
    Participation,
    Programme,
    StatutParticipation,
    Thematique,
)


def creer_programme(ctx, partenaires):
    rng = ctx.rng
    today = ctx.aujourd_hui
    anderlecht = next((c for c in ctx.cpas if c.code == "anderlecht"), None)
    if anderlecht is None:
        return
    debut = today - datetime.timedelta(days=420)
    programme = Programme.objects.create(
        cpas=anderlecht,
        titre="Passerelle autocréation d'emploi",
        thematique=Thematique.objects.get(code="autocreation"),
        description=(
            "Accompagnement personnalisé d'un an au plus pour les personnes porteuses d'un "
            "projet d'activité indépendante, jusqu'à la reprise du projet par une structure "
            "d'accompagnement ou un organisme de microcrédit : motivation, maturité du projet, "
            "statut d'indépendant, bilan, étapes."
        ),
        debut=debut,
        fin=today + datetime.timedelta(days=310),
        objectif_participants=20,
        duree_max_mois=12,
    )
    programme.partenaires.add(partenaires["microStart"], partenaires["JobYourself"])
    personnes = list(
        Beneficiaire.objects.filter(cpas=anderlecht, date_cloture__isnull=True).order_by("-id")[:16]
    )
    # 16 registered: 2 not started, 5 active, 6 completed, 3 dropped out.
    statuts = (
        [StatutParticipation.INSCRIT] * 2
        + [StatutParticipation.ACTIF] * 5
        + [StatutParticipation.TERMINE] * 6
        + [StatutParticipation.ABANDON] * 3
    )
    sorties_terminees = [
        "activite_propre",
        "activite_propre",
        "reprise_structure",
        "emploi",
        "formation",
        "sans_solution",
    ]
    participations = []
    for i, (personne, statut) in enumerate(zip(personnes, statuts, strict=False)):
        inscription = debut + datetime.timedelta(days=rng.randint(0, 300))
        p = Participation(
            cpas=anderlecht,
            programme=programme,
            beneficiaire=personne,
            statut=statut,
            date_inscription=min(inscription, today),
        )
        if statut != StatutParticipation.INSCRIT:
            p.date_debut = min(p.date_inscription + datetime.timedelta(days=14), today)
            if statut == StatutParticipation.ACTIF and i == 3:
                # One participant close to the one-year maximum.
                p.date_debut = today - datetime.timedelta(days=350)
                p.date_inscription = p.date_debut - datetime.timedelta(days=10)
        if statut == StatutParticipation.TERMINE:
            p.resultat = sorties_terminees[i % len(sorties_terminees)]
            p.date_fin = min(p.date_debut + datetime.timedelta(days=rng.randint(120, 330)), today)
        if statut == StatutParticipation.ABANDON:
            p.resultat = rng.choice(["sans_solution", "reorientation"])
            p.date_fin = min(p.date_debut + datetime.timedelta(days=rng.randint(20, 120)), today)
        participations.append(p)
    Participation.objects.bulk_create(participations)
    commentaires = [
        "Les séances collectives m'ont aidée à chiffrer mon projet.",
        "Très bon suivi, j'aurais aimé plus d'informations sur le statut social.",
        "Le passage vers microStart s'est fait naturellement.",
        "Rythme un peu rapide au début.",
    ]
    AvisParticipant.objects.bulk_create(
        [
            AvisParticipant(
                cpas=anderlecht,
                participation=p,
                date=p.date_fin,
                score=rng.choice([3, 4, 4, 5, 5]),
                commentaire=rng.choice(commentaires),
            )
            for p in participations
            if p.statut == StatutParticipation.TERMINE
        ]
    )
