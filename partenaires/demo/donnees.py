"""The demo data themselves: partners with their services and contacts, which partner each CPAS
works with and each partner user works for, referral motives, statuses and results."""

from __future__ import annotations

from ..models import StatutOrientation

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
