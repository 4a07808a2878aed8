"""The PIIS lifecycle: a declared transition table (which status may follow which, and who may
make the move), the optimistic lock every write goes through, and the writes themselves
(edit, propose, sign, close, amend)."""

from __future__ import annotations

import datetime

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cpas_isp import permissions
from cpas_isp.contraintes import contraintes_en_messages
from trajets import delais
from trajets.models.piis import (
    MESSAGE_PIIS_FIGE,
    STATUTS_CLOTURES,
    STATUTS_FIGES,
    EngagementTiers,
    ObjectifPiis,
    Piis,
    StatutPiis,
)
from trajets.services.evaluations import planifier_evaluations

S = StatutPiis

# Who moves a PIIS: the social worker or coordinator who follows the person, or the
# application itself (signing an amendment replaces the signed version).
SUIVI = "suivi"
SYSTEME = "systeme"

# (from, to) -> who may make that move. Anything else is refused.
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (S.BROUILLON, S.PROPOSE): frozenset({SUIVI}),
    (S.BROUILLON, S.ABANDONNE): frozenset({SUIVI}),
    (S.PROPOSE, S.SIGNE): frozenset({SUIVI}),
    (S.PROPOSE, S.ABANDONNE): frozenset({SUIVI}),
    (S.SIGNE, S.ATTEINT): frozenset({SUIVI}),
    (S.SIGNE, S.NON_ATTEINT): frozenset({SUIVI}),
    (S.SIGNE, S.ABANDONNE): frozenset({SUIVI}),
    (S.SIGNE, S.REMPLACE): frozenset({SYSTEME}),
}

STATUTS_DE_CLOTURE = (S.ATTEINT, S.NON_ATTEINT, S.ABANDONNE)

# Why a move to this status is refused from the current one.
REFUS = {
    S.PROPOSE: gettext_lazy("Seul un brouillon peut être proposé."),
    S.SIGNE: gettext_lazy("Seul un PIIS proposé peut être signé."),
    S.ATTEINT: gettext_lazy("Seul un PIIS signé peut être clôturé comme atteint ou non."),
    S.NON_ATTEINT: gettext_lazy("Seul un PIIS signé peut être clôturé comme atteint ou non."),
    S.REMPLACE: gettext_lazy("Seul un PIIS signé en cours peut faire l'objet d'un avenant."),
}


class TransitionInvalide(ValidationError):
    pass


class ConflitVersion(Exception):
    """Someone saved the PIIS since the user opened it."""

    def __init__(self, actuel: Piis, changements: list[dict]):
        self.actuel = actuel
        self.changements = changements
        super().__init__("version conflict")


def acteur_de(user) -> str | None:
    if user is None:
        return SYSTEME
    return SUIVI if permissions.peut_suivre_beneficiaires(user) else None


def transitions_possibles(piis: Piis, user) -> list[str]:
    acteur = acteur_de(user)
    return [vers for (de, vers), qui in TRANSITIONS.items() if de == piis.statut and acteur in qui]


def verifier_transition(piis: Piis, vers: str, user) -> None:
    """Refuse a move the table does not declare, or that this user may not make."""
    de = piis.statut
    qui = TRANSITIONS.get((de, vers))
    if qui is None:
        if vers not in S.values or vers == S.BROUILLON:
            raise TransitionInvalide(_("Statut de clôture inconnu."), code="statut")
        if de in STATUTS_CLOTURES and vers in STATUTS_DE_CLOTURE:
            raise TransitionInvalide(_("Ce PIIS est déjà clôturé."), code="cloture")
        raise TransitionInvalide(str(REFUS.get(vers, "")), code="transition")
    if acteur_de(user) not in qui:
        raise TransitionInvalide(
            _("Vous ne pouvez pas faire passer ce PIIS à « %(vers)s ».") % {"vers": S(vers).label},
            code="acteur",
        )


# --- The optimistic lock ------------------------------------------------------------------------

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


def ecrire(piis: Piis, version: int | None, user, **valeurs) -> Piis:
    """The one write of an existing PIIS: ``valeurs`` are saved only if the row is still at
    ``version`` (else :class:`ConflitVersion` with what changed since), and the version moves
    on. Constraint violations and the frozen-content trigger come back as messages."""
    version = piis.version if version is None else version
    if user is not None:
        valeurs["modifie_par"] = user
    try:
        with contraintes_en_messages():
            n = Piis.objects.filter(pk=piis.pk, version=version).update(
                version=F("version") + 1, modifie_le=timezone.now(), **valeurs
            )
    except DatabaseError as exc:
        # Signed by someone else since the checks: the trigger refused the change.
        if "piis_signe_fige" in str(exc):
            raise ValidationError(MESSAGE_PIIS_FIGE, code="piis_fige") from exc
        raise
    if n == 0:
        actuel = Piis.objects.get(pk=piis.pk)
        raise ConflitVersion(actuel, _changements_depuis(piis.pk, version, actuel))
    piis.refresh_from_db()
    return piis


def transition(piis: Piis, vers: str, user, version: int | None = None, **valeurs) -> Piis:
    """Move ``piis`` to ``vers`` through the table and the lock."""
    verifier_transition(piis, vers, user)
    return ecrire(piis, version, user, statut=vers, **valeurs)


def _changements_depuis(piis_id, version, actuel: Piis) -> list[dict]:
    """What changed between the version the user loaded (from the audit trail) and now."""
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
                    "avant": _affiche(field, avant),
                    "apres": _affiche(field, apres),
                    "par": auteurs,
                }
            )
    return changements


def _affiche(field, valeur):
    if valeur in (None, "", []):
        return "—"
    if field.choices:
        return dict(field.flatchoices).get(valeur, valeur)
    if field.name == "domaines_action":
        choix = dict(field.base_field.flatchoices)
        return ", ".join(str(choix.get(v, v)) for v in valeur)
    if field.is_relation:
        return str(get_user_model().objects.filter(pk=valeur).first() or valeur)
    if isinstance(valeur, datetime.date):
        return f"{valeur:%d/%m/%Y}"
    return str(valeur)


# --- Writes ------------------------------------------------------------------------------------


def _verifier_modifiable(piis: Piis):
    if piis.statut in STATUTS_FIGES:
        raise ValidationError(MESSAGE_PIIS_FIGE, code="piis_fige")


@transaction.atomic
def enregistrer_piis(piis: Piis, version: int | None, user, objectifs=None, tiers=None) -> Piis:
    """Create or update a PIIS with optimistic locking on ``version``.

    ``objectifs``: list of dicts (libelle, echeance, statut) in order; ``tiers``: list of dicts
    (partenaire_id or nom, engagements). Both replace what was there when given.
    """
    piis.modifie_par = user
    if piis.pk is None:
        piis.version = 1
        with contraintes_en_messages():
            piis.save()
    else:
        _verifier_modifiable(Piis.objects.get(pk=piis.pk))
        valeurs = {f: getattr(piis, f) for f in CHAMPS_VERSIONNES}
        ecrire(
            piis,
            version,
            user,
            renonciation_delai_reflexion=piis.renonciation_delai_reflexion,
            **valeurs,
        )
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
    piis.engagements_tiers.all().delete()
    for ordre, data in enumerate(tiers, start=1):
        EngagementTiers.objects.create(cpas_id=piis.cpas_id, piis=piis, ordre=ordre, **data)


@transaction.atomic
def proposer_piis(piis: Piis, date: datetime.date, user, version: int | None = None) -> Piis:
    verifier_transition(piis, S.PROPOSE, user)
    if not piis.objectifs.exists():
        raise ValidationError(_("Ajoutez au moins un objectif avant de proposer le PIIS."))
    return transition(piis, S.PROPOSE, user, version, date_proposition=date)


@transaction.atomic
def signer_piis(
    piis: Piis,
    date: datetime.date,
    user,
    *,
    renonciation=False,
    debut=None,
    fin=None,
    version: int | None = None,
) -> Piis:
    verifier_transition(piis, S.SIGNE, user)
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
    transition(
        piis,
        S.SIGNE,
        user,
        version,
        date_signature=date,
        renonciation_delai_reflexion=renonciation and date < possible,
        debut=debut,
        fin=fin,
    )
    if piis.avenant_de_id:
        # The amendment replaces the signed version, which is kept as it was.
        parent = Piis.objects.select_for_update().get(pk=piis.avenant_de_id)
        transition(parent, S.REMPLACE, None, date_cloture=date)
        parent.evaluations.filter(date_tenue__isnull=True).delete()
    planifier_evaluations(piis)
    return piis


@transaction.atomic
def cloturer_piis(
    piis: Piis, statut: str, date: datetime.date, user, version: int | None = None
) -> Piis:
    if statut not in STATUTS_DE_CLOTURE:
        raise TransitionInvalide(_("Statut de clôture inconnu."), code="statut")
    transition(piis, statut, user, version, date_cloture=date)
    piis.evaluations.filter(date_tenue__isnull=True).delete()
    return piis


@transaction.atomic
def creer_avenant(piis: Piis, user) -> Piis:
    """A draft copy of a signed PIIS; the signed version stays frozen until the amendment is
    signed, then it is marked as replaced."""
    if piis.statut != S.SIGNE:
        raise ValidationError(str(REFUS[S.REMPLACE]))
    if piis.avenants.filter(statut__in=[S.BROUILLON, S.PROPOSE]).exists():
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
    _copier(piis.objectifs.all(), copie, ["ordre", "libelle", "echeance", "statut"])
    _copier(piis.engagements_tiers.all(), copie, ["ordre", "nom", "engagements", "partenaire_id"])
    return copie


def _copier(lignes, piis: Piis, champs: list[str]) -> None:
    """Copy the rows of a PIIS (objectives, third parties' commitments) onto ``piis``."""
    model = lignes.model
    model.objects.bulk_create(
        model(cpas_id=piis.cpas_id, piis=piis, **{c: getattr(o, c) for c in champs}) for o in lignes
    )
