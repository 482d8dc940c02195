"""Convenient reads of a cloud group beyond the raw accessors (as the Rust SDK's GroupExt)."""

import re
from enum import Enum
from typing import Optional

from wit_world.imports.types import CloudGroup


class GroupKind(Enum):
    """What kind of cloud group this is."""

    MICROSOFT365 = "microsoft365"
    """A Microsoft 365 group (`groupTypes` contains `Unified`)."""
    SECURITY = "security"
    """A security group that is not mail-enabled."""
    MAIL_ENABLED_SECURITY = "mail-enabled-security"
    """A mail-enabled security group."""
    DISTRIBUTION = "distribution"
    """A distribution list."""

    @staticmethod
    def classify(
        unified: bool, mail_enabled: Optional[bool], security_enabled: Optional[bool]
    ) -> "GroupKind":
        """Classifies a group from groupTypes, mailEnabled and securityEnabled, as the host does."""
        if unified:
            return GroupKind.MICROSOFT365
        if security_enabled is True:
            if mail_enabled is True:
                return GroupKind.MAIL_ENABLED_SECURITY
            return GroupKind.SECURITY
        return GroupKind.DISTRIBUTION


def ascii_lower(text: str) -> str:
    """Lower-cases ASCII letters only, as Rust's `to_ascii_lowercase`."""
    return text.encode("utf-8", "surrogatepass").lower().decode("utf-8", "surrogatepass")


def kind(group: CloudGroup) -> GroupKind:
    """The group's kind; reads groupTypes, mailEnabled and securityEnabled."""
    unified = any(ascii_lower(t) == "unified" for t in group.group_types())
    return GroupKind.classify(unified, group.mail_enabled(), group.security_enabled())


_INDEX = re.compile(r"\+?[0-9]+")


def extension_index(name: str) -> Optional[int]:
    """1..15 for `extensionAttribute1`..`15` (any case), else None."""
    lower = ascii_lower(name)
    prefix = "extensionattribute"
    if not lower.startswith(prefix):
        return None
    digits = lower[len(prefix) :]
    if not _INDEX.fullmatch(digits):
        return None
    index = int(digits)
    return index if 1 <= index <= 15 else None


def is_extension_name(name: str) -> bool:
    """`extensionAttribute1`..`15` (any case) or `extension_<appid>_<name>`."""
    lower = ascii_lower(name)
    if lower.startswith("extensionattribute"):
        return extension_index(name) is not None
    return lower.startswith("extension_") and len(lower) > len("extension_")


def extension(group: CloudGroup, name: str) -> Optional[str]:
    """An extension attribute by name: `extensionAttribute1`..`15` (any case) or a directory
    extension `extension_<appid>_<name>`; None when unset or the name is neither."""
    lower = ascii_lower(name)
    if lower.startswith("extensionattribute"):
        index = extension_index(name)
        return None if index is None else group.extension_attribute(index)
    if lower.startswith("extension_"):
        return group.directory_extension(name)
    return None


def label(group: CloudGroup) -> str:
    """`"<displayName>" (<id>)`, for messages."""
    name = group.display_name()
    if name is None:
        return f"({group.id()})"
    return f'"{name}" ({group.id()})'
