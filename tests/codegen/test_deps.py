"""Generated projects pin the versions the platform is tested with."""

from __future__ import annotations

from importlib.metadata import version

import pytest

from codegen import deps


@pytest.mark.parametrize("name", sorted(deps.VERSIONS))
def test_pins_match_the_installed_versions(name: str) -> None:
    # A local label (torch's "+cpu") names the build, not the release: "==2.13.0" matches "2.13.0+cpu".
    installed = version(name.split("[")[0]).split("+", 1)[0]
    assert installed == deps.VERSIONS[name], f"update codegen/deps.py for {name}"


def test_every_kind_dependency_is_pinned() -> None:
    assert {name for names in deps.BY_KIND.values() for name in names} <= set(deps.VERSIONS)


def test_every_carried_import_is_pinned() -> None:
    assert set(deps.BY_IMPORT.values()) <= set(deps.VERSIONS)


def test_every_kind_can_be_carried_with_known_dependencies() -> None:
    from codegen.carry import carried_sources, kind_modules, third_party_imports
    from codegen.context import extra_modules

    kinds = tuple(sorted(kind_modules()))
    files = carried_sources(kinds, extra_modules(kinds))
    unknown = third_party_imports(files) - set(deps.BY_IMPORT)
    assert not unknown, f"carried node code imports {unknown} at module level: pin them in codegen/deps.py"
    for path, source in files.items():
        compile(source, path, "exec", dont_inherit=True)
