"""Official holiday arrangements entered by site admins.

The State Council announces each year's public holidays and the weekend days worked in
exchange (调休) late in the previous year. The ``chinese-calendar`` package knows the years
announced before its release; a year entered here replaces the package's data for that
year, so a newly announced year can be used at once, without a new release.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class HolidayYear(models.Model):
    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    notice = models.CharField(
        _("notice"),
        max_length=255,
        help_text=_("The State Council General Office notice that announced the year."),
    )
    published_on = models.DateField(_("published on"), null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("entered"), auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("holiday year")
        verbose_name_plural = _("holiday years")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(year__gte=2000) & models.Q(year__lte=2100),
                name="holiday_year_range",
            ),
        ]

    def __str__(self) -> str:
        return str(self.year)


class HolidayDate(models.Model):
    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday (day off)")
        ADJUSTED_WORKDAY = "workday", _("Adjusted working day (weekend day worked)")

    year = models.ForeignKey(
        HolidayYear,
        verbose_name=_("year"),
        on_delete=models.CASCADE,
        related_name="dates",
    )
    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name_zh = models.CharField(_("festival (Chinese)"), max_length=64, blank=True)
    name_en = models.CharField(_("festival (English)"), max_length=64, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday date")
        verbose_name_plural = _("holiday dates")

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"
