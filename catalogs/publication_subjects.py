"""The catalogs' subject for publications: a province's Guidance Catalog as a whole.

The key is the province's division code (``"310000"``): an announcement about Shanghai's
catalog stays linked to it through every new version, and is shown on the province's
catalog page and on each of its versions' pages. A provincial authority links to its own
province's catalog; the ministry to any province's.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext

from portal.models import Organization, Region

SUBJECT = "catalog"


def _provinces() -> list[Region]:
    return list(Region.objects.filter(level=Region.Level.PROVINCE).order_by("code"))


def _label(province: Region) -> str:
    return gettext("Guidance Catalog of %(province)s") % {"province": province.name}


def options(authority: Organization) -> list[tuple[str, str]]:
    """What the authority may link to: its own province's catalog; the ministry every one."""
    if authority.kind == Organization.Kind.MINISTRY:
        return [(p.code, _label(p)) for p in _provinces()]
    if not authority.is_provincial_authority or authority.region is None:
        return []
    code = authority.region.province_code
    return [(p.code, _label(p)) for p in _provinces() if p.code == code]


def describe(key: str) -> tuple[str, str] | None:
    province = Region.objects.filter(code=key, level=Region.Level.PROVINCE).first()
    if province is None:
        return None
    return _label(province), reverse("catalogs:province_catalogs", args=[province.code])
