"""RSS 2.0 and Atom feeds of what the authorities publish.

One pair per authority (``/publications/authority/<code>/rss.xml`` and ``atom.xml``, the
code being a province's division code or ``mohrss``) and one pair for every authority
(``/publications/rss.xml``, ``atom.xml``). Items are the published announcements, policy
interpretations and FAQ entries, newest first; never a draft, never a report. Titles and
descriptions are in the language of the feed's address (``/en/...`` English,
``/zh-hans/...`` Chinese), the other language standing in where one is missing; the date
is the publication date.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.utils.translation import gettext

from portal import publication_selectors as selectors
from portal.models import Organization, Publication

FEED_ITEMS = 50


class _PublicationFeed(Feed):  # type: ignore[type-arg]
    feed_type: type[SyndicationFeed] = Rss201rev2Feed

    def get_object(self, request: HttpRequest, code: str = "") -> Organization | None:
        if not code:
            return None
        authority = selectors.authority_by_code(code)
        if authority is None:
            raise Http404
        return authority

    def title(self, obj: Organization | None) -> str:
        if obj is None:
            return gettext("Announcements and policy of the work permit authorities")
        return gettext("%(authority)s: announcements and policy") % {"authority": obj.name}

    def description(self, obj: Organization | None) -> str:
        return gettext(
            "Announcements, policy interpretations and answers to frequent questions about "
            "work permits for foreigners in China."
        )

    def subtitle(self, obj: Organization | None) -> str:
        return self.description(obj)

    def link(self, obj: Organization | None) -> str:
        if obj is None:
            return reverse("publications:list")
        return reverse("publications:authority", args=[selectors.authority_code(obj)])

    def items(self, obj: Organization | None) -> list[Publication]:
        return list(selectors.public_publications(authority=obj)[:FEED_ITEMS])

    def _text(self, item: Publication) -> tuple[str, str, str, bool]:
        return item.text_in(translation.get_language() or "zh-hans")

    def item_title(self, item: Publication) -> str:
        return self._text(item)[0]

    def item_description(self, item: Publication) -> str:
        _title, summary, html, _fallback = self._text(item)
        return summary or html

    def item_link(self, item: Publication) -> str:
        return reverse("publications:detail", args=[item.pk])

    def item_pubdate(self, item: Publication) -> dt.datetime | None:
        if item.published_on is None:
            return None
        return timezone.make_aware(
            dt.datetime.combine(item.published_on, dt.time.min), timezone.get_default_timezone()
        )

    def item_author_name(self, item: Publication) -> str:
        return item.authority.name

    def item_categories(self, item: Publication) -> list[str]:
        return [str(item.get_kind_display())]


class RssFeed(_PublicationFeed):
    feed_type = Rss201rev2Feed


class AtomFeed(_PublicationFeed):
    feed_type = Atom1Feed
