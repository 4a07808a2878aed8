"""Write operations on appointments, each in one transaction: planning (appointment and its
participants, whose copied period the database checks for overlaps), status changes with their
history, and the journal step written when the outcome is recorded."""

from __future__ import annotations

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaires.acces import verifier_ecriture
from cpas_isp.contraintes import contraintes_en_messages
from rendezvous.models import (
    MODE_ETAPE_DU_LIEU,
    STATUTS_ANNULES,
    STATUTS_ISSUE,
    Agenda,
    ChangementStatut,
    Participant,
    RendezVous,
    StatutRendezVous,
)
from trajets.models import Etape, EvaluationPiis, Piis, StatutPiis
from trajets.services import noter_etape, passage_en_cours


def note_issue(statut, motif="") -> str:
    """The note of the journal step for an outcome."""
    note = {
        StatutRendezVous.VU: "",
        StatutRendezVous.ABSENT: _("Rendez-vous manqué : absence non excusée."),
        StatutRendezVous.EXCUSE: _("Rendez-vous manqué : absence excusée."),
    }[statut]
    return f"{note} {motif}".strip()


def _synchroniser_participants(rdv: RendezVous, beneficiaires) -> None:
    """Make the participants exactly ``beneficiaires``, each with the appointment's period."""
    ids = {b.pk for b in beneficiaires}
    rdv.participants.exclude(beneficiaire_id__in=ids).delete()
    existants = set(rdv.participants.values_list("beneficiaire_id", flat=True))
    rdv.participants.update(debut=rdv.debut, fin=rdv.fin, annule=rdv.annule)
    Participant.objects.bulk_create(
        Participant(
            cpas_id=rdv.cpas_id,
            rendez_vous=rdv,
            beneficiaire_id=pk,
            debut=rdv.debut,
            fin=rdv.fin,
            annule=rdv.annule,
        )
        for pk in sorted(ids - existants)
    )


@transaction.atomic
def planifier(rdv: RendezVous, beneficiaires, user) -> RendezVous:
    """Create or update an appointment and its participants. A clash (the agent's or a
    person's) is refused by the database and comes back as a ``ValidationError``."""
    beneficiaires = list(beneficiaires)
    if not beneficiaires:
        raise ValidationError(_("Choisissez au moins une personne."))
    for b in beneficiaires:  # chosen in a field (an agenda's slot): a closed file stays closed
        verifier_ecriture(b)
    if len(beneficiaires) > 1 and not rdv.type.collectif:
        raise ValidationError(
            _("Ce type de rendez-vous est individuel : choisissez une seule personne.")
        )
    if any(b.cpas_id != rdv.cpas_id for b in beneficiaires):
        raise ValidationError(_("Cette personne n'est pas un dossier de ce CPAS."))
    creation = rdv.pk is None
    if creation:
        rdv.cree_par = user
    try:
        with contraintes_en_messages():
            rdv.save()
            _synchroniser_participants(rdv, beneficiaires)
    except ValidationError:
        if creation:  # nothing was written: the form shows a new appointment again
            rdv.pk, rdv._state.adding = None, True
        raise
    if creation:
        ChangementStatut.objects.create(
            cpas_id=rdv.cpas_id, rendez_vous=rdv, ancien="", nouveau=rdv.statut, par=user
        )
    return rdv


def _ecrire_etapes(rdv: RendezVous, participants, user, motif: str) -> None:
    """The journal step of each of ``participants`` for their own outcome (the kind's step
    type, on the stay running on the appointment's date): written once, updated when the
    outcome is corrected."""
    date = timezone.localtime(rdv.debut).date()
    mode = MODE_ETAPE_DU_LIEU.get(getattr(rdv.lieu, "type", None), "presentiel")
    for participant in participants:
        statut = participant.issue
        note = note_issue(statut, motif)
        duree = rdv.duree if statut == StatutRendezVous.VU else None
        if participant.etape_id:
            etape = participant.etape
            etape.note, etape.date, etape.mode, etape.duree = note, date, mode, duree
            etape.passage = passage_en_cours(participant.beneficiaire, date)
            etape.save(update_fields=["note", "date", "mode", "duree", "passage", "modifie_le"])
            continue
        participant.etape = noter_etape(
            participant.beneficiaire,
            user,
            date=date,
            type=rdv.type.type_etape,
            mode=mode,
            duree=duree,
            note=note,
        )
        participant.save(update_fields=["etape"])


def _verrouiller(rdv: RendezVous) -> RendezVous:
    return (
        RendezVous.objects.select_for_update(of=("self",))
        .select_related("type__type_etape", "lieu")
        .get(pk=rdv.pk)
    )


def _passer_a(rdv: RendezVous, statut: str, user, motif: str = "") -> str:
    """Move the (locked) appointment to ``statut`` if allowed from the current one and
    record who and when; returns the former status."""
    if statut not in rdv.transitions():
        raise ValidationError(
            _("Un rendez-vous « %(de)s » ne peut pas passer à « %(vers)s ».")
            % {
                "de": rdv.get_statut_display(),
                "vers": dict(StatutRendezVous.choices).get(statut, statut),
            }
        )
    if statut in STATUTS_ISSUE and rdv.debut > timezone.now():
        raise ValidationError(_("L'issue d'un rendez-vous se note une fois qu'il a commencé."))
    ancien = rdv.statut
    rdv.statut = statut
    with contraintes_en_messages():
        rdv.save(update_fields=["statut", "modifie_le"])
        rdv.participants.update(annule=statut in STATUTS_ANNULES)
    ChangementStatut.objects.create(
        cpas_id=rdv.cpas_id,
        rendez_vous=rdv,
        ancien=ancien,
        nouveau=statut,
        par=user,
        motif=motif[:300],
    )
    return ancien


@transaction.atomic
def changer_statut(rdv: RendezVous, statut: str, user, motif: str = "") -> RendezVous:
    """Move the appointment to ``statut`` (if allowed from the current one), record who and
    when, keep the participants' copy in sync and, for an outcome, give it to every
    participant and write their journal step."""
    rdv = _verrouiller(rdv)
    _passer_a(rdv, statut, user, motif)
    if statut in STATUTS_ISSUE:
        rdv.participants.update(issue=statut)
        _ecrire_etapes(rdv, rdv.participants.select_related("beneficiaire", "etape"), user, motif)
    return rdv


def issue_d_ensemble(issues) -> str | None:
    """The outcome of a collective session from its participants' recorded ones: held
    ("vu") when at least one person came, else absent when one did not come without excuse,
    else excused; None while nothing is recorded."""
    issues = set(issues) - {""}
    for statut in (StatutRendezVous.VU, StatutRendezVous.ABSENT, StatutRendezVous.EXCUSE):
        if statut in issues:
            return statut
    return None


@transaction.atomic
def noter_issue_participant(
    rdv: RendezVous, beneficiaire_id: int, issue: str, user, motif: str = ""
) -> Participant:
    """Record one participant's outcome (seen, absent, excused) in a session: their own
    journal step is written (or corrected), the change is kept in the history, and the
    appointment's status follows its participants' outcomes (``issue_d_ensemble``)."""
    if issue not in STATUTS_ISSUE:
        raise ValidationError(_("Issue inconnue."))
    rdv = _verrouiller(rdv)
    if rdv.annule:
        raise ValidationError(_("Ce rendez-vous est annulé."))
    if rdv.debut > timezone.now():
        raise ValidationError(_("L'issue d'un rendez-vous se note une fois qu'il a commencé."))
    participant = (
        rdv.participants.select_related("beneficiaire", "etape")
        .filter(beneficiaire_id=beneficiaire_id)
        .first()
    )
    if participant is None:
        raise ValidationError(_("Cette personne ne participe pas à ce rendez-vous."))
    ancienne = participant.issue
    if ancienne != issue:
        participant.issue = issue
        participant.save(update_fields=["issue"])
        ChangementStatut.objects.create(
            cpas_id=rdv.cpas_id,
            rendez_vous=rdv,
            beneficiaire_id=beneficiaire_id,
            ancien=ancienne,
            nouveau=issue,
            par=user,
            motif=motif[:300],
        )
    ensemble = issue_d_ensemble(rdv.participants.values_list("issue", flat=True))
    if ensemble and ensemble != rdv.statut:
        _passer_a(rdv, ensemble, user)
    _ecrire_etapes(rdv, [participant], user, motif)
    return participant


def evaluation_a_ouvrir(rdv: RendezVous):
    """For a PIIS evaluation appointment that was held: the evaluation form to open (the next
    planned evaluation of the person's signed PIIS, or a new one), else ``None``."""
    if rdv.statut != StatutRendezVous.VU or not rdv.type.evaluation_piis:
        return None
    participant = rdv.participants.first()
    if participant is None:
        return None
    piis = (
        Piis.objects.filter(beneficiaire_id=participant.beneficiaire_id, statut=StatutPiis.SIGNE)
        .order_by("-date_signature", "-id")
        .first()
    )
    if piis is None:
        return None
    evaluation = (
        EvaluationPiis.objects.filter(piis=piis).a_faire().order_by("date_prevue", "id").first()
    )
    return piis, evaluation


# --- Calendar feed tokens --------------------------------------------------------------------


def hacher_jeton(jeton: str) -> str:
    return hashlib.sha256(jeton.encode()).hexdigest()


def nouveau_jeton_ics(agenda: Agenda) -> str:
    """A new secret token for the agenda's calendar feed (the old one stops working). Only
    its hash is stored: the token is returned to be shown once."""
    jeton = secrets.token_urlsafe(32)
    agenda.jeton_ics = hacher_jeton(jeton)
    agenda.jeton_ics_cree_le = timezone.now()
    agenda.save(update_fields=["jeton_ics", "jeton_ics_cree_le"])
    return jeton


def revoquer_jeton_ics(agenda: Agenda) -> None:
    agenda.jeton_ics = ""
    agenda.jeton_ics_cree_le = None
    agenda.save(update_fields=["jeton_ics", "jeton_ics_cree_le"])


def etapes_du_rendez_vous(rdv: RendezVous):
    return Etape.objects.filter(pk__in=rdv.participants.values("etape"))
