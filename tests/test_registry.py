from __future__ import annotations

import pytest

from harness.core.registry import Registry, UnknownNameError


def test_unknown_name_lists_known_ones() -> None:
    reg: Registry[int] = Registry("widget")
    reg.add("b", 2)
    reg.add("a", 1, colour="red")
    assert reg.get("a") == 1 and reg.entry("a").meta == {"colour": "red"}
    assert reg.names() == ["a", "b"] and "a" in reg and "c" not in reg
    with pytest.raises(UnknownNameError) as info:
        reg.get("c")
    assert str(info.value) == "unknown widget 'c'; known: a, b"


def test_double_registration_is_an_error() -> None:
    reg: Registry[object] = Registry("widget")
    reg.add("a", object())
    with pytest.raises(ValueError, match="registered twice"):
        reg.add("a", object())


def test_modules_load_lazily_on_first_lookup() -> None:
    reg: Registry[object] = Registry("model", modules=("harness.models.oracle",))
    assert reg._loaded is False
    # harness.models.oracle registers into harness.models.MODELS, not this registry:
    # what matters is that the import ran only at first use.
    assert reg.names() == []
    assert reg._loaded is True
