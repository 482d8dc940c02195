//! A Microsoft Graph emulator on loopback, speaking real Graph shapes, for tests and the demo.
