//! Error answers and field rules.
//!
//! Error shape (every v3 page, "异常返回"): HTTP 4XX/5XX with
//! `{"code": "…", "message": "…"}`, plus `detail` for PARAM_ERROR
//! (observed as `{"location": …, "value": …}`). PARAM_ERROR messages copy the
//! wording WeChat's gateway is seen to use, e.g.
//! "输入源“/body/appid”映射到字段“公众号ID”必填性规则校验失败,此字段为必填项" and
//! "…字符串规则校验失败,字节数 145,大于最大值 127" (lengths are UTF-8 bytes).

use serde_json::{Map, Value, json};

/// An error answer of the v3 API.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub detail: Option<Value>,
}

impl ApiError {
    pub(crate) fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            detail: None,
        }
    }

    /// 公共错误码: "400 PARAM_ERROR 参数错误 请根据错误提示正确传入参数".
    pub(crate) fn param(message: impl Into<String>, location: &str, value: Value) -> Self {
        Self {
            detail: Some(json!({ "location": location, "value": value })),
            ..Self::new(400, "PARAM_ERROR", message)
        }
    }

    /// 业务错误码: "400 INVALID_REQUEST 无效请求 请根据接口返回的详细信息检查"
    /// (also the public "HTTP 请求不符合微信支付 APIv3 接口规则").
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(400, "INVALID_REQUEST", message)
    }

    /// The answer body.
    pub(crate) fn body(&self) -> Value {
        let mut body = json!({ "code": self.code, "message": self.message });
        if let Some(detail) = &self.detail {
            body["detail"] = detail.clone();
        }
        body
    }
}

/// Where a field sits and what WeChat calls it, for messages.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Field {
    /// `/body/amount/total`
    pub pointer: &'static str,
    /// 总金额
    pub name: &'static str,
}

impl Field {
    fn location(self) -> &'static str {
        self.pointer.split('/').nth(1).unwrap_or("body")
    }

    fn key(self) -> &'static str {
        self.pointer.rsplit('/').next().unwrap_or(self.pointer)
    }

    pub(crate) fn required(self) -> ApiError {
        ApiError::param(
            format!(
                "输入源“{}”映射到字段“{}”必填性规则校验失败,此字段为必填项",
                self.pointer, self.name
            ),
            self.location(),
            Value::Null,
        )
    }

    pub(crate) fn wrong_type(self, value: &Value, want: &str) -> ApiError {
        ApiError::param(
            format!(
                "输入源“{}”映射到值字段“{}”类型规则校验失败,应为{}",
                self.pointer, self.name, want
            ),
            self.location(),
            value.clone(),
        )
    }

    pub(crate) fn rule(self, value: &Value, rule: impl std::fmt::Display) -> ApiError {
        ApiError::param(
            format!(
                "输入源“{}”映射到值字段“{}”{}",
                self.pointer, self.name, rule
            ),
            self.location(),
            value.clone(),
        )
    }

    /// A string field of `object`: present (when `required`), a JSON string, and
    /// `min..=max` UTF-8 bytes long.
    pub(crate) fn string(
        self,
        object: &Map<String, Value>,
        required: bool,
        min: usize,
        max: usize,
    ) -> Result<Option<String>, ApiError> {
        let Some(value) = object.get(self.key()).filter(|v| !v.is_null()) else {
            return if required {
                Err(self.required())
            } else {
                Ok(None)
            };
        };
        let Some(text) = value.as_str() else {
            return Err(self.wrong_type(value, "字符串"));
        };
        let bytes = text.len();
        if bytes < min.max(1) {
            if bytes == 0 && required {
                return Err(self.required());
            }
            return Err(self.rule(
                value,
                format!(
                    "字符串规则校验失败,字节数 {bytes},小于最小值 {}",
                    min.max(1)
                ),
            ));
        }
        if bytes > max {
            return Err(self.rule(
                value,
                format!("字符串规则校验失败,字节数 {bytes},大于最大值 {max}"),
            ));
        }
        Ok(Some(text.to_string()))
    }

    /// An integer field (JSON number without fraction) that is at least `min`.
    pub(crate) fn integer(
        self,
        object: &Map<String, Value>,
        required: bool,
        min: i64,
    ) -> Result<Option<i64>, ApiError> {
        let Some(value) = object.get(self.key()).filter(|v| !v.is_null()) else {
            return if required {
                Err(self.required())
            } else {
                Ok(None)
            };
        };
        let Some(number) = value.as_i64() else {
            return Err(self.wrong_type(value, "整数"));
        };
        if number < min {
            return Err(self.rule(
                value,
                format!("整数规则校验失败,值 {number},小于最小值 {min}"),
            ));
        }
        Ok(Some(number))
    }

    /// A JSON object field.
    pub(crate) fn object(
        self,
        object: &Map<String, Value>,
        required: bool,
    ) -> Result<Option<&Map<String, Value>>, ApiError> {
        let Some(value) = object.get(self.key()).filter(|v| !v.is_null()) else {
            return if required {
                Err(self.required())
            } else {
                Ok(None)
            };
        };
        value
            .as_object()
            .map(Some)
            .ok_or_else(|| self.wrong_type(value, "对象"))
    }
}

/// The request body as a JSON object.
pub(crate) fn json_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(ApiError::param("请求体必须为JSON对象", "body", other)),
        Err(_) => Err(ApiError::param(
            "请求体不是合法的JSON",
            "body",
            Value::String(String::from_utf8_lossy(body).into_owned()),
        )),
    }
}

/// 商户订单号: "要求6-32个字符内,只能是数字、大小写字母_-|* 且在同一个商户号下唯一" (Native下单).
pub(crate) fn out_trade_no_chars_ok(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'|' | b'*'))
}

/// 商户退款单号: "只能是数字、大小写字母_-|*@" (申请退款).
pub(crate) fn out_refund_no_chars_ok(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'|' | b'*' | b'@'))
}

/// notify_url (Native下单): "通知URL必须为外网可访问的URL,不能携带参数。公网域名必须为HTTPS,
/// 如果是走专线接入,使用专线NAT IP或者私有回调域名可使用HTTP". The double accepts
/// `http://` only when started with `allow_http_notify` (tests deliver to 127.0.0.1).
pub(crate) fn check_notify_url(field: Field, url: &str, allow_http: bool) -> Result<(), ApiError> {
    let value = Value::String(url.to_string());
    let rest = if let Some(rest) = url.strip_prefix("https://") {
        rest
    } else if let Some(rest) = url.strip_prefix("http://") {
        if !allow_http {
            return Err(field.rule(&value, "格式规则校验失败,通知地址必须为HTTPS"));
        }
        rest
    } else {
        return Err(field.rule(&value, "格式规则校验失败,不是合法的URL"));
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(field.rule(&value, "格式规则校验失败,不是合法的URL"));
    }
    if url.contains('?') || url.contains('#') {
        return Err(field.rule(&value, "格式规则校验失败,通知地址不能携带参数"));
    }
    Ok(())
}

/// Decodes `%XX` in a path segment or query value.
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    let hex = |b: u8| (b as char).to_digit(16);
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((hi * 16 + lo) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One query parameter, decoded.
pub(crate) fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    query?.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then(|| percent_decode(value))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DESCRIPTION: Field = Field {
        pointer: "/body/description",
        name: "商品描述",
    };

    #[test]
    fn string_rules_count_utf8_bytes() {
        let ok = json!({ "description": "报名费" });
        assert_eq!(
            DESCRIPTION
                .string(ok.as_object().unwrap(), true, 1, 127)
                .unwrap()
                .as_deref(),
            Some("报名费")
        );
        // 43 Chinese characters are 129 bytes: over 127 although only 43 "characters".
        let long = json!({ "description": "报".repeat(43) });
        let err = DESCRIPTION
            .string(long.as_object().unwrap(), true, 1, 127)
            .unwrap_err();
        assert_eq!(err.code, "PARAM_ERROR");
        assert!(
            err.message.contains("字节数 129,大于最大值 127"),
            "{}",
            err.message
        );
        let missing = json!({});
        let err = DESCRIPTION
            .string(missing.as_object().unwrap(), true, 1, 127)
            .unwrap_err();
        assert!(err.message.contains("必填性规则校验失败"));
        let number = json!({ "description": 5 });
        assert!(
            DESCRIPTION
                .string(number.as_object().unwrap(), true, 1, 127)
                .is_err()
        );
    }

    #[test]
    fn order_number_alphabets() {
        assert!(out_trade_no_chars_ok("Ab9_-|*"));
        assert!(!out_trade_no_chars_ok("ab@c"));
        assert!(!out_trade_no_chars_ok("订单1"));
        assert!(out_refund_no_chars_ok("R-1@x"));
        assert!(!out_refund_no_chars_ok("R 1"));
    }

    #[test]
    fn notify_url_rules() {
        let f = Field {
            pointer: "/body/notify_url",
            name: "通知地址",
        };
        assert!(check_notify_url(f, "https://example.com/notify", false).is_ok());
        assert!(check_notify_url(f, "http://127.0.0.1:9/notify", false).is_err());
        assert!(check_notify_url(f, "http://127.0.0.1:9/notify", true).is_ok());
        assert!(check_notify_url(f, "https://example.com/notify?a=1", true).is_err());
        assert!(check_notify_url(f, "ftp://example.com/", true).is_err());
        assert!(check_notify_url(f, "https:///x", true).is_err());
    }

    #[test]
    fn query_and_percent_decoding() {
        assert_eq!(
            query_param(Some("mchid=1900000109"), "mchid").as_deref(),
            Some("1900000109")
        );
        assert_eq!(
            query_param(Some("a=1&mchid=2"), "mchid").as_deref(),
            Some("2")
        );
        assert_eq!(query_param(Some("a=1"), "mchid"), None);
        assert_eq!(query_param(None, "mchid"), None);
        assert_eq!(percent_decode("A%7CB%2a"), "A|B*");
        assert_eq!(percent_decode("100%"), "100%");
    }
}
