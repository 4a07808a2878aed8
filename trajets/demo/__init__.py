"""Demo trajectories for the people of the beneficiaires demo: stays in the phases over several
years with exit reasons, journal steps, PIIS with evaluations, article 60 contracts and the pool
of posts, so that queues, deadlines and dashboards have history. Deterministic (``ctx.rng``)
and fast (bulk_create). The roll-out starts about three years before ``ctx.aujourd_hui`` and the
share of people in a phase rises over time, as in the CPAS that published its figures.

Submodules: ``textes`` holds the demo's vocabulary (follow-up phases, durations, notes,
objectives, functions, pools); this module loads the data from it."""

from __future__ import annotations

import datetime
from collections import defaultdict

from dateutil.relativedelta import relativedelta

from beneficiaires.models import Beneficiaire, DroitAide
from cpas_isp.models import Membership, Role
from partenaires.models import Partenaire
from trajets import delais
from trajets.demo.textes import (
    ACTIONS,
    DUREES,
    ENGAGEMENT_CPAS,
    ENGAGEMENT_PERSONNE,
    ENGAGEMENT_TIERS,
    FONCTIONS,
    NOTES,
    OBJECTIFS,
    POOLS,
    SERVICES_INTERNES,
    SORTIES_FINALES,
    SUITES,
    TYPES_PAR_PHASE,
)
from trajets.models import (
    CELLULE_DE_PHASE,
    MOIS_ENTRE_EVALUATIONS,
    ContratArticle60,
    EngagementTiers,
    Etape,
    EvaluationPiis,
    MotifSortie,
    ObjectifPiis,
    ParametresJournal,
    PassagePhase,
    Phase,
    Piis,
    PoolArticle60,
    RegleDureeArticle60,
    StatutPiis,
    TypeEtape,
)


def _pondere(rng, choix):
    total = sum(p for _, p in choix)
    r = rng.uniform(0, total)
    for valeur, poids in choix:
        r -= poids
        if r <= 0:
            return valeur
    return choix[-1][0]


def _agents_par_cellule(cpas):
    agents = defaultdict(list)
    for m in Membership.objects.filter(cpas=cpas, actif=True, role=Role.AGENT).select_related(
        "cellule", "user"
    ):
        if m.cellule_id:
            agents[m.cellule.code].append(m.user)
    return agents


def charger(ctx) -> None:
    rng = ctx.rng
    today = ctx.aujourd_hui
    motifs = {m.code: m for m in MotifSortie.objects.all()}
    types = {t.code: t for t in TypeEtape.objects.all()}
    regles = list(RegleDureeArticle60.objects.all())
    utilisateurs_a60 = list(
        Partenaire.objects.filter(type__code__in=["economie_sociale", "asbl", "employeur_prive"])
        .select_related("type")
        .order_by("nom")[:12]
    )  # empty when the partenaires demo is not loaded
    tiers = list(Partenaire.objects.filter(actif=True).order_by("nom")[:20])
    debut_deploiement = today - relativedelta(years=3)
    for cpas in ctx.cpas:
        coordinateur = ctx.comptes[(cpas.code, Role.COORDINATEUR)]
        agents = _agents_par_cellule(cpas)
        # The neutral type the quick step form starts from (the CPAS admin may change it).
        ParametresJournal.objects.update_or_create(
            cpas=cpas, defaults={"type_par_defaut": types["entretien_individuel"]}
        )
        for mois, total, es in POOLS.get(cpas.code, [(24, 10, 3)]):
            PoolArticle60.objects.create(
                cpas=cpas,
                valable_du=(today - relativedelta(months=mois)).replace(day=1),
                postes_total=total,
                postes_economie_sociale=es,
                commentaire="Quota régional",
            )
        personnes = list(Beneficiaire.objects.filter(cpas=cpas).order_by("pk"))
        droits = defaultdict(list)
        for d in DroitAide.objects.filter(cpas=cpas).order_by("debut"):
            droits[d.beneficiaire_id].append(d)

        passages, contrats, piis_liste = [], [], []
        plan_etapes = []  # (beneficiaire, passage, phase, debut, fin, auteur)
        for b in personnes:
            ds = droits.get(b.pk)
            if not ds or b.date_cloture:
                continue
            premier = ds[0]
            # People join progressively over the roll-out (most of them in the end), soon after
            # their right starts; the trajectory stops when the last right ended.
            etalement = int((today - debut_deploiement).days * 0.9 * rng.random() ** 1.4)
            entree = max(
                premier.debut + datetime.timedelta(days=rng.randint(10, 60)),
                debut_deploiement + datetime.timedelta(days=etalement),
            )
            if entree >= today or rng.random() > 0.85:
                continue
            fin_droits = ds[-1].fin
            if fin_droits is not None and fin_droits <= entree:
                continue
            limite = fin_droits or today
            phase = _pondere(
                rng,
                [
                    (Phase.FACILITATEUR, 70),
                    (Phase.ALPHA, 15 if b.niveau_fr in ("A1", "A2") else 3),
                    (Phase.EMPLOI, 15),
                ],
            )
            debut = entree
            while debut < limite:
                cellule = CELLULE_DE_PHASE[phase]
                agent = (
                    rng.choice(agents[cellule])
                    if agents.get(cellule)
                    else (b.referent or coordinateur)
                )
                contrat = None
                if phase == Phase.ARTICLE60:
                    proposee = delais.fin_prevue_article60(debut, b.date_naissance, regles)
                    fin_prevue = proposee.fin if proposee else debut + relativedelta(years=1)
                    partenaire = (
                        rng.choice(utilisateurs_a60)
                        if utilisateurs_a60 and rng.random() < 0.5
                        else None
                    )
                    es = bool(partenaire and partenaire.type.code == "economie_sociale") or (
                        partenaire is None and rng.random() < 0.15
                    )
                    contrat = ContratArticle60(
                        cpas=cpas,
                        beneficiaire=b,
                        partenaire=partenaire,
                        service_interne="" if partenaire else rng.choice(SERVICES_INTERNES),
                        economie_sociale=es,
                        fonction=rng.choice(FONCTIONS),
                        debut=debut,
                        fin_prevue=fin_prevue,
                        fin_prevue_calculee=fin_prevue,
                        jours_requis=proposee.jours if proposee else None,
                        subside_regional=rng.choice([900, 1050, 1200]),
                        montant_utilisateur=0 if not partenaire else rng.choice([150, 250, 400]),
                        cree_par=agent,
                    )
                    fin = fin_prevue
                    if rng.random() < 0.12:  # ended early
                        fin = debut + datetime.timedelta(
                            days=rng.randint(30, (fin_prevue - debut).days)
                        )
                else:
                    mini, maxi = DUREES[phase]
                    fin = debut + datetime.timedelta(days=rng.randint(mini, maxi))
                suite = _pondere(rng, SUITES[phase])
                if fin_droits is not None and fin >= fin_droits:
                    fin, suite = fin_droits, None
                if fin >= today:
                    fin = None
                passage = PassagePhase(
                    cpas=cpas,
                    beneficiaire=b,
                    phase=phase,
                    debut=debut,
                    fin=fin,
                    agent=agent,
                    motif_entree="Orientation après bilan"
                    if phase != Phase.FACILITATEUR
                    else "Entrée dans le trajet",
                )
                if fin is not None:
                    code = "reorientation" if suite else _pondere(rng, SORTIES_FINALES[phase])
                    if fin_droits is not None and fin == fin_droits and phase != Phase.ARTICLE60:
                        code = rng.choice(["fin_droit", "emploi", "demenagement"])
                    passage.motif_sortie = motifs[code]
                passages.append(passage)
                if contrat is not None:
                    contrat._passage = passage
                    if fin is not None:
                        contrat.fin_reelle = fin
                        contrat.motif_fin = passage.motif_sortie
                    contrats.append(contrat)
                plan_etapes.append((b, passage, phase, debut, fin or today, agent))
                if fin is None or suite is None:
                    break
                phase = suite
                debut = fin + datetime.timedelta(days=1)
            # PIIS answering the first RIS decision (mandatory for new beneficiaries).
            if premier.date_decision and rng.random() < 0.8:
                piis_liste.append(
                    _piis(rng, cpas, b, premier.date_decision, today, b.referent or coordinateur)
                )

        PassagePhase.objects.bulk_create(passages, batch_size=2000)
        for c in contrats:
            c.passage = c._passage
        ContratArticle60.objects.bulk_create(contrats, batch_size=2000)

        etapes = []
        for b, passage, phase, debut, fin, agent in plan_etapes:
            auteur = agent if rng.random() < 0.7 else (b.referent or agent)
            jour = debut + datetime.timedelta(days=rng.randint(0, 10))
            while jour <= min(fin, today):
                code = _pondere(rng, TYPES_PAR_PHASE[phase])
                prochaine, echeance, faite = "", None, None
                if rng.random() < 0.35:
                    prochaine = rng.choice(ACTIONS)
                    echeance = jour + datetime.timedelta(days=rng.randint(5, 30))
                    if echeance < today - datetime.timedelta(days=45) or rng.random() < 0.6:
                        faite = min(today, echeance + datetime.timedelta(days=rng.randint(-3, 5)))
                        faite = max(faite, jour)
                etapes.append(
                    Etape(
                        cpas=cpas,
                        beneficiaire=b,
                        passage=passage,
                        date=jour,
                        type=types[code],
                        mode=_pondere(rng, [("presentiel", 70), ("telephone", 25), ("video", 5)])
                        if code != "appel_telephonique"
                        else "telephone",
                        duree=rng.choice([15, 30, 45, 60, 90]),
                        note=rng.choice(NOTES.get(code, ["Suivi."])),
                        note_confidentielle="Situation familiale difficile, à suivre avec tact."
                        if rng.random() < 0.04
                        else "",
                        prochaine_action=prochaine,
                        echeance=echeance,
                        action_faite_le=faite,
                        auteur=auteur,
                    )
                )
                jour += datetime.timedelta(days=rng.randint(10, 45))
        Etape.objects.bulk_create(etapes, batch_size=5000)

        Piis.objects.bulk_create([p for p, *_ in piis_liste], batch_size=2000)
        objectifs, engagements, evaluations, etapes_eval = [], [], [], []
        for piis, libelles, evals in piis_liste:
            for ordre, (libelle, statut) in enumerate(libelles, start=1):
                objectifs.append(
                    ObjectifPiis(cpas=cpas, piis=piis, ordre=ordre, libelle=libelle, statut=statut)
                )
            if tiers and rng.random() < 0.3:
                engagements.append(
                    EngagementTiers(
                        cpas=cpas,
                        piis=piis,
                        partenaire=rng.choice(tiers),
                        engagements=ENGAGEMENT_TIERS,
                    )
                )
            for prevue, tenue, mode in evals:
                etape = None
                if tenue:
                    etape = Etape(
                        cpas=cpas,
                        beneficiaire=piis.beneficiaire,
                        date=tenue,
                        type=types["evaluation_piis"],
                        mode=mode if mode != "ecrit" else "presentiel",
                        note="Évaluation du PIIS : objectifs en bonne voie.",
                        auteur=piis.agent,
                    )
                    etapes_eval.append(etape)
                evaluations.append(
                    EvaluationPiis(
                        cpas=cpas,
                        piis=piis,
                        date_prevue=prevue,
                        date_tenue=tenue,
                        mode=mode,
                        appreciation="Progression conforme aux objectifs." if tenue else "",
                        etape=etape,
                        auteur=piis.agent if tenue else None,
                    )
                )
        ObjectifPiis.objects.bulk_create(objectifs, batch_size=5000)
        EngagementTiers.objects.bulk_create(engagements, batch_size=2000)
        Etape.objects.bulk_create(etapes_eval, batch_size=5000)
        for ev in evaluations:
            ev.etape_id = ev.etape.pk if ev.etape else None
        EvaluationPiis.objects.bulk_create(evaluations, batch_size=5000)
        # Link evaluation steps to the stay running on their date.
        par_personne = defaultdict(list)
        for p in passages:
            par_personne[p.beneficiaire_id].append(p)
        for e in etapes_eval:
            e.passage = next(
                (
                    p
                    for p in par_personne[e.beneficiaire_id]
                    if p.debut <= e.date and (p.fin is None or p.fin >= e.date)
                ),
                None,
            )
        Etape.objects.bulk_update(etapes_eval, ["passage"], batch_size=5000)
        if ctx.stdout:
            n_etapes = len(etapes) + len(etapes_eval)
            ctx.stdout.write(
                f"  trajets {cpas.code}: {len(passages)} passages, {n_etapes} étapes, "
                f"{len(piis_liste)} PIIS, {len(evaluations)} évaluations, "
                f"{len(contrats)} contrats article 60"
            )
    _notifications(ctx)


def _notifications(ctx) -> None:
    """The bell as a user finds it on a normal morning: the referrals a partner answered or
    closed during the last month (as the portal's services notify them) and what the daily
    task notifies (PIIS signatures and evaluations due within 7 days, article 60 contracts
    ending within 30 days)."""
    from cpas_isp.models import NatureNotification
    from partenaires.models import Orientation, StatutOrientation
    from partenaires.services.orientations import notifier_cpas
    from trajets.services.notifications import notifier_echeances

    depuis = ctx.aujourd_hui - datetime.timedelta(days=30)
    orientations = Orientation.objects.filter(cpas__in=ctx.cpas)
    repondues = orientations.filter(
        statut__in=[
            StatutOrientation.ACCEPTEE,
            StatutOrientation.REFUSEE,
            StatutOrientation.EN_COURS,
        ],
        date_reponse__gte=depuis,
    )
    for orientation in repondues:
        notifier_cpas(orientation, NatureNotification.ORIENTATION_REPONSE, None)
    for orientation in orientations.filter(statut=StatutOrientation.TERMINEE, date_fin__gte=depuis):
        notifier_cpas(orientation, NatureNotification.ORIENTATION_CLOTUREE, None)
    notifier_echeances(ctx.aujourd_hui)


def _piis(rng, cpas, b, decision, today, agent):
    """A PIIS answering ``decision``: mostly signed within 3 months, some late, recent ones still
    in draft or proposed; past evaluations mostly held, mostly face to face."""
    type_ = rng.choice(["emploi", "emploi", "formation", "etudes", "activation"])
    proposition = decision + datetime.timedelta(days=rng.randint(15, 85))
    libelles = [
        (o, "a_commencer") for o in rng.sample(OBJECTIFS[type_], k=min(2, len(OBJECTIFS[type_])))
    ]
    piis = Piis(
        cpas=cpas,
        beneficiaire=b,
        type=type_,
        date_decision_ris=decision,
        agent=agent,
        modifie_par=agent,
        engagements_personne=ENGAGEMENT_PERSONNE,
        engagements_cpas=ENGAGEMENT_CPAS,
        domaines_action=rng.sample(
            ["emploi", "formation", "langue", "mobilite", "garde", "administratif"], k=2
        ),
        politique_evaluation="trimestrielle",
    )
    evals = []
    if proposition >= today:
        return piis, libelles, evals  # draft
    piis.statut = StatutPiis.PROPOSE
    piis.date_proposition = proposition
    signature = proposition + datetime.timedelta(days=rng.randint(5, 20))
    if signature >= today or rng.random() < 0.05:
        return piis, libelles, evals
    piis.statut = StatutPiis.SIGNE
    piis.date_signature = signature
    piis.debut = signature
    piis.fin = signature + relativedelta(years=1) - datetime.timedelta(days=1)
    for date in delais.calendrier_evaluations(
        piis.debut, piis.fin, MOIS_ENTRE_EVALUATIONS["trimestrielle"]
    ):
        tenue, mode = None, "presentiel"
        if date <= today - datetime.timedelta(days=7) and rng.random() < 0.88:
            tenue = min(today, date + datetime.timedelta(days=rng.randint(-5, 12)))
            mode = "presentiel" if rng.random() < 0.8 else "telephone"
        elif date <= today - datetime.timedelta(days=60):
            continue  # an evaluation that was never held nor planned again
        evals.append((date, tenue, mode))
    if piis.fin < today:
        piis.statut = _pondere(
            rng,
            [(StatutPiis.ATTEINT, 55), (StatutPiis.NON_ATTEINT, 30), (StatutPiis.ABANDONNE, 15)],
        )
        piis.date_cloture = piis.fin
        libelles = [
            (lib, "atteint" if piis.statut == StatutPiis.ATTEINT else "non_atteint")
            for lib, _ in libelles
        ]
        evals = [e for e in evals if e[1]]  # closed: no evaluation left to do
    else:
        libelles = [(lib, "en_cours") for lib, _ in libelles]
    return piis, libelles, evals
