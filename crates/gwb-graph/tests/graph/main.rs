//! Integration tests of the Graph source: fixture conformance, and rounds against the emulator.

mod conformance;
