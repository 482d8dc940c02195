//! gwb: writes cloud groups from Microsoft Entra ID back into Active Directory.
