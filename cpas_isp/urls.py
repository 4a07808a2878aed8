from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from cpas_isp import otp_views, sante, views, views_notifications
from cpas_isp.audit import views as audit_views
from cpas_isp.forms import ConnexionForm

urlpatterns = [
    path("", views.accueil, name="accueil"),
    path(
        "connexion/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=ConnexionForm
        ),
        name="login",
    ),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("mot-de-passe/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "mot-de-passe/ok/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("double-authentification/", otp_views.verifier, name="otp_verifier"),
    path("double-authentification/activer/", otp_views.activer, name="otp_activer"),
    path(
        "double-authentification/codes-de-secours/",
        otp_views.codes_secours,
        name="otp_codes_secours",
    ),
    path("cpas/changer/", views.changer_cpas, name="changer_cpas"),
    path("langue/", views.changer_langue, name="changer_langue"),
    path("audit/", audit_views.audit, name="audit"),
    path("sante/", sante.sante, name="sante"),
    path("accessibilite/", views.accessibilite, name="accessibilite"),
    path("notifications/", views_notifications.liste, name="notifications"),
    path("notifications/<int:pk>/ouvrir/", views_notifications.ouvrir, name="notification_ouvrir"),
    path("notifications/tout-lu/", views_notifications.tout_lu, name="notifications_tout_lu"),
    path(
        "notifications/preferences/",
        views_notifications.preferences,
        name="notifications_preferences",
    ),
    path("admin/", admin.site.urls),
    path("beneficiaires/", include("beneficiaires.urls")),
    path("partenaires/", include("partenaires.urls")),
    path("trajets/", include("trajets.urls")),
    path("rendezvous/", include("rendezvous.urls")),
    path("documents/", include("documents.urls")),
    path("activites/", include("activites.urls")),
    path("rapports/", include("rapports.urls")),
]
