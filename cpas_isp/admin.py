from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from cpas_isp.models import Cellule, Cpas, JournalAcces, Membership, User
from cpas_isp.tenancy import current_membership

admin.site.site_header = _("CPAS ISP — administration")
admin.site.site_title = _("CPAS ISP")


class TenantAdminMixin:
    """The functional administrator (is_staff, not superuser) sees and edits only the rows of
    their current CPAS, and foreign-key choices are limited the same way. ``cpas_lookup`` is the
    path from the model to its CPAS; set it to None for shared reference data."""

    cpas_lookup: str | None = "cpas"

    def _cpas_id(self, request):
        membership = current_membership(request.user)
        return membership.cpas_id if membership else None

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
            elif any(f.name == "cpas" for f in model._meta.get_fields()):
                field.queryset = field.queryset.filter(cpas_id=cpas_id)
            elif model is User:
                field.queryset = field.queryset.filter(
                    memberships__cpas_id=cpas_id, memberships__actif=True
                ).distinct()
        return field


class MembershipInline(TenantAdminMixin, admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    fields = ["cpas", "role", "cellule", "actif"]
    autocomplete_fields = ["cellule"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(TenantAdminMixin, BaseUserAdmin):
    cpas_lookup = "memberships__cpas"

    fieldsets = BaseUserAdmin.fieldsets + ((_("Préférences"), {"fields": ["langue"]}),)
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        # A functional administrator manages people and roles, never technical privileges.
        hidden = {"is_superuser", "is_staff", "groups", "user_permissions"}
        return [
            (name, {**opts, "fields": [f for f in opts["fields"] if f not in hidden]})
            for name, opts in fieldsets
        ]


class CelluleInline(TenantAdminMixin, admin.TabularInline):
    model = Cellule
    extra = 0
    fields = ["code", "nom_fr", "nom_nl", "ordre", "active"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Cpas)
class CpasAdmin(TenantAdminMixin, admin.ModelAdmin):
    cpas_lookup = "pk"

    list_display = ["code", "nom", "commune", "habitants", "langue"]
    search_fields = ["code", "nom", "commune"]
    inlines = [CelluleInline]


@admin.register(Cellule)
class CelluleAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ["nom_fr", "nom_nl", "cpas", "code", "ordre", "active"]
    list_filter = ["cpas"]
    search_fields = ["nom_fr", "nom_nl", "code"]


@admin.register(Membership)
class MembershipAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ["user", "cpas", "role", "cellule", "actif"]
    list_filter = ["cpas", "role", "actif"]
    search_fields = ["user__username", "user__last_name"]
    autocomplete_fields = ["cellule"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(JournalAcces)
class JournalAccesAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ["quand", "user", "cpas", "objet", "page", "ip"]
    list_filter = ["cpas"]
    date_hierarchy = "quand"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
