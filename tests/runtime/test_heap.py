"""A serving process takes its set-up out of the garbage collector's walks; what it allocates later is collected."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_SERVER_CHECK = """
import asyncio, gc, sys, weakref
from builder.main import create

app = create()
assert gc.get_freeze_count() == 0

class Node:
    pass

async def main():
    async with app.router.lifespan_context(app):
        frozen = gc.get_freeze_count()
        node = Node(); node.self = node  # a cycle made after set-up: still garbage the collector finds
        alive = weakref.ref(node)
        del node
        gc.collect()
        print(frozen, alive() is None)

asyncio.run(main())
"""


def test_the_server_freezes_its_set_up_and_still_collects_later_garbage(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "DATA_DIR": str(tmp_path / "data"), "LOCAL_MODE": "true", "DATABASE_URL": "",
           "REDIS_URL": ""}
    result = subprocess.run([sys.executable, "-c", _SERVER_CHECK], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    frozen, collected = result.stdout.split()[-2:]
    assert int(frozen) > 100_000  # imports, models, the app: out of every later collection
    assert collected == "True"


def test_apps_built_for_tests_and_tools_are_not_frozen() -> None:
    from builder.app import create_app

    assert getattr(create_app().state, "freeze_heap", False) is False
