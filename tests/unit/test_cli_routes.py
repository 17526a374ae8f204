"""ROUTES (lazy dispatch) must name exactly the commands the modules define."""
from dockerlab.cli.commands import ROUTES, all_commands, handler_for


def test_routes_match_the_modules_commands():
    table = all_commands()
    assert {p: f.__module__.rsplit(".", 1)[1] for p, f in table.items()} == ROUTES


def test_handler_for_imports_the_right_handler():
    table = all_commands()
    for path in ROUTES:
        assert handler_for(path) is table[path]
    assert handler_for(("no", "such")) is None
