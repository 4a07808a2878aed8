import re
from pathlib import Path

import factory
from factory.django import DjangoModelFactory

from cpas_isp.models import Cpas, Membership, Role, User

PASSWORD = "un-mot-de-passe-solide-42"

# Names the tests give to people and then assert absent from a page (the person is masked or
# out of scope). A user's name is shown in the navbar, in lists of agents and in the calendar
# feed's title, so a random user named "Dupont", then one named "Josiane", once made such an
# assertion fail by chance. Every one-word name the tests spell out (``nom="..."``,
# ``prenom="..."``) is read here from the tests' sources, so a new test needs no list kept by
# hand; a random user's name contains none of them, in any case.
_NOM_LITTERAL = re.compile(r"""\b(?:nom|prenom)\s*=\s*["']([^\W\d_][\w'’-]{2,})["']""")


def _noms_reserves():
    noms = set()
    for source in Path(__file__).resolve().parents[1].rglob("*.py"):
        noms.update(n.casefold() for n in _NOM_LITTERAL.findall(source.read_text("utf-8")))
    return frozenset(noms)


# Plus the names test_fse.py hands to its own helper, which the pattern cannot see.
NOMS_RESERVES = _noms_reserves() | {"karl", "anna"}


def _nom_libre(champ):
    """A random fr_BE first or last name (``champ``) in which no name that a test gives to a
    person appears."""
    faker = factory.Faker._get_faker(locale="fr_BE")
    while True:
        nom = getattr(faker, champ)()
        if not any(reserve in nom.casefold() for reserve in NOMS_RESERVES):
            return nom


class CpasFactory(DjangoModelFactory):
    class Meta:
        model = Cpas
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"cpas{n}")
    nom = factory.LazyAttribute(lambda o: f"CPAS {o.code.title()}")
    commune = factory.LazyAttribute(lambda o: o.code.title())
    habitants = 20_000
    langue = "fr"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.LazyFunction(lambda: _nom_libre("first_name"))
    last_name = factory.LazyFunction(lambda: _nom_libre("last_name"))
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password(PASSWORD)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    cpas = factory.SubFactory(CpasFactory)
    role = Role.AGENT
    actif = True
