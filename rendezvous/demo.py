"""Demo agendas: places, each agent's recurring availability and a cellule's shared slots (the
collective session, first interviews), and
about three months of appointments (two past, one to come) with realistic outcomes: most people
come, about one in five do not (excused or not: one in six of those invited or booked, more than
one in four of those convened), a few cancel. Past outcomes have their journal step.
Deterministic (``ctx.rng``) and bulk-created."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.core.exceptions import ValidationError
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
    OrigineRendezVous,
    Participant,
    RendezVous,
    StatutEnvoi,
    StatutRendezVous,
    TypeLieu,
    TypeRendezVous,
)
from rendezvous.services import issue_d_ensemble, note_issue
from trajets.models import CELLULE_DE_PHASE, Etape, PassagePhase

# How to get to the office, printed on the letters.
INDICATIONS = "Entrée par la cour, accueil au rez-de-chaussée. Bus 46 et tram 81, arrêt Église."
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
# How appointments came about (weights), and the outcomes of convocations: about 22 % absent
# (comparable services: about 24 % for imposed convocations, 11 % for invitations).
ORIGINES = [(OrigineRendezVous.DIRECT, 50), (OrigineRendezVous.INVITATION, 30),
            (OrigineRendezVous.CONVOCATION, 20)]  # fmt: skip
ISSUES_CONVOCATION = [(StatutRendezVous.VU, 68), (StatutRendezVous.ABSENT, 22),
                      (StatutRendezVous.EXCUSE, 6), (StatutRendezVous.ANNULE_PERSONNE, 3),
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
        # ... and the cellule's first-interview slots, Tuesday and Thursday afternoons: what an
        # invitation to a first ISP interview offers (each slot needs a free agent of the cellule).
        for jour in (1, 3):
            Disponibilite.objects.create(
                cpas=cpas,
                agenda=agenda_cellule,
                jour=jour,
                heure_debut=datetime.time(13, 30),
                heure_fin=datetime.time(16, 0),
                duree_creneau=30,
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
                    origine = _pondere(rng, ORIGINES)
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
                                statut=_statut(rng, jour, today, origine),
                                origine=origine,
                                cree_par=m.user,
                            ),
                            [(passage.beneficiaire_id, passage)],
                        )
                    )
                jour += datetime.timedelta(days=1)
        plan += _seances_collectives(
            rng, cpas, membres, agenda_cellule, passages, occupe, types, lieux[0],
            premier_jour, dernier_jour, today,
        )  # fmt: skip
        _enregistrer(cpas, plan)
        _invitations(rng, cpas, membres, lieux[0])
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
        for beneficiaire_id, *_ in gens:
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


def _seances_collectives(
    rng, cpas, membres, agenda, passages, occupe, types, lieu, premier_jour, dernier_jour, today
):
    """The facilitateurs' collective information session, Wednesdays 14:00-15:30, with 4 to 8
    people in that phase; past ones with each participant's own outcome."""
    animateur = next((m for m in membres if m.cellule.code == "facilitateurs"), None)
    if animateur is None:
        return []
    plan = []
    jour = premier_jour + datetime.timedelta(days=(2 - premier_jour.weekday()) % 7)
    while jour <= dernier_jour:
        en_cours = [
            p
            for p in passages.get("facilitateur", [])
            if p.debut <= jour
            and (p.fin is None or p.fin >= jour)
            and (p.beneficiaire_id, jour) not in occupe
        ]
        gens = rng.sample(en_cours, min(len(en_cours), rng.randint(4, 8)))
        if gens:
            issues = [_pondere(rng, ISSUES[:3]) if jour < today else "" for _p in gens]
            statut = issue_d_ensemble(issues) or _statut(rng, jour, today)
            debut = _moment(jour, "14:00")
            plan.append(
                (
                    RendezVous(
                        cpas=cpas,
                        agent=animateur.user,
                        agenda=agenda,
                        cellule=animateur.cellule,
                        type=types["information_collective"],
                        debut=debut,
                        fin=debut + datetime.timedelta(minutes=90),
                        lieu=lieu,
                        statut=statut,
                        cree_par=animateur.user,
                    ),
                    [(p.beneficiaire_id, p, issue) for p, issue in zip(gens, issues, strict=True)],
                )
            )
            occupe.update((p.beneficiaire_id, jour) for p in gens)
        jour += datetime.timedelta(days=7)
    return plan


def _statut(rng, jour, today, origine=OrigineRendezVous.DIRECT):
    if jour < today:
        return _pondere(
            rng, ISSUES_CONVOCATION if origine == OrigineRendezVous.CONVOCATION else ISSUES
        )
    return StatutRendezVous.CONFIRME if rng.random() < 0.4 else StatutRendezVous.PLANIFIE


def _enregistrer(cpas, plan):
    rdvs = RendezVous.objects.bulk_create([rdv for rdv, _ in plan])
    participants, etapes, changements = [], [], []
    for rdv, gens in plan:
        annule = rdv.annule
        for beneficiaire_id, passage, *propre in gens:
            # A collective session's participants each have their own outcome.
            issue = propre[0] if propre else rdv.statut if rdv.statut in STATUTS_ISSUE else ""
            participant = Participant(
                cpas=cpas,
                rendez_vous=rdv,
                beneficiaire_id=beneficiaire_id,
                debut=rdv.debut,
                fin=rdv.fin,
                annule=annule,
                issue=issue,
            )
            participants.append(participant)
            if issue:
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
                            duree=rdv.duree if issue == StatutRendezVous.VU else None,
                            note=note_issue(issue),
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


def _invitations(rng, cpas, membres, bureau) -> None:
    """Invitations and convocations of people with a running RIS/ERIS right and no first ISP
    interview: some pending (their link is printed with the letter from the person's page),
    some booked through the link, some expired (the "to convene" queue), some convened."""
    from beneficiaires.models import Beneficiaire, DroitAide
    from rendezvous import files

    bureau.indications = INDICATIONS
    bureau.save(update_fields=["indications"])
    cpas.adresse = cpas.adresse or "Rue de l'Église 12"
    cpas.telephone = cpas.telephone or "02 555 01 01"
    cpas.save(update_fields=["adresse", "telephone"])
    agents = list(membres)
    if not agents:
        return
    today = timezone.localdate()
    sans_premier = set(
        DroitAide.objects.filter(cpas=cpas)
        .actifs_le(today)
        .values_list("beneficiaire_id", flat=True)
    ) - set(
        Participant.objects.filter(
            cpas=cpas, rendez_vous__type__code=files.CODE_PREMIER_ENTRETIEN
        ).values_list("beneficiaire_id", flat=True)
    )
    personnes = sorted(sans_premier)
    rng.shuffle(personnes)
    premier = TypeRendezVous.objects.get(code=files.CODE_PREMIER_ENTRETIEN)
    gens = Beneficiaire.objects.in_bulk(personnes[:22])
    for n, pk in enumerate(personnes[:22]):
        try:
            _inviter_un(n, gens[pk], agents[n % len(agents)], cpas, premier)
        except ValidationError:  # the person is busy at that slot: leave them out
            continue


def _inviter_un(n, b, m, cpas, premier):
    from rendezvous import services_invitations
    from rendezvous.models import Invitation, StatutInvitation

    agenda = Agenda.objects.get(cpas=cpas, agent=m.user)
    canaux = ["lettre", "email"] if b.email else ["lettre"]
    if n < 4:  # convened to a free slot
        creneaux = queries_creneaux(agenda, premier.duree)
        if creneaux:
            services_invitations.convoquer(
                b, agenda, premier, creneaux[(n * 5) % len(creneaux)].valeur, canaux, m.user
            )
        return
    invitation, jeton = services_invitations.inviter(b, agenda, premier, canaux, m.user)
    if n < 9:  # booked through the link
        creneaux = services_invitations.creneaux_de_l_invitation(invitation)
        if creneaux:
            services_invitations.reserver(jeton, creneaux[(n * 3) % len(creneaux)].valeur)
    elif n < 15:  # nobody answered: expired
        il_y_a = datetime.timedelta(days=12 + n)
        Invitation.objects.filter(pk=invitation.pk).update(
            cree_le=timezone.now() - il_y_a,
            expire_le=timezone.now() - il_y_a + datetime.timedelta(days=10),
            statut=StatutInvitation.EXPIREE,
        )


def queries_creneaux(agenda, duree):
    from rendezvous.queries import creneaux_pour

    return creneaux_pour(agenda, duree, apres=timezone.now() + datetime.timedelta(days=1))
