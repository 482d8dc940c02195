//! A Microsoft Graph emulator on loopback, speaking real Graph shapes, for tests and the demo.
//!
//! It serves the token endpoint (`POST /{tenant}/oauth2/v2.0/token`, client secret or signed
//! JWT assertion) and the read endpoints gwb uses (`/v1.0/groups/delta` and `/v1.0/users/delta`,
//! also as `delta()`, the form Microsoft's SDKs send, and with `$deltatoken=latest`;
//! `/beta/groups?$select=id,writebackConfiguration`, and `/v1.0/groups/{id}`, the only one that
//! serves Microsoft 365 groups' `allowExternalSenders` and `hideFromAddressLists`, and
//! `/v1.0/groups/{id}/members`, a group's direct members now) with opaque
//! skip and delta tokens, paging, `members@delta`, `@removed`, and injectable faults, over http
//! or (with [`EmulatorConfig::tls`]) https. Tests change the tenant between rounds through
//! [`Emulator::tenant`].
//!
//! Generated users follow a scheme the AD side can reproduce: user `i` (not every tenth, which
//! is cloud-only) has `onPremisesSamAccountName = user<i:06>`, `onPremisesDistinguishedName =
//! CN=user<i:06>,CN=Users,DC=gwb,DC=test`, `onPremisesSecurityIdentifier =
//! <DOMAIN_SID>-<1000+i>` and `onPremisesImmutableId` = base64 of a seeded GUID (the value to
//! store in `mS-DS-ConsistencyGuid`).

mod auth;
mod delta;
mod entity;
mod faults;
mod generate;
mod members;
mod odata;
mod paging;
mod server;
mod tenant;

pub use faults::{Fault, FaultRule};
pub use generate::{BASE_DN, DOMAIN_SID, SplitMix, synced_user_props};
pub use server::{Emulator, EmulatorConfig, EmulatorError, RequestRecord, TlsIdentity};
pub use tenant::{App, Tenant, TenantError};
