//! Human sizes for `--max-size`: `123`, `10K`, `10KiB`, `500M`, `2G`, `1.5GB`.
//!
//! Single letters and `KiB`/`MiB`/... are powers of 1024 (as du, docker and most build tools
//! read `500M`); `KB`/`MB`/... with a `B` and no `i` are powers of 1000 (SI). Case is ignored,
//! a plain number is bytes.

/// Parses a size into bytes.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let bad = || {
        format!(
            "`{s}` is not a size: use a number of bytes with an optional unit, e.g. 500M, 2G, 10KiB"
        )
    };
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let unit = unit.trim().to_ascii_lowercase();
    let (power, suffix) = match unit.chars().next() {
        None => (0, ""),
        Some('b') => (0, &unit[1..]),
        Some(c) => match "kmgtp".find(c) {
            Some(i) => (i as u32 + 1, &unit[1..]),
            None => return Err(bad()),
        },
    };
    let base: u64 = match (power, suffix) {
        (0, "") => 1,
        (_, "" | "ib") if power > 0 => 1024,
        (_, "b") if power > 0 => 1000,
        _ => return Err(bad()),
    };
    let multiplier = base.pow(power);
    if number.is_empty() || number.starts_with('.') || number.ends_with('.') {
        return Err(bad());
    }
    let too_big = || format!("`{s}` is too large a size");
    match number.split_once('.') {
        None => {
            let n: u64 = number.parse().map_err(|_| bad())?;
            n.checked_mul(multiplier).ok_or_else(too_big)
        }
        Some((whole, frac)) => {
            if frac.contains('.') {
                return Err(bad());
            }
            let whole: u64 = whole.parse().map_err(|_| bad())?;
            // Exact decimal arithmetic: frac / 10^len(frac) * multiplier, rounded down.
            let digits = frac.len().min(18) as u32;
            let frac: u64 = frac[..digits as usize].parse().map_err(|_| bad())?;
            let scale = 10u128.pow(digits);
            let bytes =
                whole as u128 * multiplier as u128 + frac as u128 * multiplier as u128 / scale;
            u64::try_from(bytes).map_err(|_| too_big())
        }
    }
}

/// A size for people: `512 B`, `1.5 KiB`, `23.3 MiB` (powers of 1024, one decimal).
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::{human_size, parse_size};

    #[test]
    fn human_sizes() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(23_341_346), "22.3 MiB");
        assert_eq!(human_size(3 << 30), "3.0 GiB");
        assert_eq!(
            parse_size(&human_size(10 << 20)).map(human_size),
            Ok("10.0 MiB".into())
        );
    }

    #[test]
    fn units() {
        assert_eq!(parse_size("123"), Ok(123));
        assert_eq!(parse_size("10K"), Ok(10 * 1024));
        assert_eq!(parse_size("10KiB"), Ok(10 * 1024));
        assert_eq!(parse_size("10kb"), Ok(10_000));
        assert_eq!(parse_size("1.5G"), Ok(3 * 512 * 1024 * 1024));
        assert_eq!(parse_size("7B"), Ok(7));
        for bad in [
            "", "M", "1.2.3", "-1", "5X", "5kib2", "1..", "5 MiBs", "5ib",
        ] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }
}
