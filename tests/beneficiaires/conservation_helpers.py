"""A complete closed file (every model that keeps something on a person, with a recognisable
secret in each free text), for the retention and right-of-access tests."""

from __future__ import annotations

import datetime
import itertools
import uuid

from django.db import connection
from django.utils import timezone

from activites import fse
from activites import services as services_activites
from activites.models import SuiviFse
from beneficiaires import conservation
from beneficiaires.models import AttributionReferent, ClotureDossier
from documents import services as services_documents
from partenaires.models import (
    AvisParticipant,
    MessageOrientation,
    PresenceOrientation,
    TransitionOrientation,
)
from rendezvous.models import ChangementStatut, Envoi, Invitation, RendezVous
from tests.activites.factories import ActiviteFactory, SeanceFactory
from tests.beneficiaires.factories import (
    BeneficiaireFactory,
    BilanFactory,
    DroitFactory,
    FreinBeneficiaireFactory,
)
from tests.documents.factories import deposer
from tests.partenaires.factories import OrientationFactory, ParticipationFactory, ProgrammeFactory
from tests.rendezvous.factories import moment, planifier
from tests.trajets.factories import ContratFactory, EtapeFactory, PassageFactory, PiisFactory, motif
from trajets.models import AppreciationObjectif, EngagementTiers, EvaluationPiis, ObjectifPiis

_n = itertools.count(1)


def ans_avant(annees: int, jours: int = 0) -> datetime.date:
    """The CPAS's local date ``annees`` years (and ``jours`` days) ago, computed now."""
    return conservation.ans_avant(timezone.localdate(), annees) - datetime.timedelta(days=jours)


def dossier_complet(cpas, agent, *, cloture: datetime.date | None, secret: str | None = None):
    """A person followed for two years and closed on ``cloture`` (None: open), with rights, an
    obstacle, a BSP, two phases, a step, a signed PIIS with objective, third-party engagement,
    evaluation and appraisal, an article 60 contract, a referral with its messages, steps and
    presence, a programme participation with feedback, an appointment with its status change,
    an invitation and a message sent. Every free text holds ``secret``. Returns (person, secret).
    """
    n = next(_n)
    secret = secret or f"SECRET{uuid.uuid4().hex[:10]}"
    fin = cloture or timezone.localdate()
    debut = fin - datetime.timedelta(days=730)
    b = BeneficiaireFactory(
        cpas=cpas,
        nom=f"Nom{secret}",
        prenom=f"Prenom{secret}",
        adresse=f"Rue {secret}",
        telephone="0470123456",
        email=f"{secret.lower()}@example.org",
        date_ouverture=debut,
        date_cloture=cloture,
        referent=agent,
    )
    DroitFactory(beneficiaire=b, debut=debut, fin=cloture, type="RIS" if n % 2 else "ERIS")
    AttributionReferent.objects.create(
        cpas=cpas, beneficiaire=b, ancien=None, nouveau=agent, par=agent, motif=f"motif {secret}"
    )
    # Closed once and reopened (an open file), or closed on ``cloture``.
    ClotureDossier.objects.create(
        cpas=cpas,
        beneficiaire=b,
        nature="cloture",
        date=cloture or debut + datetime.timedelta(days=100),
        motif=f"cloture {secret}",
        termine=["RIS"],
    )
    if cloture is None:
        ClotureDossier.objects.create(
            cpas=cpas,
            beneficiaire=b,
            nature="reouverture",
            date=debut + datetime.timedelta(days=101),
        )
    FreinBeneficiaireFactory(beneficiaire=b, debut=debut, commentaire=f"frein {secret}")
    BilanFactory(beneficiaire=b, projet=f"projet {secret}", cv=f"cv {secret}", auteur=agent)
    milieu = debut + datetime.timedelta(days=300)
    p1 = PassageFactory(
        beneficiaire=b,
        phase="facilitateur",
        debut=debut,
        fin=milieu,
        motif_sortie=motif("positive"),
        note=f"passage {secret}",
    )
    PassageFactory(
        beneficiaire=b,
        phase="emploi" if n % 2 else "alpha",
        debut=milieu + datetime.timedelta(days=1),
        fin=cloture,
        motif_sortie=motif("positive") if cloture else None,
        note=f"passage 2 {secret}",
    )
    etape = EtapeFactory(
        beneficiaire=b,
        passage=p1,
        date=debut + datetime.timedelta(days=10),
        note=f"etape {secret}",
        note_confidentielle=f"confidentiel {secret}",
        prochaine_action=f"action {secret}",
        auteur=agent,
    )
    piis = PiisFactory(
        beneficiaire=b,
        date_decision_ris=debut,
        date_proposition=debut + datetime.timedelta(days=5),
        engagements_personne=f"engagements {secret}",
        engagements_cpas=f"cpas {secret}",
        agent=agent,
    )
    objectif = ObjectifPiis.objects.create(
        cpas=cpas, piis=piis, ordre=1, libelle=f"objectif {secret}"
    )
    EngagementTiers.objects.create(
        cpas=cpas, piis=piis, nom=f"tiers {secret}", engagements=f"tiers engage {secret}"
    )
    evaluation = EvaluationPiis.objects.create(
        cpas=cpas,
        piis=piis,
        date_prevue=debut + datetime.timedelta(days=90),
        date_tenue=debut + datetime.timedelta(days=91),
        appreciation=f"appreciation {secret}",
        suites=f"suites {secret}",
        etape=etape,
        auteur=agent,
    )
    AppreciationObjectif.objects.create(
        cpas=cpas, evaluation=evaluation, objectif=objectif, commentaire=f"appr {secret}"
    )
    # Signed: the PIIS content is then frozen by a trigger, which anonymisation must pass.
    piis.date_signature = debut + datetime.timedelta(days=20)
    piis.debut = piis.date_signature
    piis.statut = "signe"
    piis.save()
    ContratFactory(
        beneficiaire=b,
        debut=debut,
        fin_prevue=debut + datetime.timedelta(days=365),
        note=f"contrat {secret}",
        motif_derogation=f"derogation {secret}",
    )
    orientation = OrientationFactory(
        beneficiaire=b,
        agent=agent,
        date_orientation=debut,
        motif=f"motif {secret}",
        informations_partagees=f"infos {secret}",
    )
    TransitionOrientation.objects.create(
        cpas=cpas,
        orientation=orientation,
        de_statut="proposee",
        vers_statut="envoyee",
        par=agent,
        commentaire=f"transition {secret}",
    )
    MessageOrientation.objects.create(
        cpas=cpas, orientation=orientation, auteur=agent, texte=f"message {secret}"
    )
    PresenceOrientation.objects.create(
        cpas=cpas,
        orientation=orientation,
        date=debut + datetime.timedelta(days=20),
        present=True,
        commentaire=f"presence {secret}",
        saisi_par=agent,
    )
    participation = ParticipationFactory(
        programme=ProgrammeFactory(cpas=cpas), beneficiaire=b, date_inscription=debut
    )
    AvisParticipant.objects.create(
        cpas=cpas,
        participation=participation,
        date=debut + datetime.timedelta(days=30),
        score=4,
        commentaire=f"avis {secret}",
    )
    rdv = planifier(
        agent,
        b,
        moment(debut + datetime.timedelta(days=n % 20 + 40), f"{9 + n % 8:02d}:00"),
        note=f"rdv {secret}",
    )
    ChangementStatut.objects.create(
        cpas=cpas, rendez_vous=rdv, ancien="planifie", nouveau="vu", par=agent,
        motif=f"statut {secret}",
    )  # fmt: skip
    RendezVous.objects.filter(pk=rdv.pk).update(statut="vu")
    invitation = Invitation.objects.create(
        cpas=cpas,
        beneficiaire=b,
        type=rdv.type,
        agenda=rdv.agenda,
        jeton=uuid.uuid4().hex,
        expire_le=moment(debut, "12:00"),
        cree_par=agent,
    )
    Envoi.objects.create(
        cpas=cpas,
        beneficiaire=b,
        canal="email",
        nature="invitation",
        invitation=invitation,
        destinataire=b.email,
        par=agent,
    )
    activite = ActiviteFactory(
        cpas=cpas,
        debut=debut + datetime.timedelta(days=50),
        fin=debut + datetime.timedelta(days=200),
        numero_projet_fse="FSE+ DOSSIER",
    )
    seance = SeanceFactory(activite=activite, date=debut + datetime.timedelta(days=60))
    inscription = services_activites.inscrire(
        activite, b, agent, date=debut + datetime.timedelta(days=55)
    )
    services_activites.enregistrer_presences(seance, {inscription: ("present", None)}, agent)
    services_activites.emettre_attestation(inscription, "presence", agent)
    # ESF+-funded: the entry data and a result at exit, and a follow-up still due.
    fse.enregistrer(
        b,
        "FSE+ DOSSIER",
        {
            "statut_emploi": ["chomeur", "chomeur_ld", "inactif", "emploi"][n % 4],
            "niveau_isced": ["0-2", "3-4", "5-8"][n % 3],
            "handicap": ["oui", "non", "refus"][n % 3],
            "sortie_notee_le": debut + datetime.timedelta(days=210),
            "sortie_qualification": n % 2 == 0,
        },
        agent,
        sensibles=True,
    )
    SuiviFse.objects.create(
        cpas=cpas,
        beneficiaire=b,
        numero_projet="FSE+ DOSSIER",
        type_suivi="six_mois",
        date_sortie=debut + datetime.timedelta(days=200),
        echeance=debut + datetime.timedelta(days=383),
        agent=agent,
    )
    # A second activity left with a reason written by the agent.
    retrait = services_activites.inscrire(
        ActiviteFactory(cpas=cpas, debut=debut, fin=debut + datetime.timedelta(days=100)),
        b,
        agent,
        date=debut + datetime.timedelta(days=3),
    )
    services_activites.retirer(
        retrait, "autre", precision=f"retrait {secret}", date=debut + datetime.timedelta(days=9)
    )
    document = deposer(b, agent, nom=f"diplome-{secret}.pdf", lien={"etape_id": etape.pk})
    services_documents.basculer_partage(document, orientation, agent)
    # A notification about the person to the staff (cpas_isp.notifications).
    from cpas_isp.models import NatureNotification
    from cpas_isp.notifications import notifier

    notifier(
        [agent],
        NatureNotification.DOSSIER_ATTRIBUE,
        cpas=cpas,
        objet=b,
        personne_id=b.pk,
        lien=b.get_absolute_url(),
    )
    return b, secret


def tables_contenant(texte: str, *, seulement_historique: bool = False) -> dict[str, int]:
    """The tables of the database where some row, as text, contains ``texte`` (and how many
    rows): every table of the schema, or only the pghistory event tables."""
    trouve = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
        tables = [r[0] for r in cursor.fetchall()]
        for table in tables:
            if seulement_historique and not table.endswith("event"):
                continue
            cursor.execute(
                f'SELECT count(*) FROM "{table}" t WHERE strpos(t::text, %s) > 0', [texte]
            )
            n = cursor.fetchone()[0]
            if n:
                trouve[table] = n
    return trouve
