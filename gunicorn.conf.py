"""gunicorn's settings, read from the working directory (the Dockerfile's and docker-compose's
``gunicorn`` commands run there): the access log never holds the secret token of a link that
works without an account (the person's booking link, an agenda's calendar feed); each worker's
garbage collector is tuned for request work (``post_worker_init``)."""

from gunicorn.glogging import Logger

from rendezvous.journalisation import a_masquer, masquer


class JournalSansJetons(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {cle: masquer(v) if a_masquer(v) else v for cle, v in atoms.items()}


logger_class = JournalSansJetons


def post_worker_init(worker):
    """Garbage collection for request work, once the worker has loaded the application: what the
    worker holds from then on (modules, settings, URL patterns) is moved out of the collector's
    reach (``gc.freeze``: never scanned again), and the youngest generation is collected every
    10,000 allocations instead of 700. A page allocates tens of thousands of objects
    (querysets, model instances, template strings) and frees nearly all of them by reference
    counting, while the default thresholds ran the collector many times per page, now and then
    through every object of the worker. Cycles are still collected. On bench_pages.py: 8-19 %
    less CPU per request (the floor 13 %, Mes dossiers 18 %), with the same peak memory per
    worker (116 MB; 50,000 gave no more speed and 150 MB)."""
    import gc

    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
