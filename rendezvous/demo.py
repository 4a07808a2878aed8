"""Demo agendas: places, each agent's recurring availability and a cellule's shared slots, and
about three months of appointments (two past, one to come) with realistic outcomes: most people
come, about 15 % do not (excused or not), a few cancel. Past outcomes have their journal step.
Deterministic (``ctx.rng``) and bulk-created."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.utils import timezone

from cpas_isp.models import Membership, Role
from rendezvous.models import (
    MODE_ETAPE_DU_LIEU,
    STATUTS_ANNULES,
    STATUTS_ISSUE,
    Agenda,
    Canal,
    CanauxDuType,
    ChangementStatut,
    Disponibilite,
    Envoi,
    Lieu,
    NatureEnvoi,
    Participant,
    RendezVous,
    StatutEnvoi,
    StatutRendezVous,
    TypeLieu,
    TypeRendezVous,
)
from rendezvous.services import note_issue
from trajets.models import CELLULE_DE_PHASE, Etape, PassagePhase

LIEUX = [
    ("Bureau ISP — rez-de-chaussée", TypeLieu.BUREAU, "Rue de l'Église 12"),
    ("Antenne de quartier", TypeLieu.ANTENNE, "Place communale 3"),
    ("Par téléphone", TypeLieu.TELEPHONE, ""),
    ("Visioconférence", TypeLieu.VIDEO, ""),
]
# weekday, from, to (30-minute slots)
HORAIRE = [
    (0, "09:00", "12:00"),
    (1, "09:00", "12:00"),
    (1, "13:30", "16:00"),
    (2, "09:00", "12:00"),
    (3, "09:00", "12:00"),
    (3, "13:30", "16:00"),
    (4, "09:00", "11:30"),
]
# Kinds of individual appointments (weights).
TYPES = [("suivi", 45), ("premier_entretien_isp", 12), ("bsp", 15), ("proposition_piis", 8),
         ("evaluation_piis", 12), ("rencontre_partenaire", 8)]  # fmt: skip
# Outcome of a past appointment (weights): about 11 % absent and 5 % excused.
ISSUES = [(StatutRendezVous.VU, 80), (StatutRendezVous.ABSENT, 11),
          (StatutRendezVous.EXCUSE, 5), (StatutRendezVous.ANNULE_PERSONNE, 3),
          (StatutRendezVous.ANNULE_CPAS, 1)]  # fmt: skip
PHASE_DE_CELLULE = {cellule: phase for phase, cellule in CELLULE_DE_PHASE.items()}


def _pondere(rng, choix):
    return rng.choices([v for v, _p in choix], weights=[p for _v, p in choix])[0]


def _moment(jour, heure):
    return timezone.make_aware(datetime.datetime.combine(jour, datetime.time.fromisoformat(heure)))


def _creneaux(jour):
    """The 30-minute slots of the demo timetable on ``jour``."""
    for weekday, de, a in HORAIRE:
        if weekday != jour.weekday():
            continue
        debut, fin = _moment(jour, de), _moment(jour, a)
        while debut < fin:
            yield debut
            debut += datetime.timedelta(minutes=30)


def _agenda(cpas, agent, lieu, depuis):
    agenda, _ = Agenda.objects.get_or_create(cpas=cpas, agent=agent)
    Disponibilite.objects.bulk_create(
        Disponibilite(
            cpas=cpas,
            agenda=agenda,
            jour=weekday,
            heure_debut=datetime.time.fromisoformat(de),
            heure_fin=datetime.time.fromisoformat(a),
            duree_creneau=30,
            valide_du=depuis,
            lieu=lieu,
        )
        for weekday, de, a in HORAIRE
    )
    return agenda


def charger(ctx) -> None:
    rng, today = ctx.rng, ctx.aujourd_hui
    premier_jour = today - datetime.timedelta(days=61)
    dernier_jour = today + datetime.timedelta(days=30)
    types = {t.code: t for t in TypeRendezVous.objects.filter(cpas__isnull=True)}
    for cpas in ctx.cpas:
        lieux = [
            Lieu.objects.create(cpas=cpas, nom=nom, type=type_, adresse=adresse)
            for nom, type_, adresse in LIEUX
        ]
        membres = (
            Membership.objects.filter(cpas=cpas, actif=True, role=Role.AGENT)
            .exclude(cellule=None)
            .select_related("user", "cellule")
        )
        # The facilitateurs' shared slot: the collective information session, Wednesdays.
        facilitateurs = cpas.cellules.get(code="facilitateurs")
        agenda_cellule, _ = Agenda.objects.get_or_create(cpas=cpas, cellule=facilitateurs)
        Disponibilite.objects.create(
            cpas=cpas,
            agenda=agenda_cellule,
            jour=2,
            heure_debut=datetime.time(14, 0),
            heure_fin=datetime.time(15, 30),
            duree_creneau=90,
            valide_du=premier_jour,
            lieu=lieux[0],
        )
        passages = defaultdict(list)  # phase -> stays overlapping the period
        for p in PassagePhase.objects.filter(cpas=cpas, debut__lte=dernier_jour).exclude(
            fin__lt=premier_jour
        ):
            passages[p.phase].append(p)
        plan = []  # (rendez-vous, [(person id, stay)])
        occupe = set()  # (person id, day): one appointment a day per person
        for m in membres:
            agenda = _agenda(cpas, m.user, lieux[0], premier_jour)
            suivis = passages.get(PHASE_DE_CELLULE.get(m.cellule.code), [])
            jour = premier_jour
            while jour <= dernier_jour and suivis:
                for debut in _creneaux(jour):
                    if rng.random() > 0.45:
                        continue
                    en_cours = [
                        p for p in suivis if p.debut <= jour and (p.fin is None or p.fin >= jour)
                    ]
                    if not en_cours:
                        break
                    passage = rng.choice(en_cours)
                    if (passage.beneficiaire_id, jour) in occupe:
                        continue
                    occupe.add((passage.beneficiaire_id, jour))
                    plan.append(
                        (
                            RendezVous(
                                cpas=cpas,
                                agent=m.user,
                                agenda=agenda,
                                cellule=m.cellule,
                                type=types[_pondere(rng, TYPES)],
                                debut=debut,
                                fin=debut + datetime.timedelta(minutes=30),
                                lieu=rng.choice(lieux[:3]),
                                statut=_statut(rng, jour, today),
                                cree_par=m.user,
                            ),
                            [(passage.beneficiaire_id, passage)],
                        )
                    )
                jour += datetime.timedelta(days=1)
        _enregistrer(cpas, plan)
        _reglages_et_messages(cpas, plan, rng, today)


def _reglages_et_messages(cpas, plan, rng, today):
    """The CPAS's settings (collective sessions by e-mail and SMS only) and the reminders sent
    two days before each appointment of the period to people with an address or a mobile
    number (most SMS delivered, a few failed), as the daily task would have recorded them."""
    from beneficiaires.models import Beneficiaire
    from beneficiaires.telephone import gsm
    from rendezvous.queries import parametres_du_cpas

    parametres_du_cpas(cpas.pk)
    collectif = TypeRendezVous.objects.get(code="information_collective")
    CanauxDuType.objects.get_or_create(
        cpas=cpas, type=collectif, defaults={"canaux": [Canal.EMAIL, Canal.SMS]}
    )
    contacts = {
        pk: (email, gsm(telephone), refuse)
        for pk, email, telephone, refuse in Beneficiaire.objects.filter(cpas=cpas).values_list(
            "pk", "email", "telephone", "refuse_rappels"
        )
    }
    maintenant = timezone.now()
    envois = []
    for rdv, gens in plan:
        rappel = rdv.debut - datetime.timedelta(days=2)
        if rappel > maintenant or rdv.statut in STATUTS_ANNULES:
            continue
        for beneficiaire_id, _passage in gens:
            email, numero, refuse = contacts.get(beneficiaire_id, ("", None, True))
            if refuse:
                continue
            commun = {"cpas": cpas, "beneficiaire_id": beneficiaire_id, "rendez_vous": rdv,
                      "nature": NatureEnvoi.RAPPEL_RENDEZ_VOUS, "envoye_le": rappel}  # fmt: skip
            if email:
                envois.append(Envoi(canal=Canal.EMAIL, destinataire=email,
                                    statut=StatutEnvoi.ENVOYE, **commun))  # fmt: skip
            if numero:
                livre = rng.random() < 0.93
                envois.append(
                    Envoi(
                        canal=Canal.SMS, destinataire=numero,
                        statut=StatutEnvoi.DELIVRE if livre else StatutEnvoi.ECHEC,
                        erreur="" if livre else "SMS : absent subscriber",
                        identifiant=f"demo-{rdv.pk}-{beneficiaire_id}",
                        statut_le=rappel + datetime.timedelta(minutes=2), **commun,
                    )
                )  # fmt: skip
    crees = Envoi.objects.bulk_create(envois, batch_size=2000)
    # cree_le is set on insert: put it at the reminder's moment.
    for envoi in crees:
        envoi.cree_le = envoi.envoye_le
    Envoi.objects.bulk_update(crees, ["cree_le"], batch_size=2000)


def _statut(rng, jour, today):
    if jour < today:
        return _pondere(rng, ISSUES)
    return StatutRendezVous.CONFIRME if rng.random() < 0.4 else StatutRendezVous.PLANIFIE


def _enregistrer(cpas, plan):
    rdvs = RendezVous.objects.bulk_create([rdv for rdv, _ in plan])
    participants, etapes, changements = [], [], []
    for rdv, gens in plan:
        annule = rdv.annule
        for beneficiaire_id, passage in gens:
            participant = Participant(
                cpas=cpas,
                rendez_vous=rdv,
                beneficiaire_id=beneficiaire_id,
                debut=rdv.debut,
                fin=rdv.fin,
                annule=annule,
            )
            participants.append(participant)
            if rdv.statut in STATUTS_ISSUE:
                etapes.append(
                    (
                        participant,
                        Etape(
                            cpas=cpas,
                            beneficiaire_id=beneficiaire_id,
                            passage=passage,
                            date=timezone.localtime(rdv.debut).date(),
                            type=rdv.type.type_etape,
                            mode=MODE_ETAPE_DU_LIEU.get(rdv.lieu.type, "presentiel"),
                            duree=30 if rdv.statut == StatutRendezVous.VU else None,
                            note=note_issue(rdv.statut),
                            auteur=rdv.agent,
                        ),
                    )
                )
        changements.append(
            ChangementStatut(
                cpas=cpas, rendez_vous=rdv, ancien="", nouveau=StatutRendezVous.PLANIFIE,
                par=rdv.agent,
            )
        )  # fmt: skip
        if rdv.statut != StatutRendezVous.PLANIFIE:
            changements.append(
                ChangementStatut(
                    cpas=cpas, rendez_vous=rdv, ancien=StatutRendezVous.PLANIFIE,
                    nouveau=rdv.statut, par=rdv.agent,
                )
            )  # fmt: skip
    Etape.objects.bulk_create([etape for _p, etape in etapes])
    for participant, etape in etapes:
        participant.etape = etape
    Participant.objects.bulk_create(participants)
    ChangementStatut.objects.bulk_create(changements)
    return rdvs
