//! Conversions of AD's binary identifiers: objectSid to `S-1-...` text, GUID bytes to base64.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// Renders a binary SID (MS-DTYP 2.4.2.2) as `S-1-5-21-...`; `None` when malformed.
pub fn sid_to_string(bytes: &[u8]) -> Option<String> {
    if bytes.len() < 8 {
        return None;
    }
    let revision = bytes[0];
    let count = usize::from(bytes[1]);
    if bytes.len() != 8 + 4 * count {
        return None;
    }
    let mut authority = 0u64;
    for b in &bytes[2..8] {
        authority = (authority << 8) | u64::from(*b);
    }
    let mut out = format!("S-{revision}-{authority}");
    for chunk in bytes[8..].chunks_exact(4) {
        let sub = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        out.push_str(&format!("-{sub}"));
    }
    Some(out)
}

/// Parses `S-1-5-21-...` text into a binary SID; `None` when malformed.
pub fn sid_from_string(text: &str) -> Option<Vec<u8>> {
    let mut parts = text
        .strip_prefix("S-")
        .or_else(|| text.strip_prefix("s-"))?
        .split('-');
    let revision: u8 = parts.next()?.parse().ok()?;
    let authority: u64 = parts.next()?.parse().ok()?;
    if authority >= 1 << 48 {
        return None;
    }
    let subs: Vec<u32> = parts.map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let count = u8::try_from(subs.len()).ok()?;
    let mut out = vec![revision, count];
    out.extend_from_slice(&authority.to_be_bytes()[2..]);
    for sub in subs {
        out.extend_from_slice(&sub.to_le_bytes());
    }
    Some(out)
}

/// Base64 of raw bytes, as Entra's `onPremisesImmutableId` carries an objectGUID.
pub fn to_base64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Decodes base64 text; `None` when it is not base64.
pub fn from_base64(text: &str) -> Option<Vec<u8>> {
    STANDARD.decode(text.trim()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sids_round_trip_between_binary_and_text() {
        let text = "S-1-5-21-3623811015-3361044348-30300820-1013";
        let bytes = sid_from_string(text).unwrap();
        assert_eq!(bytes.len(), 8 + 4 * 5);
        assert_eq!(&bytes[..8], &[1, 5, 0, 0, 0, 0, 0, 5]);
        assert_eq!(&bytes[8..12], &21u32.to_le_bytes());
        assert_eq!(sid_to_string(&bytes).unwrap(), text);
        assert_eq!(
            sid_to_string(&[1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]).unwrap(),
            "S-1-1-0"
        );
        assert!(sid_to_string(&[1, 2, 0]).is_none());
        assert!(sid_from_string("S-1-x").is_none());
    }

    #[test]
    fn base64_round_trips() {
        let guid = [0xffu8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14];
        assert_eq!(to_base64(&guid), "/wABAgMEBQYHCAkKCwwNDg==");
        assert_eq!(from_base64("/wABAgMEBQYHCAkKCwwNDg==").unwrap(), guid);
        assert!(from_base64("!!").is_none());
    }
}
