//! Text in old Mac files: Mac OS Roman strings and Pascal strings.

const HIGH: [char; 128] = [
    'Ä', 'Å', 'Ç', 'É', 'Ñ', 'Ö', 'Ü', 'á', 'à', 'â', 'ä', 'ã', 'å', 'ç', 'é', 'è', 'ê', 'ë', 'í',
    'ì', 'î', 'ï', 'ñ', 'ó', 'ò', 'ô', 'ö', 'õ', 'ú', 'ù', 'û', 'ü', '†', '°', '¢', '£', '§', '•',
    '¶', 'ß', '®', '©', '™', '´', '¨', '≠', 'Æ', 'Ø', '∞', '±', '≤', '≥', '¥', 'µ', '∂', '∑', '∏',
    'π', '∫', 'ª', 'º', 'Ω', 'æ', 'ø', '¿', '¡', '¬', '√', 'ƒ', '≈', '∆', '«', '»', '…', '\u{a0}',
    'À', 'Ã', 'Õ', 'Œ', 'œ', '–', '—', '“', '”', '‘', '’', '÷', '◊', 'ÿ', 'Ÿ', '⁄', '€', '‹', '›',
    'ﬁ', 'ﬂ', '‡', '·', '‚', '„', '‰', 'Â', 'Ê', 'Á', 'Ë', 'È', 'Í', 'Î', 'Ï', 'Ì', 'Ó', 'Ô',
    '\u{f8ff}', 'Ò', 'Ú', 'Û', 'Ù', 'ı', 'ˆ', '˜', '¯', '˘', '˙', '˚', '¸', '˝', '˛', 'ˇ',
];

/// Decodes Mac OS Roman bytes; stops at the first NUL.
pub fn mac_roman(bytes: &[u8]) -> String {
    bytes
        .iter()
        .take_while(|&&b| b != 0)
        .map(|&b| {
            if b < 0x80 {
                b as char
            } else {
                HIGH[usize::from(b - 0x80)]
            }
        })
        .collect()
}

/// Decodes text that may be UTF-8 (newer writers) or Mac OS Roman (older ones).
pub fn mac_text(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    match std::str::from_utf8(&bytes[..end]) {
        Ok(s) => s.to_string(),
        Err(_) => mac_roman(&bytes[..end]),
    }
}

/// A Pascal string (length byte, then text) at the start of `bytes`, clipped to what is there.
pub fn pascal(bytes: &[u8]) -> String {
    match bytes.split_first() {
        Some((&n, rest)) => mac_text(&rest[..usize::from(n).min(rest.len())]),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn roman_and_pascal() {
        assert_eq!(mac_roman(b"Caf\x8e"), "Café");
        assert_eq!(mac_text("Café".as_bytes()), "Café");
        assert_eq!(pascal(b"\x04West\x07"), "West");
        assert_eq!(pascal(b"\x09ab"), "ab");
        assert_eq!(pascal(b""), "");
    }
}
