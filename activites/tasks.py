"""Celery entry points of the activities (thin: the work is in ``activites.fse``)."""

from __future__ import annotations

from celery import shared_task

from cpas_isp.audit import contexte_script


@shared_task(name="activites.tasks.suivis_fse")
def suivis_fse():
    """Every morning (Celery beat): the ESF+ follow-ups of the people who left a project
    (result at exit within 4 weeks, situation six months later) in the agents' "Mes
    échéances". Idempotent."""
    from activites import fse

    with contexte_script("activites.suivis_fse"):
        return {"crees": fse.creer_suivis()}
