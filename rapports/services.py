"""Write side of the reports: building the monthly report (figures, charts, PDF) and storing it.

``contexte_rapport`` gathers every figure of a month for one CPAS (no names, no NISS);
``rendre_pdf`` turns it into an A4 PDF with WeasyPrint in the CPAS's language;
``demander_rapport`` records a request and queues its generation; ``generer_rapport`` is what the
Celery task runs: idempotent, one stored report per CPAS and month.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from cpas_isp.models import Cpas
from rapports import queries, svg
from rapports.models import EtatRapport, RapportMensuel

logger = logging.getLogger(__name__)
# WeasyPrint logs every layout step at INFO level; keep the worker's log readable.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def mois_precedent(aujourd_hui: datetime.date | None = None) -> datetime.date:
    aujourd_hui = aujourd_hui or timezone.localdate()
    return queries.ajouter_mois(aujourd_hui, -1)


def contexte_rapport(cpas: Cpas, mois: datetime.date) -> dict:
    """Every figure of the monthly report of ``cpas`` for ``mois`` (any day of the month)."""
    mois = queries.premier_du_mois(mois)
    fin = queries.fin_du_mois(mois)
    premier = queries.ajouter_mois(mois, -(queries.MOIS_RAPPORT - 1))
    dates = queries.fins_de_mois(premier, fin)
    participation = queries.tableau_participation([cpas.pk], dates)
    flux = queries.flux_mensuels([cpas.pk], premier, mois)
    contexte = {
        "cpas": cpas,
        "mois": mois,
        "fin_mois": fin,
        "participation": participation,
        "derniere": participation[-1],
        "flux": flux,
        "flux_mois": flux.mois[-1],
        "flux_total": flux.total,
        "phases": queries.PHASES,
        "classes": [*queries.CLASSES, queries.SANS_CLASSE],
        "sections_pdf": [],
        "liens": None,
        "graphique_participation": svg.graphique_participation(participation),
        "graphique_flux": svg.graphique_flux(flux),
        "genere_le": timezone.localtime(),
    }
    for section in sections_supplementaires():
        extra = dict(section(cpas, mois) or {})
        contexte["sections_pdf"] = contexte["sections_pdf"] + extra.pop("sections_pdf", [])
        contexte.update(extra)
    return contexte


def sections_supplementaires():
    """Report sections fed by the other apps' data (PIIS, article 60, referrals), when their
    models exist. Each returns extra context for the PDF template."""
    from rapports import sections

    return sections.disponibles()


def rendre_html(cpas: Cpas, mois: datetime.date, langue: str | None = None) -> str:
    with translation.override(langue or cpas.langue):
        return render_to_string("rapports/pdf/rapport_mensuel.html", contexte_rapport(cpas, mois))


def rendre_pdf(cpas: Cpas, mois: datetime.date, langue: str | None = None) -> bytes:
    """The monthly report as PDF bytes (A4, page numbers, generation date)."""
    from weasyprint import HTML

    html = rendre_html(cpas, mois, langue)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def demander_rapport(
    cpas: Cpas, mois: datetime.date, *, user=None, langue: str | None = None
) -> RapportMensuel:
    """Record a request for the report of ``mois`` and queue its generation (after commit).

    Asking again for a month that already has a report regenerates it in the same row.
    """
    from rapports.tasks import generer_rapport_mensuel

    mois = queries.premier_du_mois(mois)
    with transaction.atomic():
        rapport, _created = RapportMensuel.objects.select_for_update().get_or_create(
            cpas=cpas,
            mois=mois,
            defaults={"langue": langue or cpas.langue, "demande_le": timezone.now()},
        )
        rapport.langue = langue or rapport.langue or cpas.langue
        rapport.etat = EtatRapport.EN_ATTENTE
        rapport.demande_par = user
        rapport.demande_le = timezone.now()
        rapport.erreur = ""
        rapport.tentatives = 0
        rapport.save()
        transaction.on_commit(
            lambda: generer_rapport_mensuel.delay(
                cpas.pk, mois.isoformat(), user.pk if user else None
            )
        )
    return rapport


def generer_rapport(
    cpas_id: int,
    mois: datetime.date,
    *,
    demande_par_id: int | None = None,
    tache_id: str = "",
    tentative: int = 1,
) -> RapportMensuel:
    """Generate and store the report of ``cpas_id`` for ``mois``: one row per CPAS and month,
    created when missing (scheduled run), its file replaced when it exists."""
    cpas = Cpas.objects.get(pk=cpas_id)
    mois = queries.premier_du_mois(mois)
    maintenant = timezone.now()
    rapport, created = RapportMensuel.objects.get_or_create(
        cpas=cpas,
        mois=mois,
        defaults={
            "langue": cpas.langue,
            "demande_le": maintenant,
            "demande_par_id": demande_par_id,
        },
    )
    RapportMensuel.objects.filter(pk=rapport.pk).update(
        etat=EtatRapport.EN_COURS,
        debut_generation=maintenant,
        tache_id=tache_id,
        tentatives=tentative,
    )
    pdf = rendre_pdf(cpas, mois, rapport.langue)
    with transaction.atomic():
        rapport = RapportMensuel.objects.select_for_update().get(pk=rapport.pk)
        ancien = rapport.fichier.name if rapport.fichier else None
        if ancien:
            rapport.fichier.storage.delete(ancien)
        rapport.fichier.save(rapport.nom_fichier, ContentFile(pdf), save=False)
        rapport.taille = len(pdf)
        rapport.etat = EtatRapport.PRET
        rapport.genere_le = timezone.now()
        rapport.erreur = ""
        rapport.tache_id = tache_id
        rapport.tentatives = tentative
        rapport.save()
    logger.info("Rapport mensuel %s %s généré (%d octets)", cpas.code, mois, len(pdf))
    return rapport


def noter_echec(
    cpas_id: int, mois: datetime.date, erreur: str, *, definitif: bool, tentative: int = 1
) -> None:
    """Record a failed attempt on the report row (visible on the reports page)."""
    mois = queries.premier_du_mois(mois)
    cpas = Cpas.objects.get(pk=cpas_id)
    rapport, _created = RapportMensuel.objects.get_or_create(
        cpas=cpas, mois=mois, defaults={"langue": cpas.langue, "demande_le": timezone.now()}
    )
    rapport.tentatives = tentative
    rapport.erreur = erreur[:2000]
    rapport.etat = EtatRapport.ECHEC if definitif else EtatRapport.EN_ATTENTE
    rapport.save(update_fields=["tentatives", "erreur", "etat"])


def assurer_planification(periodic_task_model=None, crontab_model=None):
    """The beat schedule of the monthly reports (1st of the month, 06:00, Brussels time),
    created once; an administrator may then change it in the admin. Also used by the data
    migration, with the historical models."""
    if periodic_task_model is None:
        from django_celery_beat.models import CrontabSchedule, PeriodicTask

        periodic_task_model, crontab_model = PeriodicTask, CrontabSchedule
    crontab, _ = crontab_model.objects.get_or_create(
        minute="0",
        hour="6",
        day_of_month="1",
        month_of_year="*",
        day_of_week="*",
        timezone="Europe/Brussels",
    )
    tache, _ = periodic_task_model.objects.get_or_create(
        name=NOM_PLANIFICATION,
        defaults={"task": TACHE_PLANIFIEE, "crontab": crontab, "enabled": True},
    )
    return tache


NOM_PLANIFICATION = "Rapports mensuels ISP (tous les CPAS)"
TACHE_PLANIFIEE = "rapports.tasks.generer_rapports_mensuels"
