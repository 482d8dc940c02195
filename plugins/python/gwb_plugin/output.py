"""Short constructors for what stages return."""

from typing import Iterable, Optional

from wit_world.imports.types import (
    Attribute,
    AttributeEdit,
    AttributeEdit_Add,
    AttributeEdit_Remove,
    AttributeEdit_Replace,
    FilterDecision,
    FilterDecision_Skip,
    FilterDecision_Write,
    NamingDecision,
)


def write() -> FilterDecision:
    """Filter: write this group back (later plugins may still skip it)."""
    return FilterDecision_Write()


def skip(reason: str) -> FilterDecision:
    """Filter: do not write this group back; the reason is shown in reports."""
    return FilterDecision_Skip(reason)


def keep(
    cn: Optional[str] = None,
    parent_dn: Optional[str] = None,
    sam_account_name: Optional[str] = None,
) -> NamingDecision:
    """Naming: keeps the proposal's cn, parent DN and sAMAccountName except those given.

    `cn` is unescaped (the host escapes DNs); `parent_dn` is the DN of the target OU.
    """
    return NamingDecision(cn=cn, parent_dn=parent_dn, sam_account_name=sam_account_name)


def replace(name: str, values: Iterable[str]) -> AttributeEdit:
    """Mapping: replaces all values of `name` (no values removes the attribute)."""
    return AttributeEdit_Replace(_attribute(name, values))


def add(name: str, values: Iterable[str]) -> AttributeEdit:
    """Mapping: adds values to `name`."""
    return AttributeEdit_Add(_attribute(name, values))


def remove(name: str, values: Iterable[str] = ()) -> AttributeEdit:
    """Mapping: removes values from `name` (no values removes the attribute)."""
    return AttributeEdit_Remove(_attribute(name, values))


def _attribute(name: str, values: Iterable[str]) -> Attribute:
    if isinstance(values, str):
        raise TypeError(f"values of {name!r} must be a list of strings, not one string")
    return Attribute(name=name, values=list(values))
