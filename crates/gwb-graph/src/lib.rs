//! Microsoft Graph source: authentication, full and delta reads, throttling, state.

pub mod wire;
