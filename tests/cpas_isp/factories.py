import factory
from factory.django import DjangoModelFactory

from cpas_isp.models import Cpas, Membership, Role, User

PASSWORD = "un-mot-de-passe-solide-42"


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
    first_name = factory.Faker("first_name", locale="fr_BE")
    last_name = factory.Faker("last_name", locale="fr_BE")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password(PASSWORD)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    cpas = factory.SubFactory(CpasFactory)
    role = Role.AGENT
    actif = True
