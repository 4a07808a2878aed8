"""The vocabulary of the trajectory demo: which phase follows which, how long stays last,
the notes, actions, objectives, functions and pools it draws from."""

from trajets.models.phases import Phase

# Next phase after a stay (weights); None = leaves the trajectory.
SUITES = {
    Phase.FACILITATEUR: [
        (Phase.EMPLOI, 38),
        (Phase.ETUDES_FORMATIONS, 22),
        (Phase.ALPHA, 12),
        (Phase.ARTICLE60, 12),
        (None, 6),
    ],
    Phase.ALPHA: [
        (Phase.ETUDES_FORMATIONS, 40),
        (Phase.EMPLOI, 25),
        (Phase.FACILITATEUR, 10),
        (None, 25),
    ],
    Phase.ETUDES_FORMATIONS: [(Phase.EMPLOI, 50), (Phase.ARTICLE60, 20), (None, 20)],
    Phase.EMPLOI: [(Phase.ARTICLE60, 30), (Phase.ETUDES_FORMATIONS, 20), (None, 35)],
    Phase.ARTICLE60: [(Phase.EMPLOI, 45), (None, 55)],
}
DUREES = {  # days in a phase (min, max)
    Phase.FACILITATEUR: (60, 300),
    Phase.ALPHA: (150, 600),
    Phase.ETUDES_FORMATIONS: (200, 700),
    Phase.EMPLOI: (120, 540),
}
SORTIES_FINALES = {
    Phase.FACILITATEUR: [
        ("abandon", 35),
        ("injoignable", 20),
        ("demenagement", 15),
        ("sante", 20),
        ("transfert", 10),
    ],
    Phase.ALPHA: [
        ("abandon", 30),
        ("sante", 20),
        ("demenagement", 15),
        ("fin_droit", 15),
        ("orientation_partenaire", 20),
    ],
    Phase.ETUDES_FORMATIONS: [
        ("diplome", 45),
        ("formation_qualifiante", 15),
        ("abandon", 25),
        ("fin_droit", 15),
    ],
    Phase.EMPLOI: [
        ("emploi", 55),
        ("independant", 6),
        ("abandon", 15),
        ("sanction", 4),
        ("fin_droit", 12),
        ("demenagement", 8),
    ],
    Phase.ARTICLE60: [
        ("article60_droits", 75),
        ("emploi", 10),
        ("fin_contrat_article60", 10),
        ("abandon", 5),
    ],
}
TYPES_PAR_PHASE = {
    Phase.FACILITATEUR: [
        ("entretien_individuel", 50),
        ("bilan_socioprofessionnel", 15),
        ("appel_telephonique", 15),
        ("seance_collective", 10),
        ("courrier", 5),
        ("visite_domicile", 5),
    ],
    Phase.ALPHA: [
        ("entretien_individuel", 35),
        ("inscription_formation", 15),
        ("test_admission", 15),
        ("appel_telephonique", 20),
        ("seance_collective", 15),
    ],
    Phase.ETUDES_FORMATIONS: [
        ("entretien_individuel", 35),
        ("inscription_formation", 20),
        ("test_admission", 10),
        ("validation_competences", 10),
        ("appel_telephonique", 25),
    ],
    Phase.EMPLOI: [
        ("entretien_individuel", 25),
        ("candidature", 25),
        ("job_coaching", 15),
        ("entretien_embauche", 10),
        ("job_day", 8),
        ("atelier_cv", 7),
        ("appel_telephonique", 10),
    ],
    Phase.ARTICLE60: [
        ("entretien_individuel", 50),
        ("appel_telephonique", 30),
        ("visite_domicile", 5),
        ("courrier", 15),
    ],
}
NOTES = {
    "entretien_individuel": [
        "Point sur le projet professionnel.",
        "Motivation en hausse, projet plus clair.",
        "Difficultés de garde d'enfants évoquées.",
        "Suivi des démarches de la semaine.",
    ],
    "candidature": [
        "Candidature pour un poste de magasinier.",
        "CV envoyé pour un poste d'aide-cuisinier.",
        "Réponse à une offre Actiris de commis de salle.",
        "Candidature spontanée dans une entreprise de nettoyage.",
    ],
    "job_coaching": ["Simulation d'entretien d'embauche.", "Travail sur la présentation orale."],
    "entretien_embauche": [
        "Entretien chez un employeur de la logistique.",
        "Entretien pour un CDD dans la grande distribution.",
    ],
    "job_day": ["Job Day secteur horeca.", "Job Day logistique et transport."],
    "bilan_socioprofessionnel": [
        "Bilan : compétences acquises et freins repérés.",
        "Mise à jour du bilan après la formation.",
    ],
    "test_admission": ["Test d'admission en formation qualifiante.", "Test de niveau de français."],
    "inscription_formation": [
        "Inscription en formation d'aide-soignant.",
        "Inscription aux cours de promotion sociale.",
    ],
    "validation_competences": ["Épreuve de validation des compétences en cuisine."],
    "appel_telephonique": [
        "Appel de suivi.",
        "Rappel du rendez-vous de la semaine prochaine.",
        "Pas de réponse, message laissé.",
    ],
    "courrier": ["Convocation envoyée par courrier."],
    "visite_domicile": ["Visite à domicile, situation stable."],
    "seance_collective": [
        "Séance d'information collective.",
        "Atelier de recherche d'emploi en groupe.",
    ],
    "atelier_cv": ["Atelier CV et lettre de motivation."],
}
ACTIONS = [
    "Envoyer trois candidatures",
    "Rapporter l'attestation d'inscription",
    "Relancer l'employeur",
    "Prendre rendez-vous chez Actiris",
    "Compléter le dossier de formation",
    "Fournir le certificat médical",
]
OBJECTIFS = {
    "emploi": [
        "Rechercher activement un emploi dans la logistique",
        "Participer à un atelier CV et lettre",
        "Se présenter à deux Job Days",
    ],
    "formation": [
        "Terminer la formation qualifiante d'aide-soignant",
        "Réussir le test d'admission",
        "Suivre les cours de néerlandais (niveau A2)",
    ],
    "etudes": ["Obtenir le CESS en promotion sociale", "Assister à au moins 80 % des cours"],
    "activation": [
        "Participer à une activité collective chaque semaine",
        "Régler la situation administrative (mutuelle, domicile)",
    ],
}
SERVICES_INTERNES = [
    "Maison de repos du CPAS",
    "Restaurant social",
    "Service technique",
    "Buanderie centrale",
    "Crèche communale",
]
FONCTIONS = [
    "Aide-cuisinier",
    "Commis de salle",
    "Agent d'entretien",
    "Ouvrier polyvalent",
    "Aide-logistique",
    "Magasinier",
    "Auxiliaire de crèche",
    "Aide administratif",
]
ENGAGEMENT_TIERS = "Accueillir la personne en formation et transmettre les présences au CPAS."
ENGAGEMENT_PERSONNE = (
    "Se présenter aux rendez-vous, effectuer les démarches convenues et prévenir en cas "
    "d'empêchement."
)
ENGAGEMENT_CPAS = (
    "Accompagner la personne, financer les frais de formation et de transport convenus."
)
POOLS = {
    "anderlecht": [(36, 40, 14), (12, 55, 18)],
    "ciney": [(36, 16, 4), (12, 22, 6)],
}  # months ago, total, ES
