from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator


class ConnexionForm(AuthenticationForm):
    """The login form, with its user name length really checked.

    Django's form only sets ``max_length`` on the field after creating it, so the length is not
    validated and a very long user name reaches ``authenticate()``, whose failure signal makes
    django-axes store it in a 255-character column: a database error (HTTP 500). Here it is a
    form error like any other.
    """

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        champ = self.fields["username"]
        champ.validators.append(MaxLengthValidator(champ.max_length))
