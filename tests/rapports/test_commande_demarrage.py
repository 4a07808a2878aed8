"""The report commands pay at start-up only for what they use."""

import io

from django.core import checks
from django.core.management import call_command, load_command_class


def _comme_en_ligne_de_commande(nom, *argv):
    """Run a command as ``manage.py nom argv...`` does (parser, then execute with the
    command line's defaults, system checks included when the command asks for them),
    without run_from_argv's closing of the database connections."""
    commande = load_command_class("rapports", nom)
    options = vars(commande.create_parser("manage.py", nom).parse_args(argv))
    options["stdout"] = io.StringIO()
    commande.execute(**options)
    return options["stdout"].getvalue()


def test_report_commands_skip_the_system_checks_that_import_every_view(
    historique, tmp_path, monkeypatch
):
    appels = []

    def run_checks(*args, **kwargs):
        appels.append(kwargs)
        return []

    monkeypatch.setattr(checks, "run_checks", run_checks)
    sortie = tmp_path / "r.pdf"
    _comme_en_ligne_de_commande(
        "rapport_mensuel", "--cpas", "alpha", "--mois", "2025-12", "--sortie", str(sortie)
    )
    assert sortie.read_bytes().startswith(b"%PDF")
    csv = _comme_en_ligne_de_commande(
        "rapport_participation", "--cpas", "alpha", "--dates", "2025-12-31"
    )
    assert csv.splitlines()[1].startswith("2025-12-31,6,")
    assert appels == []
    # A command that needs the checks still runs them (the patch above does intercept them).
    call_command("check", stdout=io.StringIO())
    assert appels


def test_report_command_loads_the_pdf_machinery_only_to_make_a_pdf(db):
    """Django's set-up and the command's module (what --help or a wrong argument costs)
    import neither WeasyPrint nor the report's sections, nor openpyxl (only the spreadsheet
    downloads need it): a fresh interpreter tells."""
    import os
    import subprocess
    import sys

    code = (
        "import django, sys; django.setup(); "
        "from django.core.management import load_command_class; "
        "load_command_class('rapports', 'rapport_mensuel'); "
        "print(sorted(m for m in ('weasyprint', 'rapports.services', 'rapports.sections', "
        "'openpyxl') if m in sys.modules))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cpas_isp.settings"}
    sortie = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert sortie.strip().splitlines()[-1] == "[]"
