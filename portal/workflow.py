"""The one workflow engine.

Applications, regional standards, catalogs and credit objections all move through states.
Each app declares its states and transitions as data (a ``Workflow``); this engine runs
every transition the same way:

1. lock the row (``select_for_update``) and re-read its state;
2. check that the transition exists and is allowed from that state;
3. check the actor's permission for it;
4. check the reason (when the transition needs one) and run its guards;
5. run its effects, set the state, save only the changed fields;
6. write a ``TransitionRecord`` and an audit event in the same transaction;
7. schedule its side effects with ``transaction.on_commit``.

Anything refused raises a ``WorkflowError`` before any write, and the surrounding
transaction is rolled back, so a refused transition changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Generic, TypeVar

from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.audit import audit_record
from portal.models import TransitionRecord, User

M = TypeVar("M", bound=models.Model)


class WorkflowError(Exception):
    """A transition was refused. ``code`` is stable for API clients."""

    code = "workflow_error"
    status = 409

    def __init__(self, message: str | Promise, *, details: Mapping[str, Any] | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.details = dict(details or {})


class TransitionNotAllowed(WorkflowError):
    code = "transition_not_allowed"
    status = 409


class TransitionPermissionDenied(WorkflowError):
    code = "permission_denied"
    status = 403


class GuardFailed(WorkflowError):
    """A rule of the domain refuses the transition; ``message`` says what to fix."""

    code = "guard_failed"
    status = 422


@dataclass(frozen=True)
class TransitionContext:
    actor: User | None  # None: the system (a periodic task), for automatic transitions
    transition: Transition
    from_state: str
    reason: str
    payload: Mapping[str, Any]
    now: Any
    request: HttpRequest | None = None


Permission = Callable[[User | None, Any], bool]
Guard = Callable[[Any, TransitionContext], None]
# An effect changes the locked object before it is saved and returns the names of the
# fields it changed (so that only those are written).
Effect = Callable[[Any, TransitionContext], Iterable[str] | None]
# A hook runs after commit with the object's primary key (enqueue a task, notify).
Hook = Callable[[Any], None]


@dataclass(frozen=True)
class Transition:
    name: str
    source: tuple[str, ...]
    target: str
    label: Promise | str
    permission: Permission
    guards: tuple[Guard, ...] = ()
    effects: tuple[Effect, ...] = ()
    on_commit: tuple[Hook, ...] = ()
    reason_required: bool = False
    # Transitions made by the system (a periodic task), not offered to people.
    automatic: bool = False


@dataclass
class Workflow(Generic[M]):
    """States and transitions of one model, as data."""

    name: str
    model: type[M]
    states: type[models.TextChoices]
    transitions: tuple[Transition, ...]
    state_field: str = "state"
    initial: str = ""
    _by_name: dict[str, Transition] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        known = set(self.states.values)
        self._by_name = {}
        for t in self.transitions:
            if t.name in self._by_name:
                raise ValueError(f"{self.name}: transition {t.name!r} declared twice")
            unknown = (set(t.source) | {t.target}) - known
            if unknown:
                raise ValueError(f"{self.name}.{t.name}: unknown states {sorted(unknown)}")
            self._by_name[t.name] = t
        if self.initial and self.initial not in known:
            raise ValueError(f"{self.name}: unknown initial state {self.initial!r}")
        REGISTRY[self.name] = self

    # --- reading -------------------------------------------------------------------------
    def get(self, name: str) -> Transition:
        try:
            return self._by_name[name]
        except KeyError:
            raise TransitionNotAllowed(
                _("There is no action called “%(name)s”.") % {"name": name}
            ) from None

    def state_of(self, obj: M) -> str:
        return str(getattr(obj, self.state_field))

    def available(self, obj: M, actor: User | None) -> list[Transition]:
        """Transitions the actor may attempt on ``obj`` now (guards are not run)."""
        state = self.state_of(obj)
        return [
            t
            for t in self.transitions
            if not t.automatic and state in t.source and t.permission(actor, obj)
        ]

    def state_label(self, state: str) -> str:
        return str(self.states(state).label)

    # --- acting --------------------------------------------------------------------------
    def run(
        self,
        obj: M | int | str,
        transition: str,
        *,
        actor: User | None,
        reason: str = "",
        payload: Mapping[str, Any] | None = None,
        request: HttpRequest | None = None,
    ) -> M:
        """Apply one transition atomically; return the updated, locked object."""
        t = self.get(transition)
        pk = obj.pk if isinstance(obj, models.Model) else obj
        reason = (reason or "").strip()
        with transaction.atomic():
            manager = self.model._default_manager
            try:
                locked = manager.select_for_update().get(pk=pk)
            except self.model.DoesNotExist:  # type: ignore[attr-defined]
                raise TransitionNotAllowed(gettext("The record no longer exists.")) from None
            current = self.state_of(locked)
            if current not in t.source:
                raise TransitionNotAllowed(
                    gettext("“%(action)s” is not possible while the record is %(state)s.")
                    % {"action": t.label, "state": self.state_label(current)},
                    details={"state": current, "transition": t.name},
                )
            if not t.permission(actor, locked):
                raise TransitionPermissionDenied(
                    gettext("You may not “%(action)s” this record.") % {"action": t.label},
                    details={"transition": t.name},
                )
            if t.reason_required and not reason:
                raise GuardFailed(
                    gettext("Give a reason for “%(action)s”.") % {"action": t.label},
                    details={"field": "reason"},
                )
            context = TransitionContext(
                actor=actor,
                transition=t,
                from_state=current,
                reason=reason,
                payload=dict(payload or {}),
                now=timezone.now(),
                request=request,
            )
            for guard in t.guards:
                guard(locked, context)
            changed = {self.state_field}
            for effect in t.effects:
                changed.update(effect(locked, context) or ())
            setattr(locked, self.state_field, t.target)
            locked.save(update_fields=sorted(changed))
            TransitionRecord.objects.create(
                workflow=self.name,
                target_model=locked._meta.label_lower,
                target_id=str(locked.pk),
                transition=t.name,
                from_state=current,
                to_state=t.target,
                actor=actor if actor is not None and actor.is_authenticated else None,
                at=context.now,
                reason=reason,
                payload=context.payload,
            )
            audit_record(
                actor=actor,
                actor_repr="system",
                action=f"{self.name}.{t.name}",
                target=locked,
                data={
                    "from": current,
                    "to": t.target,
                    "reason": reason,
                    "payload": context.payload,
                },
                request=request,
            )
            for hook in t.on_commit:
                transaction.on_commit(partial(hook, locked.pk))
        return locked

    # --- documenting ---------------------------------------------------------------------
    def mermaid(self) -> str:
        """The state diagram (Mermaid ``stateDiagram-v2``), generated from the table."""
        lines = ["stateDiagram-v2"]
        if self.initial:
            lines.append(f"    [*] --> {self.initial}")
        for t in self.transitions:
            for source in t.source:
                suffix = " (automatic)" if t.automatic else ""
                lines.append(f"    {source} --> {t.target} : {t.name}{suffix}")
        return "\n".join(lines)


REGISTRY: dict[str, Workflow[Any]] = {}


def system_only(actor: User | None, obj: Any) -> bool:
    """Permission of automatic transitions: only the system (``actor=None``) makes them."""
    return actor is None


def history(obj: models.Model) -> models.QuerySet[TransitionRecord]:
    """The state changes of one object, oldest first, with their actors."""
    return TransitionRecord.objects.filter(
        target_model=obj._meta.label_lower, target_id=str(obj.pk)
    ).select_related("actor")
