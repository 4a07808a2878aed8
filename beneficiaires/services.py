"""Write operations on the person's file, each in one transaction; what the database constraints
refuse becomes their own message (``cpas_isp.contraintes``)."""

from __future__ import annotations

import difflib
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cpas_isp.contraintes import enregistrer
from cpas_isp.models import NatureNotification
from cpas_isp.notifications import notifier

from . import hooks
from .models import SECTIONS_BSP, BilanSocioProfessionnel, DroitAide, FreinBeneficiaire


def enregistrer_droit(droit: DroitAide) -> DroitAide:
    """Save a right; a constraint the form could not check (a race) becomes its message."""
    return enregistrer(droit)


def noter_frein(frein_beneficiaire: FreinBeneficiaire) -> FreinBeneficiaire:
    if frein_beneficiaire.frein.sensible:
        frein_beneficiaire.commentaire = ""  # a flag only, never a diagnosis
    return enregistrer(frein_beneficiaire)


def lever_frein(frein_beneficiaire: FreinBeneficiaire, date=None) -> FreinBeneficiaire:
    frein_beneficiaire.fin = date or timezone.localdate()
    if frein_beneficiaire.fin < frein_beneficiaire.debut:
        frein_beneficiaire.fin = frein_beneficiaire.debut
    frein_beneficiaire.save(update_fields=["fin"])
    return frein_beneficiaire


def bilan_courant(beneficiaire):
    return (
        BilanSocioProfessionnel.objects.filter(beneficiaire=beneficiaire)
        .select_related("auteur")
        .order_by("-version")
        .first()
    )


@transaction.atomic
def enregistrer_bilan(beneficiaire, contenu: dict, auteur) -> BilanSocioProfessionnel | None:
    """Create the next version of the BSP; None when nothing changed since the current one."""
    # Serialise concurrent saves of the same person's BSP (version numbers stay gapless).
    type(beneficiaire).objects.select_for_update().filter(pk=beneficiaire.pk).first()
    courant = bilan_courant(beneficiaire)
    champs = [name for name, _label in SECTIONS_BSP]
    if courant and all((contenu.get(c) or "") == getattr(courant, c) for c in champs):
        return None
    derniere = BilanSocioProfessionnel.objects.filter(beneficiaire=beneficiaire).aggregate(
        m=Max("version")
    )["m"]
    return BilanSocioProfessionnel.objects.create(
        cpas_id=beneficiaire.cpas_id,
        beneficiaire=beneficiaire,
        version=(derniere or 0) + 1,
        auteur=auteur,
        **{c: (contenu.get(c) or "").strip() for c in champs},
    )


def comparer_bilans(ancien, nouveau) -> list[dict]:
    """Per section: label, changed?, and the word-level diff as (op, text) pairs where op is
    "=", "-" (removed) or "+" (added). Rendered escaped by the template."""
    resultat = []
    for name, label in SECTIONS_BSP:
        a = getattr(ancien, name) if ancien else ""
        b = getattr(nouveau, name)
        mots_a, mots_b = re.findall(r"\S+|\s+", a), re.findall(r"\S+|\s+", b)
        morceaux = []
        matcher = difflib.SequenceMatcher(a=mots_a, b=mots_b, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                morceaux.append(("=", "".join(mots_a[i1:i2])))
            else:
                if i2 > i1:
                    morceaux.append(("-", "".join(mots_a[i1:i2])))
                if j2 > j1:
                    morceaux.append(("+", "".join(mots_b[j1:j2])))
        resultat.append({"nom": name, "label": label, "change": a != b, "morceaux": morceaux})
    return resultat


def notifier_attribution(beneficiaire, ancien_referent_id, auteur) -> int:
    """Tell the new referent that the file is now theirs (in the caller's transaction; not when
    they assigned it to themselves, nor when the referent did not change)."""
    if beneficiaire.referent_id is None or beneficiaire.referent_id == ancien_referent_id:
        return 0
    return notifier(
        [beneficiaire.referent_id],
        NatureNotification.DOSSIER_ATTRIBUE,
        cpas=beneficiaire.cpas_id,
        objet=beneficiaire,
        personne_id=beneficiaire.pk,
        lien=beneficiaire.get_absolute_url(),
        auteur=auteur,
    )


# --- Who follows the person: reassignment -------------------------------------------------------


def _date_fr(d) -> str:
    return f"{d:%d/%m/%Y}"


@transaction.atomic
def reattribuer(
    beneficiaire_ids,
    nouveau,
    *,
    par,
    cpas,
    motif: str = "",
    passage_aussi: bool = False,
    date=None,
) -> int:
    """Make ``nouveau`` the referent of the people ``beneficiaire_ids`` of ``cpas``: one
    transaction (any refusal changes nothing), one ``AttributionReferent`` row per person whose
    referent changes, the change in the audit trail (pghistory context ``reattribution``), the
    running stay's agent moved too when ``passage_aussi``, and ``nouveau`` notified once per
    person. The single-file change and the bulk one both come here. Returns how many people
    changed referent."""
    import pghistory

    from .models import AttributionReferent, Beneficiaire
    from .queries import referents_possibles

    date = date or timezone.localdate()
    motif = (motif or "").strip()[:300]
    ids = sorted({int(i) for i in beneficiaire_ids})
    if not ids:
        raise ValidationError(_("Choisissez au moins une personne."), code="vide")
    if nouveau is None or not referents_possibles(cpas).filter(pk=nouveau.pk).exists():
        raise ValidationError(_("Choisissez un agent actif de ce CPAS."), code="agent_autre_cpas")
    personnes = list(
        Beneficiaire.objects.select_for_update().filter(cpas=cpas, pk__in=ids).order_by("pk")
    )
    if len(personnes) != len(ids):
        # Someone else's CPAS or a file deleted meanwhile: nothing is changed.
        raise ValidationError(_("Une des personnes choisies est introuvable."), code="inconnue")
    anonymises = [b for b in personnes if b.anonymise_le is not None]
    if anonymises:
        raise ValidationError(
            _("Un dossier anonymisé ne peut plus être réattribué (n° %(n)s).")
            % {"n": anonymises[0].pk},
            code="anonymise",
        )
    a_changer = [b for b in personnes if b.referent_id != nouveau.pk]
    with pghistory.context(operation="reattribution", motif=motif, nombre=len(a_changer)):
        if a_changer:
            Beneficiaire.objects.filter(pk__in=[b.pk for b in a_changer]).update(
                referent=nouveau, modifie_le=timezone.now()
            )
            AttributionReferent.objects.bulk_create(
                [
                    AttributionReferent(
                        cpas_id=b.cpas_id,
                        beneficiaire=b,
                        ancien_id=b.referent_id,
                        nouveau=nouveau,
                        par=par,
                        motif=motif,
                        passage_aussi=passage_aussi,
                    )
                    for b in a_changer
                ]
            )
        if passage_aussi:
            hooks.reattribuer_passages(ids, nouveau, date)
    for b in a_changer:
        ancien = b.referent_id
        b.referent = nouveau
        notifier_attribution(b, ancien, par)
    return len(a_changer)


# --- Closing and reopening the file -------------------------------------------------------------


def _elements_droits(beneficiaire, date):
    """The RIS/ERIS right running on the closing date: it ends that day."""
    from .hooks import ElementCloture

    droit = DroitAide.objects.filter(beneficiaire=beneficiaire).actifs_le(date).first()
    if droit is None:
        return []

    def terminer(date, user, valeurs, droit=droit):
        droit.fin = max(date, droit.debut)
        enregistrer(droit)

    return [
        ElementCloture(
            cle="droit",
            libelle=_("Droit %(type)s en cours depuis le %(debut)s : il prend fin à la clôture")
            % {"type": droit.type, "debut": _date_fr(droit.debut)},
            resume=str(droit.type),
            terminer=terminer,
            ordre=10,
        )
    ]


def elements_cloture(beneficiaire, date):
    """What closing the file on ``date`` may end: the running right (here), then what the
    later apps register (``hooks.register_cloture``)."""
    return _elements_droits(beneficiaire, date) + hooks.elements_cloture(beneficiaire, date)


@transaction.atomic
def cloturer_dossier(beneficiaire, date, *, par, choisis: dict, motif: str = ""):
    """Close the file on ``date``, ending the running things chosen: ``choisis`` maps each
    chosen element's key to its extra values. All or nothing: a refusal (ValidationError,
    keyed by the element) rolls everything back."""
    from .models import Beneficiaire, ClotureDossier, NatureCloture

    b = Beneficiaire.objects.select_for_update().get(pk=beneficiaire.pk)
    if b.date_cloture is not None:
        raise ValidationError(_("Ce dossier est déjà clôturé."), code="deja_cloture")
    if b.date_ouverture and date < b.date_ouverture:
        raise ValidationError(
            {"date": _("La clôture ne peut précéder l'ouverture du dossier.")},
            code="cloture_avant_ouverture",
        )
    termines = []
    for element in elements_cloture(b, date):
        if element.cle not in choisis:
            continue
        try:
            element.terminer(date, par, choisis[element.cle])
        except ValidationError as exc:
            raise ValidationError(
                _("%(quoi)s : %(erreur)s")
                % {"quoi": element.libelle, "erreur": " ".join(exc.messages)},
                code="element",
            ) from exc
        termines.append(str(element.resume or element.cle))
    b.date_cloture = date
    b.save(update_fields=["date_cloture", "modifie_le"])
    ClotureDossier.objects.create(
        cpas_id=b.cpas_id,
        beneficiaire=b,
        nature=NatureCloture.CLOTURE,
        date=date,
        par=par,
        motif=(motif or "").strip()[:300],
        termine=termines,
    )
    beneficiaire.date_cloture = date
    return termines


@transaction.atomic
def rouvrir_dossier(beneficiaire, *, par, motif: str = ""):
    """Clear the closing date (recorded); what the closing ended stays ended."""
    from .models import Beneficiaire, ClotureDossier, NatureCloture

    b = Beneficiaire.objects.select_for_update().get(pk=beneficiaire.pk)
    if b.date_cloture is None:
        raise ValidationError(_("Ce dossier n'est pas clôturé."), code="pas_cloture")
    b.date_cloture = None
    b.save(update_fields=["date_cloture", "modifie_le"])
    ClotureDossier.objects.create(
        cpas_id=b.cpas_id,
        beneficiaire=b,
        nature=NatureCloture.REOUVERTURE,
        date=timezone.localdate(),
        par=par,
        motif=(motif or "").strip()[:300],
    )
    beneficiaire.date_cloture = None
