"""The daily deadlines of referrals sent to a partner: a reminder at half the delay, expiry
after the full delay of the CPAS (set-based, idempotent)."""

from __future__ import annotations

import datetime
from collections import Counter

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cpas_isp.models import Cpas

from ..models import MessageOrientation, Orientation, StatutOrientation, TransitionOrientation
from .orientations import SYSTEME, TRANSITIONS, TransitionInvalide, destinataires, envoyer_courriel

S = StatutOrientation


def delai_rappel(delai_expiration: int) -> int:
    """Days after sending when the reminder is due: half the expiry delay (at least one)."""
    return max(1, delai_expiration // 2)


def rappeler_partenaire(partenaire_id, cpas, nombre: int):
    """One reminder e-mail per partner and CPAS for all its referrals due for a reminder."""
    adresses = destinataires(partenaire_id, cpas.pk)
    if not adresses:
        return 0
    lien = getattr(settings, "SITE_URL", "") + reverse("partenaires:portail") + "?statut=envoyee"
    sujet = _("Rappel : des orientations du %(cpas)s attendent votre réponse") % {"cpas": cpas}
    corps = ngettext(
        "%(n)s orientation attend votre réponse depuis la moitié du délai prévu.\n"
        "Consultez le portail partenaire : %(lien)s",
        "%(n)s orientations attendent votre réponse depuis la moitié du délai prévu.\n"
        "Consultez le portail partenaire : %(lien)s",
        nombre,
    ) % {"n": nombre, "lien": lien}
    return envoyer_courriel(sujet, corps, adresses, f"reminder partner {partenaire_id}")


def traiter_echeances(aujourd_hui: datetime.date | None = None) -> dict[str, int]:
    """Remind partners at half the delay, expire referrals sent without answer for the full
    delay of their CPAS (``Cpas.delai_expiration_orientation``). Idempotent; set-based so a
    backlog of thousands of referrals takes seconds."""
    aujourd_hui = aujourd_hui or timezone.localdate()
    compte = {"rappels": 0, "expirees": 0}
    if (S.ENVOYEE, S.EXPIREE) not in TRANSITIONS or SYSTEME not in TRANSITIONS[
        (S.ENVOYEE, S.EXPIREE)
    ]:
        raise TransitionInvalide("the transition table no longer lets the schedule expire")
    for cpas in Cpas.objects.filter(
        pk__in=Orientation.objects.filter(statut=S.ENVOYEE).values("cpas")
    ):
        delai = cpas.delai_expiration_orientation
        envoyees = Orientation.objects.filter(cpas=cpas, statut=S.ENVOYEE)
        limite_expiration = aujourd_hui - datetime.timedelta(days=delai)
        commentaire = _("Sans réponse du partenaire après %(n)s jours.") % {"n": delai}
        with transaction.atomic():
            ids = list(
                envoyees.filter(date_envoi__lte=limite_expiration)
                .select_for_update()
                .values_list("pk", flat=True)
            )
            if ids:
                Orientation.objects.filter(pk__in=ids).update(
                    statut=S.EXPIREE, modifie_le=timezone.now()
                )
                TransitionOrientation.objects.bulk_create(
                    TransitionOrientation(
                        cpas=cpas,
                        orientation_id=pk,
                        de_statut=S.ENVOYEE,
                        vers_statut=S.EXPIREE,
                        par=None,
                        commentaire=commentaire,
                    )
                    for pk in ids
                )
        compte["expirees"] += len(ids)

        limite_rappel = aujourd_hui - datetime.timedelta(days=delai_rappel(delai))
        with transaction.atomic():
            a_rappeler = list(
                envoyees.filter(date_envoi__lte=limite_rappel, rappel_le__isnull=True)
                .select_for_update()
                .values_list("pk", "date_envoi", "service__partenaire")
            )
            if not a_rappeler:
                continue
            Orientation.objects.filter(pk__in=[pk for pk, *_r in a_rappeler]).update(
                rappel_le=aujourd_hui
            )
            MessageOrientation.objects.bulk_create(
                MessageOrientation(
                    cpas=cpas,
                    orientation_id=pk,
                    auteur=None,
                    texte=_(
                        "Rappel automatique : cette orientation attend une réponse. "
                        "Sans réponse, elle expirera le %(date)s."
                    )
                    % {"date": (envoi + datetime.timedelta(days=delai)).strftime("%d/%m/%Y")},
                )
                for pk, envoi, _partenaire in a_rappeler
            )
        par_partenaire = Counter(partenaire for _pk, _envoi, partenaire in a_rappeler)
        for partenaire_id, nombre in par_partenaire.items():
            rappeler_partenaire(partenaire_id, cpas, nombre)
        compte["rappels"] += len(a_rappeler)
    return compte
