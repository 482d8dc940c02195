//! Active Directory target over LDAPS: discovery, reads, reconcile, guards, apply and LDIF.
