from django.db import models

from portal.models import Region


class Dossier(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        RETURNED = "returned", "Returned"

    title = models.CharField(max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT)
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT)
    complete = models.BooleanField(default=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.title


class Attachment(models.Model):
    """Points at stored files the way the apps do (hidden reverse names, a many-to-many),
    for the orphan sweep's tests."""

    main = models.ForeignKey(
        "portal.StoredFile", on_delete=models.PROTECT, null=True, related_name="+"
    )
    extra = models.ManyToManyField("portal.StoredFile", related_name="+")

    def __str__(self) -> str:
        return f"attachment {self.pk}"
