"""Demo data of the partners app: Brussels and Walloon partners with their services and contacts,
two conventions (one shared by three neighbouring CPAS, split pro rata to inhabitants), a
self-employment programme with its cohort and feedback, referrals in every state with their
log, and the demo partner users linked to their organisation. Deterministic and fast."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from beneficiaires.models import Beneficiaire
from cpas_isp.models import Cpas, Role

from .models import (
    AvisParticipant,
    ComptePartenaire,
    ContactPartenaire,
    Convention,
    Financement,
    MessageOrientation,
    NotePartenaire,
    Orientation,
    Partenaire,
    Participation,
    PartieCpas,
    PresenceOrientation,
    Programme,
    ServicePartenaire,
    StatutOrientation,
    StatutParticipation,
    Thematique,
    TransitionOrientation,
    TypePartenaire,
)

S = StatutOrientation

# name, acronym, type, address, postcode, commune, region, phone, e-mail, website,
# [(service, theme, places)], [(contact, role)]
PARTENAIRES = [
    (
        "Actiris",
        "",
        "actiris",
        "Boulevard Anspach 65",
        "1000",
        "Bruxelles",
        "bruxelles",
        "02 800 42 42",
        "info@actiris.be",
        "https://www.actiris.brussels",
        [
            ("Accompagnement de recherche d'emploi", "recherche_emploi", None),
            ("Bilan de compétences", "orientation", 20),
        ],
        [("Nadia Berrada", "Conseillère partenariats CPAS")],
    ),
    (
        "Bruxelles Formation",
        "",
        "bruxelles_formation",
        "Rue de Stalle 67",
        "1180",
        "Uccle",
        "bruxelles",
        "02 371 73 00",
        "info@bruxellesformation.brussels",
        "https://www.bruxellesformation.brussels",
        [
            ("Formation qualifiante en logistique (cariste)", "formation_qualifiante", 14),
            ("Formation aide-soignant·e", "formation_qualifiante", 12),
            ("Préformation bureautique", "numerique", 16),
        ],
        [("Pieter Claes", "Responsable des inscriptions")],
    ),
    (
        "Lire et Écrire Bruxelles",
        "",
        "alphabetisation",
        "Rue Charles Parenté 10",
        "1070",
        "Anderlecht",
        "bruxelles",
        "02 412 56 10",
        "accueil@lire-et-ecrire.be",
        "https://www.lire-et-ecrire.be",
        [
            ("Alphabétisation en journée (groupe débutant)", "alphabetisation", 15),
            ("Français langue étrangère oral", "langues", 18),
        ],
        [("Céline Mathy", "Coordinatrice pédagogique"), ("Youssef Amrani", "Accueil")],
    ),
    (
        "Mission locale d'Anderlecht",
        "MLA",
        "mission_locale",
        "Rue de Fiennes 77",
        "1070",
        "Anderlecht",
        "bruxelles",
        "02 555 05 60",
        "info@mlanderlecht.be",
        "",
        [
            ("Détermination de projet professionnel", "orientation", 12),
            ("Job coaching jeunes", "job_coaching", 25),
        ],
        [("Olivier Thys", "Job coach")],
    ),
    (
        "MIRE Bruxelles — Maison de l'emploi",
        "MIRE",
        "mire",
        "Rue Wayez 35",
        "1070",
        "Anderlecht",
        "bruxelles",
        "02 520 10 20",
        "contact@mire-bxl.be",
        "",
        [("Accompagnement vers l'emploi durable", "job_coaching", 30)],
        [("Sarah Vermeulen", "Conseillère emploi")],
    ),
    (
        "microStart",
        "",
        "microcredit",
        "Rue de Fiennes 77",
        "1070",
        "Anderlecht",
        "bruxelles",
        "02 888 61 00",
        "info@microstart.be",
        "https://microstart.be",
        [("Microcrédit et accompagnement des indépendants", "autocreation", None)],
        [("Hamza Tahiri", "Conseiller crédit")],
    ),
    (
        "JobYourself",
        "",
        "microcredit",
        "Avenue du Port 86C",
        "1000",
        "Bruxelles",
        "bruxelles",
        "02 205 68 60",
        "info@jobyourself.be",
        "",
        [("Couveuse d'entreprises : test d'activité", "autocreation", 10)],
        [("Laura Pirotte", "Chargée d'accompagnement")],
    ),
    (
        "AFT Le Goujon",
        "",
        "oisp_aft",
        "Chaussée de Mons 620",
        "1070",
        "Anderlecht",
        "bruxelles",
        "02 524 30 30",
        "info@legoujon.be",
        "",
        [("Formation par le travail : commis de cuisine", "formation_qualifiante", 8)],
        [("Marc Delattre", "Formateur référent")],
    ),
    (
        "Le Forem",
        "",
        "forem",
        "Rue du Centre 48",
        "5590",
        "Ciney",
        "wallonie",
        "0800 93 947",
        "info@forem.be",
        "https://www.leforem.be",
        [
            ("Accompagnement individualisé", "recherche_emploi", None),
            ("Formation chauffeur poids lourd (permis C)", "formation_qualifiante", 10),
        ],
        [("Isabelle Marchal", "Conseillère référente")],
    ),
    (
        "Lire et Écrire Namur",
        "",
        "alphabetisation",
        "Rue Relis Namurwès 1",
        "5000",
        "Namur",
        "wallonie",
        "081 74 10 04",
        "namur@lire-et-ecrire.be",
        "",
        [("Alphabétisation Ciney–Dinant", "alphabetisation", 12)],
        [("Anne Close", "Formatrice")],
    ),
    (
        "CISP Le Trusquin",
        "",
        "eft_cisp",
        "Rue des Tanneries 1",
        "6900",
        "Marche-en-Famenne",
        "wallonie",
        "084 31 44 00",
        "info@trusquin.be",
        "",
        [
            ("EFT horeca : commis de cuisine", "formation_qualifiante", 8),
            ("EFT bâtiment : ouvrier polyvalent", "formation_qualifiante", 8),
        ],
        [("Benoît Lemaire", "Directeur pédagogique")],
    ),
    (
        "MIRENA — Mission régionale pour l'emploi",
        "MIRENA",
        "mire",
        "Avenue Prince de Liège 15",
        "5100",
        "Namur",
        "wallonie",
        "081 73 91 00",
        "info@mirena.be",
        "",
        [("Job coaching et mise à l'emploi", "job_coaching", 20)],
        [("Gaëlle Dethier", "Job coach")],
    ),
    (
        "IFAPME Namur",
        "",
        "ifapme",
        "Chaussée de Charleroi 83",
        "5000",
        "Namur",
        "wallonie",
        "081 74 32 72",
        "namur@ifapme.be",
        "",
        [("Formation en alternance", "formation_qualifiante", None)],
        [],
    ),
    (
        "Institut de promotion sociale de Ciney",
        "IPS Ciney",
        "promotion_sociale",
        "Rue Saint-Hubert 19",
        "5590",
        "Ciney",
        "wallonie",
        "083 21 18 45",
        "secretariat@ipsciney.be",
        "",
        [
            ("CESS en horaire décalé", "etudes", 25),
            ("Néerlandais UE1", "langues", 20),
        ],
        [("Martine Collard", "Secrétaire de direction")],
    ),
    (
        "Crédal",
        "",
        "microcredit",
        "Place de l'Université 16",
        "1348",
        "Louvain-la-Neuve",
        "wallonie",
        "010 48 33 50",
        "info@credal.be",
        "https://www.credal.be",
        [("Affaires de femmes, femmes d'affaires", "autocreation", 12)],
        [],
    ),
    (
        "ALE de Ciney",
        "",
        "ale",
        "Rue du Centre 33",
        "5590",
        "Ciney",
        "wallonie",
        "083 21 63 30",
        "ale@ciney.be",
        "",
        [("Activités ALE (jardinage, aide administrative)", "activation_sociale", None)],
        [],
    ),
]

# Which partner each demo partner user works for.
COMPTES = {"anderlecht": "Lire et Écrire Bruxelles", "ciney": "CISP Le Trusquin"}

# Partners each CPAS refers to (by name), the first gets more referrals.
PARTENAIRES_DU_CPAS = {
    "anderlecht": [
        "Lire et Écrire Bruxelles",
        "Actiris",
        "Bruxelles Formation",
        "Mission locale d'Anderlecht",
        "MIRE Bruxelles — Maison de l'emploi",
        "microStart",
        "AFT Le Goujon",
    ],
    "ciney": [
        "CISP Le Trusquin",
        "Le Forem",
        "Lire et Écrire Namur",
        "MIRENA — Mission régionale pour l'emploi",
        "Institut de promotion sociale de Ciney",
        "ALE de Ciney",
    ],
}

MOTIFS = [
    ("Projet de formation qualifiante validé lors du bilan socioprofessionnel.", "Certificat"),
    ("Niveau de français insuffisant pour les tests d'entrée en formation.", "Niveau A2 à l'oral"),
    ("Recherche active d'emploi après une formation terminée.", "Emploi durable"),
    ("Projet d'activité indépendante à structurer.", "Plan d'affaires et financement"),
    ("Remobilisation après une longue période d'inactivité.", "Reprise d'un rythme"),
]
REFUS = ["Groupe complet jusqu'en septembre.", "Prérequis non rencontrés (test d'entrée)."]

# Statuses of the demo referrals per CPAS: every state, more of the frequent ones.
STATUTS = (
    [S.PROPOSEE] * 2
    + [S.ENVOYEE] * 4
    + [S.ACCEPTEE] * 3
    + [S.REFUSEE] * 2
    + [S.EXPIREE] * 2
    + [S.EN_COURS] * 5
    + [S.TERMINEE] * 7
    + [S.ANNULEE]
)
RESULTATS = [
    ("qualification", "certificat", "Certificat de qualification obtenu"),
    ("emploi", "", "CDD de 6 mois dans la logistique"),
    ("qualification", "attestation", "Attestation de fréquentation"),
    ("abandon", "", "Problèmes de garde d'enfants"),
    ("independant", "", "Installation comme indépendant complémentaire"),
    ("reorientation", "", "Réorientation vers une formation en alternance"),
    ("emploi", "", "Contrat à durée indéterminée"),
]

# Extra CPAS for the convention shared by three neighbouring CPAS (no users).
CPAS_VOISINS = [
    ("hamois", "CPAS de Hamois", "Hamois", 7_600),
    ("havelange", "CPAS de Havelange", "Havelange", 5_300),
]


def charger(ctx) -> None:
    partenaires = _partenaires()
    # Each CPAS keeps the records of the partners it works with up to date (shared directory).
    for cpas in ctx.cpas:
        Partenaire.objects.filter(nom__in=PARTENAIRES_DU_CPAS.get(cpas.code, [])).update(
            gere_par=cpas, cree_par_cpas=cpas
        )
    _comptes(ctx, partenaires)
    _conventions(ctx, partenaires)
    for cpas in ctx.cpas:
        _orientations(ctx, cpas, partenaires)
    _programme(ctx, partenaires)
    if ctx.stdout is not None:
        ctx.stdout.write(
            f"  partenaires : {len(partenaires)} partenaires, "
            f"{Orientation.objects.count()} orientations, {Convention.objects.count()} "
            f"conventions, {Participation.objects.count()} participants à un programme"
        )


def _partenaires() -> dict[str, Partenaire]:
    types = {t.code: t for t in TypePartenaire.objects.all()}
    themes = {t.code: t for t in Thematique.objects.all()}
    objets, services, contacts = [], [], []
    for nom, sigle, type_code, adresse, cp, commune, region, tel, email, site, *_ in PARTENAIRES:
        objets.append(
            Partenaire(
                nom=nom,
                sigle=sigle,
                type=types[type_code],
                adresse=adresse,
                code_postal=cp,
                commune=commune,
                region=region,
                telephone=tel,
                email=email,
                site_web=site,
            )
        )
    crees = {p.nom: p for p in Partenaire.objects.bulk_create(objets)}
    for nom, *_rest, liste_services, liste_contacts in PARTENAIRES:
        p = crees[nom]
        for service, theme, places in liste_services:
            services.append(
                ServicePartenaire(
                    partenaire=p, nom=service, thematique=themes[theme], places_disponibles=places
                )
            )
        for contact, fonction in liste_contacts:
            login = contact.lower().replace(" ", ".").replace("ë", "e").replace("é", "e")
            domaine = p.email.split("@")[1]
            contacts.append(
                ContactPartenaire(
                    partenaire=p,
                    nom=contact,
                    fonction=fonction,
                    telephone=p.telephone,
                    email=f"{login}@{domaine}",
                )
            )
    ServicePartenaire.objects.bulk_create(services)
    ContactPartenaire.objects.bulk_create(contacts)
    return crees


def _comptes(ctx, partenaires):
    for code, nom in COMPTES.items():
        user = ctx.comptes.get((code, Role.PARTENAIRE))
        if user is not None:
            ComptePartenaire.objects.create(user=user, partenaire=partenaires[nom])


def _conventions(ctx, partenaires):
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


def _orientations(ctx, cpas, partenaires):
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


def _programme(ctx, partenaires):
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
