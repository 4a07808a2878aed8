"""Links added to or removed from conventions and programmes are in the audit trail."""

from pghistory.models import Events

from tests.partenaires.factories import ConventionFactory, PartenaireFactory, ProgrammeFactory


def _evenements(model):
    rows = Events.objects.filter(pgh_model=model).order_by("pgh_id")
    return list(rows.values_list("pgh_label", "pgh_data"))


def test_partner_added_then_removed_from_a_convention_is_recorded(cpas_a):
    convention = ConventionFactory(cpas=cpas_a)
    partenaire = PartenaireFactory()
    convention.partenaires.add(partenaire)
    convention.partenaires.remove(partenaire)
    events = _evenements("partenaires.ConventionPartenaireEvent")
    assert [label for label, _ in events] == ["ajout", "retrait"]
    assert events[0][1]["convention_id"] == convention.pk
    assert events[0][1]["partenaire_id"] == partenaire.pk


def test_cpas_joining_a_programme_is_recorded_for_that_cpas(cpas_a, cpas_b):
    programme = ProgrammeFactory(cpas=cpas_a)
    programme.cpas_participants.add(cpas_b)
    ((label, data),) = _evenements("partenaires.ProgrammeCpasEvent")
    assert label == "ajout"
    assert data["cpas_id"] == cpas_b.pk and data["programme_id"] == programme.pk
