"""Pages of notifications: the inbox, opening one, marking read, the e-mail settings."""

from django.urls import URLPattern, path

from portal import notification_views as views

app_name = "notifications"

urlpatterns: list[URLPattern] = [
    path("notifications/", views.inbox, name="inbox"),
    path("notifications/read-all/", views.mark_all_read, name="read_all"),
    path("notifications/settings/", views.preferences, name="settings"),
    path("notifications/<int:pk>/", views.open_notification, name="open"),
    path("notifications/<int:pk>/read/", views.mark_read, name="read"),
    path("notifications/<int:pk>/unread/", views.mark_unread, name="unread"),
]
