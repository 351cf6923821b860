"""The architecture, enforced: the one-way dependency rule between apps, imports across apps
only through public modules, no model signals, no inline script or style in templates
(the CSP forbids them), and views that write only through services.

Sources are parsed with ``ast`` (nothing is imported), so a violation anywhere, even in a
function body that no test runs, is reported with its file and line.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
APPS = ("portal", "catalogs", "talent_standards", "credit", "permits")

# Which apps each app may import (design: permits -> {talent_standards, catalogs, credit}
# -> portal; talent_standards may ask the catalogs selectors; nothing imports permits;
# portal imports no app).
ALLOWED_DEPENDENCIES: dict[str, frozenset[str]] = {
    "permits": frozenset({"talent_standards", "catalogs", "credit", "portal"}),
    "talent_standards": frozenset({"catalogs", "portal"}),
    "catalogs": frozenset({"portal"}),
    "credit": frozenset({"portal"}),
    "portal": frozenset(),
}
# The modules of an app that other apps may import (with their submodules).
PUBLIC_MODULES = frozenset({"services", "selectors", "models", "constants"})
# The kernel is what apps build on: its engines are public too, and the forms and the page
# logic every filing kind shares (filing_forms, filing_views: plain functions the apps' own
# views call). Never its views, its account forms (forms), admin, urls, tasks, middleware
# or second_factor.
KERNEL_PUBLIC_MODULES = PUBLIC_MODULES | {
    "workflow",
    "access",
    "audit",
    "workdays",
    "roles",
    "pdf",
    "identifiers",
    "sequences",
    "navigation",
    "demo",
    "api",
    "countries",
    "pagination",
    "filings",
    "filing_forms",
    "filing_views",
    "files",
    "dashboard",
    "admin_base",
    "documents",
    "docverify",
    "spreadsheets",
    "charts",
    "guides",
    "statistics",
    "publications",
    "notifications",
    "ratelimit",
}
KERNEL_PUBLIC_LIST = ", ".join(sorted(KERNEL_PUBLIC_MODULES))
PUBLIC: dict[str, frozenset[str]] = {
    **dict.fromkeys(APPS, PUBLIC_MODULES),
    "portal": KERNEL_PUBLIC_MODULES,
}
MODEL_FIELDS_WITH_TARGET = {"ForeignKey", "OneToOneField", "ManyToManyField"}


# --- Reading the sources ---------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    path: str  # relative to the repository, for messages
    module: str  # dotted name
    is_package: bool
    tree: ast.Module


def module_exists(dotted: str) -> bool:
    base = REPO.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


@functools.cache
def package_names(package: str) -> frozenset[str]:
    """Names a package's ``__init__.py`` defines (``from portal import celery_app``)."""
    init = REPO.joinpath(*package.split("."), "__init__.py")
    if not init.is_file():
        return frozenset()
    names: set[str] = set()
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return frozenset(names)


def resolve_from(base: str, name: str) -> str:
    """The module ``from base import name`` imports: ``base.name`` when that is a module
    of the project (or would be one: ``from catalogs import selectors`` names a module
    even before it is written), ``base`` when ``name`` is defined in it. Third-party
    imports are reported by their package."""
    candidate = f"{base}.{name}"
    if module_exists(candidate):
        return candidate
    is_package = REPO.joinpath(*base.split("."), "__init__.py").is_file()
    if base.split(".")[0] in APPS and is_package and name not in package_names(base):
        return candidate
    return base


def parse(path: str, text: str) -> Source:
    parts = path.removesuffix(".py").split("/")
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    return Source(path, ".".join(parts), is_package, ast.parse(text, filename=path))


@functools.cache
def app_sources() -> tuple[Source, ...]:
    sources = []
    for app in APPS:
        for file in sorted((REPO / app).rglob("*.py")):
            relative = file.relative_to(REPO)
            if "migrations" in relative.parts or "__pycache__" in relative.parts:
                continue
            sources.append(parse(relative.as_posix(), file.read_text(encoding="utf-8")))
    return tuple(sources)


def dotted(node: ast.AST) -> str:
    """``a.b.c`` for a Name/Attribute chain, ``a.b().c`` collapsed to ``a.b.c``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return dotted(node.func)
    if isinstance(node, ast.Subscript):
        return dotted(node.value)
    return "?"


def imported_modules(source: Source) -> Iterator[tuple[int, str]]:
    """Every module the source imports, with its line: import statements anywhere (also
    inside functions), ``importlib.import_module("...")``/``__import__("...")`` with a
    literal name, and lazy model references (``ForeignKey("app_label.Model")``)."""
    package = source.module if source.is_package else source.module.rpartition(".")[0]
    for node in ast.walk(source.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join([*base_parts, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            for alias in node.names:
                yield node.lineno, resolve_from(base, alias.name)
        elif isinstance(node, ast.Call):
            name = dotted(node.func)
            if name.split(".")[-1] in {"import_module", "__import__"} and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    yield node.lineno, first.value
            elif name.split(".")[-1] in MODEL_FIELDS_WITH_TARGET:
                target = node.args[0] if node.args else None
                for keyword in node.keywords:
                    if keyword.arg == "to":
                        target = keyword.value
                if (
                    isinstance(target, ast.Constant)
                    and isinstance(target.value, str)
                    and "." in target.value
                ):
                    yield node.lineno, f"{target.value.split('.')[0]}.models"


# --- The rules -------------------------------------------------------------------------------


def dependency_violations(source: Source) -> list[str]:
    app = source.module.split(".")[0]
    found = []
    for line, module in imported_modules(source):
        parts = module.split(".")
        target = parts[0]
        if target not in APPS or target == app:
            continue
        where = f"{source.path}:{line}"
        if target not in ALLOWED_DEPENDENCIES[app]:
            allowed = ", ".join(sorted(ALLOWED_DEPENDENCIES[app])) or "no app"
            found.append(f"{where}: {app} imports {module}; {app} may import {allowed}")
        elif len(parts) < 2 or parts[1] not in PUBLIC[target]:
            public = ", ".join(sorted(PUBLIC[target]))
            found.append(
                f"{where}: {app} imports {module}, not a public module of {target} ({public})"
            )
    return found


SIGNALS_MODULE = "django.db.models.signals"


def signal_violations(source: Source) -> list[str]:
    found = []
    for node in ast.walk(source.tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Attribute) and dotted(node).endswith("models.signals"):
            found.append(f"{source.path}:{node.lineno}: uses {dotted(node)}; write a service")
        for name in names:
            if name == SIGNALS_MODULE or name.startswith(SIGNALS_MODULE + "."):
                found.append(f"{source.path}:{node.lineno}: imports {name}; write a service")
    return found


WRITE_METHODS = {
    "save",
    "create",
    "delete",
    "update",
    "get_or_create",
    "update_or_create",
    "bulk_create",
    "bulk_update",
}
QUERYSET_HINTS = {
    "objects",
    "filter",
    "exclude",
    "all",
    "select_for_update",
    "select_related",
    "prefetch_related",
    "order_by",
    "get_queryset",
}


def view_write_violations(source: Source) -> list[str]:
    """Writes in a views module: ``x.save()``, ``Model.objects.create()``, ``x.delete()``,
    ``queryset.update()``... Views call a service instead. ``request.session.save()`` is
    the session, not the model; ``dict.update()`` is told apart from ``QuerySet.update()``
    by a manager or queryset method in the receiver; ``cache.delete()`` is not a write of
    data."""
    # A views module, or any module of a views package (catalogs/views/public.py...), and
    # the API views.
    is_view = source.path.endswith(("/views.py", "/api.py")) or "/views/" in source.path
    if not is_view:
        return []
    found = []
    for node in ast.walk(source.tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method = node.func.attr
        if method not in WRITE_METHODS:
            continue
        receiver = dotted(node.func.value)
        if receiver.startswith(("request.session", "self.request.session")):
            continue
        if method == "update" and not set(receiver.split(".")) & QUERYSET_HINTS:
            continue
        if method == "delete" and receiver.split(".")[-1] in {"cache", "caches"}:
            continue
        found.append(f"{source.path}:{node.lineno}: {receiver}.{method}(); call a service")
    return found


# --- The rules applied to the code -----------------------------------------------------------


def test_every_app_is_scanned() -> None:
    scanned_apps = {source.module.split(".")[0] for source in app_sources()}
    assert scanned_apps == set(APPS)
    paths = {source.path for source in app_sources()}
    assert {"portal/services.py", "portal/api/views.py", "permits/apps.py"} <= paths
    assert not [path for path in paths if "/migrations/" in path]


def test_dependency_rule() -> None:
    violations = [v for source in app_sources() for v in dependency_violations(source)]
    assert violations == []


def test_no_model_signals() -> None:
    violations = [v for source in app_sources() for v in signal_violations(source)]
    assert violations == []


def test_views_write_only_through_services() -> None:
    violations = [v for source in app_sources() for v in view_write_violations(source)]
    assert violations == []


# --- The checker itself (so that an empty result means something) ----------------------------


def imports_in(path: str, code: str) -> list[str]:
    return [module for _, module in imported_modules(parse(path, code))]


@pytest.mark.parametrize(
    ("path", "code", "modules"),
    [
        ("credit/services.py", "import portal.models.identity", ["portal.models.identity"]),
        ("credit/services.py", "from portal import selectors", ["portal.selectors"]),
        ("credit/services.py", "from portal.access import has_role", ["portal.access"]),
        ("credit/tasks.py", "from portal import celery_app", ["portal"]),
        ("credit/services.py", "from catalogs import selectors", ["catalogs.selectors"]),
        ("portal/api/views.py", "from .serializers import X", ["portal.api.serializers"]),
        ("portal/api/views.py", "from .. import selectors", ["portal.selectors"]),
        ("portal/api/__init__.py", "from .root import register", ["portal.api.root"]),
        (
            "credit/services.py",
            "def f():\n    from permits import services\n",
            ["permits.services"],
        ),
        (
            "credit/services.py",
            "import importlib\nm = importlib.import_module('permits.tasks')",
            ["importlib", "permits.tasks"],
        ),
        (
            "credit/models.py",
            "from django.db import models\n"
            "class R(models.Model):\n"
            "    a = models.ForeignKey('permits.Application', on_delete=models.PROTECT)\n",
            ["django.db", "permits.models"],
        ),
    ],
)
def test_imports_are_resolved(path: str, code: str, modules: list[str]) -> None:
    assert imports_in(path, code) == modules


@pytest.mark.parametrize(
    ("path", "code", "violations"),
    [
        ("permits/services.py", "from catalogs.selectors import occupation", []),
        ("permits/views.py", "from credit import services", []),
        ("talent_standards/services.py", "from catalogs.models import Occupation", []),
        ("talent_standards/selectors.py", "import catalogs.constants", []),
        ("catalogs/services.py", "from portal.workflow import transition", []),
        ("catalogs/api.py", "from portal.api.pagination import DefaultCursorPagination", []),
        ("credit/models.py", "from portal.models.identity import Organization", []),
        ("portal/views.py", "from portal.forms import X", []),  # an app's own modules
        (
            "portal/selectors.py",
            "from catalogs import selectors",
            ["portal/selectors.py:1: portal imports catalogs.selectors; portal may import no app"],
        ),
        (
            "catalogs/services.py",
            "\nfrom permits.models import Application",
            ["catalogs/services.py:2: catalogs imports permits.models; catalogs may import portal"],
        ),
        (
            "catalogs/services.py",
            "from talent_standards.selectors import x",
            [
                "catalogs/services.py:1: catalogs imports talent_standards.selectors; "
                "catalogs may import portal"
            ],
        ),
        (
            "credit/services.py",
            "from catalogs import selectors",
            ["credit/services.py:1: credit imports catalogs.selectors; credit may import portal"],
        ),
        (
            "permits/views.py",
            "from catalogs.forms import OccupationForm",
            [
                "permits/views.py:1: permits imports catalogs.forms, not a public module of "
                "catalogs (constants, models, selectors, services)"
            ],
        ),
        (
            "permits/tasks.py",
            "from credit.tasks import refresh",
            [
                "permits/tasks.py:1: permits imports credit.tasks, not a public module of "
                "credit (constants, models, selectors, services)"
            ],
        ),
        (
            "credit/views.py",
            "from portal.second_factor import verify",
            [
                "credit/views.py:1: credit imports portal.second_factor, not a public module "
                f"of portal ({KERNEL_PUBLIC_LIST})"
            ],
        ),
        (
            "credit/views.py",
            "from portal.views import not_found",
            [
                "credit/views.py:1: credit imports portal.views, not a public module of "
                f"portal ({KERNEL_PUBLIC_LIST})"
            ],
        ),
    ],
)
def test_dependency_checker(path: str, code: str, violations: list[str]) -> None:
    assert dependency_violations(parse(path, code)) == violations


@pytest.mark.parametrize(
    ("code", "violations"),
    [
        ("from django.contrib.auth.signals import user_logged_in", []),
        (
            "from django.db.models.signals import post_save",
            ["credit/models.py:1: imports django.db.models.signals.post_save; write a service"],
        ),
        (
            "from django.db.models import signals",
            ["credit/models.py:1: imports django.db.models.signals; write a service"],
        ),
        (
            "import django.db.models.signals",
            [
                "credit/models.py:1: imports django.db.models.signals; write a service",
            ],
        ),
        (
            "from django.db import models\nmodels.signals.post_save.connect(f)",
            ["credit/models.py:2: uses models.signals; write a service"],
        ),
    ],
)
def test_signal_checker(code: str, violations: list[str]) -> None:
    assert signal_violations(parse("credit/models.py", code)) == violations


@pytest.mark.parametrize(
    ("code", "violations"),
    [
        ("request.session.save()", []),
        ("context.update({'a': 1})", []),
        ("cache.delete(key)", []),
        ("services.application_submit(actor=user, application=a)", []),
        ("form.save()", ["credit/views.py:1: form.save(); call a service"]),
        (
            "Record.objects.create(a=1)",
            ["credit/views.py:1: Record.objects.create(); call a service"],
        ),
        ("record.delete()", ["credit/views.py:1: record.delete(); call a service"]),
        (
            "Record.objects.filter(a=1).update(b=2)",
            ["credit/views.py:1: Record.objects.filter.update(); call a service"],
        ),
        (
            "def v(request):\n    obj.save(update_fields=['a'])",
            ["credit/views.py:2: obj.save(); call a service"],
        ),
    ],
)
def test_view_write_checker(code: str, violations: list[str]) -> None:
    assert view_write_violations(parse("credit/views.py", code)) == violations


def test_view_write_checker_looks_only_at_views() -> None:
    assert view_write_violations(parse("credit/services.py", "record.save()")) == []


# --- Templates: nothing the CSP would refuse -------------------------------------------------

TEMPLATE_RULES = [
    (re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE), "inline <script>"),
    (re.compile(r"<style\b", re.IGNORECASE), "<style> element"),
    (re.compile(r"(?<![\w-])style\s*=", re.IGNORECASE), "style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.IGNORECASE), "inline event handler"),
    # htmx's own inline handlers need eval, which the htmx-config turns off.
    (re.compile(r"\shx-on[:-]", re.IGNORECASE), "hx-on handler"),
    (re.compile(r"""=\s*["']?\s*javascript:""", re.IGNORECASE), "javascript: URL"),
]
ALLOWED_TAG = re.compile(r"<meta\s+name=[\"']htmx-config[\"'][^>]*>", re.IGNORECASE)
TEMPLATE_COMMENT = re.compile(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", re.DOTALL)
# PDF templates are rendered by WeasyPrint and never served to browsers.
BROWSERLESS_DIRECTORIES = ("documents/",)


def template_roots() -> list[Path]:
    roots = [REPO / "templates"]
    roots += [REPO / app / "templates" for app in APPS if (REPO / app / "templates").is_dir()]
    return roots


def blank_out(match: re.Match[str]) -> str:
    """Replace a match by its newlines only, so that line numbers stay right."""
    return "\n" * match.group(0).count("\n")


def template_violations(path: str, text: str) -> list[str]:
    text = TEMPLATE_COMMENT.sub(blank_out, text)
    text = ALLOWED_TAG.sub(blank_out, text)
    found = []
    for pattern, what in TEMPLATE_RULES:
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"{path}:{line}: {what}: {match.group(0).strip()}")
    return found


def served_templates() -> Iterator[tuple[str, str]]:
    for root in template_roots():
        for file in sorted(root.rglob("*.html")):
            inside = file.relative_to(root).as_posix()
            if inside.startswith(BROWSERLESS_DIRECTORIES):
                continue
            yield file.relative_to(REPO).as_posix(), file.read_text(encoding="utf-8")


def test_templates_are_scanned() -> None:
    paths = [path for path, _ in served_templates()]
    assert "templates/base.html" in paths
    assert "templates/documents/sample.html" not in paths


def test_templates_have_no_inline_script_or_style() -> None:
    violations = [v for path, text in served_templates() for v in template_violations(path, text)]
    assert violations == []


@pytest.mark.parametrize(
    ("html", "violations"),
    [
        ("<script src=\"{% static 'js/portal.js' %}\" defer></script>", []),
        (
            '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false}\'>',
            [],
        ),
        ('<link rel="stylesheet" href="/static/css/portal.css">', []),
        ('<div data-style="x" class="onward">on=off is prose</div>', []),
        ('{# no style="..." here #}<p>x</p>', []),
        ("<p>\n<script>alert(1)</script>", ["t.html:2: inline <script>: <script>"]),
        ("<style>p{}</style>", ["t.html:1: <style> element: <style"]),
        ('<p style="color:red">', ["t.html:1: style attribute: style="]),
        ('<button onclick="go()">', ["t.html:1: inline event handler: onclick="]),
        ('<form hx-on::after-request="x()">', ["t.html:1: hx-on handler: hx-on:"]),
        ('<a href="javascript:void(0)">', ['t.html:1: javascript: URL: ="javascript:']),
    ],
)
def test_template_checker(html: str, violations: list[str]) -> None:
    assert template_violations("t.html", html) == violations
