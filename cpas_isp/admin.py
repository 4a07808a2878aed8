"""The Django admin: configuration only (users, memberships, CPAS settings, cellules, reference
lists). Person files never appear here: they are read through the application's pages, which
check need-to-know and write the access log.

Two kinds of administrators use it:
- a national administrator (superuser) edits everything, shared configuration included;
- a CPAS's functional administrator (``is_staff``, role ``admin`` in their current CPAS) manages
  the memberships of their CPAS, the accounts that work only for it, its local settings and its
  own entries of the reference lists, never shared data or another CPAS's.
"""

from __future__ import annotations

import logging

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.db.models import Exists, OuterRef
from django.http import HttpResponseRedirect
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cpas_isp.models import Cellule, Cpas, Membership, Role, User
from cpas_isp.tenancy import current_membership

logger = logging.getLogger(__name__)

admin.site.site_header = _("CPAS ISP — administration")
admin.site.site_title = _("CPAS ISP")

# Apps whose admin pages hold only our configuration; every other app's admin (periodic tasks,
# task results, raw history events, login attempts, groups) is for national administrators.
APPS_CONFIGURATION = {"cpas_isp", "beneficiaires", "partenaires", "trajets", "rapports"}


def cpas_administre(user) -> int | None:
    """The id of the CPAS a functional administrator manages now: their current CPAS, if they
    hold the administrator role there (None otherwise: they manage nothing)."""
    membership = current_membership(user)
    if membership is not None and membership.role == Role.ADMIN:
        return membership.cpas_id
    return None


class SansErreur500Mixin:
    """Saving in the admin never answers HTTP 500: a refusal by the database (a constraint, a
    trigger, a protected row) becomes an error message on the same page."""

    def _protege(self, request, view, *args, **kwargs):
        if request.method != "POST":
            return view(request, *args, **kwargs)
        try:
            return view(request, *args, **kwargs)
        except ValidationError as exc:
            messages.error(
                request,
                gettext("Enregistrement refusé : %(raison)s") % {"raison": " ".join(exc.messages)},
            )
        except DatabaseError:
            logger.warning("Admin save refused by the database", exc_info=True)
            messages.error(
                request,
                gettext(
                    "Enregistrement refusé : ces données ne respectent pas une règle de "
                    "l'application (doublon, objet utilisé ailleurs ou document verrouillé). "
                    "Rien n'a été modifié."
                ),
            )
        return HttpResponseRedirect(request.get_full_path())

    def changeform_view(self, request, *args, **kwargs):
        return self._protege(request, super().changeform_view, *args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):
        return self._protege(request, super().changelist_view, *args, **kwargs)

    def delete_view(self, request, *args, **kwargs):
        return self._protege(request, super().delete_view, *args, **kwargs)


class TenantAdminMixin(SansErreur500Mixin):
    """The functional administrator (is_staff, not superuser) sees and edits only the rows of
    the CPAS they administer, and foreign-key choices are limited the same way. ``cpas_lookup``
    is the path from the model to its CPAS; set it to None for shared reference data."""

    cpas_lookup: str | None = "cpas"

    def _cpas_id(self, request):
        return cpas_administre(request.user)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser or self.cpas_lookup is None:
            return qs
        return qs.filter(**{self.cpas_lookup: self._cpas_id(request)}).distinct()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if not request.user.is_superuser and field is not None:
            cpas_id = self._cpas_id(request)
            model = db_field.related_model
            if model is Cpas:
                field.queryset = field.queryset.filter(pk=cpas_id)
                field.initial = cpas_id
            elif hasattr(model.objects, "pour_cpas"):
                field.queryset = field.queryset.pour_cpas(cpas_id)
            elif any(f.name == "cpas" for f in model._meta.get_fields()):
                field.queryset = field.queryset.filter(cpas_id=cpas_id)
            elif model is User:
                field.queryset = field.queryset.filter(
                    memberships__cpas_id=cpas_id, memberships__actif=True
                ).distinct()
        return field


class SuperuserOnlyMixin:
    """Shared configuration: only a national administrator (superuser) sees or changes it."""

    def has_module_permission(self, request):
        return request.user.is_superuser and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args, **kwargs):
        return request.user.is_superuser and super().has_add_permission(request, *args, **kwargs)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


class SharedConfigurationAdmin(TenantAdminMixin, admin.ModelAdmin):
    """Shared configuration (legal rules...): readable by functional administrators, edited
    only by a national administrator."""

    cpas_lookup = None

    def has_add_permission(self, request):
        return request.user.is_superuser and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


class ListeReferenceAdmin(TenantAdminMixin, admin.ModelAdmin):
    """A reference list (``ListeReference``): shared entries (no CPAS) are edited by a national
    administrator only; a CPAS's administrator sees shared entries and their own, adds entries
    for their CPAS and edits or deactivates only those. Never deleted (rows refer to them)."""

    cpas_lookup = None
    list_editable = ["ordre", "actif"]
    search_fields = ["code", "libelle_fr", "libelle_nl"]

    def get_list_display(self, request):
        return [*super().get_list_display(request), "portee"]

    @admin.display(description=_("portée"), ordering="cpas__nom")
    def portee(self, obj):
        return obj.cpas.nom if obj.cpas_id else gettext("Commune à tous les CPAS")

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        return [*filters, ("cpas", admin.EmptyFieldListFilter)]

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("cpas")
        if request.user.is_superuser:
            return qs
        return qs.pour_cpas(self._cpas_id(request))

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        if not request.user.is_superuser:
            exclude.append("cpas")
        return exclude

    def _entree_du_cpas(self, request, obj):
        cpas_id = self._cpas_id(request)
        return cpas_id is not None and obj.cpas_id == cpas_id

    def has_add_permission(self, request):
        if not super().has_add_permission(request):
            return False
        return request.user.is_superuser or self._cpas_id(request) is not None

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        if request.user.is_superuser or obj is None:
            return True
        return self._entree_du_cpas(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        if not request.user.is_superuser:
            # The list mixes shared entries, which only a national administrator edits.
            changelist.list_editable = ()
        return changelist

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            if change and not self._entree_du_cpas(request, obj):
                raise PermissionDenied
            obj.cpas_id = self._cpas_id(request)
        super().save_model(request, obj, form, change)


# --- Users and memberships ----------------------------------------------------------------------


class MembershipInline(TenantAdminMixin, admin.TabularInline):
    """A CPAS's administrator sees and edits only the memberships of their CPAS."""

    model = Membership
    fk_name = "user"
    extra = 0
    fields = ["cpas", "role", "cellule", "actif"]
    autocomplete_fields = ["cellule"]

    def get_min_num(self, request, obj=None, **kwargs):
        # A user created by a CPAS's administrator starts with a membership in their CPAS.
        return 1 if obj is None and not request.user.is_superuser else 0

    def get_formset(self, request, obj=None, **kwargs):
        kwargs.setdefault("validate_min", obj is None and not request.user.is_superuser)
        return super().get_formset(request, obj, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False


# What a CPAS's administrator may not touch on the account of a user who also works for another
# CPAS (or of a national administrator): whoever sets these could log in as that user.
CHAMPS_IDENTITE = [
    "username",
    "first_name",
    "last_name",
    "email",
    "is_active",
    "langue",
    "last_login",
    "date_joined",
]


@admin.register(User)
class UserAdmin(TenantAdminMixin, BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + ((_("Préférences"), {"fields": ["langue"]}),)
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active"]

    def get_queryset(self, request):
        qs = super(TenantAdminMixin, self).get_queryset(request)
        if request.user.is_superuser:
            return qs
        # Only the people with an active membership in the administrator's CPAS.
        return qs.filter(
            Exists(
                Membership.objects.filter(
                    user=OuterRef("pk"), cpas_id=self._cpas_id(request), actif=True
                )
            )
        )

    def identite_hors_portee(self, request, obj) -> bool:
        """True when the identity, password and active flag of ``obj`` are out of reach of
        the requesting administrator: a national administrator's account, or a user who
        also has an active membership in another CPAS."""
        if request.user.is_superuser or obj is None or obj.pk is None:
            return False
        if obj.is_superuser:
            return True
        return obj.memberships.filter(actif=True).exclude(cpas_id=self._cpas_id(request)).exists()

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        # A functional administrator manages people and roles, never technical privileges.
        hidden = {"is_superuser", "is_staff", "groups", "user_permissions"}
        description = None
        if self.identite_hors_portee(request, obj):
            hidden.add("password")
            description = gettext(
                "Cette personne travaille aussi pour un autre CPAS (ou administre "
                "l'application) : son identité, son mot de passe et son accès sont gérés par "
                "l'administration nationale. Vous gérez ici son affiliation à votre CPAS."
            )
        result = []
        for i, (name, opts) in enumerate(fieldsets):
            fields = [f for f in opts["fields"] if f not in hidden]
            if not fields:
                continue
            opts = {**opts, "fields": fields}
            if i == 0 and description:
                opts["description"] = description
            result.append((name, opts))
        return result

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if self.identite_hors_portee(request, obj):
            readonly += [f for f in CHAMPS_IDENTITE if f not in readonly]
        return readonly

    def user_change_password(self, request, id, form_url=""):
        user = self.get_object(request, unquote(id))
        if user is not None and self.identite_hors_portee(request, user):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


# --- CPAS and cellules --------------------------------------------------------------------------


class CelluleInline(TenantAdminMixin, admin.TabularInline):
    model = Cellule
    extra = 0
    fields = ["code", "nom_fr", "nom_nl", "ordre", "active"]

    def get_readonly_fields(self, request, obj=None):
        return [] if request.user.is_superuser else ["code"]

    def has_add_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Cpas)
class CpasAdmin(TenantAdminMixin, admin.ModelAdmin):
    """A national administrator adds a CPAS; a CPAS's administrator edits their CPAS's local
    settings (name, delays, dashboards), never its code."""

    cpas_lookup = "pk"

    list_display = ["code", "nom", "commune", "habitants", "langue"]
    search_fields = ["code", "nom", "commune"]
    inlines = [CelluleInline]

    def get_readonly_fields(self, request, obj=None):
        return [] if request.user.is_superuser else ["code"]

    def has_add_permission(self, request):
        return request.user.is_superuser and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


@admin.register(Cellule)
class CelluleAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ["nom_fr", "nom_nl", "cpas", "code", "ordre", "active"]
    list_filter = ["cpas"]
    search_fields = ["nom_fr", "nom_nl", "code"]

    def get_readonly_fields(self, request, obj=None):
        return [] if request.user.is_superuser else ["cpas", "code"]

    def has_add_permission(self, request):
        return request.user.is_superuser and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


@admin.register(Membership)
class MembershipAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ["user", "cpas", "role", "cellule", "actif"]
    list_filter = ["cpas", "role", "actif"]
    search_fields = ["user__username", "user__last_name"]
    autocomplete_fields = ["cellule"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not request.user.is_superuser:
            return ["user", "cpas"]
        return []

    def has_delete_permission(self, request, obj=None):
        return False


# The access log (JournalAcces) names the people whose files were opened: it is read on the
# application's audit page, not in the admin.


def reserver_aux_superutilisateurs(site=admin.site):
    """Make every admin page outside our configuration apps (periodic tasks that make every
    CPAS's reports, task results, raw history events, login attempts, groups) visible to
    national administrators only, whatever permissions a functional administrator holds.
    Called once every app's admin module is loaded (``CpasIspConfig.ready``)."""
    for model, model_admin in list(site._registry.items()):
        if model._meta.app_label in APPS_CONFIGURATION or isinstance(
            model_admin, SuperuserOnlyMixin
        ):
            continue
        cls = type(model_admin)
        restricted = type(f"SuperuserOnly{cls.__name__}", (SuperuserOnlyMixin, cls), {})
        site.unregister(model)
        site.register(model, restricted)
