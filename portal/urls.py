"""The project URLconf.

Pages live under a language prefix (``/zh-hans/``, ``/en/``); ``/`` sends the visitor to
the language of their cookie or browser. The API, its schema, the admin and ``/healthz``
have no prefix. Domain apps are included by dotted path: the kernel does not import them.
"""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from portal import document_views, health, views
from portal.forms import InvitationAwarePasswordResetForm

portal_patterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("account/", views.account, name="account"),
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/login/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("accounts/login/enrol/", views.two_factor_enrol, name="two_factor_enrol"),
    path("accounts/logout/", views.SignOutView.as_view(), name="logout"),
    path(
        "accounts/password/change/",
        views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path(
        "accounts/password/reset/",
        auth_views.PasswordResetView.as_view(
            form_class=InvitationAwarePasswordResetForm,
            template_name="registration/password_reset_form.html",
            email_template_name="registration/password_reset_email.txt",
            subject_template_name="registration/password_reset_subject.txt",
            success_url=reverse_lazy("portal:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="registration/password_reset_done.html"
        ),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="registration/password_reset_confirm.html",
            success_url=reverse_lazy("portal:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("organization/colleagues/", views.members, name="members"),
    path("organization/colleagues/invite/", views.member_invite, name="member_invite"),
    path("organization/colleagues/<int:pk>/role/", views.member_set_role, name="member_set_role"),
    path("organization/colleagues/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("organizations/", views.organizations, name="organizations"),
    path("documents/<int:pk>/", document_views.document_state, name="document_state"),
    path("documents/<int:pk>/pdf", document_views.document_download, name="document_download"),
    path("documents/<int:pk>/reissue/", document_views.document_reissue, name="document_reissue"),
    path("documents/<int:pk>/retry/", document_views.document_retry, name="document_retry"),
    path("verify/", document_views.verify, name="verify"),
    path("verify/d/<str:token>/", document_views.verify_token, name="verify_token"),
    path("staff/users/", views.staff_users, name="staff_users"),
    path("staff/users/new/", views.staff_user_create, name="staff_user_create"),
    path("staff/users/<int:pk>/", views.staff_user_detail, name="staff_user_detail"),
    path("staff/users/<int:pk>/revoke/", views.staff_role_revoke, name="staff_role_revoke"),
    path(
        "staff/users/<int:pk>/second-factor/reset/",
        views.staff_second_factor_reset,
        name="staff_second_factor_reset",
    ),
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path(
        ".well-known/portal-signing-keys.json",
        document_views.signing_keys,
        name="signing_keys",
    ),
    path("i18n/setlang/", views.set_language, name="set_language"),
    # The admin signs in through the portal's own sign-in (second factor, throttling).
    path("admin/login/", views.admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("portal.api.urls", "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
]

urlpatterns += i18n_patterns(
    path("", include((portal_patterns, "portal"), namespace="portal")),
    # What the portal tells people: each part is its own URLconf in the kernel.
    path("", include("portal.notification_urls", namespace="notifications")),
    path("", include("portal.guide_urls", namespace="guides")),
    path("", include("portal.publication_urls", namespace="publications")),
    path("", include("portal.statistics_urls", namespace="statistics")),
    path("", include("catalogs.urls", namespace="catalogs")),
    path("", include("talent_standards.urls", namespace="standards")),
    path("", include("permits.urls", namespace="permits")),
    path("", include("credit.urls", namespace="credit")),
    prefix_default_language=True,
)

handler404 = "portal.views.not_found"
handler500 = "portal.views.server_error"
handler403 = "portal.views.permission_denied"
