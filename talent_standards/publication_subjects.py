"""The talent standards' subject for publications: a province's regional standard as a
whole (key: the province's division code, so that the link survives new versions), or the
national unified standard (key ``"national"``, which only the ministry links to).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext

from portal.models import Organization, Region

SUBJECT = "standard"
NATIONAL = "national"


def _provinces() -> list[Region]:
    return list(Region.objects.filter(level=Region.Level.PROVINCE).order_by("code"))


def _label(province: Region) -> str:
    return gettext("Regional talent standard of %(province)s") % {"province": province.name}


def options(authority: Organization) -> list[tuple[str, str]]:
    """A provincial authority: its own province's standard; the ministry: the national
    standard and every province's."""
    if authority.kind == Organization.Kind.MINISTRY:
        return [
            (NATIONAL, gettext("National unified standard")),
            *((p.code, _label(p)) for p in _provinces()),
        ]
    if not authority.is_provincial_authority or authority.region is None:
        return []
    code = authority.region.province_code
    return [(p.code, _label(p)) for p in _provinces() if p.code == code]


def describe(key: str) -> tuple[str, str] | None:
    if key == NATIONAL:
        return gettext("National unified standard"), reverse("standards:standards_history")
    province = Region.objects.filter(code=key, level=Region.Level.PROVINCE).first()
    if province is None:
        return None
    return _label(province), reverse("standards:province_standard", args=[province.code])
