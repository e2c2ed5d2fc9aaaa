//! Standard base64 (RFC 4648, with padding), as Go's `encoding/base64`
//! `StdEncoding` writes and reads a Secret's `data` values.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Encodes bytes.
pub fn encode(input: &[u8]) -> String {
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// Decodes; the error is Go's `illegal base64 data at input byte N`.
pub fn decode(input: &str) -> Result<Vec<u8>, String> {
    let bytes = input.as_bytes();
    let illegal = |i: usize| format!("illegal base64 data at input byte {i}");
    if !bytes.len().is_multiple_of(4) {
        // Go reports the first offending quantum's position.
        let i = bytes
            .iter()
            .position(|&c| c != b'=' && value(c).is_none())
            .unwrap_or(bytes.len() / 4 * 4);
        return Err(illegal(i));
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for (q, quad) in bytes.chunks(4).enumerate() {
        let last = (q + 1) * 4 == bytes.len();
        let mut n = 0u32;
        let mut pad = 0;
        for (j, &c) in quad.iter().enumerate() {
            let at = q * 4 + j;
            if c == b'=' {
                // Padding only at the end of the last quantum, at most two.
                if !last || j < 2 || quad[j..].iter().any(|&x| x != b'=') {
                    return Err(illegal(at));
                }
                pad += 1;
                n <<= 6;
            } else if pad > 0 {
                return Err(illegal(at));
            } else {
                n = (n << 6) | value(c).ok_or_else(|| illegal(at))?;
            }
        }
        let b = n.to_be_bytes();
        out.extend_from_slice(&b[1..4 - pad]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(plain.as_bytes()), enc);
            assert_eq!(decode(enc).unwrap(), plain.as_bytes());
        }
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(decode(&encode(&all)).unwrap(), all);
    }

    #[test]
    fn rejects_what_go_rejects() {
        assert_eq!(
            decode("Zm9v!A==").unwrap_err(),
            "illegal base64 data at input byte 4"
        );
        assert!(decode("Zg=").is_err());
        assert_eq!(decode("Z===").unwrap_err(), "illegal base64 data at input byte 1");
        assert_eq!(
            decode("Zg==Zg==").unwrap_err(),
            "illegal base64 data at input byte 2"
        );
        assert!(decode("Zm9v").is_ok());
    }
}
