"""Demo-data hooks: domain apps add their demonstration data to ``seed_demo``.

An app registers a hook from its ``AppConfig.ready``; ``seed_demo`` runs the kernel's own
data first, then every hook in registration order. Hooks must be idempotent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DemoHook:
    label: str
    load: Callable[..., Any]


_HOOKS: list[DemoHook] = []


def register(label: str, load: Callable[..., Any]) -> None:
    if all(hook.label != label for hook in _HOOKS):
        _HOOKS.append(DemoHook(label, load))


def hooks() -> list[DemoHook]:
    return list(_HOOKS)
