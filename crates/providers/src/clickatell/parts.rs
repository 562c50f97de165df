//! How many SMS parts a text takes, so templates can be kept to one part (clickatell.md: "A
//! long message is split into parts (160 GSM-7 characters, 70 UCS-2): keep templates short and
//! GSM-7").

/// The encoding a text needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// The GSM 03.38 default alphabet, 7 bits a character.
    Gsm7,
    /// UCS-2 (UTF-16 code units), for any character outside GSM-7.
    Ucs2,
}

/// The size of a text as an SMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmsParts {
    /// The encoding the text needs.
    pub encoding: Encoding,
    /// Septets (GSM-7, where an extension character takes two) or UTF-16 code units (UCS-2).
    pub units: usize,
    /// The number of parts: 160/153 a part for GSM-7, 70/67 for UCS-2 (a concatenated part
    /// loses room to its header).
    pub parts: usize,
}

// GSM 03.38 default alphabet (without the escape character).
const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡\
ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
// GSM 03.38 extension table: each takes an escape and a septet.
const GSM7_EXTENSION: &str = "^{}\\[~]|€\u{c}";

/// The septets a character takes in GSM-7, or `None` if GSM-7 cannot carry it.
fn gsm7_septets(c: char) -> Option<usize> {
    if GSM7_BASIC.contains(c) {
        Some(1)
    } else if GSM7_EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// Counts the parts of `text`.
pub fn sms_parts(text: &str) -> SmsParts {
    let septets: Option<usize> = text.chars().map(gsm7_septets).sum();
    let (encoding, units, single, multi) = match septets {
        Some(septets) => (Encoding::Gsm7, septets, 160, 153),
        None => (Encoding::Ucs2, text.encode_utf16().count(), 70, 67),
    };
    let parts = if units <= single { 1 } else { units.div_ceil(multi) };
    SmsParts { encoding, units, parts }
}

/// Whether `text` fits one GSM-7 part, as templates should.
pub fn fits_one_gsm7_part(text: &str) -> bool {
    let parts = sms_parts(text);
    parts.encoding == Encoding::Gsm7 && parts.parts == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_boundaries_follow_the_gsm7_and_ucs2_sizes() {
        let cases = [
            ("", Encoding::Gsm7, 0, 1),
            (&"a".repeat(160) as &str, Encoding::Gsm7, 160, 1),
            (&"a".repeat(161), Encoding::Gsm7, 161, 2),
            (&"a".repeat(306), Encoding::Gsm7, 306, 2),
            (&"a".repeat(307), Encoding::Gsm7, 307, 3),
            (&"€".repeat(80), Encoding::Gsm7, 160, 1),
            (&"€".repeat(81), Encoding::Gsm7, 162, 2),
            (&"ş".repeat(70), Encoding::Ucs2, 70, 1),
            (&"ş".repeat(71), Encoding::Ucs2, 71, 2),
            (&"ş".repeat(134), Encoding::Ucs2, 134, 2),
            (&"ş".repeat(135), Encoding::Ucs2, 135, 3),
            ("😀", Encoding::Ucs2, 2, 1),
        ];
        for (text, encoding, units, parts) in cases {
            assert_eq!(sms_parts(text), SmsParts { encoding, units, parts }, "{text:?}");
        }
        assert!(fits_one_gsm7_part("Pocket Loans: your PIN is 123456. Never share it."));
        assert!(!fits_one_gsm7_part("Pocket Loans: ✓ approved"));
    }
}
