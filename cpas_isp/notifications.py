"""In-app notifications: one function every app calls, ``notifier``.

A notification names its recipient, its nature, the object it is about (content type + id)
and, when it concerns a person, that person's id; it stores no personal text: the wording is
built when it is shown, from the nature and the object, after the need-to-know check. A ``cle``
(key) makes scheduled notifications idempotent: the same key is never notified twice to the
same user (e.g. "piis:42:signature:2026-12-09").

Display (the bell, the list, the daily digest) lives here too. The core does not import the
apps above it, so they register what only they know, from their ``AppConfig.ready()``:

- ``register_personnes(func)``: ``func(user, ids) -> {id: "Prénom Nom"}`` for the people among
  ``ids`` that ``user`` may see now (beneficiaires registers ``visibles_par``). A notification
  about a person the user may no longer see is shown without the name and without its link.
- ``register_detail(model, func)``: ``func(object_ids) -> {id: text}``, a short description of
  the objects of that model (service and status of a referral, due date of a PIIS...), with no
  name of a person in it.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cpas_isp import lots
from cpas_isp.models import NatureNotification, Notification
from cpas_isp.tenancy import current_membership

logger = logging.getLogger(__name__)

_personnes: list[Callable] = []
_details: dict[str, Callable] = {}


def register_personnes(func: Callable) -> Callable:
    _personnes.clear()
    _personnes.append(func)
    return func


def register_detail(modele, func: Callable) -> Callable:
    _details[modele._meta.label_lower] = func
    return func


# --- Write side -------------------------------------------------------------------------------


def notifier(
    destinataires: Iterable,
    nature: str,
    *,
    cpas,
    objet=None,
    personne_id: int | None = None,
    lien: str = "",
    cle: str = "",
    auteur=None,
) -> int:
    """Create one notification per recipient (users or user ids; the author of the action is
    never notified of their own act). Returns how many were created; with a ``cle``, a
    recipient who already has it gets no second one."""
    ids = {getattr(d, "pk", d) for d in destinataires if d is not None}
    ids.discard(getattr(auteur, "pk", auteur))
    if not ids:
        return 0
    ct = ContentType.objects.get_for_model(objet) if objet is not None else None
    lignes = [
        Notification(
            cpas_id=getattr(cpas, "pk", cpas),
            destinataire_id=uid,
            nature=nature,
            content_type=ct,
            object_id=objet.pk if objet is not None else None,
            personne_id=personne_id,
            lien=lien,
            cle=cle,
        )
        for uid in sorted(ids)
    ]
    return len(Notification.objects.bulk_create(lignes, ignore_conflicts=bool(cle)))


def notifier_en_lot(lignes: Iterable[Notification]) -> int:
    """Scheduled notifications computed set-wise (every ``cle`` set): one INSERT for all, the
    keys already notified skipped by the unique constraint. Returns how many are new."""
    lignes = [n for n in lignes if n.destinataire_id is not None]
    if not lignes:
        return 0
    assert all(n.cle for n in lignes), "scheduled notifications need an idempotency key"
    avant = Notification.objects.filter(
        cle__in={n.cle for n in lignes}, destinataire_id__in={n.destinataire_id for n in lignes}
    ).count()
    Notification.objects.bulk_create(lignes, ignore_conflicts=True, batch_size=1000)
    apres = Notification.objects.filter(
        cle__in={n.cle for n in lignes}, destinataire_id__in={n.destinataire_id for n in lignes}
    ).count()
    return apres - avant


# --- Read side --------------------------------------------------------------------------------


def de_l_utilisateur(user):
    """The user's notifications in their current CPAS."""
    return Notification.objects.for_user(user).filter(destinataire=user)


def compter_non_lues(user) -> int:
    """The bell's figure: one query on the partial index of unread notifications. The rows of
    ``de_l_utilisateur(user).filter(lue_le__isnull=True)``, counted in plain SQL: the navbar
    of every page shows it, and building that queryset costs more than running it."""
    return lots.executer(lecture_non_lues(user))


def lecture_non_lues(user):
    """``compter_non_lues`` as a ``cpas_isp.lots`` generator: alone (``lots.executer``: the plain
    statement), or sent with a page's other statements (the home page's, ``cpas_isp.accueil``)."""
    membership = current_membership(user)
    if membership is None:
        return 0
    # Its generic plan (an index probe whatever the values): PostgreSQL kept planning it for
    # its values on some pages (the audit's).
    (lignes,) = yield [(_SQL_NON_LUES, [membership.cpas_id, user.pk], lots.GENERIQUE)]
    return lignes[0][0]


_SQL_NON_LUES = (
    f"SELECT COUNT(*) FROM {Notification._meta.db_table} "
    "WHERE cpas_id = %s AND destinataire_id = %s AND lue_le IS NULL"
)


class CompteurNonLues:
    """Lazy figure for the navbar: counted once, and only when a template shows it."""

    def __init__(self, user):
        self._user = user
        self._valeur = None

    def __int__(self):
        if self._valeur is None:
            self._valeur = compter_non_lues(self._user)
        return self._valeur

    def lecture(self):
        """A ``cpas_isp.lots`` generator counting the figure now, with a page's other
        statements (``lecture_non_lues``): the navbar then shows it without a query."""
        if self._valeur is None:
            self._valeur = yield from lecture_non_lues(self._user)
        return self._valeur

    def __str__(self):
        return str(int(self))

    def __bool__(self):
        return int(self) > 0

    def __eq__(self, other):
        return int(self) == other

    def __gt__(self, other):
        return int(self) > other

    __hash__ = None


@dataclass
class NotificationAffichee:
    notification: Notification
    titre: str
    personne: str  # "" when none or when the user may no longer see that person
    detail: str
    lien: str  # "" when the person is out of the user's sight

    @property
    def pk(self):
        return self.notification.pk

    @property
    def lue(self) -> bool:
        return self.notification.lue_le is not None

    @property
    def masquee(self) -> bool:
        """About a person the user may no longer see."""
        return self.notification.personne_id is not None and not self.personne


def pour_affichage(user, notifications) -> list[NotificationAffichee]:
    """Wording of ``notifications`` for ``user``, built now: the nature's label, the visible
    person's name, the object's description. Two queries for people and one per kind of
    object, whatever the number of rows."""
    notifications = list(notifications)
    ids_personnes = {n.personne_id for n in notifications if n.personne_id is not None}
    noms = {}
    if ids_personnes and _personnes:
        noms = _personnes[0](user, ids_personnes)
    details: dict[tuple[int, int], str] = {}
    par_type: dict[int, set[int]] = {}
    for n in notifications:
        if n.content_type_id and n.object_id is not None:
            par_type.setdefault(n.content_type_id, set()).add(n.object_id)
    for ct_id, ids in par_type.items():
        ct = ContentType.objects.get_for_id(ct_id)  # cached by Django
        func = _details.get(f"{ct.app_label}.{ct.model}")
        if func is not None:
            for pk, texte in func(ids).items():
                details[(ct_id, pk)] = texte
    affichees = []
    for n in notifications:
        nom = noms.get(n.personne_id, "") if n.personne_id is not None else ""
        masquee = n.personne_id is not None and not nom
        affichees.append(
            NotificationAffichee(
                notification=n,
                titre=str(NatureNotification(n.nature).label)
                if n.nature in NatureNotification.values
                else n.nature,
                personne=nom,
                detail="" if masquee else details.get((n.content_type_id, n.object_id), ""),
                lien="" if masquee else n.lien,
            )
        )
    return affichees


def marquer_lue(notification: Notification) -> None:
    if notification.lue_le is None:
        notification.lue_le = timezone.now()
        notification.save(update_fields=["lue_le"])


def tout_marquer_lu(user) -> int:
    return de_l_utilisateur(user).filter(lue_le__isnull=True).update(lue_le=timezone.now())


# --- Daily digest -----------------------------------------------------------------------------


def envoyer_resumes(maintenant: datetime.datetime | None = None) -> int:
    """One e-mail per user who asked for the daily digest and has unread notifications created
    since their last digest: how many, and a link to the list. No name, no NISS, nothing about
    a person in the body. At most one per user and day: the user is claimed by a conditional
    UPDATE before the mail goes, so a second run the same day (or a second worker) sends
    nothing. Returns how many e-mails were sent."""

    User = get_user_model()
    maintenant = maintenant or timezone.now()
    debut_du_jour = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate(maintenant), datetime.time.min)
    )
    pas_encore = Q(dernier_resume_le__isnull=True) | Q(dernier_resume_le__lt=debut_du_jour)
    nouvelles = Notification.objects.filter(
        destinataire=OuterRef("pk"), lue_le__isnull=True, cree_le__lte=maintenant
    ).filter(Q(cree_le__gt=OuterRef("dernier_resume_le")) | Q(destinataire__dernier_resume_le=None))
    candidats = (
        User.objects.filter(resume_notifications=True, is_active=True)
        .exclude(email="")
        .filter(pas_encore)
        .filter(Exists(nouvelles))
        .order_by("pk")
    )
    lien = getattr(settings, "SITE_URL", "") + reverse("notifications")
    envoyes = 0
    for user in candidats:
        nombre = a_resumer(user, maintenant).count()
        # The claim: only one run gets this user today.
        if (
            not User.objects.filter(pk=user.pk)
            .filter(pas_encore)
            .update(dernier_resume_le=maintenant)
        ):
            continue
        with translation.override(user.langue or settings.LANGUAGE_CODE):
            sujet = _("CPAS ISP : vos notifications")
            corps = ngettext(
                "%(n)s nouvelle notification : %(lien)s",
                "%(n)s nouvelles notifications : %(lien)s",
                nombre,
            ) % {"n": nombre, "lien": lien}
        try:
            envoyes += send_mail(sujet, corps, None, [user.email])
        except Exception:  # a mail outage must not stop the other users' digests
            logger.exception("digest to user %s failed", user.pk)
    return envoyes


def a_resumer(user, maintenant: datetime.datetime):
    """The unread notifications the user's next digest counts: created since the last one
    (in every CPAS of the user: the mail names none)."""
    qs = Notification.objects.filter(
        destinataire=user, lue_le__isnull=True, cree_le__lte=maintenant
    )
    if user.dernier_resume_le is not None:
        qs = qs.filter(cree_le__gt=user.dernier_resume_le)
    return qs
