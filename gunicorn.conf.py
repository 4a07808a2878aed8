"""gunicorn's settings, read from the working directory (the Dockerfile's and docker-compose's
``gunicorn`` commands run there): the access log never holds the secret token of a link that
works without an account (the person's booking link, an agenda's calendar feed)."""

from gunicorn.glogging import Logger

from rendezvous.journalisation import a_masquer, masquer


class JournalSansJetons(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {cle: masquer(v) if a_masquer(v) else v for cle, v in atoms.items()}


logger_class = JournalSansJetons
