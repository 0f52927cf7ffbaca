"""The house plan, checked: imports point one way, at the top of modules, and no
module grows past 400 lines. (DESIGN.md, section Layout.)

The layers, lowest first. A module may import its own layer and the layers
below it, never one above:

1. `customers.core`: the shared building blocks;
2. the rows: `customers.models`, `customers.audit`, the e-mail outbox
   `customers.emails`, and the models of the other apps (`wallets.models`,
   `portal.models`), which only add rows beside them;
3. the wallet domain: `wallets` (services, selectors, errors, forms, verify, demo);
4. the customer areas and every dashboard interface: `customers` (the customer
   itself, accounts, billing, licenses, reports, api, demo, admin, template tags)
   and the wallet's (and credits') views, API, schemas, URLs and admin;
5. `portal`;
6. the entry points: `config`, the management commands and the benchmark
   harness `customers.bench`, which drive the whole app; nothing imports them.
"""

import ast
import subprocess
from pathlib import Path

from config.settings import BASE_DIR

APPS = ("config", "customers", "portal", "wallets")
MAX_LINES = 400

# (prefix, layer): the longest matching prefix decides.
LAYERS = {
    "customers.core": 1,
    "customers.models": 2,
    "customers.audit": 2,
    "customers.emails": 2,
    "wallets.models": 2,
    "portal.models": 2,
    "wallets.credits.models": 2,
    "wallets": 3,
    "customers": 4,
    "wallets.views": 4,
    "wallets.topup_views": 4,  # Settings → Wallet top-ups
    "wallets.api": 4,
    "wallets.schemas": 4,
    "wallets.urls": 4,
    "wallets.admin": 4,
    "wallets.credits.views": 4,
    "wallets.credits.api": 4,
    "wallets.credits.schemas": 4,
    "wallets.credits.urls": 4,
    "wallets.credits.admin": 4,
    "wallets.credits.forms": 4,
    "portal": 5,
    "config": 6,
    "customers.bench": 6,
    "customers.management": 6,
    "wallets.management": 6,
    "portal.management": 6,
}


def tracked_python() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "*.py"], cwd=BASE_DIR, capture_output=True, text=True, check=True
    ).stdout.split()
    return [BASE_DIR / name for name in listed if "/migrations/" not in name]


def module_name(path: Path) -> str:
    parts = path.relative_to(BASE_DIR).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> int | None:
    """The layer of one of our modules (None for Django, libraries, the stdlib)."""
    if module.split(".")[0] not in APPS:
        return None
    matches = [prefix for prefix in LAYERS if module == prefix or module.startswith(prefix + ".")]
    return LAYERS[max(matches, key=len)]


def imported(tree: ast.Module, module: str, known: set[str]) -> list[tuple[int, str]]:
    """(line, module) for every import; `from a import b` is `a.b` when that is a module."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert not node.level, f"{module}:{node.lineno}: use an absolute import"
            base = node.module
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.append((node.lineno, full if full in known else base))
    return found


def nested_imports(tree: ast.Module) -> list[int]:
    """Lines of imports that are not at the top level of the module."""
    top = {id(node) for node in tree.body}
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in top
    ]


def test_imports_point_down_the_layers_and_sit_at_the_top():
    paths = [p for p in tracked_python() if p.relative_to(BASE_DIR).parts[0] in APPS]
    known = {module_name(p) for p in paths}
    wrong = []
    for path in paths:
        module = module_name(path)
        tree = ast.parse(path.read_text(), filename=str(path))
        here = layer(module)
        for line, target in imported(tree, module, known):
            there = layer(target)
            if there is not None and there > here:
                wrong.append(f"{module}:{line} imports {target} (layer {there} > {here})")
        wrong += [f"{module}:{line} imports inside a function" for line in nested_imports(tree)]
    assert not wrong, "\n".join(wrong)


def test_the_layer_rule_catches_an_upward_import():
    source = "from portal.services import portal_session_create\n"
    tree = ast.parse(source)
    targets = [target for _line, target in imported(tree, "customers.views", set())]
    assert targets == ["portal.services"]
    assert layer("portal.services") > layer("customers.views")
    assert layer("wallets.views") > layer("wallets.services") > layer("customers.audit")
    assert nested_imports(ast.parse("def f():\n    import json\n")) == [2]


def test_no_module_is_longer_than_400_lines():
    long = []
    for path in tracked_python():
        lines = len(path.read_text().splitlines())
        if lines > MAX_LINES:
            long.append(f"{path.relative_to(BASE_DIR)}: {lines} lines")
    assert not long, "split these by job (DESIGN.md, Layout):\n" + "\n".join(long)
