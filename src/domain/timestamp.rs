/// Formats Unix milliseconds as RFC 3339 UTC with millisecond precision
/// (`2026-11-22T07:34:00.000Z`), the form every `*_at` field of the API uses.
///
/// Written digit by digit: every answer that shows a record formats two or more of these, and
/// `format!` with its width specifiers cost ~3.5k instructions a time against ~1k by hand
/// (callgrind of the core's org read, docs/performance.md). Years outside 0–9999 (which no
/// record holds) keep `format!`'s form.
pub fn rfc3339(unix_millis: i64) -> String {
    let seconds = unix_millis.div_euclid(1000);
    let millis = unix_millis.rem_euclid(1000) as u32;
    let days = seconds.div_euclid(86_400);
    let second_of_day = seconds.rem_euclid(86_400) as u32;
    let (year, month, day) = civil_from_days(days);
    let (hour, minute, second) = (second_of_day / 3600, second_of_day % 3600 / 60, second_of_day % 60);
    let Ok(year @ 0..=9999) = u32::try_from(year) else {
        return format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{millis:03}Z");
    };
    let mut text = *b"0000-00-00T00:00:00.000Z";
    let mut put = |at: usize, width: usize, mut value: u32| {
        for digit in text[at..at + width].iter_mut().rev() {
            *digit = b'0' + (value % 10) as u8;
            value /= 10;
        }
    };
    put(0, 4, year);
    put(5, 2, month);
    put(8, 2, day);
    put(11, 2, hour);
    put(14, 2, minute);
    put(17, 2, second);
    put(20, 3, millis);
    std::str::from_utf8(&text).expect("digits and separators are ASCII").to_owned()
}

/// Reads an RFC 3339 UTC instant as WorkOS writes them (`2026-11-22T07:34:00.000Z`, the
/// fraction optional and of any length, read to the millisecond) as Unix milliseconds; `None`
/// for anything else, offsets other than `Z` included.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let digits = bytes.get(range)?;
        digits.iter().all(u8::is_ascii_digit).then(|| digits.iter().fold(0, |n, d| n * 10 + i64::from(d - b'0')))
    };
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if bytes.len() < 20 || separators.iter().any(|&(at, byte)| bytes[at] != byte) || bytes.last() != Some(&b'Z') {
        return None;
    }
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    let millis = match &bytes[19..bytes.len() - 1] {
        [] => 0,
        [b'.', fraction @ ..] if !fraction.is_empty() && fraction.iter().all(u8::is_ascii_digit) => {
            fraction.iter().chain([b'0', b'0', b'0'].iter()).take(3).fold(0, |n, d| n * 10 + i64::from(d - b'0'))
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day)?;
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    Some(((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis)
}

/// Howard Hinnant's (year, month, day) → days, the inverse of [`civil_from_days`]; `None` for a
/// day the month does not have.
fn days_from_civil(year: i64, month: i64, day: i64) -> Option<i64> {
    if !(1..=12).contains(&month) || day < 1 {
        return None;
    }
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    // A day past the month's end lands in the next month: refuse rather than roll over.
    (civil_from_days(days) == (year, month as u32, day as u32)).then_some(days)
}

/// Howard Hinnant's days → (year, month, day) for the proleptic Gregorian calendar.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants_format_as_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(rfc3339(1_795_333_440_000), "2026-11-22T07:44:00.000Z");
        // The example in WorkOS's docs, and the last millisecond of a year.
        assert_eq!(rfc3339(1_624_648_053_155), "2021-06-25T19:07:33.155Z");
        assert_eq!(rfc3339(1_704_067_199_999), "2023-12-31T23:59:59.999Z");
    }

    #[test]
    fn rfc3339_by_hand_writes_what_format_writes() {
        let by_format = |unix_millis: i64| {
            let (seconds, millis) = (unix_millis.div_euclid(1000), unix_millis.rem_euclid(1000));
            let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
            let second_of_day = seconds.rem_euclid(86_400);
            let (hour, minute, second) = (second_of_day / 3600, second_of_day % 3600 / 60, second_of_day % 60);
            format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{millis:03}Z")
        };
        // ~40,000 instants ~92 days apart (an odd step, so the time of day varies too), from before
        // year 0 to past year 9999, and the edges of a second.
        // (The step is an i64: the wasm tests' usize is 32 bits.)
        let (first, step) = (-62_300_000_000_000_i64, 7_919_993_417_i64);
        let instants = (0..40_000).map(|i| first + i * step).chain([-1, 0, 999, 1000, 253_402_300_799_999]);
        for millis in instants {
            assert_eq!(rfc3339(millis), by_format(millis), "{millis}");
        }
    }

    #[test]
    fn rfc3339_reads_back_what_it_writes_and_what_workos_writes() {
        for millis in [0, 951_782_400_123, 1_795_333_440_000, 1_624_648_053_155, 1_704_067_199_999] {
            assert_eq!(parse_rfc3339(&rfc3339(millis)), Some(millis));
        }
        assert_eq!(parse_rfc3339("2021-06-25T19:07:33Z"), Some(1_624_648_053_000));
        assert_eq!(parse_rfc3339("2021-06-25T19:07:33.1Z"), Some(1_624_648_053_100));
        assert_eq!(parse_rfc3339("2021-06-25T19:07:33.155999Z"), Some(1_624_648_053_155));
        for bad in [
            "",
            "2021-06-25",
            "2021-06-25T19:07:33.155",
            "2021-06-25T19:07:33.155+02:00",
            "2021-06-25 19:07:33.155Z",
            "2021-02-29T00:00:00Z",
            "2021-13-01T00:00:00Z",
            "2021-06-25T24:00:00Z",
            "2021-06-25T19:07:33.Z",
            "+021-06-25T19:07:33Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad:?}");
        }
    }
}
