"""The caseload's rows written in Python (``beneficiaires_tags.lignes_caseload``) are the HTML the
row template gave: same cells, escaping, translations, extension columns (given as cells or as a
template)."""

import datetime

import pytest
from django.db import connection
from django.db.models import Value
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.html import format_html

from beneficiaires import hooks, queries
from beneficiaires.hooks import CaseloadExtension
from beneficiaires.models import NiveauEtudes
from tests.beneficiaires.factories import BeneficiaireFactory, DroitFactory
from tests.beneficiaires.helpers import LISTE

pytestmark = pytest.mark.django_db

# The row loop of _resultats.html before the rows were written in Python.
LIGNES_GABARIT = (
    "{% load i18n %}"
    "{% for b in page.object_list %}\n"
    "      <tr>\n"
    '        {% if peut_reattribuer %}<td><input class="form-check-input" type="checkbox" '
    'form="form-reattribution" name="personnes" value="{{ b.pk }}" id="choix-{{ b.pk }}" '
    'aria-label="{% blocktranslate with nom=b %}Sélectionner {{ nom }}{% endblocktranslate %}">'
    "</td>{% endif %}\n"
    '        <td><a href="{{ b.url_fiche }}" hx-boost="false"><strong>{{ b.nom|upper }}</strong> '
    "{{ b.prenom }}</a>{% if b.date_cloture %} "
    '<span class="badge text-bg-secondary">{% translate "clôturé" %}</span>{% endif %}</td>\n'
    '        <td class="text-nowrap"><code>{{ b.niss_affiche }}</code></td>\n'
    '        <td class="text-nowrap">{{ b.naissance }}</td>\n'
    '        <td>{{ b.commune|default:"—" }}</td>\n'
    '        <td>{{ b.referent|default:"—" }}</td>\n'
    '        <td class="text-nowrap">{% if b.droit_type %}{{ b.droit_type }}'
    '{% if b.droit_debut %} <span class="text-muted small">'
    '{% blocktranslate with d=b.droit_debut|date:"d/m/Y" %}depuis {{ d }}{% endblocktranslate %}'
    '</span>{% endif %}{% else %}<span class="text-muted">—</span>{% endif %}</td>\n'
    "        {% for ext, cellule in b.colonnes_extensions %}<td>{% if cellule is None %}"
    "{% include ext.column %}{% else %}{{ cellule }}{% endif %}</td>{% endfor %}\n"
    "        <td>{% for code, libelle in b.groupes %}"
    '<span class="badge rounded-pill text-bg-info me-1">{{ libelle }}</span>{% endfor %}</td>\n'
    "      </tr>\n"
    "    {% endfor %}"
)


def _tbody(body: str) -> str:
    debut = body.index("<tbody>") + len("<tbody>\n    ")
    return body[debut : body.index("\n    </tbody>", debut)]


@pytest.fixture
def personnes(cpas_a, coord):
    aujourd_hui = timezone.localdate()
    jeune = BeneficiaireFactory(
        cpas=cpas_a,
        nom="<b>d'Alès & Cie</b>",
        prenom='Zoé "Z"',
        commune="Saint-<Josse> & Ten",
        referent=coord,
        date_naissance=aujourd_hui - datetime.timedelta(days=20 * 365),
        niveau_etudes=NiveauEtudes.CEB,
    )
    DroitFactory(beneficiaire=jeune, debut=aujourd_hui - datetime.timedelta(days=30))
    cloture = BeneficiaireFactory(
        cpas=cpas_a,
        nom="Clos",
        date_ouverture=datetime.date(2020, 1, 1),
        date_cloture=datetime.date(2024, 1, 1),
    )
    sans = BeneficiaireFactory(cpas=cpas_a, nom="Sans", commune="")
    type(sans).objects.filter(pk=sans.pk).update(date_naissance=None)
    return [jeune, cloture, sans]


@pytest.fixture
def extensions(tmp_path, settings):
    gabarit = "<span class='ext'>{{ b.marque }} {{ ext.key }}</span>"
    (tmp_path / "col_lignes.html").write_text(gabarit)
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}
    ]
    hooks.register_caseload_extension(
        CaseloadExtension(
            key="gabarit",
            label="Marque",
            annotate=lambda qs: qs.annotate(marque=Value("M<&>")),
            column="col_lignes.html",
        )
    )
    hooks.register_caseload_extension(
        CaseloadExtension(
            key="cellules",
            label="Cellules",
            cellules=lambda lignes: [
                format_html("<i>{}</i>", b.nom) if i % 2 else f"<{b.pk}>"
                for i, b in enumerate(lignes)
            ],
        )
    )


@pytest.mark.parametrize("langue", ["fr", "nl"])
@pytest.mark.parametrize("role", ["coord", "agent"])
def test_rows_are_the_row_template_s_html(
    role, langue, personnes, extensions, coord, make_user, cpas_a, client_for
):
    from cpas_isp.models import Role

    user = coord if role == "coord" else make_user(Role.AGENT, cpas_a)
    if role == "agent":
        for b in personnes:
            b.referent = user
            b.save()
    client = client_for(user)
    client.cookies["django_language"] = langue
    response = client.get(LISTE, {"statut": "tous"}, HTTP_ACCEPT_LANGUAGE=langue)
    assert response.status_code == 200
    page = response.context["page"]
    assert len(page.object_list) == 3
    for b in page.object_list:
        b.groupes = queries.groupes_de(b)
    with translation.override(langue):
        attendu = Template(LIGNES_GABARIT).render(
            Context(
                {
                    "page": page,
                    "peut_reattribuer": response.context["peut_reattribuer"],
                    "colonnes_extensions": response.context["colonnes_extensions"],
                }
            )
        )
    body = response.content.decode()
    assert _tbody(body) == attendu
    # What the data exercises: escaping, the closed badge, the right, the groups, both columns.
    assert "&lt;B&gt;D&#x27;ALÈS &amp; CIE&lt;/B&gt;" in attendu
    assert "Saint-&lt;Josse&gt; &amp; Ten" in attendu
    assert "M&lt;&amp;&gt; gabarit" in attendu and "&lt;" in attendu
    assert "rounded-pill" in attendu and ("depuis" in attendu or "sinds" in attendu)
    assert ("clôturé" in attendu) == (langue == "fr")
    assert ("Sélectionner" in attendu) == (role == "coord" and langue == "fr")


@pytest.mark.parametrize("langue", ["fr", "nl"])
def test_rows_read_with_the_list_s_fields_alone_are_the_full_rows_html(
    langue, personnes, coord, make_user, cpas_a, client_for, monkeypatch
):
    """Without an extension whose column is a template, the rows' statement reads the person's
    ``queries.CHAMPS_LIGNE`` alone: the page (rows, the trajectory's cells written by
    ``cellules``) is the HTML of the rows read with every field of the person and their
    referent, in as many queries (a field the rows show but did not read would cost one query
    per row)."""
    from django.db.models import QuerySet

    from cpas_isp.models import Role

    sans_nom = make_user(Role.AGENT, cpas_a, username="<agent>", first_name="", last_name="")
    personnes[2].referent = sans_nom
    personnes[2].save()
    anonyme = BeneficiaireFactory(cpas=cpas_a, nom="Effacé", referent=coord)
    type(anonyme).objects.filter(pk=anonyme.pk).update(niss=None, anonymise_le=timezone.now())
    assert not any(ext.column and not ext.cellules for ext in hooks.caseload_extensions())
    client = client_for(coord)
    client.cookies["django_language"] = langue

    def page():
        queries._REQUETES_MEMORISEES.clear()
        queries._COLONNES_COMPILEES.clear()
        client.get(LISTE, {"statut": "tous"}, HTTP_ACCEPT_LANGUAGE=langue)  # compiled, prepared
        with CaptureQueriesContext(connection) as requetes:
            response = client.get(LISTE, {"statut": "tous"}, HTTP_ACCEPT_LANGUAGE=langue)
        assert response.status_code == 200
        return _tbody(response.content.decode()), len(requetes), response.context["page"]

    lues, nombre, rangees = page()
    champs = {f.attname for f in rangees.object_list[0]._meta.concrete_fields}
    assert champs - rangees.object_list[0].get_deferred_fields() == {
        "id",
        "cpas_id",
        "nom",
        "prenom",
        "niss",
        "date_naissance",
        "commune",
        "date_cloture",
        "anonymise_le",
        "referent_id",
    }
    with monkeypatch.context() as m:
        m.setattr(QuerySet, "only", lambda qs, *champs: qs)  # every field, as before
        entieres, nombre_entieres, rangees = page()
        assert not rangees.object_list[0].get_deferred_fields()
    assert lues == entieres and nombre == nombre_entieres
    # What the rows exercise: a referent without a name (their username, escaped), an
    # anonymised file (its label, no NISS), a closed one, escaping.
    assert lues.count("<tr>") == 4 and "&lt;agent&gt;" in lues
    assert str(anonyme.pk) in lues and "&lt;B&gt;D&#x27;ALÈS &amp; CIE&lt;/B&gt;" in lues
    assert ("clôturé" in lues) == (langue == "fr")


def test_filter_options_and_sort_headers_are_the_templates_html(coord, cpas_a, rf):
    from django.utils.translation import gettext_lazy

    from beneficiaires.models import Frein
    from cpas_isp.models import Cellule

    frein = Frein.objects.create(code="x", libelle_fr="A <b> & c", libelle_nl="A <b> & c")
    freins = list(Frein.objects.all())
    cellules = list(Cellule.objects.filter(cpas=cpas_a))
    choix = [("emploi", gettext_lazy("Emploi")), ("<x>", "Autre & <y>"), (3, "Trois")]
    for selection in ("", str(frein.pk), str(coord.pk), str(cellules[0].pk), "<x>", "3"):
        contexte = {
            "freins": freins,
            "referents": [coord],
            "cellules": cellules,
            "choix": choix,
            "choisi": selection,
        }
        attendu = Template(
            '{% for fr in freins %}<option value="{{ fr.pk }}" {% if choisi == fr.pk|stringformat:"s" %}selected{% endif %}>{{ fr.libelle }}</option>{% endfor %}'  # noqa: E501
            '{% for u in referents %}<option value="{{ u.pk }}" {% if choisi == u.pk|stringformat:"s" %}selected{% endif %}>{{ u }}</option>{% endfor %}'  # noqa: E501
            '{% for c in cellules %}<option value="{{ c.pk }}" {% if choisi == c.pk|stringformat:"s" %}selected{% endif %}>{{ c.nom }}</option>{% endfor %}'  # noqa: E501
            '{% for valeur, libelle in choix %}<option value="{{ valeur }}" {% if choisi == valeur|stringformat:"s" %}selected{% endif %}>{{ libelle }}</option>{% endfor %}'  # noqa: E501
        ).render(Context(contexte))
        obtenu = Template(
            "{% load beneficiaires_tags %}{% options freins choisi 'libelle' %}"
            "{% options referents choisi %}{% options cellules choisi 'nom' %}"
            "{% options choix choisi %}"
        ).render(Context(contexte))
        assert obtenu == attendu
        assert "A &lt;b&gt; &amp; c" in obtenu
    for tri in ("nom", "-nom", "niss", "-niss", "", "-"):
        request = rf.get("/beneficiaires/", {"q": "a&b", "tri": tri, "page": "2"})
        contexte = {"tri": tri, "label": gettext_lazy("Phase <courante>")}
        attendu = Template(
            '{% load i18n %}{% translate "Nom" as libelle %}'
            '{% include "partials/tri.html" with cle="nom" libelle=libelle %}'
            '{% include "partials/tri.html" with cle="phase" libelle=label %}'
        ).render(_contexte_requete(request, contexte))
        obtenu = Template(
            '{% load i18n beneficiaires_tags %}{% translate "Nom" as libelle %}'
            '{% entete_tri "nom" libelle %}{% entete_tri "phase" label %}'
        ).render(_contexte_requete(request, contexte))
        assert obtenu == attendu


def _contexte_requete(request, contexte):
    from django.template import RequestContext

    return RequestContext(request, contexte)


def test_filter_choices_are_read_by_one_query_when_shown(
    coord, cpas_a, cpas_b, make_user, client_for, cellule_hook
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from beneficiaires.models import Frein
    from beneficiaires.queries import referents_possibles
    from cpas_isp.models import Cellule, Role

    agent = make_user(Role.AGENT, cpas_a)
    make_user(Role.AGENT, cpas_b)
    BeneficiaireFactory(cpas=cpas_a, referent=agent)
    Frein.objects.create(code="propre", libelle_fr="Propre", libelle_nl="Eigen", cpas=cpas_a)
    Frein.objects.create(code="autre", libelle_fr="Autre", libelle_nl="Ander", cpas=cpas_b)
    Frein.objects.create(code="sens", libelle_fr="Sensible", libelle_nl="Gevoelig", sensible=True)
    for user, sensibles in ((coord, True), (agent, False)):
        client = client_for(user)
        with CaptureQueriesContext(connection) as requetes:
            response = client.get(LISTE)
        assert sum(_lit_les_choix(q["sql"]) for q in requetes.captured_queries) == 1
        # In the round trip of the page's rows (cpas_isp.lots), not one of their own.
        (lot,) = [q["sql"] for q in requetes.captured_queries if _lit_les_choix(q["sql"])]
        assert _lit_les_lignes(lot)
        freins = Frein.objects.for_user(user).filter(actif=True)
        if not sensibles:
            freins = freins.filter(sensible=False)
        attendus = {
            "referents": (list(referents_possibles(cpas_a)), str),
            "cellules": (list(Cellule.objects.for_user(user).filter(active=True)), "nom"),
            "freins": (list(freins), "libelle"),
        }
        for nom, (objets, libelle) in attendus.items():
            obtenus = list(response.context[nom])
            assert objets, nom
            assert [o.pk for o in obtenus] == [o.pk for o in objets], nom
            lire = libelle if callable(libelle) else (lambda o, a=libelle: getattr(o, a))
            assert [lire(o) for o in obtenus] == [lire(o) for o in objets], nom
        assert any(f.sensible for f in freins) == sensibles
        with CaptureQueriesContext(connection) as requetes:
            client.get(LISTE, HTTP_HX_REQUEST="true")
        # The results alone: the referents only for the coordinator's reassignment form.
        assert sum(_lit_les_choix(q["sql"]) for q in requetes.captured_queries) == (user == coord)


def _lit_les_lignes(sql: str) -> bool:
    """Whether a statement sent reads the caseload's rows (their query or its prepared one)."""
    from cpas_isp import lots

    texte, params = queries._lignes_compilees(timezone.localdate())._sql(([1],))
    cles = '"beneficiaires_beneficiaire"."id" = ANY('
    return cles in sql or f"EXECUTE {lots._nom(texte, params)}(" in sql


def _lit_les_choix(sql: str) -> bool:
    """Whether a statement sent reads the selects' choices: their query, or the statement
    prepared for it (``cpas_isp.lots``: sent with the page's rows)."""
    from cpas_isp import lots

    noms = {
        lots._nom(texte, params) for texte, params, *_ in queries._REQUETES_CHOIX.valeurs.values()
    }
    return "json_agg" in sql or any(f"EXECUTE {nom}(" in sql for nom in noms)


def test_rows_compiled_once_give_the_columns_of_the_expressions(cpas_a, coord):
    from dateutil.relativedelta import relativedelta
    from django.db.models import F
    from django.db.models.expressions import RawSQL

    from beneficiaires.models import Beneficiaire

    aujourd_hui = timezone.localdate()
    nouveau = BeneficiaireFactory(cpas=cpas_a, referent=coord)
    DroitFactory(beneficiaire=nouveau, debut=aujourd_hui - datetime.timedelta(days=40))
    ancien = BeneficiaireFactory(cpas=cpas_a, date_naissance=aujourd_hui - relativedelta(years=50))
    DroitFactory(beneficiaire=ancien, debut=datetime.date(2020, 1, 1), type="ERIS")
    jeune = BeneficiaireFactory(
        cpas=cpas_a,
        date_naissance=aujourd_hui - relativedelta(years=20),
        niveau_etudes=NiveauEtudes.AUCUN,
    )
    pks = [nouveau.pk, ancien.pk, jeune.pk]
    colonnes = [f"groupe_{code}" for code, _ in queries.GROUPES_CIBLES]
    colonnes += ["droit_type", "droit_debut"]
    attendu = {
        b.pk: [getattr(b, c) for c in colonnes]
        for b in queries.annoter_droit_courant(
            queries.annoter_groupes(Beneficiaire.objects.filter(pk__in=pks), aujourd_hui),
            aujourd_hui,
        )
    }
    qs = queries.colonnes_caseload(pks, aujourd_hui)
    assert all(isinstance(a, RawSQL) for a in qs.query.annotations.values())
    obtenu = {b.pk: [getattr(b, c) for c in colonnes] for b in qs}
    assert obtenu == attendu
    assert attendu[nouveau.pk][2] and attendu[ancien.pk][1] and attendu[jeune.pk][0]
    assert attendu[ancien.pk][3] == "ERIS" and attendu[jeune.pk][3] is None

    # An extension's column read through a join keeps its expressions (no compiled SQL).
    hooks.register_caseload_extension(
        CaseloadExtension(
            key="jointure",
            label="Référent",
            annotate=lambda qs: qs.annotate(nom_referent=F("referent__last_name")),
        )
    )
    qs = queries.colonnes_caseload(pks, aujourd_hui)
    assert not any(isinstance(a, RawSQL) for a in qs.query.annotations.values())
    lignes = {b.pk: b for b in qs}
    assert lignes[nouveau.pk].nom_referent == coord.last_name
    assert [getattr(lignes[nouveau.pk], c) for c in colonnes] == attendu[nouveau.pk]


def test_filter_choices_compiled_once_stay_those_of_each_cpas_and_role(
    coord, cpas_a, cpas_b, make_user, client_for
):
    """The selects' query is compiled once per CPAS and role (``ChoixFiltres``' key): a user
    of another CPAS, or an agent after a coordinator, still gets their own choices."""
    from beneficiaires.models import Frein
    from cpas_isp.models import Role

    agent_a = make_user(Role.AGENT, cpas_a)
    agent_b = make_user(Role.AGENT, cpas_b)
    Frein.objects.create(code="propre-a", libelle_fr="Propre A", libelle_nl="Eigen A", cpas=cpas_a)
    Frein.objects.create(code="propre-b", libelle_fr="Propre B", libelle_nl="Eigen B", cpas=cpas_b)
    Frein.objects.create(code="sens", libelle_fr="Sensible", libelle_nl="Gevoelig", sensible=True)
    vus = {}
    for user in (coord, agent_a, agent_b, coord):
        response = client_for(user).get(LISTE)
        vus[user] = (
            {u.pk for u in response.context["referents"]},
            {f.libelle_fr for f in response.context["freins"]},
        )
    assert agent_b.pk in vus[agent_b][0] and agent_b.pk not in vus[agent_a][0]
    assert agent_a.pk in vus[agent_a][0] and agent_a.pk in vus[coord][0]
    assert {"Propre A", "Sensible"} <= vus[coord][1]
    assert "Propre A" in vus[agent_a][1] and "Sensible" not in vus[agent_a][1]
    assert "Propre B" in vus[agent_b][1] and not {"Propre A", "Sensible"} & vus[agent_b][1]
    # A new referent is read, not remembered: only the SQL is.
    nouveau = make_user(Role.AGENT, cpas_a)
    response = client_for(agent_a).get(LISTE)
    assert nouveau.pk in {u.pk for u in response.context["referents"]}


def test_rows_read_by_one_statement_whatever_the_number_of_keys(cpas_a):
    """The rows' query has one text for any number of keys (a short last page, another page
    size): one prepared statement per connection, not one per number of rows shown."""
    personnes = [BeneficiaireFactory(cpas=cpas_a) for _ in range(3)]
    aujourd_hui = timezone.localdate()
    textes = {
        queries.colonnes_caseload(
            [b.pk for b in personnes[:n]], aujourd_hui
        ).query.sql_with_params()[0]
        for n in (1, 2, 3)
    }
    assert len(textes) == 1
    choisis = [personnes[0].pk, personnes[2].pk]
    assert {b.pk for b in queries.colonnes_caseload(choisis, aujourd_hui)} == set(choisis)
    assert not queries.colonnes_caseload([], aujourd_hui).exists()


def test_rows_compiled_once_are_those_of_the_queryset_for_any_keys(cpas_a, coord, monkeypatch):
    """``lignes_caseload``: the columns' statement compiled once per day and set of extensions
    gives, for any keys, the rows (columns, referent) the plain queryset gives; later pages
    compile no SQL; a day later, or another extension, compiles its own statement."""
    from django.db.models.sql.compiler import SQLCompiler

    aujourd_hui = timezone.localdate()
    personnes = [BeneficiaireFactory(cpas=cpas_a, referent=coord) for _ in range(3)]
    DroitFactory(beneficiaire=personnes[1], debut=aujourd_hui - datetime.timedelta(days=40))
    colonnes = [f"groupe_{code}" for code, _ in queries.GROUPES_CIBLES]
    colonnes += ["droit_type", "droit_debut", "nom", "prenom", "niss"]

    def vus(lignes):
        return {b.pk: ([getattr(b, c) for c in colonnes], str(b.referent)) for b in lignes}

    queries._COLONNES_COMPILEES.clear()
    compilations = []
    as_sql = SQLCompiler.as_sql

    def compter(self, *args, **kwargs):
        compilations.append(self.query.model)
        return as_sql(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", compter)
    for cles in ([personnes[0].pk, personnes[2].pk], [personnes[1].pk], []):
        attendu = vus(queries.colonnes_caseload(cles, aujourd_hui))
        avant = len(compilations)
        assert vus(queries.lignes_caseload(cles, aujourd_hui)) == attendu
        # The first call compiles the statement once (with its stand-in keys), no later one.
        assert len(compilations) - avant == (1 if cles == [personnes[0].pk, personnes[2].pk] else 0)
    assert set(vus(queries.lignes_caseload([p.pk for p in personnes], aujourd_hui))) == {
        p.pk for p in personnes
    }
    demain = aujourd_hui + datetime.timedelta(days=1)
    avant = len(compilations)
    queries.lignes_caseload([personnes[0].pk], demain)
    assert len(compilations) > avant
    ext = CaseloadExtension(key="x", label="X", annotate=lambda qs: qs.annotate(x=Value("ok")))
    monkeypatch.setattr(hooks, "_caseload", [*hooks._caseload, ext])
    assert [b.x for b in queries.lignes_caseload([personnes[0].pk], aujourd_hui)] == ["ok"]


def test_the_rows_escaping_is_djangos():
    """The escaping of the rows written in Python (``cpas_isp.listes.echapper``,
    ``echapper_conditionnel``: the caseload's, the audit page's) gives what
    ``escape`` and ``conditional_escape`` give: every special character, a lazy translation,
    a number, an object's str(); markup already safe kept as it is by the conditional one."""
    from django.utils.html import conditional_escape, escape
    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext_lazy

    from cpas_isp.listes import echapper as _echapper
    from cpas_isp.listes import echapper_conditionnel as _echapper_conditionnel

    class Personne:
        def __str__(self):
            return 'O\'Brien <Zoé> & "Cie"'

    valeurs = ['<b>d\'Alès & "Cie"</b>', gettext_lazy("Tous"), 42, None, Personne(), "—"]
    for valeur in valeurs:
        assert _echapper(valeur) == escape(valeur)
        assert _echapper_conditionnel(valeur) == conditional_escape(valeur)
    sur = mark_safe("<em>déjà sûr</em>")
    assert _echapper_conditionnel(sur) == conditional_escape(sur) == "<em>déjà sûr</em>"
    assert _echapper(sur) == escape(sur) == "&lt;em&gt;déjà sûr&lt;/em&gt;"


@pytest.mark.parametrize("langue", ["fr", "nl"])
def test_filter_options_written_once_per_rows_read_stay_those_of_the_rows(
    coord, cpas_a, make_user, client_for, langue
):
    """The selects' options come from a memo keyed on the rows read (``ListeChoix``): the same
    HTML as the options written from the objects, in each language, and a renamed referent or
    obstacle is shown renamed at once (the rows differ, so does the key)."""
    from beneficiaires.models import Frein
    from beneficiaires.templatetags.beneficiaires_tags import _OPTIONS
    from cpas_isp.models import Role

    agent = make_user(Role.AGENT, cpas_a)
    agent.first_name, agent.last_name = "Zoé <b>", "D'Alès & Cie"
    agent.save()
    frein = Frein.objects.create(
        code="memo", libelle_fr="Frein <fr>", libelle_nl="Drempel <nl>", cpas=cpas_a
    )
    _OPTIONS.clear()
    client = client_for(coord)

    def options_de(response):
        """Each select's options written from the page's objects, as the tag did before."""
        contexte = response.context
        gabarit = Template(
            "{% load beneficiaires_tags %}{% options referents choisi %}|"
            "{% options cellules '' 'nom' %}|{% options freins '' 'libelle' %}|"
            "{% options groupes '' %}"
        )
        with translation.override(langue):
            return gabarit.render(
                Context(
                    {
                        "referents": list(contexte["referents"]),
                        "cellules": list(contexte["cellules"]),
                        "freins": list(contexte["freins"]),
                        "groupes": list(queries.GROUPES_CIBLES),
                        "choisi": str(agent.pk),
                    }
                )
            ).split("|")

    client.cookies["django_language"] = langue
    for _ in range(2):  # written, then read from the memo
        response = client.get(LISTE, {"referent": agent.pk})
        html = response.content.decode()
        for morceau in options_de(response):
            assert morceau in html
    assert len(_OPTIONS) >= 3  # referents, obstacles, target groups (and cellules if any)
    assert f'<option value="{agent.pk}" selected>Zoé &lt;b&gt; D&#x27;Alès &amp; Cie</option>' in (
        html
    )
    assert ("Frein &lt;fr&gt;" if langue == "fr" else "Drempel &lt;nl&gt;") in html
    agent.last_name = "Renommé"
    agent.save()
    frein.libelle_fr = frein.libelle_nl = "Autre frein"
    frein.save()
    html = client.get(LISTE).content.decode()
    assert "Zoé &lt;b&gt; Renommé</option>" in html and "Cie" not in html
    assert ">Autre frein</option>" in html and "&lt;fr&gt;" not in html and "&lt;nl&gt;" not in html


def test_filter_choices_objects_built_only_when_read(cpas_a, coord):
    """``ListeChoix``: its length from the rows, its objects built when first read."""
    construits = []

    def construire(v):
        construits.append(v)
        return {"pk": v}

    liste = queries.ListeChoix([1, 2, 3], cle_options=("x",), construire=construire)
    assert len(liste) == 3 and liste and not construits
    assert [o["pk"] for o in liste] == [1, 2, 3] and liste[1] == {"pk": 2}
    assert construits == [1, 2, 3]
    list(liste)
    assert construits == [1, 2, 3]  # built once
    assert not queries.ListeChoix([])
