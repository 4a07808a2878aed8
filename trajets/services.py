"""Write operations of the trajectory that touch several rows, each in one transaction.

Errors the user can fix are raised as ``django.core.exceptions.ValidationError`` with a message
in the user's language; database constraints stay the last line of defence (their violations
are translated into the same kind of message)."""

from __future__ import annotations

import datetime
import uuid

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from trajets import delais
from trajets.models import (
    MESSAGE_PIIS_FIGE,
    STATUTS_FIGES,
    AppreciationObjectif,
    ContratArticle60,
    Etape,
    EvaluationPiis,
    MotifSortie,
    ObjectifPiis,
    PassagePhase,
    Phase,
    Piis,
    RegleDureeArticle60,
    StatutPiis,
    TypeEtape,
)

MOTIF_REORIENTATION = "reorientation"


def _contrainte(exc: IntegrityError) -> str:
    cause = getattr(exc, "__cause__", None)
    diag = getattr(cause, "diag", None)
    return getattr(diag, "constraint_name", None) or str(exc)


def _message_chevauchement(beneficiaire, debut, fin) -> str:
    autres = PassagePhase.objects.filter(beneficiaire=beneficiaire).order_by("debut")
    conflits = [
        p
        for p in autres
        if p.debut <= (fin or datetime.date.max) and (p.fin is None or p.fin >= debut)
    ]
    detail = ", ".join(str(p) for p in conflits)
    return _(
        "Cette personne est déjà dans une phase pendant cette période (%(detail)s). "
        "Une personne ne peut être que dans une phase à la fois : corrigez d'abord le passage "
        "existant."
    ) % {"detail": detail or "—"}


def passage_en_cours(beneficiaire, date=None):
    date = date or timezone.localdate()
    return PassagePhase.objects.filter(beneficiaire=beneficiaire).en_cours_le(date).first()


# --- Phases -----------------------------------------------------------------------------------


@transaction.atomic
def orienter(
    beneficiaire,
    phase: str,
    date: datetime.date,
    *,
    agent=None,
    motif_sortie: MotifSortie | None = None,
    motif_entree: str = "",
    note: str = "",
) -> PassagePhase:
    """Close the stay running the day before ``date`` and open a stay in ``phase`` from
    ``date``. Back-dating is allowed; overlapping another stay is refused."""
    passages = list(
        PassagePhase.objects.select_for_update().filter(beneficiaire=beneficiaire).order_by("debut")
    )
    ouvert = next((p for p in passages if p.fin is None), None)
    if ouvert is not None:
        if ouvert.phase == phase:
            raise ValidationError(
                _("Cette personne est déjà en phase « %(phase)s » depuis le %(date)s.")
                % {"phase": ouvert.get_phase_display(), "date": f"{ouvert.debut:%d/%m/%Y}"}
            )
        if ouvert.debut >= date:
            raise ValidationError(
                _(
                    "La date choisie (%(date)s) ne peut pas précéder ni égaler le début du "
                    "passage en cours (%(phase)s depuis le %(debut)s). Corrigez ce passage si "
                    "nécessaire."
                )
                % {
                    "date": f"{date:%d/%m/%Y}",
                    "phase": ouvert.get_phase_display(),
                    "debut": f"{ouvert.debut:%d/%m/%Y}",
                }
            )
        ouvert.fin = date - datetime.timedelta(days=1)
        ouvert.motif_sortie = (
            motif_sortie or MotifSortie.objects.filter(code=MOTIF_REORIENTATION).first()
        )
        ouvert.save(update_fields=["fin", "motif_sortie"])
    try:
        with transaction.atomic():
            return PassagePhase.objects.create(
                cpas_id=beneficiaire.cpas_id,
                beneficiaire=beneficiaire,
                phase=phase,
                debut=date,
                agent=agent,
                motif_entree=motif_entree,
                note=note,
            )
    except IntegrityError as exc:
        if "passage_une_phase_a_la_fois" in _contrainte(exc):
            raise ValidationError(_message_chevauchement(beneficiaire, date, None))
        raise


@transaction.atomic
def terminer_trajet(passage: PassagePhase, fin: datetime.date, motif: MotifSortie, note=""):
    """Close a running stay without a next phase (the person leaves the trajectory)."""
    if fin < passage.debut:
        raise ValidationError(_("La fin ne peut pas précéder le début du passage."))
    passage.fin = fin
    passage.motif_sortie = motif
    if note:
        passage.note = (passage.note + "\n" + note).strip()
    passage.save(update_fields=["fin", "motif_sortie", "note"])
    return passage


def enregistrer_passage(passage: PassagePhase) -> PassagePhase:
    """Save a corrected stay; overlaps and inverted dates come back as a clear message."""
    if passage.fin and passage.fin < passage.debut:
        raise ValidationError(_("La fin ne peut pas précéder le début du passage."))
    try:
        with transaction.atomic():
            passage.save()
    except IntegrityError as exc:
        name = _contrainte(exc)
        if "passage_une_phase_a_la_fois" in name:
            conflits = PassagePhase.objects.filter(beneficiaire_id=passage.beneficiaire_id)
            if passage.pk:
                conflits = conflits.exclude(pk=passage.pk)
            detail = ", ".join(
                str(p)
                for p in conflits
                if p.debut <= (passage.fin or datetime.date.max)
                and (p.fin is None or p.fin >= passage.debut)
            )
            raise ValidationError(
                _(
                    "Ces dates chevauchent un autre passage (%(detail)s) : une personne ne peut "
                    "être que dans une phase à la fois."
                )
                % {"detail": detail or "—"}
            )
        if "passage_fin_apres_debut" in name:
            raise ValidationError(_("La fin ne peut pas précéder le début du passage."))
        raise
    # Steps follow the stay that runs on their date.
    relier_etapes(passage.beneficiaire_id)
    return passage


def relier_etapes(beneficiaire_id):
    """Re-link every step of the person to the stay running on its date (after corrections)."""
    passages = list(PassagePhase.objects.filter(beneficiaire_id=beneficiaire_id))
    a_changer = []
    for etape in Etape.objects.filter(beneficiaire_id=beneficiaire_id).only(
        "id", "date", "passage_id"
    ):
        trouve = next(
            (
                p.pk
                for p in passages
                if p.debut <= etape.date and (p.fin is None or p.fin >= etape.date)
            ),
            None,
        )
        if trouve != etape.passage_id:
            etape.passage_id = trouve
            a_changer.append(etape)
    if a_changer:
        Etape.objects.bulk_update(a_changer, ["passage"])


# --- Journal ----------------------------------------------------------------------------------


def derniers_choix(user) -> dict:
    """The type and mode of the agent's last step: the quick form starts from them."""
    derniere = (
        Etape.objects.filter(auteur=user).order_by("-cree_le").values("type_id", "mode").first()
    )
    return derniere or {}


@transaction.atomic
def noter_etape(beneficiaire, auteur, **champs) -> Etape:
    date = champs["date"]
    passage = passage_en_cours(beneficiaire, date)
    return Etape.objects.create(
        cpas_id=beneficiaire.cpas_id,
        beneficiaire=beneficiaire,
        passage=passage,
        auteur=auteur,
        **champs,
    )


@transaction.atomic
def noter_seance_collective(beneficiaires, auteur, **champs) -> list[Etape]:
    """One step for each person of a group session, sharing a group id."""
    groupe = uuid.uuid4()
    beneficiaires = list(beneficiaires)
    date = champs["date"]
    ids = [b.pk for b in beneficiaires]
    passages = {
        p.beneficiaire_id: p
        for p in PassagePhase.objects.filter(beneficiaire_id__in=ids).en_cours_le(date)
    }
    etapes = [
        Etape(
            cpas_id=b.cpas_id,
            beneficiaire=b,
            passage=passages.get(b.pk),
            auteur=auteur,
            groupe=groupe,
            **champs,
        )
        for b in beneficiaires
    ]
    return Etape.objects.bulk_create(etapes)


def marquer_action_faite(etape: Etape, date=None):
    etape.action_faite_le = date or timezone.localdate()
    etape.save(update_fields=["action_faite_le", "modifie_le"])
    return etape


# --- PIIS -------------------------------------------------------------------------------------


class ConflitVersion(Exception):
    """Someone saved the PIIS since the user opened it."""

    def __init__(self, actuel: Piis, changements: list[dict]):
        self.actuel = actuel
        self.changements = changements
        super().__init__("version conflict")


CHAMPS_VERSIONNES = [
    "type",
    "date_decision_ris",
    "date_proposition",
    "debut",
    "fin",
    "engagements_personne",
    "engagements_cpas",
    "domaines_action",
    "politique_evaluation",
    "agent_id",
]


def _changements_depuis(piis_id, version, actuel: Piis) -> list[dict]:
    """What changed between the version the user loaded (from the audit trail) and now."""
    from django.apps import apps
    from django.contrib.auth import get_user_model

    Event = apps.get_model("trajets", "PiisEvent")
    ancien = Event.objects.filter(pgh_obj_id=piis_id, version=version).order_by("-pgh_id").first()
    derniers = Event.objects.filter(pgh_obj_id=piis_id, version__gt=version).order_by("pgh_id")
    auteurs_ids = {e.modifie_par_id for e in derniers if e.modifie_par_id}
    auteurs = ", ".join(str(u) for u in get_user_model().objects.filter(pk__in=auteurs_ids))
    changements = []
    for name in CHAMPS_VERSIONNES:
        avant = getattr(ancien, name, None) if ancien else None
        apres = getattr(actuel, name)
        if ancien is None or avant != apres:
            field = Piis._meta.get_field(name.removesuffix("_id"))
            changements.append(
                {
                    "champ": name.removesuffix("_id"),
                    "libelle": field.verbose_name,
                    "avant": _affiche(actuel, field, avant),
                    "apres": _affiche(actuel, field, apres),
                    "par": auteurs,
                }
            )
    return changements


def _affiche(piis, field, valeur):
    if valeur in (None, "", []):
        return "—"
    if field.choices:
        return dict(field.flatchoices).get(valeur, valeur)
    if field.name == "domaines_action":
        choix = dict(field.base_field.flatchoices)
        return ", ".join(str(choix.get(v, v)) for v in valeur)
    if field.is_relation:
        from django.contrib.auth import get_user_model

        return str(get_user_model().objects.filter(pk=valeur).first() or valeur)
    if isinstance(valeur, datetime.date):
        return f"{valeur:%d/%m/%Y}"
    return str(valeur)


def _verifier_modifiable(piis: Piis):
    if piis.statut in STATUTS_FIGES:
        raise ValidationError(MESSAGE_PIIS_FIGE)


@transaction.atomic
def enregistrer_piis(piis: Piis, version: int | None, user, objectifs=None, tiers=None) -> Piis:
    """Create or update a PIIS with optimistic locking on ``version``.

    ``objectifs``: list of dicts (libelle, echeance, statut) in order; ``tiers``: list of dicts
    (partenaire_id or nom, engagements). Both replace what was there when given.
    """
    piis.modifie_par = user
    if piis.pk is None:
        piis.version = 1
        piis.save()
    else:
        _verifier_modifiable(Piis.objects.get(pk=piis.pk))
        valeurs = {f: getattr(piis, f) for f in CHAMPS_VERSIONNES}
        valeurs.update(
            renonciation_delai_reflexion=piis.renonciation_delai_reflexion,
            modifie_par=user,
        )
        try:
            with transaction.atomic():
                n = Piis.objects.filter(pk=piis.pk, version=version).update(
                    version=F("version") + 1, modifie_le=timezone.now(), **valeurs
                )
        except DatabaseError as exc:
            # Signed by someone else since the check above: the trigger refused the change.
            if "piis_signe_fige" in str(exc):
                raise ValidationError(MESSAGE_PIIS_FIGE)
            raise
        if n == 0:
            actuel = Piis.objects.get(pk=piis.pk)
            raise ConflitVersion(actuel, _changements_depuis(piis.pk, version, actuel))
        piis.refresh_from_db()
    if objectifs is not None:
        _remplacer_objectifs(piis, objectifs)
    if tiers is not None:
        _remplacer_tiers(piis, tiers)
    planifier_evaluations(piis)
    return piis


def _remplacer_objectifs(piis, objectifs):
    existants = {o.pk: o for o in piis.objectifs.all()}
    gardes = set()
    for ordre, data in enumerate(objectifs, start=1):
        pk = data.get("id")
        if pk and pk in existants:
            o = existants[pk]
            o.libelle, o.echeance, o.ordre = data["libelle"], data.get("echeance"), ordre
            o.statut = data.get("statut") or o.statut
            o.save()
            gardes.add(pk)
        else:
            ObjectifPiis.objects.create(
                cpas_id=piis.cpas_id,
                piis=piis,
                ordre=ordre,
                libelle=data["libelle"],
                echeance=data.get("echeance"),
                statut=data.get("statut") or ObjectifPiis.Statut.A_COMMENCER,
            )
    for pk, o in existants.items():
        if pk not in gardes:
            o.delete()


def _remplacer_tiers(piis, tiers):
    from trajets.models import EngagementTiers

    piis.engagements_tiers.all().delete()
    for ordre, data in enumerate(tiers, start=1):
        EngagementTiers.objects.create(cpas_id=piis.cpas_id, piis=piis, ordre=ordre, **data)


def planifier_evaluations(piis: Piis):
    """(Re)plan the evaluations not yet held from the policy and the PIIS dates. Held ones are
    kept; planned ones whose date no longer fits are replaced."""
    from trajets.models import MOIS_ENTRE_EVALUATIONS

    if piis.statut in (StatutPiis.REMPLACE, *[s for s in STATUTS_FIGES if s != StatutPiis.SIGNE]):
        return
    if piis.debut is None:
        piis.evaluations.filter(date_tenue__isnull=True).delete()
        return
    voulues = delais.calendrier_evaluations(
        piis.debut, piis.fin, MOIS_ENTRE_EVALUATIONS[piis.politique_evaluation]
    )
    tenues = list(piis.evaluations.filter(date_tenue__isnull=False))
    derniere_tenue = max((e.date_tenue for e in tenues), default=None)
    a_faire = {e.date_prevue: e for e in piis.evaluations.filter(date_tenue__isnull=True)}
    gardees = set()
    nouvelles = []
    for date in voulues:
        # An evaluation already held around that date (within a month) counts for it.
        if any(abs((e.date_prevue - date).days) <= 31 for e in tenues):
            continue
        if derniere_tenue and date <= derniere_tenue:
            continue
        if date in a_faire:
            gardees.add(date)
        else:
            nouvelles.append(EvaluationPiis(cpas_id=piis.cpas_id, piis=piis, date_prevue=date))
    for date, e in a_faire.items():
        if date not in gardees:
            e.delete()
    EvaluationPiis.objects.bulk_create(nouvelles)


@transaction.atomic
def proposer_piis(piis: Piis, date: datetime.date, user) -> Piis:
    if piis.statut != StatutPiis.BROUILLON:
        raise ValidationError(_("Seul un brouillon peut être proposé."))
    if not piis.objectifs.exists():
        raise ValidationError(_("Ajoutez au moins un objectif avant de proposer le PIIS."))
    n = Piis.objects.filter(pk=piis.pk, version=piis.version).update(
        statut=StatutPiis.PROPOSE, date_proposition=date, version=F("version") + 1, modifie_par=user
    )
    if n == 0:
        actuel = Piis.objects.get(pk=piis.pk)
        raise ConflitVersion(actuel, _changements_depuis(piis.pk, piis.version, actuel))
    piis.refresh_from_db()
    return piis


@transaction.atomic
def signer_piis(
    piis: Piis, date: datetime.date, user, *, renonciation=False, debut=None, fin=None
) -> Piis:
    if piis.statut != StatutPiis.PROPOSE:
        raise ValidationError(_("Seul un PIIS proposé peut être signé."))
    possible = delais.signature_possible_le(piis.date_proposition)
    if date < piis.date_proposition:
        raise ValidationError(_("La signature ne peut pas précéder la proposition."))
    if date < possible and not renonciation:
        raise ValidationError(
            _(
                "La personne dispose de %(n)s jours calendrier de réflexion : signature possible "
                "à partir du %(date)s, sauf si elle y renonce explicitement (case à cocher)."
            )
            % {"n": delais.JOURS_REFLEXION, "date": f"{possible:%d/%m/%Y}"}
        )
    debut = debut or piis.debut or date
    fin = fin or piis.fin
    if fin and fin < debut:
        raise ValidationError(_("La fin du PIIS ne peut pas précéder son début."))
    n = Piis.objects.filter(pk=piis.pk, version=piis.version).update(
        statut=StatutPiis.SIGNE,
        date_signature=date,
        renonciation_delai_reflexion=renonciation and date < possible,
        debut=debut,
        fin=fin,
        version=F("version") + 1,
        modifie_par=user,
    )
    if n == 0:
        actuel = Piis.objects.get(pk=piis.pk)
        raise ConflitVersion(actuel, _changements_depuis(piis.pk, piis.version, actuel))
    piis.refresh_from_db()
    if piis.avenant_de_id:
        # The amendment replaces the signed version, which is kept as it was.
        parent = piis.avenant_de
        parent.statut = StatutPiis.REMPLACE
        parent.date_cloture = date
        parent.save(update_fields=["statut", "date_cloture", "modifie_le"])
        parent.evaluations.filter(date_tenue__isnull=True).delete()
    planifier_evaluations(piis)
    return piis


@transaction.atomic
def cloturer_piis(piis: Piis, statut: str, date: datetime.date, user) -> Piis:
    if statut not in (StatutPiis.ATTEINT, StatutPiis.NON_ATTEINT, StatutPiis.ABANDONNE):
        raise ValidationError(_("Statut de clôture inconnu."))
    if piis.cloture:
        raise ValidationError(_("Ce PIIS est déjà clôturé."))
    if statut != StatutPiis.ABANDONNE and piis.statut != StatutPiis.SIGNE:
        raise ValidationError(_("Seul un PIIS signé peut être clôturé comme atteint ou non."))
    piis.statut = statut
    piis.date_cloture = date
    piis.modifie_par = user
    piis.version += 1
    piis.save(update_fields=["statut", "date_cloture", "modifie_par", "version", "modifie_le"])
    piis.evaluations.filter(date_tenue__isnull=True).delete()
    return piis


@transaction.atomic
def creer_avenant(piis: Piis, user) -> Piis:
    """A draft copy of a signed PIIS; the signed version stays frozen until the amendment is
    signed, then it is marked as replaced."""
    if piis.statut != StatutPiis.SIGNE:
        raise ValidationError(_("Seul un PIIS signé en cours peut faire l'objet d'un avenant."))
    if (
        piis.avenants.exclude(statut__in=[StatutPiis.ABANDONNE])
        .filter(statut__in=[StatutPiis.BROUILLON, StatutPiis.PROPOSE])
        .exists()
    ):
        raise ValidationError(_("Un avenant est déjà en préparation pour ce PIIS."))
    numero = (
        piis.avenants.order_by("-numero_avenant").values_list("numero_avenant", flat=True).first()
        or piis.numero_avenant
    ) + 1
    copie = Piis.objects.create(
        cpas_id=piis.cpas_id,
        beneficiaire_id=piis.beneficiaire_id,
        avenant_de=piis,
        numero_avenant=numero,
        type=piis.type,
        date_decision_ris=piis.date_decision_ris,
        debut=piis.debut,
        fin=piis.fin,
        engagements_personne=piis.engagements_personne,
        engagements_cpas=piis.engagements_cpas,
        domaines_action=list(piis.domaines_action),
        politique_evaluation=piis.politique_evaluation,
        agent=piis.agent,
        modifie_par=user,
    )
    ObjectifPiis.objects.bulk_create(
        ObjectifPiis(
            cpas_id=o.cpas_id,
            piis=copie,
            ordre=o.ordre,
            libelle=o.libelle,
            echeance=o.echeance,
            statut=o.statut,
        )
        for o in piis.objectifs.all()
    )
    from trajets.models import EngagementTiers

    EngagementTiers.objects.bulk_create(
        EngagementTiers(
            cpas_id=t.cpas_id,
            piis=copie,
            ordre=t.ordre,
            nom=t.nom,
            engagements=t.engagements,
            partenaire_id=t.partenaire_id,
        )
        for t in piis.engagements_tiers.all()
    )
    return copie


@transaction.atomic
def enregistrer_evaluation(
    evaluation: EvaluationPiis, user, appreciations: dict[int, tuple[str, str]]
) -> EvaluationPiis:
    """Record a held evaluation: per-objective assessments update the objectives' status, and a
    journal step is logged (or updated) for it."""
    piis = evaluation.piis
    if piis.statut != StatutPiis.SIGNE:
        raise ValidationError(_("Seul un PIIS signé en cours peut être évalué."))
    if evaluation.date_tenue is None:
        raise ValidationError(_("Indiquez la date à laquelle l'évaluation a eu lieu."))
    evaluation.auteur = evaluation.auteur or user
    type_eval = TypeEtape.objects.filter(code="evaluation_piis").first()
    if type_eval is None:
        type_eval = TypeEtape.objects.create(
            code="evaluation_piis",
            libelle_fr="Évaluation du PIIS",
            libelle_nl="Evaluatie van het GPMI",
        )
    mode_etape = {"presentiel": "presentiel", "telephone": "telephone", "video": "video"}.get(
        evaluation.mode, "ecrit"
    )
    note = evaluation.appreciation
    if evaluation.suites:
        note = f"{note}\n{_('Suites')} : {evaluation.suites}".strip()
    if evaluation.etape_id:
        etape = evaluation.etape
        etape.date, etape.mode, etape.note = evaluation.date_tenue, mode_etape, note
        etape.passage = passage_en_cours(piis.beneficiaire, evaluation.date_tenue)
        etape.save()
    else:
        etape = noter_etape(
            piis.beneficiaire,
            user,
            date=evaluation.date_tenue,
            type=type_eval,
            mode=mode_etape,
            note=note,
        )
        evaluation.etape = etape
    evaluation.save()
    objectifs = {o.pk: o for o in piis.objectifs.all()}
    for objectif_id, (statut, commentaire) in appreciations.items():
        objectif = objectifs.get(objectif_id)
        if objectif is None or not statut:
            continue
        AppreciationObjectif.objects.update_or_create(
            evaluation=evaluation,
            objectif=objectif,
            defaults={"cpas_id": piis.cpas_id, "statut": statut, "commentaire": commentaire},
        )
        if objectif.statut != statut:
            objectif.statut = statut
            objectif.save(update_fields=["statut"])
    planifier_evaluations(piis)
    return evaluation


def conformite_evaluations(piis: Piis, aujourd_hui=None) -> dict:
    """At least 3 evaluations a year, 2 of them face to face, counted per year of the PIIS."""
    aujourd_hui = aujourd_hui or timezone.localdate()
    if piis.debut is None:
        return {"annees": []}
    from dateutil.relativedelta import relativedelta

    tenues = [e for e in piis.evaluations.all() if e.date_tenue]
    annees = []
    k = 0
    fin_piis = min(piis.fin or aujourd_hui, aujourd_hui)
    while True:
        debut = piis.debut + relativedelta(years=k)
        if debut > fin_piis:
            break
        fin = piis.debut + relativedelta(years=k + 1) - datetime.timedelta(days=1)
        dans = [e for e in tenues if debut <= e.date_tenue <= fin]
        complete = fin <= fin_piis
        annees.append(
            {
                "debut": debut,
                "fin": fin,
                "total": len(dans),
                "presentiel": sum(1 for e in dans if e.presentielle),
                "complete": complete,
                "conforme": len(dans) >= 3 and sum(1 for e in dans if e.presentielle) >= 2,
            }
        )
        k += 1
    return {"annees": annees}


# --- Article 60 -------------------------------------------------------------------------------


def fin_prevue_proposee(beneficiaire, debut, heures_semaine=38):
    return delais.fin_prevue_article60(
        debut, beneficiaire.date_naissance, list(RegleDureeArticle60.objects.all()), heures_semaine
    )


@transaction.atomic
def ouvrir_contrat(contrat: ContratArticle60, user, *, motif_sortie=None) -> ContratArticle60:
    """Save a new contract and open the person's Article 60 stay from its start (closing the
    running stay the day before), in one transaction."""
    beneficiaire = contrat.beneficiaire
    proposee = fin_prevue_proposee(beneficiaire, contrat.debut, contrat.heures_semaine)
    if proposee:
        contrat.fin_prevue_calculee = proposee.fin
        contrat.jours_requis = proposee.jours
        if contrat.fin_prevue is None:
            contrat.fin_prevue = proposee.fin
        if contrat.fin_prevue != proposee.fin and not contrat.motif_derogation.strip():
            raise ValidationError(
                _(
                    "La fin prévue diffère de celle calculée par la règle (%(date)s) : "
                    "indiquez le motif."
                )
                % {"date": f"{proposee.fin:%d/%m/%Y}"}
            )
    contrat.cpas_id = beneficiaire.cpas_id
    contrat.cree_par = user
    en_cours = passage_en_cours(beneficiaire, contrat.debut)
    if en_cours and en_cours.phase == Phase.ARTICLE60:
        passage = en_cours
    else:
        ouvert = PassagePhase.objects.filter(beneficiaire=beneficiaire, fin__isnull=True).first()
        if ouvert and ouvert.phase == Phase.ARTICLE60:
            passage = ouvert
        else:
            passage = orienter(
                beneficiaire,
                Phase.ARTICLE60,
                contrat.debut,
                agent=user,
                motif_sortie=motif_sortie,
                motif_entree=_("Contrat article 60 : %(fonction)s")
                % {"fonction": contrat.fonction},
            )
    contrat.passage = passage
    try:
        with transaction.atomic():
            contrat.save()
    except IntegrityError as exc:
        if "a60_un_contrat_a_la_fois" in _contrainte(exc):
            raise ValidationError(
                _("Cette personne a déjà un contrat article 60 pendant cette période.")
            )
        raise
    return contrat


@transaction.atomic
def terminer_contrat(contrat: ContratArticle60, fin: datetime.date, motif: MotifSortie, user):
    """Record the actual end; the Article 60 stay ends the same day with the same reason."""
    if fin < contrat.debut:
        raise ValidationError(_("La fin ne peut pas précéder le début du contrat."))
    contrat.fin_reelle = fin
    contrat.motif_fin = motif
    contrat.save(update_fields=["fin_reelle", "motif_fin"])
    passage = contrat.passage
    if passage and passage.fin is None and passage.phase == Phase.ARTICLE60:
        passage.fin = fin
        passage.motif_sortie = motif
        passage.save(update_fields=["fin", "motif_sortie"])
    return contrat
