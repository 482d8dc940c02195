"""The cloud group a stage call lends a plugin (the facts most rules read at hand, everything
else read from the host when asked), and convenient reads beyond its accessors (as the Rust
SDK's GroupExt)."""

import re
from enum import Enum
from typing import List, Optional

from wit_world.imports import types


class CloudGroup:
    """A cloud group as read from Microsoft Graph, lent for one stage call. Read-only. The facts
    most rules read (id, displayName, mailEnabled, securityEnabled, whether it is a Microsoft
    365 group, onPremisesSyncEnabled, the member count) come with the call; every other
    accessor asks the host and copies only what it returns."""

    __slots__ = ("_facts", "_host")

    def __init__(self, facts: Optional[types.GroupFacts], host: types.CloudGroup) -> None:
        """The group of a stage call: with the facts that came with it (`plugin-facts`,
        contract 1.1), or, when none did (`plugin`, 1.0), with the facts read from the host."""
        if facts is None:
            facts = types.GroupFacts(
                id=host.id(),
                display_name=host.display_name(),
                mail_enabled=host.mail_enabled(),
                security_enabled=host.security_enabled(),
                unified=any(ascii_lower(t) == "unified" for t in host.group_types()),
                on_premises_sync_enabled=host.on_premises_sync_enabled(),
                member_count=host.member_count(),
            )
        self._facts = facts
        self._host = host

    def id(self) -> str:
        """`id`: the group's object id (a GUID string). Always present."""
        return self._facts.id

    def display_name(self) -> Optional[str]:
        """`displayName`."""
        return self._facts.display_name

    def mail_enabled(self) -> Optional[bool]:
        """`mailEnabled`."""
        return self._facts.mail_enabled

    def security_enabled(self) -> Optional[bool]:
        """`securityEnabled`."""
        return self._facts.security_enabled

    def is_unified(self) -> bool:
        """Whether `groupTypes` contains `Unified` (any case): a Microsoft 365 group."""
        return self._facts.unified

    def on_premises_sync_enabled(self) -> Optional[bool]:
        """`onPremisesSyncEnabled`: True (synced from AD now), False (was synced), None (never)."""
        return self._facts.on_premises_sync_enabled

    def member_count(self) -> int:
        """The number of direct members."""
        return self._facts.member_count

    def description(self) -> Optional[str]:
        """`description`."""
        return self._host.description()

    def mail(self) -> Optional[str]:
        """`mail`: the primary SMTP address."""
        return self._host.mail()

    def mail_nickname(self) -> Optional[str]:
        """`mailNickname`."""
        return self._host.mail_nickname()

    def group_types(self) -> List[str]:
        """`groupTypes`, e.g. `["Unified", "DynamicMembership"]`."""
        return self._host.group_types()

    def proxy_addresses(self) -> List[str]:
        """`proxyAddresses`: `SMTP:` marks the primary address, `smtp:` secondary ones."""
        return self._host.proxy_addresses()

    def visibility(self) -> Optional[str]:
        """`visibility`: `Public`, `Private`, `HiddenMembership` or None."""
        return self._host.visibility()

    def on_premises_security_identifier(self) -> Optional[str]:
        """`onPremisesSecurityIdentifier`."""
        return self._host.on_premises_security_identifier()

    def on_premises_sam_account_name(self) -> Optional[str]:
        """`onPremisesSamAccountName`."""
        return self._host.on_premises_sam_account_name()

    def security_identifier(self) -> Optional[str]:
        """`securityIdentifier`: the cloud SID."""
        return self._host.security_identifier()

    def created_date_time(self) -> Optional[str]:
        """`createdDateTime` as ISO 8601 text."""
        return self._host.created_date_time()

    def deleted_date_time(self) -> Optional[str]:
        """`deletedDateTime` as ISO 8601 text."""
        return self._host.deleted_date_time()

    def writeback_configuration(self) -> Optional[types.WritebackConfiguration]:
        """Graph beta `writebackConfiguration`, when the host was told to read it."""
        return self._host.writeback_configuration()

    def extension_attribute(self, index: int) -> Optional[str]:
        """One of `onPremisesExtensionAttributes.extensionAttribute1` .. `15`; `index` is 1..15."""
        return self._host.extension_attribute(index)

    def extension_attributes(self) -> List[types.KeyValue]:
        """All set `onPremisesExtensionAttributes`, keyed `extensionAttribute<N>`."""
        return self._host.extension_attributes()

    def directory_extension(self, name: str) -> Optional[str]:
        """One directory extension attribute by its full name `extension_<appid>_<name>`."""
        return self._host.directory_extension(name)

    def directory_extensions(self) -> List[types.KeyValue]:
        """All directory extension attributes of the group."""
        return self._host.directory_extensions()

    def members(self, start: int, count: int) -> List[types.Member]:
        """Direct members from position `start`, at most `count` of them (copied only when
        asked for)."""
        return self._host.members(start, count)


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
    """The group's kind, from the facts (groupTypes, mailEnabled and securityEnabled)."""
    return GroupKind.classify(group.is_unified(), group.mail_enabled(), group.security_enabled())


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
