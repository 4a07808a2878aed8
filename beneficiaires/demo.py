"""Demo data of the person's file: a few hundred realistic people per demo CPAS, with valid
NISS (national register and BIS numbers), RIS/ERIS rights over several years, obstacles and
BSP versions. Deterministic (``ctx.rng``) and fast (bulk_create)."""

from __future__ import annotations

import datetime

from cpas_isp.models import Membership, Role, User

from .models import (
    Beneficiaire,
    BilanSocioProfessionnel,
    CategorieDroit,
    DiplomeEtranger,
    DroitAide,
    Frein,
    FreinBeneficiaire,
    NiveauEtudes,
    TypeDroit,
)
from .niss import analyser_niss, niss_avec_controle

PERSONNES_PAR_CPAS = {"anderlecht": 420, "ciney": 160}

NOMS = [
    "Dubois",
    "Lambert",
    "Dupont",
    "Martin",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Leclercq",
    "Claes",
    "Peeters",
    "Janssens",
    "Maes",
    "Jacobs",
    "Mertens",
    "Willems",
    "Wouters",
    "Goossens",
    "De Smet",
    "Vermeulen",
    "Van den Broeck",
    "Renard",
    "Collard",
    "Gilson",
    "Mathieu",
    "Lejeune",
    "Henrard",
    "Piron",
    "Thiry",
    "Delvaux",
    "François",
    "Hubert",
    "Benali",
    "El Amrani",
    "El Idrissi",
    "Bouzid",
    "Haddad",
    "Yilmaz",
    "Demir",
    "Kaya",
    "Diallo",
    "Bah",
    "Camara",
    "Mbuyi",
    "Kabongo",
    "Tshibanda",
    "Nowak",
    "Kowalski",
    "Popescu",
    "Ionescu",
    "Rossi",
    "Ferreira",
    "Da Silva",
    "García",
    "Nguyen",
    "Ahmadi",
    "Mahmoud",
    "Saidi",
    "Ouédraogo",
    "Mukendi",
    "Ndiaye",
    "Sow",
    "Kumar",
    "Bakkali",
]
PRENOMS_H = [
    "Mohamed",
    "Youssef",
    "Adam",
    "Ibrahim",
    "Mamadou",
    "Thomas",
    "Nicolas",
    "Kevin",
    "Julien",
    "Lucas",
    "Maxime",
    "Jonathan",
    "Bilal",
    "Ayoub",
    "Mehdi",
    "Hamza",
    "Mustafa",
    "Emre",
    "Jean",
    "Pierre",
    "Luc",
    "Marc",
    "Patrick",
    "Dirk",
    "Jan",
    "Andrei",
    "Piotr",
    "José",
    "Samuel",
    "Christian",
    "Grégory",
    "Olivier",
    "Amadou",
    "Noah",
    "Rayan",
    "Sébastien",
]
PRENOMS_F = [
    "Fatima",
    "Aïcha",
    "Nadia",
    "Sarah",
    "Amina",
    "Khadija",
    "Yasmina",
    "Laura",
    "Julie",
    "Marie",
    "Sophie",
    "Céline",
    "Nathalie",
    "Isabelle",
    "Aurélie",
    "Élodie",
    "Mélissa",
    "Zeynep",
    "Elif",
    "Mariama",
    "Fatoumata",
    "Grace",
    "Ana",
    "Maria",
    "Elena",
    "Anna",
    "Inès",
    "Salma",
    "Hanane",
    "Leila",
    "Chloé",
    "Manon",
    "Lucie",
    "Zoé",
    "Hélène",
    "Anissa",
]
RUES = [
    "rue Wayez",
    "chaussée de Mons",
    "rue de Fiennes",
    "boulevard Sylvain Dupuis",
    "rue Van Lint",
    "avenue Clemenceau",
    "rue Brogniez",
    "rue Puccini",
    "place de la Vaillance",
    "rue Saint-Guidon",
    "rue de la Clinique",
    "avenue Marius Renard",
    "rue du Sel",
]
RUES_CINEY = [
    "rue du Centre",
    "rue Edouard Dinot",
    "chaussée de Dinant",
    "rue de Namur",
    "rue Courtejoie",
    "place Monseu",
    "rue du Condroz",
    "rue des Écoles",
]
COMMUNES = {
    "anderlecht": [("1070", "Anderlecht")] * 9 + [("1080", "Molenbeek-Saint-Jean")],
    "ciney": [("5590", "Ciney")] * 6
    + [("5590", "Achêne"), ("5590", "Leignon"), ("5590", "Chevetogne"), ("5590", "Braibant")],
}
NATIONALITES = [
    ("belge", 55),
    ("marocaine", 12),
    ("turque", 5),
    ("congolaise", 6),
    ("guinéenne", 4),
    ("roumaine", 5),
    ("syrienne", 4),
    ("afghane", 3),
    ("italienne", 2),
    ("polonaise", 2),
    ("française", 2),
]
FREINS_PROBABLES = [
    ("garde_enfants", 0.18),
    ("mobilite", 0.22),
    ("numerique", 0.25),
    ("niveau_langue", 0.2),
    ("confiance_en_soi", 0.2),
    ("diplome_non_reconnu", 0.08),
    ("discrimination", 0.05),
    ("sante_mentale", 0.08),
    ("souffrance_physique", 0.07),
    ("assuetudes", 0.04),
    ("casier_judiciaire", 0.04),
]
PROJETS = [
    "Aide-soignant(e) en maison de repos",
    "Chauffeur poids lourd (permis C)",
    "Commis de cuisine dans la restauration collective",
    "Technicien(ne) de surface en milieu hospitalier",
    "Magasinier / cariste",
    "Auxiliaire de l'enfance en crèche",
    "Ouvrier polyvalent du bâtiment",
    "Employé(e) administratif(ve)",
    "Reprise d'études : CESS en promotion sociale",
    "Création d'une activité indépendante de couture",
]


def _pondere(rng, choix):
    total = sum(p for _v, p in choix)
    x = rng.uniform(0, total)
    for valeur, p in choix:
        x -= p
        if x <= 0:
            return valeur
    return choix[-1][0]


def _niss(rng, naissance: datetime.date, genre: str, utilises: set, bis: int = 0) -> str:
    """A valid NISS for this birth date and gender (odd sequence for men), unique in ``utilises``.
    ``bis`` adds 20 (gender unknown) or 40 to the month, as BIS numbers do."""
    mois = naissance.month + bis
    while True:
        seq = rng.randrange(1, 998)
        if genre == "M" and seq % 2 == 0:
            seq += 1
        if genre == "F" and seq % 2 == 1:
            seq += 1
        base = f"{naissance.year % 100:02d}{mois:02d}{naissance.day:02d}{seq:03d}"
        niss = niss_avec_controle(base, naissance.year)
        if niss not in utilises:
            utilises.add(niss)
            return niss


def _agents(ctx, cpas) -> list[User]:
    """The CPAS's social workers: the core demo agent plus a few colleagues in other cellules."""
    agents = [ctx.comptes[(cpas.code, Role.AGENT)]]
    cellules = ["emploi", "etudes_formations", "alpha"] if cpas.code == "anderlecht" else ["emploi"]
    collegues = [("Karim", "Haddou"), ("Ellen", "Vandamme"), ("Sofia", "Moreau")]
    for i, code in enumerate(cellules):
        prenom, nom = collegues[i]
        user = User.objects.create_user(
            username=f"agent{i + 2}.{cpas.code}",
            password="demo-isp-2026",
            first_name=prenom,
            last_name=nom,
            email=f"agent{i + 2}.{cpas.code}@demo.cpas-isp.be",
            langue=cpas.langue,
        )
        Membership.objects.create(
            user=user, cpas=cpas, role=Role.AGENT, cellule=cpas.cellules.get(code=code)
        )
        agents.append(user)
    return agents


def charger(ctx) -> None:
    rng = ctx.rng
    today = ctx.aujourd_hui
    freins = {f.code: f for f in Frein.objects.all()}
    for cpas in ctx.cpas:
        n = PERSONNES_PAR_CPAS.get(cpas.code, 200)
        agents = _agents(ctx, cpas)
        coordinateur = ctx.comptes[(cpas.code, Role.COORDINATEUR)]
        utilises: set[str] = set()
        personnes = []
        for _i in range(n):
            genre = "M" if rng.random() < 0.52 else "F"
            age_jours = rng.randint(18 * 365 + 10, 63 * 365)
            naissance = today - datetime.timedelta(days=age_jours)
            bis = 0
            if rng.random() < 0.08:
                bis = 40 if rng.random() < 0.7 else 20
            niss = _niss(rng, naissance, genre, utilises, bis)
            info = analyser_niss(niss)  # double check: the generator must give valid numbers
            nationalite = _pondere(rng, NATIONALITES)
            etranger = nationalite != "belge"
            cp, commune = rng.choice(COMMUNES[cpas.code])
            rues = RUES if cpas.code == "anderlecht" else RUES_CINEY
            prenom = rng.choice(PRENOMS_H if genre == "M" else PRENOMS_F)
            nom = rng.choice(NOMS)
            niveau = _pondere(
                rng,
                [
                    (NiveauEtudes.AUCUN, 14),
                    (NiveauEtudes.CEB, 20),
                    (NiveauEtudes.CE1D, 22),
                    (NiveauEtudes.CESS, 28),
                    (NiveauEtudes.BACHELIER, 10),
                    (NiveauEtudes.MASTER, 4),
                    ("", 2),
                ],
            )
            diplome = ""
            if etranger and rng.random() < 0.3:
                diplome = rng.choice(
                    [DiplomeEtranger.RECONNU, DiplomeEtranger.EN_COURS, DiplomeEtranger.NON_RECONNU]
                )
            personnes.append(
                Beneficiaire(
                    cpas=cpas,
                    niss=niss,
                    nom=nom,
                    prenom=prenom,
                    date_naissance=naissance if info.date_naissance else None,
                    genre=info.genre or genre,
                    nationalite=nationalite,
                    langue="nl" if cpas.code == "anderlecht" and rng.random() < 0.12 else "fr",
                    adresse=f"{rng.choice(rues)} {rng.randint(1, 240)}",
                    code_postal=cp,
                    commune=commune,
                    telephone=f"04{rng.randint(70, 99)} {rng.randint(10, 99)} "
                    f"{rng.randint(10, 99)} {rng.randint(10, 99)}",
                    email=(
                        f"{prenom.lower()[:1]}.{nom.lower().replace(' ', '')}"
                        f"{rng.randint(1, 99)}@exemple.be"
                        if rng.random() < 0.6
                        else ""
                    ),
                    niveau_etudes=niveau,
                    diplome_etranger=diplome,
                    niveau_fr=_pondere(
                        rng,
                        [("A1", 8), ("A2", 14), ("B1", 20), ("B2", 20), ("C1", 25), ("C2", 13)],
                    ),
                    niveau_nl=_pondere(
                        rng, [("", 30), ("A0", 25), ("A1", 20), ("A2", 12), ("B1", 8), ("B2", 5)]
                    ),
                    permis_conduire=rng.random() < 0.35,
                    referent=rng.choice(agents) if rng.random() < 0.9 else None,
                )
            )
        Beneficiaire.objects.bulk_create(personnes, batch_size=1000)

        droits, notes, bilans = [], [], []
        for b in personnes:
            # Successive rights over several years, without overlap, most still running.
            debut = today - datetime.timedelta(days=rng.randint(30, 6 * 365))
            b.date_ouverture = debut - datetime.timedelta(days=rng.randint(0, 40))
            for k in range(rng.choice([1, 1, 2, 2, 3])):
                dernier = k == 0 or rng.random() < 0.5
                fin = None
                if rng.random() < 0.45 or not dernier:
                    fin = debut + datetime.timedelta(days=rng.randint(60, 700))
                    if fin >= today:
                        fin = None
                droits.append(
                    DroitAide(
                        cpas=cpas,
                        beneficiaire=b,
                        type=TypeDroit.ERIS
                        if b.nationalite != "belge" and rng.random() < 0.3
                        else TypeDroit.RIS,
                        categorie=_pondere(
                            rng,
                            [
                                (CategorieDroit.COHABITANT, 30),
                                (CategorieDroit.ISOLE, 45),
                                (CategorieDroit.FAMILLE_A_CHARGE, 25),
                            ],
                        ),
                        date_decision=debut - datetime.timedelta(days=rng.randint(5, 30)),
                        debut=debut,
                        fin=fin,
                    )
                )
                if fin is None:
                    break
                debut = fin + datetime.timedelta(days=rng.randint(30, 300))
                if debut >= today:
                    break
            if rng.random() < 0.04:
                b.date_cloture = today - datetime.timedelta(days=rng.randint(1, 200))
                if b.date_cloture < b.date_ouverture:
                    b.date_cloture = b.date_ouverture
            for code, proba in FREINS_PROBABLES:
                if rng.random() < proba:
                    note = b.date_ouverture + datetime.timedelta(days=rng.randint(0, 120))
                    note = min(note, today)
                    fin = None
                    if rng.random() < 0.2:
                        fin = min(today, note + datetime.timedelta(days=rng.randint(30, 400)))
                    notes.append(
                        FreinBeneficiaire(
                            cpas=cpas,
                            beneficiaire=b,
                            frein=freins[code],
                            debut=note,
                            fin=fin,
                            note_par=b.referent or coordinateur,
                        )
                    )
            if rng.random() < 0.55:
                projet = rng.choice(PROJETS)
                for version in range(1, rng.choice([1, 1, 2, 3]) + 1):
                    bilans.append(
                        BilanSocioProfessionnel(
                            cpas=cpas,
                            beneficiaire=b,
                            version=version,
                            projet=projet
                            if version == 1
                            else f"{projet} — projet confirmé "
                            f"après {version - 1} entretien(s) de suivi",
                            contexte=rng.choice(
                                [
                                    "Vit seul(e), logement stable.",
                                    "Parent solo de deux enfants en âge scolaire.",
                                    "Hébergé(e) chez un membre de la famille.",
                                    "Arrivé(e) en Belgique il y a trois ans.",
                                ]
                            ),
                            competences_acquises=rng.choice(
                                [
                                    "Expérience en nettoyage industriel (2 ans).",
                                    "Vente en magasin, caisse.",
                                    "Aide à domicile informelle pour un parent.",
                                    "Manutention et préparation de commandes.",
                                ]
                            ),
                            aspirations="Trouver un emploi stable à temps plein."
                            if version < 3
                            else "Se former d'abord, puis un emploi qualifié.",
                            atouts="Motivé(e), ponctuel(le), bonne présentation.",
                            besoins_formation=rng.choice(
                                ["Néerlandais A2", "Initiation informatique", "Permis B", ""]
                            ),
                            auteur=b.referent or coordinateur,
                        )
                    )
        Beneficiaire.objects.bulk_update(personnes, ["date_ouverture", "date_cloture"])
        DroitAide.objects.bulk_create(droits, batch_size=2000)
        FreinBeneficiaire.objects.bulk_create(notes, batch_size=2000)
        BilanSocioProfessionnel.objects.bulk_create(bilans, batch_size=2000)
        anciens = _dossiers_anciens(ctx, cpas, utilises, coordinateur)
        if ctx.stdout is not None:
            ctx.stdout.write(f"  {cpas.code} : {anciens} dossiers clôturés il y a plus de 10 ans")
            ctx.stdout.write(
                f"  {cpas.code} : {len(personnes)} bénéficiaires, {len(droits)} droits, "
                f"{len(notes)} freins, {len(bilans)} versions de bilan"
            )


def _dossiers_anciens(ctx, cpas, utilises: set, coordinateur) -> int:
    """Files closed more than ten years ago (past the default retention), with their rights
    and a BSP, so the functional administrator's retention page has something to anonymise;
    one of them is under a legal hold."""
    from .models import GelDossier, RegleConservation

    rng, today = ctx.rng, ctx.aujourd_hui
    RegleConservation.objects.get_or_create(cpas=cpas, defaults={"annees": 10, "modifie_par": None})
    personnes = []
    for _i in range(25 if cpas.code == "anderlecht" else 10):
        genre = "M" if rng.random() < 0.5 else "F"
        cloture = today - datetime.timedelta(days=rng.randint(10 * 366 + 30, 14 * 365))
        ouverture = cloture - datetime.timedelta(days=rng.randint(200, 1500))
        naissance = ouverture - datetime.timedelta(days=rng.randint(19 * 365, 55 * 365))
        personnes.append(
            Beneficiaire(
                cpas=cpas,
                niss=_niss(rng, naissance, genre, utilises),
                nom=rng.choice(NOMS),
                prenom=rng.choice(PRENOMS_H if genre == "M" else PRENOMS_F),
                date_naissance=naissance,
                genre=genre,
                commune=rng.choice(COMMUNES[cpas.code])[1],
                date_ouverture=ouverture,
                date_cloture=cloture,
            )
        )
    Beneficiaire.objects.bulk_create(personnes)
    DroitAide.objects.bulk_create(
        DroitAide(
            cpas=cpas,
            beneficiaire=b,
            type=TypeDroit.RIS,
            categorie=CategorieDroit.ISOLE,
            debut=b.date_ouverture,
            fin=b.date_cloture,
        )
        for b in personnes
    )
    BilanSocioProfessionnel.objects.bulk_create(
        BilanSocioProfessionnel(
            cpas=cpas,
            beneficiaire=b,
            version=1,
            projet=rng.choice(PROJETS),
            contexte="Dossier clôturé : emploi trouvé.",
            auteur=coordinateur,
        )
        for b in personnes
    )
    GelDossier.objects.create(
        cpas=cpas,
        beneficiaire=personnes[0],
        motif="Recours pendant devant le tribunal du travail",
        par=coordinateur,
    )
    return len(personnes)
