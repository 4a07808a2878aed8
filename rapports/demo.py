"""Demo data of the reports: last month's report of each demo CPAS, ready to download (the
directors' page is not empty on first run). Generated synchronously, as the worker would."""

from __future__ import annotations

from rapports import queries, services


def charger(ctx):
    mois = queries.ajouter_mois(ctx.aujourd_hui, -1)
    for cpas in ctx.cpas:
        rapport = services.generer_rapport(cpas.pk, mois)
        if ctx.stdout is not None:
            ctx.stdout.write(
                f"  rapport mensuel {cpas.code} {mois:%Y-%m} ({rapport.taille} octets)"
            )
