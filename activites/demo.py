"""Demo collective activities (``charger`` is called by ``manage.py demo_data``):

- Anderlecht: an alpha course (A1, three mornings a week, run by the partner Lire et Écrire
  Bruxelles, whose demo user records attendance from the portal), full with a waiting list;
- Ciney, Hamois and Havelange: the shared pre-training « Cap Condroz » (convention of the
  partners demo) in modules alternating collective and individual moments; of the 20 who
  started, half finished; ESF+-funded: its participants have entry data and some results;
- Anderlecht: a job day with employers;
- Anderlecht: the self-employment programme's workshop with the programme's participants.

Attendance goes through the services (so the weekly journal summaries exist); deterministic
(``ctx.rng``)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from activites import fse, services
from activites.calendrier import dates_recurrentes
from activites.models import Activite, Inscription, Module, Seance, TypeActivite
from beneficiaires.models import Beneficiaire
from cpas_isp.models import Cpas, Role
from partenaires.models import Convention, Partenaire, Participation, Programme
from trajets.models import PassagePhase

H = datetime.time


def _personnes(cpas, phase=None, n=10, exclure=()):
    qs = Beneficiaire.objects.filter(cpas=cpas, date_cloture__isnull=True).exclude(pk__in=exclure)
    if phase:
        en_phase = PassagePhase.objects.filter(cpas=cpas, phase=phase, fin__isnull=True)
        choisis = list(qs.filter(pk__in=en_phase.values("beneficiaire_id")).order_by("id")[:n])
        if len(choisis) >= n:
            return choisis
        reste = qs.exclude(pk__in=[p.pk for p in choisis]).order_by("id")[: n - len(choisis)]
        return choisis + list(reste)
    return list(qs.order_by("id")[:n])


def _seances(activite, jours, de, a, du=None, au=None, module=None):
    dates = dates_recurrentes(du or activite.debut, au or activite.fin, set(jours))
    return services.creer_seances(activite, dates, de, a, module)


def _presences(ctx, seances, inscriptions, agent, *, taux_absence=0.12, jusqua=None):
    """Marks of the sessions already held: mostly present, some late, excused or absent;
    people who left stop coming after their last day."""
    rng = ctx.rng
    jusqua = min(jusqua or ctx.aujourd_hui, ctx.aujourd_hui)
    for seance in sorted(seances, key=lambda s: (s.date, s.heure_debut)):
        if seance.date > jusqua:
            break
        marques = {}
        for i in inscriptions:
            fin = i.date_retrait or i.date_fin
            if seance.date < i.date_inscription or (fin and seance.date > fin):
                continue
            tirage = rng.random()
            if tirage < taux_absence * 0.5:
                marques[i] = ("absent", None)
            elif tirage < taux_absence:
                marques[i] = ("excuse", None)
            elif tirage < taux_absence + 0.06:
                retard = seance.heures_prevues - Decimal("0.5")
                marques[i] = ("retard", max(retard, Decimal("0.5")))
            else:
                marques[i] = ("present", None)
        if marques:
            services.enregistrer_presences(seance, marques, agent)


def _inscrire(activite, personnes, agent, date):
    return [services.inscrire(activite, p, agent, date=date) for p in personnes]


def _cours_alpha(ctx, cpas, agent):
    today = ctx.aujourd_hui
    activite = Activite.objects.create(
        cpas=cpas,
        titre="Alpha A1 — cours du matin",
        type=TypeActivite.objects.get(code="alphabetisation"),
        niveau="A1",
        description="Lire, écrire et parler le français du quotidien ; préparation aux tests "
        "d'entrée des formations qualifiantes.",
        partenaire=Partenaire.objects.filter(nom="Lire et Écrire Bruxelles").first(),
        formateurs="Nadia Benali, Pierre Wauters",
        lieu="Maison de quartier Clemenceau, local 2",
        capacite=12,
        debut=today - datetime.timedelta(days=63),
        fin=today + datetime.timedelta(days=120),
        cree_par=agent,
    )
    seances = _seances(activite, {0, 2, 4}, H(9, 0), H(12, 0))
    personnes = _personnes(cpas, phase="alpha", n=14)
    inscriptions = _inscrire(activite, personnes, agent, activite.debut)  # 12 + 2 waiting
    inscrits = [i for i in inscriptions if i.statut == "inscrit"]
    # One person found a job after a month: the first on the waiting list takes the seat.
    le = activite.debut + datetime.timedelta(days=30)
    promus = services.retirer(inscrits[5], "emploi", "Contrat CDD en logistique", date=le)
    Inscription.objects.filter(pk__in=[p.pk for p in promus]).update(
        date_inscription=le + datetime.timedelta(days=1)
    )
    for i in inscriptions:
        i.refresh_from_db()
    _presences(ctx, seances, [i for i in inscriptions if i.statut != "attente"], agent)
    return activite


def _preformation(ctx, cpas, agent):
    today = ctx.aujourd_hui
    voisins = list(Cpas.objects.filter(code__in=["hamois", "havelange"]))
    activite = Activite.objects.create(
        cpas=cpas,
        titre="Préformation « Cap Condroz »",
        type=TypeActivite.objects.get(code="preformation"),
        description="Préformation commune des CPAS de Ciney, Hamois et Havelange vers les "
        "formations qualifiantes (horeca, bâtiment) : modules collectifs et moments "
        "individuels en alternance.",
        partenaire=Partenaire.objects.filter(nom="CISP Le Trusquin").first(),
        convention=Convention.objects.filter(cpas=cpas, titre__contains="Cap Condroz").first(),
        formateurs="Équipe du CISP Le Trusquin",
        lieu="CISP Le Trusquin, Ciney",
        capacite=20,
        debut=today - datetime.timedelta(days=200),
        fin=today - datetime.timedelta(days=20),
        numero_projet_fse="FSE+ 2021-2027 / W-0173",
        cree_par=agent,
    )
    activite.cpas_participants.set(voisins)
    titres = [
        ("Remobilisation et confiance en soi", True),
        ("Bilan individuel et projet", False),
        ("Découverte des métiers (horeca, bâtiment)", True),
        ("Stage d'observation et débriefing", False),
    ]
    duree = (activite.fin - activite.debut).days // len(titres)
    seances = []
    for ordre, (titre, collectif) in enumerate(titres, start=1):
        module = Module.objects.create(
            activite=activite, titre=titre, ordre=ordre, collectif=collectif
        )
        du = activite.debut + datetime.timedelta(days=(ordre - 1) * duree)
        au = min(du + datetime.timedelta(days=duree - 1), activite.fin)
        jours = {1, 3} if collectif else {2}
        seances += _seances(activite, jours, H(9, 0), H(15, 30), du=du, au=au, module=module)
    personnes = _personnes(cpas, phase="etudes_formations", n=20)
    semaine_avant = activite.debut - datetime.timedelta(days=7)
    inscriptions = _inscrire(activite, personnes, agent, semaine_avant)
    # Half of the 20 who started finished (6 with a certificate); 6 dropped out, 4 reoriented.
    rng = ctx.rng
    departs = {
        i.pk: activite.debut + datetime.timedelta(days=rng.randint(20, 150))
        for i in inscriptions[10:]
    }
    for i in inscriptions:
        i.date_fin = departs.get(i.pk)  # in memory only: the marks stop after that day
    _presences(ctx, seances, inscriptions, agent, taux_absence=0.15, jusqua=activite.fin)
    for k, i in enumerate(inscriptions):
        i.refresh_from_db()
        if k < 10:
            services.terminer(i, "certificat" if k < 6 else "acheve", date=activite.fin)
        else:
            services.terminer(i, "abandon" if k < 16 else "reoriente", date=departs[i.pk])
    for i in Inscription.objects.filter(activite=activite, resultat="certificat")[:3]:
        services.emettre_attestation(i, "reussite", agent)
    _donnees_fse(ctx, activite, agent)
    return activite


def _donnees_fse(ctx, activite, agent):
    """ESF+ data of the pre-training's participants: entry data proposed from the file and
    confirmed (a few still to confirm, some declared situations, one refusal), the result at
    exit for most of those who left, the situation six months later for a few; the daily task
    then creates the follow-ups still due."""
    rng = ctx.rng
    statuts = ["chomeur", "chomeur", "chomeur_ld", "chomeur_ld", "inactif", "emploi"]
    inscriptions = list(
        Inscription.objects.filter(activite=activite).select_related("beneficiaire").order_by("id")
    )
    for k, i in enumerate(inscriptions):
        if k >= len(inscriptions) - 2:  # two left for the agent to confirm
            break
        b = i.beneficiaire
        valeurs = {
            "statut_emploi": statuts[k % len(statuts)],
            "niveau_isced": "0-2" if k % 3 else "3-4",
            **fse.propositions(b, i.date_inscription),
            "handicap": "oui" if k == 3 else "non",
            "pays_tiers": "refus" if k == 5 else "non",
            "origine_etrangere": "oui" if k % 4 == 1 else "non",
            "zone_rurale": "oui",  # the Condroz
        }
        fin = i.date_fin or i.date_retrait
        if fin is not None and rng.random() < 0.8:
            valeurs["sortie_notee_le"] = min(fin + datetime.timedelta(days=14), ctx.aujourd_hui)
            if i.resultat == "certificat":
                valeurs.update(sortie_qualification=True, sortie_formation=rng.random() < 0.5)
            elif i.resultat == "abandon":
                valeurs["sortie_recherche_emploi"] = True
            else:
                valeurs["sortie_formation"] = True
            if fin + datetime.timedelta(days=183) <= ctx.aujourd_hui and rng.random() < 0.7:
                valeurs["six_mois_note_le"] = fin + datetime.timedelta(days=190)
                valeurs["six_mois_emploi"] = rng.random() < 0.3
                valeurs["six_mois_situation_amelioree"] = rng.random() < 0.6
        fse.enregistrer(b, activite.numero_projet_fse, valeurs, agent, sensibles=True)
    fse.creer_suivis(ctx.aujourd_hui)


def _job_day(ctx, cpas, agent):
    today = ctx.aujourd_hui
    activite = Activite.objects.create(
        cpas=cpas,
        titre="Job Day logistique et grande distribution",
        type=TypeActivite.objects.get(code="job_day"),
        description="Rencontres avec six employeurs du secteur : entretiens de 10 minutes, CV "
        "imprimés, tenue de travail conseillée.",
        lieu="Salle du conseil, CPAS d'Anderlecht",
        capacite=40,
        debut=today + datetime.timedelta(days=12),
        fin=today + datetime.timedelta(days=12),
        cree_par=agent,
    )
    services.creer_seances(activite, [activite.debut], H(9, 30), H(13, 0))
    _inscrire(activite, _personnes(cpas, phase="emploi", n=9), agent, today)
    return activite


def _atelier_autocreation(ctx, cpas, agent):
    today = ctx.aujourd_hui
    programme = Programme.objects.filter(cpas=cpas, titre__contains="autocréation").first()
    if programme is None:
        return None
    activite = Activite.objects.create(
        cpas=cpas,
        titre="Atelier autocréation : du projet au plan financier",
        type=TypeActivite.objects.get(code="atelier"),
        description="Quatre demi-journées : statut d'indépendant, étude de marché, plan "
        "financier, présentation au microcrédit.",
        partenaire=Partenaire.objects.filter(nom__icontains="microStart").first(),
        programme=programme,
        formateurs="Conseiller·ère microStart",
        lieu="microStart, Anderlecht",
        capacite=16,
        debut=today - datetime.timedelta(days=14),
        fin=today + datetime.timedelta(days=14),
        cree_par=agent,
    )
    seances = _seances(activite, {3}, H(13, 30), H(16, 30))
    participants = Participation.objects.filter(
        programme=programme, statut__in=["inscrit", "actif"]
    ).select_related("beneficiaire")
    personnes = [p.beneficiaire for p in participants]
    inscriptions = _inscrire(activite, personnes, agent, activite.debut)
    _presences(ctx, seances, inscriptions, agent)
    return activite


def charger(ctx) -> None:
    par_code = {c.code: c for c in ctx.cpas}
    crees = []
    anderlecht = par_code.get("anderlecht")
    if anderlecht is not None:
        agent = ctx.comptes[("anderlecht", Role.AGENT)]
        crees += [
            _cours_alpha(ctx, anderlecht, agent),
            _job_day(ctx, anderlecht, agent),
            _atelier_autocreation(ctx, anderlecht, agent),
        ]
    ciney = par_code.get("ciney")
    if ciney is not None:
        crees.append(_preformation(ctx, ciney, ctx.comptes[("ciney", Role.AGENT)]))
    if ctx.stdout is not None:
        ctx.stdout.write(
            f"  activites : {len([a for a in crees if a])} activités collectives, "
            f"{Seance.objects.count()} séances, {Inscription.objects.count()} inscriptions"
        )
