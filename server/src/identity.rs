//! Who registers: values parsed once and valid after (`Phone::parse`, `CreditCode::parse`).

use serde::Serialize;

/// An 11-digit mainland China mobile number: `1`, then `3`–`9`, then nine digits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Phone(String);

impl Phone {
    pub fn parse(text: &str) -> Result<Phone, &'static str> {
        let digits: String = text
            .trim()
            .chars()
            .map(question_bank::text::fold_width)
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect();
        let valid = digits.len() == 11
            && digits.bytes().all(|b| b.is_ascii_digit())
            && digits.starts_with('1')
            && (b'3'..=b'9').contains(&digits.as_bytes()[1]);
        if valid {
            Ok(Phone(digits))
        } else {
            Err("请填写 11 位中国大陆手机号,例如 13912345678")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `139****0001`, as exports and leaderboards show it.
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

/// The 18-character unified social credit code (统一社会信用代码, GB 32100-2015), check digit
/// verified.
///
/// ```
/// use ecoquiz::identity::CreditCode;
/// assert!(CreditCode::parse("91440300708461136T").is_ok());
/// assert!(CreditCode::parse("91440300708461136A").is_err()); // wrong check character
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CreditCode(String);

/// The code's alphabet: digits and capitals without I, O, Z, S, V; a character's value is its
/// position here.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

impl CreditCode {
    pub fn parse(text: &str) -> Result<CreditCode, &'static str> {
        let code: String = text
            .trim()
            .chars()
            .map(question_bank::text::fold_width)
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if code.chars().count() != 18 {
            return Err("统一社会信用代码应为 18 位,请对照营业执照填写");
        }
        let values: Option<Vec<u32>> = code
            .bytes()
            .map(|b| ALPHABET.iter().position(|&a| a == b).map(|v| v as u32))
            .collect();
        let Some(values) = values else {
            return Err(
                "统一社会信用代码只含数字和大写字母(不含 I、O、Z、S、V),请对照营业执照填写",
            );
        };
        if check_character(&values[..17]) != code.as_bytes()[17] {
            return Err("统一社会信用代码校验位不正确,请对照营业执照逐位核对");
        }
        Ok(CreditCode(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// GB 32100-2015: C18 = 31 − (Σ Ci × Wi mod 31), with 31 written as 0.
fn check_character(values: &[u32]) -> u8 {
    let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    ALPHABET[((31 - sum % 31) % 31) as usize]
}

/// Completes a 17-character prefix with its check character (for tests and demo data).
pub fn with_check_character(prefix17: &str) -> String {
    let values: Vec<u32> = prefix17
        .bytes()
        .map(|b| {
            ALPHABET
                .iter()
                .position(|&a| a == b)
                .expect("a valid prefix") as u32
        })
        .collect();
    assert_eq!(values.len(), 17, "a credit code prefix has 17 characters");
    format!("{prefix17}{}", check_character(&values) as char)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobile_numbers_are_normalized_and_checked() {
        assert_eq!(
            Phone::parse(" 139-1234-5678 ").unwrap().as_str(),
            "13912345678"
        );
        assert_eq!(
            Phone::parse("１３９１２３４５６７８").unwrap().as_str(),
            "13912345678"
        );
        for bad in [
            "1391234567",
            "12912345678",
            "23912345678",
            "1391234567a",
            "",
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Phone::parse("13900000001").unwrap().masked(), "139****0001");
    }

    #[test]
    fn a_published_credit_code_passes_and_a_changed_check_digit_fails() {
        // Real codes printed on business licences.
        for real in ["91110000802100433B", "91440300708461136T"] {
            assert!(CreditCode::parse(real).is_ok(), "{real}");
        }
        assert!(CreditCode::parse("91110000802100433C").is_err());
        assert!(CreditCode::parse("91110000802100433").is_err());
        assert!(CreditCode::parse("9111000080210043IB").is_err());
        assert_eq!(
            CreditCode::parse("91110000802100433b").unwrap().as_str(),
            "91110000802100433B"
        );
    }

    #[test]
    fn a_generated_check_character_makes_a_valid_code() {
        let code = with_check_character("91310115MA1K3ABCD");
        assert!(CreditCode::parse(&code).is_ok(), "{code}");
    }
}
