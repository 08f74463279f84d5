//! Money is counted in fen (分, 1/100 yuan) as an integer, like WeChat Pay does.

/// `30000` → `"¥300.00"`.
pub fn format_yuan(fen: u64) -> String {
    format!("¥{}.{:02}", fen / 100, fen % 100)
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats() {
        assert_eq!(super::format_yuan(30000), "¥300.00");
        assert_eq!(super::format_yuan(5), "¥0.05");
        assert_eq!(super::format_yuan(123456), "¥1234.56");
    }
}
