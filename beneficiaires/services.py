"""Write operations on the person's file, each in one transaction; what the database constraints
refuse becomes their own message (``cpas_isp.contraintes``)."""

from __future__ import annotations

import difflib
import re

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from cpas_isp.contraintes import enregistrer
from cpas_isp.models import NatureNotification
from cpas_isp.notifications import notifier

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
