"""The person page's rows written in Python (the referrals section's table, the timeline's
events) are the HTML the template loops they replaced wrote, escaping included."""

import datetime

from django.template import Context, Template

from beneficiaires import hooks, parcours
from cpas_isp.listes import url_par_pk
from partenaires import integration
from partenaires.models import Orientation, Partenaire, ServicePartenaire, StatutOrientation

S = StatutOrientation

ANCIENNES_LIGNES = Template(
    """{% load partenaires_tags %}{% for o in orientations %}
    <tr><td>{{ o.date_orientation|date:"d/m/Y" }}</td><td><a href="{{ o.url_detail }}">{{ o.service.partenaire.nom }} — {{ o.service.nom }}</a></td>
      <td>{% badge_statut o.statut o.get_statut_display %}</td>
      <td>{% if o.resultat %}{{ o.get_resultat_display }}{% if o.type_qualification %} ({{ o.get_type_qualification_display }}){% endif %}{% elif o.statut == "refusee" %}<span class="small text-muted">{{ o.motif_refus|truncatechars:80 }}</span>{% endif %}</td></tr>
  {% endfor %}"""  # noqa: E501
)

ANCIEN_PARCOURS = Template(
    """{% for e in timeline %}
    <li class="mb-2 timeline-{{ e.categorie }}"{% if forloop.counter0 == parcours_premier_nouveau %} tabindex="-1" autofocus{% endif %}><time class="text-muted small" datetime="{{ e.date_iso }}">{{ e.date_affichee }}</time>
      {% if e.url %}<a href="{{ e.url }}">{{ e.titre }}</a>{% else %}{{ e.titre }}{% endif %}
      {% if e.detail %}<div class="small text-muted pre-line">{{ e.detail }}</div>{% endif %}</li>
    {% endfor %}"""  # noqa: E501
)


def _orientation(pk, statut, **champs):
    service = ServicePartenaire(
        nom="Service <b>&", partenaire=Partenaire(nom='Partenaire "l\'un" <x>')
    )
    return Orientation(
        id=pk,
        date_orientation=datetime.date(2025, 3, 4 + pk),
        statut=statut,
        service=service,
        **champs,
    )


def test_referral_rows_are_the_template_s():
    orientations = [
        _orientation(1, S.ENVOYEE),
        _orientation(2, S.TERMINEE, resultat="qualification", type_qualification="diplome"),
        _orientation(3, S.TERMINEE, resultat="emploi"),
        _orientation(4, S.REFUSEE, motif_refus="Complet <script>" + "x" * 100),
        _orientation(5, S.REFUSEE, motif_refus=""),
        _orientation(6, "inconnu"),
    ]
    url = url_par_pk("partenaires:orientation_detail", None)
    for o in orientations:
        o.url_detail = url(o.pk)
    attendu = ANCIENNES_LIGNES.render(Context({"orientations": orientations}))
    assert integration.lignes_orientations(orientations) == attendu
    assert "&lt;script&gt;" in attendu


def test_timeline_rows_are_the_template_s():
    evenements = [
        hooks.EvenementTimeline(
            date=datetime.date(2025, 1, 2), titre="Étape <i>", detail="a & b", categorie="etape"
        ),
        hooks.EvenementTimeline(
            date=datetime.date(2024, 12, 31),
            titre='PIIS "signé"',
            categorie="piis",
            url="/trajets/piis/3/?a=1&b=2",
        ),
        hooks.EvenementTimeline(date=datetime.date(2024, 1, 1), titre="Sans détail", detail=""),
    ]
    for premier in (None, 0, 2):
        attendu = ANCIEN_PARCOURS.render(
            Context({"timeline": evenements, "parcours_premier_nouveau": premier})
        )
        assert parcours.lignes(evenements, premier) == attendu
