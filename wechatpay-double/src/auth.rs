//! `Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",timestamp="…",serial_no="…",signature="…"`
//!
//! Source: 签名生成 (pay.weixin.qq.com/wiki/doc/apiv3/wechatpay/wechatpay4_0.shtml,
//! also wechatpay-api.gitbook.io "签名生成"): "认证类型,目前为WECHATPAY2-SHA256-RSA2048",
//! five pieces of signature information, "注:以上五项签名信息,无顺序要求。"

/// The authentication type; the only one API v3 knows.
pub const SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";

/// The five fields of the header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization {
    pub mchid: String,
    pub nonce_str: String,
    pub timestamp: String,
    pub serial_no: String,
    pub signature: String,
}

/// Parses the header; `None` when it is not the documented shape.
pub fn parse(value: &str) -> Option<Authorization> {
    let rest = value.strip_prefix(SCHEME)?;
    // One space separates the type from the signature information.
    let mut rest = rest.strip_prefix(' ')?.trim_start();
    let mut fields: [Option<String>; 5] = Default::default();
    const NAMES: [&str; 5] = ["mchid", "nonce_str", "timestamp", "serial_no", "signature"];
    loop {
        let eq = rest.find('=')?;
        let name = rest[..eq].trim();
        let after = rest[eq + 1..].strip_prefix('"')?;
        let close = after.find('"')?;
        let value = &after[..close];
        if let Some(slot) = NAMES.iter().position(|n| *n == name) {
            // A field given twice is ambiguous: refuse rather than pick one.
            if fields[slot].replace(value.to_string()).is_some() {
                return None;
            }
        } else if name.is_empty() || !name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            return None;
        }
        rest = after[close + 1..].trim_start();
        if rest.is_empty() {
            break;
        }
        rest = rest.strip_prefix(',')?.trim_start();
    }
    let [mchid, nonce_str, timestamp, serial_no, signature] = fields;
    let auth = Authorization {
        mchid: mchid?,
        nonce_str: nonce_str?,
        timestamp: timestamp?,
        serial_no: serial_no?,
        signature: signature?,
    };
    let filled = [
        &auth.mchid,
        &auth.nonce_str,
        &auth.timestamp,
        &auth.serial_no,
        &auth.signature,
    ]
    .iter()
    .all(|v| !v.is_empty());
    filled.then_some(auth)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC_EXAMPLE: &str = r#"WECHATPAY2-SHA256-RSA2048 mchid="1900009191",nonce_str="593BEC0C930BF1AFEB40B4A08C8FB242",signature="uOVRnA4qG/MNnYzdQxJanN+zU+lTgIcnU9BxGw5dKjK+VdEUz2FeIoC+D5sB/LN+nGzX3hfZg6r5wT1pl2ZobmIc6p0ldN7J6yDgUzbX8Uk3sD4a4eZVPTBvqNDoUqcYMlZ9uuDdCvNv4TM3c1WzsXUrExwVkI1XO5jCNbgDJ25nkT/c1gIFvqoogl7MdSFGc4W4xZsqCItnqbypR3RuGIlR9h9vlRsy7zJR9PBI83X8alLDIfR1ukt1P7tMnmogZ0cuDY8cZsd8ZlCgLadmvej58SLsIkVxFJ8XyUgx9FmutKSYTmYtWBZ0+tNvfGmbXU7cob8H/4nLBiCwIUFluw==",timestamp="1554208460",serial_no="1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C""#;

    #[test]
    fn parses_the_documented_example_in_its_field_order() {
        let auth = parse(DOC_EXAMPLE).expect("documented example parses");
        assert_eq!(auth.mchid, "1900009191");
        assert_eq!(auth.timestamp, "1554208460");
        assert_eq!(auth.serial_no, "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C");
        assert!(auth.signature.ends_with("=="));
    }

    #[test]
    fn any_field_order_is_the_same_header() {
        let a = parse(
            r#"WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="n",timestamp="2",serial_no="s",signature="x""#,
        );
        let b = parse(
            r#"WECHATPAY2-SHA256-RSA2048 signature="x",serial_no="s",timestamp="2",nonce_str="n",mchid="1""#,
        );
        assert!(a.is_some());
        assert_eq!(a, b);
    }

    #[test]
    fn refuses_malformed_headers() {
        for bad in [
            "",
            "Bearer abc",
            r#"WECHATPAY2-SHA256-RSA mchid="1",nonce_str="n",timestamp="2",serial_no="s",signature="x""#,
            r#"WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="n",timestamp="2",serial_no="s""#,
            r#"WECHATPAY2-SHA256-RSA2048 mchid="1",mchid="1",nonce_str="n",timestamp="2",serial_no="s",signature="x""#,
            r#"WECHATPAY2-SHA256-RSA2048 mchid=1,nonce_str="n",timestamp="2",serial_no="s",signature="x""#,
            r#"WECHATPAY2-SHA256-RSA2048 mchid="",nonce_str="n",timestamp="2",serial_no="s",signature="x""#,
            r#"WECHATPAY2-SHA256-RSA2048 mchid="1" nonce_str="n",timestamp="2",serial_no="s",signature="x""#,
            r#"WECHATPAY2-SHA256-RSA2048mchid="1",nonce_str="n",timestamp="2",serial_no="s",signature="x""#,
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
