import factory
from factory.django import DjangoModelFactory

from cpas_isp.models import Cpas, Membership, Role, User

PASSWORD = "un-mot-de-passe-solide-42"

# Names the tests give to people and then assert absent from a page (the person is masked or
# out of scope). A user's name is shown in the navbar and in lists of agents, so a random user
# named "Dupont" once made such an assertion fail by chance: users never get these names.
NOMS_RESERVES = frozenset(
    {"Dupont", "Martin", "Lambert", "Peeters", "Vandenberghe", "Vandenbroucke", "Vandermeulen"}
    | {"Karl", "Ysaline", "Anna", "Marie", "Lina", "Marc"}
)


def _nom_libre(champ):
    """A random fr_BE first or last name (``champ``) that no test reserves for a person."""
    faker = factory.Faker._get_faker(locale="fr_BE")
    while (nom := getattr(faker, champ)()) in NOMS_RESERVES:
        pass
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
