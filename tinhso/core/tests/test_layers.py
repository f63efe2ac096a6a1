"""The apps' dependencies point one way (issue 15, finding 4). Each app may import only the apps
below it in ``LAYERS``; every import counts, at the top of a module or inside a function (hiding
an import in a function does not remove the dependency). ``apps.py`` is the exception: its
``ready()`` is where an app connects to the signals of the apps below it. The few upward imports
left are listed with their reason in ``KNOWN_UPWARD``; the test also fails when one of them is
gone, so that the list only shrinks."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2]

# From the bottom up: an app imports only apps listed before it.
LAYERS = [
    "core",  # platform services: text, storage, plain-SQL names, reference copies, errors
    "audit",
    "units",
    "agencies",
    "accounts",  # people, memberships and the permission layer
    "worktime",
    "procedures",  # the catalogue, its fees and search
    "dossiers",
    "payments",
    "signing",
    "documents",  # official documents and their exchange between agencies
    "workflows",
    "statistics",
    "feedback",
    "motcua",
    "official_forms",
    "lgsp",  # the integration platform: catalogue, grants, gateway, exchange log
    "events",  # the event feed and webhooks over the outboxes of the apps below
    "opendata",  # the open-data catalogue, built from the statistics, feedback, catalogue and agencies
    "national",  # the national portal, identity and population database connectors
    "demo",
    "ioc",  # the operations centre reads statistics, feedback and documents; nothing imports it
]

# (importing module, imported app): upward imports still to remove, each with its reason. None
# is left: the permission registry is in core (``core/permissions.py``), the API's request type
# names the configured user model through django-stubs, and the one-stop forms issue Forms 03–05
# on the back office's signals and add their part to its dossier page (``motcua/parts.py``).
KNOWN_UPWARD: set[tuple[str, str]] = set()


def imports_of(path: Path) -> set[str]:
    """The tinhso apps ``path`` imports, wherever the import statement is."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "tinhso" and len(parts) > 1 and (PACKAGE / parts[1]).is_dir():
                found.add(parts[1])
    return found


def upward_imports() -> set[tuple[str, str]]:
    rank = {app: position for position, app in enumerate(LAYERS)}
    upward = set()
    for app in LAYERS:
        for path in sorted((PACKAGE / app).rglob("*.py")):
            relative = path.relative_to(PACKAGE)
            if {"tests", "migrations"} & set(relative.parts) or path.name == "apps.py":
                continue
            for other in imports_of(path) - {app}:
                if rank.get(other, len(LAYERS)) >= rank[app]:
                    upward.add((f"tinhso/{relative}", other))
    return upward


def test_every_app_is_in_a_layer():
    apps = {path.parent.name for path in PACKAGE.glob("*/apps.py")}
    assert apps == set(LAYERS)


def test_apps_import_only_the_layers_below():
    upward = upward_imports()
    assert upward - KNOWN_UPWARD == set(), "an app imports an app above it (see LAYERS)"
    assert KNOWN_UPWARD - upward == set(), "an upward import is gone: remove it from KNOWN_UPWARD"


def test_the_check_sees_an_import_hidden_in_a_function(tmp_path):
    module = tmp_path / "module.py"
    module.write_text("def f():\n    from tinhso.motcua.actions import accept_dossier\n")
    assert imports_of(module) == {"motcua"}
