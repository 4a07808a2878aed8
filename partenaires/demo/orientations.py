"""Demo referrals in every state, with their workflow log, messages and attendance."""

from __future__ import annotations

import datetime

from django.utils import timezone

from beneficiaires.models import Beneficiaire
from cpas_isp.models import Role

from ..models import (
    MessageOrientation,
    Orientation,
    PresenceOrientation,
    ServicePartenaire,
    TransitionOrientation,
)
from .donnees import MOTIFS, PARTENAIRES_DU_CPAS, REFUS, RESULTATS, STATUTS, S


def creer_orientations(ctx, cpas, partenaires):
    rng = ctx.rng
    today = ctx.aujourd_hui
    personnes = list(
        Beneficiaire.objects.filter(cpas=cpas, date_cloture__isnull=True).order_by("id")[:200]
    )
    if not personnes:
        return
    noms = PARTENAIRES_DU_CPAS.get(cpas.code) or list(partenaires)
    services = {
        nom: list(ServicePartenaire.objects.filter(partenaire=partenaires[nom]).order_by("id"))
        for nom in noms
    }
    agent = ctx.comptes[(cpas.code, Role.AGENT)]
    partenaire_user = ctx.comptes.get((cpas.code, Role.PARTENAIRE))
    delai = cpas.delai_expiration_orientation
    choisis = rng.sample(personnes, min(len(personnes), len(STATUTS) * 2))
    plan = []
    for i, personne in enumerate(choisis):
        statut = STATUTS[i % len(STATUTS)]
        nom = noms[0] if rng.random() < 0.45 else rng.choice(noms)
        service = rng.choice(services[nom])
        motif, attendu = rng.choice(MOTIFS)
        # Dates consistent with the status (an open "sent" referral is recent).
        if statut == S.ENVOYEE:
            age = rng.randint(1, delai - 1)
        elif statut == S.PROPOSEE:
            age = rng.randint(0, 5)
        elif statut == S.EXPIREE:
            age = rng.randint(delai + 1, delai + 90)
        else:
            age = rng.randint(20, 300)
        date = today - datetime.timedelta(days=age)
        plan.append((personne, service, statut, date, motif, attendu))

    orientations, etapes = [], []
    for k, (personne, service, statut, date, motif, attendu) in enumerate(plan):
        o = Orientation(
            cpas=cpas,
            beneficiaire=personne,
            service=service,
            agent=personne.referent or agent,
            date_orientation=date,
            motif=motif,
            resultat_attendu=attendu,
            informations_partagees=rng.choice(
                [
                    "",
                    "Disponible en matinée (enfants à l'école).",
                    "Se déplace en transports en commun uniquement.",
                    "Souhaite être contactée par téléphone plutôt que par courrier.",
                ]
            ),
            statut=statut,
        )
        chemin = [(S.PROPOSEE, date, o.agent, "")]
        jour = date
        if statut != S.PROPOSEE and not (statut == S.ANNULEE and k % 2 == 0):
            o.date_envoi = date
            chemin.append((S.ENVOYEE, date, o.agent, ""))
        if statut in (S.ACCEPTEE, S.REFUSEE, S.EN_COURS, S.TERMINEE):
            jour = date + datetime.timedelta(days=rng.randint(2, 14))
            o.date_reponse = jour
            vers = S.REFUSEE if statut == S.REFUSEE else S.ACCEPTEE
            if vers == S.REFUSEE:
                o.motif_refus = rng.choice(REFUS)
            chemin.append((vers, jour, partenaire_user, ""))
        if statut in (S.EN_COURS, S.TERMINEE):
            jour = jour + datetime.timedelta(days=rng.randint(3, 20))
            o.date_debut = min(jour, today)
            chemin.append((S.EN_COURS, o.date_debut, partenaire_user, ""))
        if statut == S.TERMINEE:
            resultat, qualif, detail = RESULTATS[k % len(RESULTATS)]
            fin = min(o.date_debut + datetime.timedelta(days=rng.randint(30, 180)), today)
            o.date_fin, o.resultat, o.type_qualification, o.resultat_detail = (
                fin,
                resultat,
                qualif,
                detail,
            )
            chemin.append((S.TERMINEE, fin, partenaire_user, ""))
        if statut == S.EXPIREE:
            chemin.append(
                (
                    S.EXPIREE,
                    date + datetime.timedelta(days=delai),
                    None,
                    f"Sans réponse du partenaire après {delai} jours.",
                )
            )
        if statut == S.ANNULEE:
            chemin.append((S.ANNULEE, date + datetime.timedelta(days=1), o.agent, "Déménagement"))
        if statut == S.ENVOYEE and (today - date).days >= max(1, delai // 2):
            o.rappel_le = date + datetime.timedelta(days=max(1, delai // 2))
        orientations.append(o)
        etapes.append(chemin)
    # The demo partner user answers for its own organisation; other partners answered by
    # phone or e-mail and the agent recorded it.
    Orientation.objects.bulk_create(orientations)
    transitions, messages, presences = [], [], []
    for o, chemin in zip(orientations, etapes, strict=True):
        precedent = ""
        for vers, jour, par, commentaire in chemin:
            if par is not None and par == partenaire_user:
                compte = getattr(partenaire_user, "compte_partenaire", None)
                if compte is None or compte.partenaire_id != o.service.partenaire_id:
                    par = None if vers == S.EXPIREE else o.agent  # answered by phone
            t = TransitionOrientation(
                cpas=cpas,
                orientation=o,
                de_statut=precedent,
                vers_statut=vers,
                par=par,
                commentaire=commentaire,
            )
            t._quand = _instant(jour)
            transitions.append(t)
            precedent = vers
        compte = getattr(partenaire_user, "compte_partenaire", None) if partenaire_user else None
        lie = compte is not None and compte.partenaire_id == o.service.partenaire_id
        if o.statut in (S.EN_COURS, S.TERMINEE):
            debut = o.date_debut
            for semaine in range(min(6, max(1, ((o.date_fin or today) - debut).days // 7))):
                jour = debut + datetime.timedelta(days=7 * semaine)
                presences.append(
                    PresenceOrientation(
                        cpas=cpas,
                        orientation=o,
                        date=jour,
                        present=rng.random() < 0.85,
                        saisi_par=partenaire_user if lie else o.agent,
                    )
                )
            if lie:
                messages.append(
                    MessageOrientation(
                        cpas=cpas,
                        orientation=o,
                        auteur=partenaire_user,
                        du_partenaire=True,
                        texte="Bonne intégration dans le groupe, assiduité régulière.",
                    )
                )
    TransitionOrientation.objects.bulk_create(transitions)
    for t in transitions:
        t.quand = t._quand
    TransitionOrientation.objects.bulk_update(transitions, ["quand"], batch_size=500)
    MessageOrientation.objects.bulk_create(messages)
    PresenceOrientation.objects.bulk_create(presences, ignore_conflicts=True)


def _instant(jour):
    return timezone.make_aware(datetime.datetime.combine(jour, datetime.time(10, 0)))
