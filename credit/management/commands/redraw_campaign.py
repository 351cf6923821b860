"""Re-run a campaign's draw from its stored seed and snapshots and compare it with the
assignments stored: prints both, then "identical" (exit 0) or "DIFFERENT" (exit 1)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from credit.inspection_models import InspectionCampaign
from credit.inspections import DrawError, Drawn, redraw, stored_draw


def _lines(drawn: list[Drawn]) -> list[str]:
    return [
        f"  {position:>3}. {row.uscc}  {', '.join(row.inspectors)}"
        for position, row in enumerate(drawn, start=1)
    ]


class Command(BaseCommand):
    help = "Re-run an inspection campaign's draw and compare it with the stored assignments."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("campaign_id", type=int)

    def handle(self, *args: Any, campaign_id: int, **options: Any) -> None:
        campaign = InspectionCampaign.objects.filter(pk=campaign_id).first()
        if campaign is None:
            raise CommandError(f"No campaign {campaign_id}.")
        if not campaign.seed:
            raise CommandError(f"Campaign {campaign_id} is not drawn yet.")
        stored = stored_draw(campaign)
        try:
            recomputed = redraw(campaign)
        except DrawError as exc:
            raise CommandError(f"The stored inputs do not allow a draw: {exc}") from None
        out = self.stdout
        out.write(f"Campaign {campaign.pk}: {campaign.name}")
        out.write(
            f"Seed {campaign.seed}; population {len(campaign.population_snapshot)}; "
            f"pool {len(campaign.pool_snapshot)}; sample {campaign.sample_size}; "
            f"inspectors per employer {campaign.inspectors_per_employer}"
        )
        out.write("Stored assignment:")
        out.write("\n".join(_lines(stored)))
        out.write("Recomputed assignment:")
        out.write("\n".join(_lines(recomputed)))
        if stored == recomputed:
            out.write("identical")
            return
        self.stderr.write("DIFFERENT: the stored assignment is not what the draw gives")
        raise SystemExit(1)
