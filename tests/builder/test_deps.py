"""Route dependencies are coroutines: FastAPI runs a plain function in a worker thread, a thread hop per request."""

import inspect

from fastapi.routing import iter_route_contexts

from builder.app import create_app
from builder.settings import Settings


def _is_async(call) -> bool:
    target = call if inspect.isfunction(call) or inspect.ismethod(call) else getattr(call, "__call__", call)
    return inspect.iscoroutinefunction(target) or inspect.isasyncgenfunction(target)


def _plain_dependencies(app) -> set[str]:
    plain = set()
    for rc in iter_route_contexts(app.routes):
        dependant = getattr(rc, "dependant", None)
        stack = list(dependant.dependencies) if dependant is not None else []
        while stack:
            item = stack.pop()
            if item.call is not None and not _is_async(item.call):
                plain.add(f"{rc.path}: {getattr(item.call, '__qualname__', item.call)}")
            stack.extend(item.dependencies)
    return plain


def test_no_route_depends_on_a_plain_function(tmp_path) -> None:
    assert _plain_dependencies(create_app(Settings(data_dir=tmp_path))) == set()


def test_the_check_would_catch_a_plain_dependency(tmp_path) -> None:
    from typing import Annotated

    from fastapi import Depends

    app = create_app(Settings(data_dir=tmp_path))

    def plain() -> int:
        return 1

    @app.get("/api/workflow/plain")
    async def uses_plain(value: Annotated[int, Depends(plain)]) -> dict:
        return {"value": value}

    assert any(entry.startswith("/api/workflow/plain: ") for entry in _plain_dependencies(app))
