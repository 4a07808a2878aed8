"""The dashboard's tags that replaced template loops (column headers, filter fields, rows of
the free slots per cellule) and the memoised rows of the appointments' tables write the same
HTML as the loops they replaced, in French and in Dutch, with and without links, with field
errors, and again once memoised; a memoised table changes with its figures."""

import re
from dataclasses import replace

import pytest
from django.conf import settings
from django.template.loaders import app_directories, filesystem
from django.test import override_settings
from django.utils import translation

from cpas_isp.models import Role
from rapports.templatetags import rapports_tags
from rendezvous.indicateurs import ChargeAgent, ChargeCellule, Delai, LigneAbsences

# The fixtures of the appointments' tests: a year of rights, stays, appointments and referrals,
# and free slots short of pending invitations in one cellule (its row marked).
from tests.rapports.test_rendez_vous import agent, charge_a_venir, histoire  # noqa: F401

# The loops the tags replaced, as the templates held them.
AVANT = {
    '{% entetes phases "phase" %}': (
        '{% for phase in phases %}<th scope="col">{{ phase|libelle_phase }}</th>{% endfor %}'
    ),
    '{% entetes classes "classe" %}': (
        '{% for classe in classes %}<th scope="col">{{ classe|libelle_classe }}</th>{% endfor %}'
    ),
    "  {% champs_filtres form %}": """  {% for field in form %}
  <div class="col-12">
    <label class="form-label small mb-0" for="{{ field.id_for_label }}">{{ field.label }}</label>
    {{ field }}
    {% for error in field.errors %}<div class="text-danger small">{{ error }}</div>{% endfor %}
  </div>
  {% endfor %}""",
    "    {% lignes_cellules_rdv rdv_charge.cellules liens %}": """    {% for c in rdv_charge.cellules %}
      <tr{% if c.alerte %} class="table-danger"{% endif %}>
        <th scope="row" class="text-start">{{ c.cellule }}</th>
        <td>{{ c.creneaux_libres }}</td>
        <td>{% lien_nombre c.invitations liens "rdv_invitations" cellule=c.code %}</td>
        <td class="text-start">{% if c.alerte %}<span class="badge text-bg-danger">{% translate "Moins de créneaux que d'invitations" %}</span>{% endif %}</td>
      </tr>
    {% endfor %}""",  # noqa: E501
}
CSRF = re.compile(r'"X-CSRFToken": "[^"]*"|name="csrfmiddlewaretoken" value="[^"]*"')


def _avant(origin, contenu):
    for tag, boucle in AVANT.items():
        contenu = contenu.replace(tag, boucle)
    return contenu


class FichiersAvant(filesystem.Loader):
    def get_contents(self, origin):
        return _avant(origin, super().get_contents(origin))


class AppsAvant(app_directories.Loader):
    def get_contents(self, origin):
        return _avant(origin, super().get_contents(origin))


def _templates_avant():
    (moteur,) = settings.TEMPLATES
    options = {
        **moteur["OPTIONS"],
        "loaders": [f"{__name__}.FichiersAvant", f"{__name__}.AppsAvant"],
    }
    return [{**moteur, "APP_DIRS": False, "OPTIONS": options}]


def _page(client, params):
    reponse = client.get("/rapports/", params)
    assert reponse.status_code == 200
    return CSRF.sub("", reponse.content.decode())


@pytest.mark.usefixtures("histoire", "charge_a_venir")
@pytest.mark.parametrize("langue", ["fr", "nl"])
@pytest.mark.parametrize("role", [Role.COORDINATEUR, Role.DIRECTEUR])
@pytest.mark.parametrize(
    "params",
    [
        {"du": "2025-01", "au": "2025-12"},
        {},
        {"cellule": "emploi"},
        {"du": "2025-13", "agent": "0"},  # field errors
        {"du": "2025-12", "au": "2025-01"},  # the form's error
    ],
)
def test_dashboard_is_the_same_html_as_with_the_loops(
    cpas_a,
    make_user,
    client_for,
    agent,  # noqa: F811
    langue,
    role,
    params,
):
    client = client_for(make_user(role, cpas_a, langue=langue))
    if params.get("agent") == "0":
        params = {**params, "agent": str(agent.pk + 1000)}
    rapports_tags._LIGNES.clear()
    rapports_tags._CHAMPS.clear()
    avec = _page(client, params)
    avec_encore = _page(client, params)  # memoised
    with override_settings(TEMPLATES=_templates_avant()):
        avant = _page(client, params)
    assert avec == avec_encore == avant
    assert 'id="table-rdv-cellules"' in avec and 'class="table-danger"' in avec
    assert ('class="lien-nombre"' in avec) == (role == Role.COORDINATEUR)
    if "agent" in params:
        assert 'class="text-danger small"' in avec


def _sans_memo(fonction, *args):
    rapports_tags._LIGNES.clear()
    return fonction(*args)


LIENS = {"du": "2025-01", "au": "2025-12", "cellule": "emploi"}


@pytest.mark.parametrize("langue", ["fr", "nl"])
@pytest.mark.parametrize("liens", [LIENS, None])
def test_memoised_rows_follow_their_figures(langue, liens):
    delais = [
        Delai("ris", None, 10, 8, 12.5, 9, 7, 2),
        Delai("phase", "emploi", 4, 3, 3.0, 4, 3, 1),
        Delai("phase", None, 4, 0, None, 0, 0, 4),
    ]
    for d in delais:
        d.libelle, d.code = f"<{d.cle} & {d.phase}>", f"phase_{d.phase}" if d.phase else d.cle
    absences = [
        LigneAbsences(1, None, "Suivi & co", 5, 2, 1),
        LigneAbsences(2, None, "Collectif", 0, 0, 0),
    ]
    agents = [
        ChargeAgent(7, "Anne <Agent>", 3, 1500, 52.0, 12, 4),
        ChargeAgent(8, "Bob", None, 0, 0.0, 0, 0),
    ]
    cellules = [
        ChargeCellule(3, "Emploi & co", "emploi", 2, 6),
        ChargeCellule(4, "Alpha", "alpha", 3, 0),
    ]
    cas = [
        (rapports_tags.lignes_delais, lambda: (delais, liens), "total", delais, 0),
        (rapports_tags.lignes_absences, lambda: (absences, liens, "type_rdv"), "vus", absences, 1),
        (
            lambda *a: rapports_tags.lignes_agents_rdv({"ecran": True}, *a),
            lambda: (agents, liens),
            "rendez_vous",
            agents,
            1,
        ),
        (
            lambda *a: rapports_tags.lignes_agents_rdv({"ecran": False}, *a),
            lambda: (agents, liens),
            "rendez_vous",
            agents,
            0,
        ),
        (rapports_tags.lignes_cellules_rdv, lambda: (cellules, liens), "invitations", cellules, 1),
    ]
    with translation.override(langue):
        for tag, arguments, attribut, lignes, i in cas:
            memoise = tag(*arguments())
            assert tag(*arguments()) is memoise  # written once
            assert _sans_memo(tag, *arguments()) == memoise
            ancienne = lignes[i]
            lignes[i] = replace(ancienne, **{attribut: getattr(ancienne, attribut) + 1})
            if isinstance(ancienne, Delai):
                lignes[i].libelle, lignes[i].code = ancienne.libelle, ancienne.code
            change = tag(*arguments())
            assert change != memoise
            assert _sans_memo(tag, *arguments()) == change
            lignes[i] = ancienne
