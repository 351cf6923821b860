from __future__ import annotations

from django.utils.translation import get_language


def localized(zh: str, en: str) -> str:
    """The Chinese or English form of a bilingual text, by the active language.

    Chinese is the authoritative text: when the English one is missing, Chinese is shown.
    """
    language = (get_language() or "zh-hans").lower()
    if language.startswith("en") and en:
        return en
    return zh or en
