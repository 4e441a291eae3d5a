//! `Points`: scores kept exactly, in hundredths of a point, so half credit on a 3-point
//! question is 1.5 and sums never drift the way floating point does.

use serde::{Serialize, Serializer};

/// A non-negative score in hundredths of a point.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Points(u32);

impl Points {
    pub const ZERO: Points = Points(0);

    pub fn from_hundredths(hundredths: u32) -> Points {
        Points(hundredths)
    }

    pub fn hundredths(self) -> u32 {
        self.0
    }

    /// Reads a point value such as `2` or `1.5`; `None` unless it is positive, at most
    /// 1,000 and a whole number of hundredths.
    pub fn from_decimal(value: f64) -> Option<Points> {
        let hundredths = value * 100.0;
        let rounded = hundredths.round();
        let whole_hundredths = (hundredths - rounded).abs() < 1e-6;
        (value.is_finite() && value > 0.0 && value <= 1_000.0 && whole_hundredths)
            .then_some(Points(rounded as u32))
    }

    /// Half of these points, rounded half up to the hundredth (partial credit).
    pub fn half(self) -> Points {
        Points(self.0.div_ceil(2))
    }

    pub fn as_f64(self) -> f64 {
        f64::from(self.0) / 100.0
    }
}

impl std::ops::Add for Points {
    type Output = Points;
    fn add(self, other: Points) -> Points {
        Points(self.0 + other.0)
    }
}

impl std::ops::AddAssign for Points {
    fn add_assign(&mut self, other: Points) {
        self.0 += other.0;
    }
}

impl std::iter::Sum for Points {
    fn sum<I: Iterator<Item = Points>>(iter: I) -> Points {
        iter.fold(Points::ZERO, |a, b| a + b)
    }
}

/// `2`, `1.5`, `0.25`: no trailing zeros.
impl std::fmt::Display for Points {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (whole, fraction) = (self.0 / 100, self.0 % 100);
        match fraction {
            0 => write!(f, "{whole}"),
            f2 if f2 % 10 == 0 => write!(f, "{whole}.{}", f2 / 10),
            f2 => write!(f, "{whole}.{f2:02}"),
        }
    }
}

/// JSON numbers: `2`, `1.5`.
impl Serialize for Points {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0 % 100 == 0 {
            serializer.serialize_u32(self.0 / 100)
        } else {
            serializer.serialize_f64(self.as_f64())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_points_are_kept_exactly_and_printed_without_trailing_zeros() {
        assert_eq!(Points::from_decimal(1.5), Some(Points(150)));
        assert_eq!(
            Points::from_decimal(0.1).map(|p| p.to_string()),
            Some("0.1".into())
        );
        assert_eq!(Points(205).to_string(), "2.05");
        assert_eq!(Points(300).to_string(), "3");
    }

    #[test]
    fn zero_negative_and_sub_hundredth_points_are_refused() {
        assert_eq!(Points::from_decimal(0.0), None);
        assert_eq!(Points::from_decimal(-2.0), None);
        assert_eq!(Points::from_decimal(0.005), None);
        assert_eq!(Points::from_decimal(f64::NAN), None);
    }

    #[test]
    fn half_credit_rounds_half_up_to_the_hundredth() {
        assert_eq!(Points(300).half(), Points(150));
        assert_eq!(Points(25).half(), Points(13));
    }
}
