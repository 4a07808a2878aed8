"""Who follows the person, and when the file was closed or reopened: the history behind
``Beneficiaire.referent`` and ``Beneficiaire.date_cloture``.

"Who follows this person now" is the referent (one notion: access, workload, queues and
dashboards count it); the running stay's agent is the cellule's agent beside it. Every change of
referent goes through ``beneficiaires.suivi.reattribuer`` and leaves one ``AttributionReferent``
row; every closing or reopening one ``ClotureDossier`` row."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cpas_isp.models import TenantModel

from .personnes import Beneficiaire


class AttributionReferent(TenantModel):
    """One change of referent: from whom, to whom, when, by whom and why."""

    beneficiaire = models.ForeignKey(
        Beneficiaire, on_delete=models.CASCADE, related_name="attributions"
    )
    ancien = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ancien référent"),
    )
    nouveau = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("nouveau référent"),
    )
    le = models.DateTimeField(_("le"), default=timezone.now)
    par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("par"),
    )
    motif = models.CharField(_("motif"), max_length=300, blank=True)
    passage_aussi = models.BooleanField(_("agent du passage en cours aussi"), default=False)

    class Meta:
        verbose_name = _("attribution du référent")
        verbose_name_plural = _("attributions du référent")
        ordering = ["-le", "-id"]
        indexes = [models.Index(fields=["beneficiaire", "-le"])]


class NatureCloture(models.TextChoices):
    CLOTURE = "cloture", _("Clôture")
    REOUVERTURE = "reouverture", _("Réouverture")


class ClotureDossier(TenantModel):
    """A closing (with what was ended) or a reopening of the file."""

    beneficiaire = models.ForeignKey(
        Beneficiaire, on_delete=models.CASCADE, related_name="clotures"
    )
    nature = models.CharField(_("nature"), max_length=12, choices=NatureCloture.choices)
    date = models.DateField(_("date"))
    le = models.DateTimeField(_("enregistré le"), default=timezone.now)
    par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("par"),
    )
    motif = models.CharField(_("motif"), max_length=300, blank=True)
    # What the closing ended, as the labels shown then (no personal text: "Droit RIS", "PIIS"...).
    termine = models.JSONField(_("éléments terminés"), default=list, blank=True)

    class Meta:
        verbose_name = _("clôture ou réouverture du dossier")
        verbose_name_plural = _("clôtures et réouvertures de dossiers")
        ordering = ["-le", "-id"]
