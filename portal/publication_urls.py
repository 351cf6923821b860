"""Pages of publications: announcements, policy interpretations, FAQ entries and the
provinces' reports to the ministry (``portal.publication_views``), with their feeds."""

from django.urls import URLPattern, path, re_path

from portal import publication_feeds as feeds
from portal import publication_views as views

app_name = "publications"

# An authority in addresses: a province's division code, or "mohrss" for the ministry.
AUTHORITY = r"(?P<code>mohrss|\d{2}0000)"

urlpatterns: list[URLPattern] = [
    path("publications/", views.publication_list, name="list"),
    path("publications/rss.xml", feeds.RssFeed(), name="rss"),
    path("publications/atom.xml", feeds.AtomFeed(), name="atom"),
    path("publications/<int:pk>/", views.publication_detail, name="detail"),
    re_path(
        rf"^publications/authority/{AUTHORITY}/$", views.authority_publications, name="authority"
    ),
    re_path(
        rf"^publications/authority/{AUTHORITY}/rss\.xml$", feeds.RssFeed(), name="authority_rss"
    ),
    re_path(
        rf"^publications/authority/{AUTHORITY}/atom\.xml$",
        feeds.AtomFeed(),
        name="authority_atom",
    ),
    path("publications/desk/", views.desk, name="desk"),
    path("publications/desk/new/", views.publication_new, name="new"),
    path("publications/desk/<int:pk>/", views.desk_detail, name="desk_detail"),
    path("publications/desk/<int:pk>/edit/", views.publication_edit, name="edit"),
    path("publications/reports/", views.reports, name="reports"),
]
