//! The WeChat Pay API v3 paths the double serves, strict where WeChat documents
//! strictness. Each check names the documentation it comes from.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use serde_json::{Map, Value, json};

use crate::clock::{format_time, parse_time};
use crate::model::{Order, Refund, RefundStatus, RequestRecord, TradeState};
use crate::state::Shared;
use crate::validate::{
    ApiError, Field, check_notify_url, json_object, out_refund_no_chars_ok, out_trade_no_chars_ok,
    percent_decode, query_param,
};
use crate::{KeyMode, auth, crypto, fixtures, notify};

/// Request bodies larger than this are refused before any other check.
const MAX_BODY: usize = 1 << 20;

/// 签名生成: "微信支付会拒绝处理很久之前发起的请求"; the gateway's own words:
/// "Http头Authorization中的timestamp与发起请求的时间不得超过5分钟".
const TIMESTAMP_WINDOW_S: i64 = 5 * 60;

/// 查询订单 → 404 ORDER_NOT_EXIST "订单不存在 请检查订单是否发起过交易".
fn order_not_exist() -> ApiError {
    ApiError::new(404, "ORDER_NOT_EXIST", "订单不存在")
}

/// What the handler decided, before it becomes an HTTP answer.
struct Outcome {
    status: u16,
    body: Option<Value>,
    error: Option<ApiError>,
    /// 签名 ("应答签名"): "对于签名验证成功的请求,微信支付API V3会使用微信支付的平台私钥对应答进行签名".
    /// Answers refusing the request's own signature are therefore unsigned.
    signed: bool,
}

impl Outcome {
    fn ok(status: u16, body: Option<Value>) -> Self {
        Self {
            status,
            body,
            error: None,
            signed: true,
        }
    }

    fn error(error: ApiError, signed: bool) -> Self {
        Self {
            status: error.status,
            body: Some(error.body()),
            error: Some(error),
            signed,
        }
    }
}

/// Every `/v3/…` request.
pub(crate) async fn v3(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, MAX_BODY).await;
    let latency = shared.lock().latency_ms;
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let request_id = format!("{}-0", crypto::random_hex_upper(40));
    let outcome = match &bytes {
        Ok(bytes) => handle(&shared, &parts.method, &parts.uri, &parts.headers, bytes),
        Err(_) => Outcome::error(ApiError::invalid("请求体过大或读取失败"), false),
    };
    let response = render(&shared, &outcome, &request_id);
    let body_json = bytes
        .as_ref()
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(b).ok());
    let record = RequestRecord {
        at: shared.clock.now(),
        method: parts.method.to_string(),
        path: parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_string(), |p| p.as_str().to_string()),
        status: outcome.status,
        code: outcome.error.as_ref().map(|e| e.code.clone()),
        message: outcome.error.as_ref().map(|e| e.message.clone()),
        request_id,
        wechatpay_serial: header_str(&parts.headers, "wechatpay-serial").map(str::to_string),
        body: body_json,
        signed: outcome.signed,
    };
    shared.lock().requests.push(record);
    response
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn handle(
    shared: &Arc<Shared>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Outcome {
    let mchid = match authenticate(shared, method, uri, headers, body) {
        Ok(mchid) => mchid,
        Err(error) => return Outcome::error(error, false),
    };
    if let Err(error) = check_headers(shared, method, uri.path(), headers) {
        return Outcome::error(error, true);
    }
    if let Some(error) = take_injection(shared, method, uri.path()) {
        return Outcome::error(error, true);
    }
    match route(shared, method, uri, &mchid, body) {
        Ok((status, body)) => Outcome::ok(status, body),
        Err(error) => Outcome::error(error, true),
    }
}

/// 签名生成 / 签名验证 of the request. Refusals are 401 SIGN_ERROR
/// (公共错误码 "401 SIGN_ERROR 验证不通过"; 签名生成: "如果签名验证不通过,微信支付API v3将会拒绝处理请求,并返回401 Unauthorized").
fn authenticate(
    shared: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<String, ApiError> {
    let refuse = |message: &str| ApiError::new(401, "SIGN_ERROR", message);
    const MALFORMED: &str = "Http头Authorization值格式错误,请参考《微信支付商户REST API签名规则》";
    // "微信支付商户API v3要求请求通过HTTP Authorization头来传递签名" (签名生成, 设置HTTP头).
    let value = header_str(headers, "authorization").ok_or_else(|| refuse(MALFORMED))?;
    let auth = auth::parse(value).ok_or_else(|| refuse(MALFORMED))?;
    // "发起请求的商户…的商户号mchid".
    if auth.mchid != fixtures::MCHID {
        return Err(refuse("Http头Authorization中的mchid不存在"));
    }
    // "商户API证书序列号serial_no,用于声明所使用的证书"; 签名常见问题: the serial_no must be
    // the certificate of the private key that signed (hex, so case does not matter).
    if !auth
        .serial_no
        .eq_ignore_ascii_case(fixtures::MERCHANT_CERT_SERIAL)
    {
        return Err(refuse("商户证书序列号有误。请使用签名私钥匹配的证书序列号"));
    }
    // "时间戳timestamp…起至现在的总秒数" (seconds, not milliseconds).
    if auth.timestamp.is_empty() || !auth.timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refuse(MALFORMED));
    }
    let timestamp: i64 = auth.timestamp.parse().map_err(|_| refuse(MALFORMED))?;
    if (shared.clock.now() - timestamp).abs() > TIMESTAMP_WINDOW_S {
        return Err(refuse(
            "Http头Authorization中的timestamp与发起请求的时间不得超过5分钟",
        ));
    }
    // 构造签名串: "HTTP请求方法\nURL\n请求时间戳\n请求随机串\n请求报文主体\n", where URL is
    // "获取请求的绝对URL,并去除域名部分…如果请求中有查询参数,URL末尾应附加有'?'和对应的查询字符串",
    // and "当请求方法为POST或PUT时,请使用真实发送的JSON报文" (the raw bytes received).
    let canonical_url = uri
        .path_and_query()
        .map_or_else(|| uri.path(), |p| p.as_str());
    let message = crypto::request_message(
        method.as_str(),
        canonical_url,
        &auth.timestamp,
        &auth.nonce_str,
        body,
    );
    // "使用商户私钥对待签名串进行SHA256 with RSA签名" → verified with the merchant's public key.
    if !shared.merchant.verify_base64(&message, &auth.signature) {
        return Err(refuse("错误的签名,验签失败"));
    }
    // The nonce and timestamp exist to stop replays: a signed request seen once is not
    // accepted again inside the timestamp window. (WeChat does not document the answer to a
    // replay; the double refuses it like any other bad signature.)
    let now = shared.clock.now();
    let mut inner = shared.lock();
    if inner.nonces.len() > 50_000 {
        inner
            .nonces
            .retain(|_, at| (now - *at).abs() <= 2 * TIMESTAMP_WINDOW_S);
    }
    if inner
        .nonces
        .insert(auth.nonce_str.clone(), timestamp)
        .is_some()
    {
        return Err(refuse(
            "Http头Authorization中的nonce_str已使用过,请勿重放请求",
        ));
    }
    Ok(auth.mchid)
}

/// `application/json`, with or without parameters, among the listed media types.
fn is_json_media(value: Option<&str>) -> bool {
    value.is_some_and(|v| {
        v.split(',').any(|part| {
            part.split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
        })
    })
}

fn check_headers(
    shared: &Shared,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
) -> Result<(), ApiError> {
    // Every v3 page, "Header HTTP头参数": "Accept 必填 请设置为application/json".
    if !is_json_media(header_str(headers, "accept")) {
        return Err(ApiError::invalid("Http头Accept必须为application/json"));
    }
    // POST pages: "Content-Type 必填 请设置为application/json".
    if method == Method::POST && !is_json_media(header_str(headers, "content-type")) {
        return Err(ApiError::invalid(
            "Http头Content-Type必须为application/json",
        ));
    }
    // 微信支付公钥说明 / 商户签名验签测试: the merchant declares in `Wechatpay-Serial` which
    // platform certificate serial or 微信支付公钥ID it holds; "当它错误时,微信支付应返回 400 Bad
    // Request"; the merchant-side answer is documented as
    // {"code":"PARAM_ERROR","message":"平台证书序列号Wechatpay-Serial错误"} (FAQ 4013059161).
    // /v3/certificates is exempt: a merchant downloading its first certificate has none to name.
    let serial = header_str(headers, "wechatpay-serial");
    let must = shared.config.require_wechatpay_serial && path != "/v3/certificates";
    match serial {
        Some(serial) if !shared.is_published(serial) => Err(ApiError::param(
            "平台证书序列号Wechatpay-Serial错误",
            "header",
            Value::String(serial.to_string()),
        )),
        None if must => Err(ApiError::param(
            "平台证书序列号Wechatpay-Serial错误",
            "header",
            Value::Null,
        )),
        _ => Ok(()),
    }
}

fn take_injection(shared: &Shared, method: &Method, path: &str) -> Option<ApiError> {
    let mut inner = shared.lock();
    let index = inner.injections.iter().position(|i| {
        i.times > 0
            && path.starts_with(&i.path_prefix)
            && i.method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method.as_str()))
    })?;
    let injection = &mut inner.injections[index];
    injection.times -= 1;
    let error = ApiError::new(
        injection.status,
        injection.code.clone(),
        injection.message.clone(),
    );
    inner.injections.retain(|i| i.times > 0);
    Some(error)
}

type Answer = Result<(u16, Option<Value>), ApiError>;

fn route(shared: &Arc<Shared>, method: &Method, uri: &Uri, mchid: &str, body: &[u8]) -> Answer {
    let segments: Vec<&str> = uri.path().trim_start_matches('/').split('/').collect();
    match (method.as_str(), segments.as_slice()) {
        ("POST", ["v3", "pay", "transactions", "native"]) => create_native(shared, mchid, body),
        ("GET", ["v3", "pay", "transactions", "out-trade-no", out_trade_no]) => {
            query_by_out_trade_no(shared, mchid, &percent_decode(out_trade_no), uri.query())
        }
        ("GET", ["v3", "pay", "transactions", "id", transaction_id]) => {
            query_by_transaction_id(shared, mchid, &percent_decode(transaction_id), uri.query())
        }
        (
            "POST",
            [
                "v3",
                "pay",
                "transactions",
                "out-trade-no",
                out_trade_no,
                "close",
            ],
        ) => close(shared, mchid, &percent_decode(out_trade_no), body),
        ("POST", ["v3", "refund", "domestic", "refunds"]) => create_refund(shared, body),
        ("GET", ["v3", "refund", "domestic", "refunds", out_refund_no]) => {
            query_refund(shared, &percent_decode(out_refund_no))
        }
        ("GET", ["v3", "certificates"]) => certificates(shared),
        _ => Err(ApiError::new(404, "NOT_FOUND", "请求的资源不存在")),
    }
}

// ---------------------------------------------------------------- Native下单

const APPID: Field = Field {
    pointer: "/body/appid",
    name: "公众账号ID",
};
const BODY_MCHID: Field = Field {
    pointer: "/body/mchid",
    name: "商户号",
};
const DESCRIPTION: Field = Field {
    pointer: "/body/description",
    name: "商品描述",
};
const OUT_TRADE_NO: Field = Field {
    pointer: "/body/out_trade_no",
    name: "商户订单号",
};
const TIME_EXPIRE: Field = Field {
    pointer: "/body/time_expire",
    name: "支付结束时间",
};
const ATTACH: Field = Field {
    pointer: "/body/attach",
    name: "商户数据包",
};
const NOTIFY_URL: Field = Field {
    pointer: "/body/notify_url",
    name: "商户回调地址",
};
const GOODS_TAG: Field = Field {
    pointer: "/body/goods_tag",
    name: "订单优惠标记",
};
const AMOUNT: Field = Field {
    pointer: "/body/amount",
    name: "订单金额",
};
const TOTAL: Field = Field {
    pointer: "/body/amount/total",
    name: "总金额",
};
const CURRENCY: Field = Field {
    pointer: "/body/amount/currency",
    name: "货币类型",
};

/// A re-order must repeat the first request; the fields WeChat lets change are left out.
/// (201 商户订单号重复 reports: "除随机字符串和终端IP可以变化外,其它任何参数发生改变,都会提示…".)
fn comparable_order_request(object: &Map<String, Value>) -> Value {
    let mut copy = object.clone();
    if let Some(Value::Object(scene)) = copy.get_mut("scene_info") {
        scene.remove("payer_client_ip");
    }
    Value::Object(copy)
}

fn currency_cny(
    field: Field,
    object: &Map<String, Value>,
    required: bool,
) -> Result<String, ApiError> {
    let currency = field.string(object, required, 1, 16)?;
    match currency {
        None => Ok("CNY".to_string()),
        Some(c) if c == "CNY" => Ok(c),
        // "CNY:人民币,境内商户号仅支持人民币。"
        Some(c) => Err(field.rule(
            &Value::String(c),
            "枚举规则校验失败,境内商户号仅支持人民币CNY",
        )),
    }
}

/// POST /v3/pay/transactions/native (Native下单).
fn create_native(shared: &Arc<Shared>, auth_mchid: &str, body: &[u8]) -> Answer {
    let object = json_object(body)?;
    // "appid 必填 string(32)", "mchid 必填 string(32)".
    let appid = APPID.string(&object, true, 1, 32)?.unwrap_or_default();
    let mchid = BODY_MCHID.string(&object, true, 1, 32)?.unwrap_or_default();
    // "description 必填 string(127) … 不能超过127个字符" (the gateway counts UTF-8 bytes).
    let description = DESCRIPTION
        .string(&object, true, 1, 127)?
        .unwrap_or_default();
    // "out_trade_no 必填 string(32) 要求6-32个字符内,只能是数字、大小写字母_-|*".
    let out_trade_no = OUT_TRADE_NO
        .string(&object, true, 6, 32)?
        .unwrap_or_default();
    if !out_trade_no_chars_ok(&out_trade_no) {
        return Err(OUT_TRADE_NO.rule(
            &Value::String(out_trade_no),
            "字符串规则校验失败,只能是数字、大小写字母_-|*",
        ));
    }
    // "time_expire 选填 string(64) … 遵循rfc3339标准格式:yyyy-MM-DDTHH:mm:ss+TIMEZONE".
    let time_expire = TIME_EXPIRE.string(&object, false, 1, 64)?;
    let expire_at = match &time_expire {
        None => None,
        Some(text) => Some(parse_time(text).ok_or_else(|| {
            TIME_EXPIRE.rule(
                &Value::String(text.clone()),
                "格式规则校验失败,应为yyyy-MM-DDTHH:mm:ss+TIMEZONE",
            )
        })?),
    };
    // "attach 选填 string(128)", "goods_tag 选填 string(32)".
    let attach = ATTACH.string(&object, false, 1, 128)?;
    GOODS_TAG.string(&object, false, 1, 32)?;
    // "notify_url 必填 string(255)".
    let notify_url = NOTIFY_URL
        .string(&object, true, 1, 255)?
        .unwrap_or_default();
    check_notify_url(NOTIFY_URL, &notify_url, shared.config.allow_http_notify)?;
    // "amount 必填 object"; "total 必填 integer 订单总金额,单位为分" (at least 1 fen).
    let amount = AMOUNT.object(&object, true)?.cloned().unwrap_or_default();
    let total = TOTAL.integer(&amount, true, 1)?.unwrap_or_default();
    let currency = currency_cny(CURRENCY, &amount, false)?;
    // 业务错误码 "400 APPID_MCHID_NOT_MATCH AppID和mch_id不匹配".
    if appid != fixtures::APPID {
        return Err(ApiError::new(
            400,
            "APPID_MCHID_NOT_MATCH",
            "AppID和mch_id不匹配",
        ));
    }
    // The body's mchid must be the merchant that signed the request (the exact answer is
    // not documented; INVALID_REQUEST is the documented code for a request breaking a rule).
    if mchid != auth_mchid {
        return Err(ApiError::invalid(
            "请求中的mchid与Http头Authorization中的mchid不一致",
        ));
    }

    let now = shared.clock.now();
    let request = comparable_order_request(&object);
    let mut inner = shared.lock();
    if let Some(order) = inner.orders.get_mut(&out_trade_no) {
        return match order.trade_state {
            // ORDERPAID 订单已支付 (WeChat's answer for an out_trade_no already paid).
            TradeState::Success | TradeState::Refund => {
                Err(ApiError::new(400, "ORDERPAID", "该订单已支付"))
            }
            // 业务错误码 "400 ORDER_CLOSED 订单已关闭 当前订单已关闭,请重新下单".
            TradeState::Closed => Err(ApiError::new(400, "ORDER_CLOSED", "订单已关闭")),
            TradeState::Payerror => Err(ApiError::invalid(
                "订单支付失败,请使用新的商户订单号重新下单",
            )),
            TradeState::Notpay => {
                // time_expire: "若用户实际进行支付的时间超过了订单设置的支付结束时间,商户需使用新的
                // 商户订单号下单" (the exact answer to a re-order is not documented).
                if now > order.pay_deadline {
                    return Err(ApiError::invalid(
                        "订单已超过支付结束时间,请使用新的商户订单号重新下单",
                    ));
                }
                // "time_expire 参数仅在用户首次下单时可设置,且不允许后续修改,尝试修改将导致错误";
                // "若未超过支付结束时间,则可使用原参数重新请求下单接口,以获取当前订单最新的code_url";
                // any other change answers {"code":"INVALID_REQUEST","message":"201 商户订单号重复"}.
                if order.request != request {
                    return Err(ApiError::invalid("201 商户订单号重复"));
                }
                // Native支付开发指引: "code_url有效期为2小时,过期后扫码不能再发起支付" → a fresh one.
                if now - order.code_url_issued_at >= 2 * 3600 {
                    order.code_url = new_code_url();
                    order.code_url_issued_at = now;
                }
                Ok((200, Some(json!({ "code_url": order.code_url }))))
            }
        };
    }
    // "支付结束时间不能早于下单时间后1分钟,若设置的支付结束时间早于该时间,系统将自动调整为下单时间后1分钟";
    // "传递的支付结束时间需在下单时间的90天以内,如超过90天,微信支付会自动将该时间调整为下单时间后的第90天";
    // "若未指定支付结束时间…超过 7 天未支付的订单,无法再支付".
    let pay_deadline = match expire_at {
        Some(at) => at.clamp(now + 60, now + 90 * 86_400),
        None => now + 7 * 86_400,
    };
    let code_url = new_code_url();
    inner.orders.insert(
        out_trade_no.clone(),
        Order {
            out_trade_no,
            appid,
            mchid,
            description,
            attach,
            notify_url,
            total,
            currency,
            time_expire,
            pay_deadline,
            created_at: now,
            code_url: code_url.clone(),
            code_url_issued_at: now,
            trade_state: TradeState::Notpay,
            transaction_id: None,
            success_time: None,
            payer_openid: None,
            bank_type: None,
            request,
        },
    );
    // 应答参数 "code_url 必填 string(64)"; the shape of WeChat's own signed example answer
    // {"code_url":"weixin://wxpay/bizpayurl?pr=JyC91EIz1"}.
    Ok((200, Some(json!({ "code_url": code_url }))))
}

fn new_code_url() -> String {
    format!("weixin://wxpay/bizpayurl?pr={}", crypto::random_alnum(9))
}

/// The transaction object of 查询订单 and of the TRANSACTION.SUCCESS resource.
pub(crate) fn transaction_json(order: &Order) -> Value {
    let mut amount = json!({ "total": order.total, "currency": order.currency });
    let mut value = json!({
        "appid": order.appid,
        "mchid": order.mchid,
        "out_trade_no": order.out_trade_no,
        "trade_state": order.trade_state.as_str(),
        "trade_state_desc": order.trade_state.desc(),
    });
    if let Some(attach) = &order.attach {
        value["attach"] = json!(attach);
    }
    if let Some(transaction_id) = &order.transaction_id {
        value["transaction_id"] = json!(transaction_id);
        value["trade_type"] = json!("NATIVE");
        value["bank_type"] = json!(order.bank_type.as_deref().unwrap_or("OTHERS"));
        if let Some(at) = order.success_time {
            value["success_time"] = json!(format_time(at));
        }
        if let Some(openid) = &order.payer_openid {
            value["payer"] = json!({ "openid": openid });
        }
        amount["payer_total"] = json!(order.total);
        amount["payer_currency"] = json!(order.currency);
    }
    value["amount"] = amount;
    value
}

const QUERY_MCHID: Field = Field {
    pointer: "/query/mchid",
    name: "直连商户号",
};

/// "query 查询参数 mchid 必填 string(32) 【商户号】商户下单时传入的商户号".
fn check_query_mchid(query: Option<&str>, auth_mchid: &str) -> Result<(), ApiError> {
    let mchid = query_param(query, "mchid")
        .filter(|m| !m.is_empty())
        .ok_or_else(|| QUERY_MCHID.required())?;
    if mchid != auth_mchid {
        return Err(ApiError::invalid(
            "请求中的mchid与Http头Authorization中的mchid不一致",
        ));
    }
    Ok(())
}

/// GET /v3/pay/transactions/out-trade-no/{out_trade_no}?mchid=… (商户订单号查询订单).
/// An unpaid order past time_expire still reads NOTPAY: "支付结束时间…并非订单关闭的时间…
/// 如需关闭订单,请调用关闭订单API接口".
fn query_by_out_trade_no(
    shared: &Shared,
    auth_mchid: &str,
    out_trade_no: &str,
    query: Option<&str>,
) -> Answer {
    check_query_mchid(query, auth_mchid)?;
    let inner = shared.lock();
    let order = inner.orders.get(out_trade_no).ok_or_else(order_not_exist)?;
    Ok((200, Some(transaction_json(order))))
}

/// GET /v3/pay/transactions/id/{transaction_id}?mchid=… (微信支付订单号查询订单):
/// "若订单未支付,则只能使用商户订单号查询订单".
fn query_by_transaction_id(
    shared: &Shared,
    auth_mchid: &str,
    transaction_id: &str,
    query: Option<&str>,
) -> Answer {
    check_query_mchid(query, auth_mchid)?;
    let inner = shared.lock();
    let order = inner
        .by_transaction
        .get(transaction_id)
        .and_then(|no| inner.orders.get(no))
        .ok_or_else(order_not_exist)?;
    Ok((200, Some(transaction_json(order))))
}

/// POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close (关闭订单):
/// body `{"mchid": …}`, answer "204 No Content" "无应答包体".
fn close(shared: &Shared, auth_mchid: &str, out_trade_no: &str, body: &[u8]) -> Answer {
    let object = json_object(body)?;
    let mchid = BODY_MCHID.string(&object, true, 1, 32)?.unwrap_or_default();
    if mchid != auth_mchid {
        return Err(ApiError::invalid(
            "请求中的mchid与Http头Authorization中的mchid不一致",
        ));
    }
    let mut inner = shared.lock();
    let order = inner
        .orders
        .get_mut(out_trade_no)
        .ok_or_else(order_not_exist)?;
    match order.trade_state {
        // 关闭订单 returns ORDERPAID for a paid order ("订单已支付,不能发起关单").
        TradeState::Success | TradeState::Refund => {
            Err(ApiError::new(400, "ORDERPAID", "订单已支付"))
        }
        // 关闭订单: "未支付状态的订单,可在无需支付时调用此接口关闭订单"; closing again answers 204.
        TradeState::Notpay | TradeState::Payerror | TradeState::Closed => {
            order.trade_state = TradeState::Closed;
            Ok((204, None))
        }
    }
}

// ---------------------------------------------------------------- 申请退款

const REFUND_TRANSACTION_ID: Field = Field {
    pointer: "/body/transaction_id",
    name: "微信支付订单号",
};
const REFUND_OUT_TRADE_NO: Field = Field {
    pointer: "/body/out_trade_no",
    name: "商户订单号",
};
const OUT_REFUND_NO: Field = Field {
    pointer: "/body/out_refund_no",
    name: "商户退款单号",
};
const REASON: Field = Field {
    pointer: "/body/reason",
    name: "退款原因",
};
const REFUND_NOTIFY_URL: Field = Field {
    pointer: "/body/notify_url",
    name: "退款结果回调url",
};
const FUNDS_ACCOUNT: Field = Field {
    pointer: "/body/funds_account",
    name: "退款资金来源",
};
const REFUND_AMOUNT: Field = Field {
    pointer: "/body/amount",
    name: "金额信息",
};
const AMOUNT_REFUND: Field = Field {
    pointer: "/body/amount/refund",
    name: "退款金额",
};
const AMOUNT_TOTAL: Field = Field {
    pointer: "/body/amount/total",
    name: "原订单金额",
};
const AMOUNT_CURRENCY: Field = Field {
    pointer: "/body/amount/currency",
    name: "退款币种",
};

/// "订单金额或退款金额与之前请求不一致,请核实后再试" (INVALID_REQUEST).
fn refund_mismatch() -> ApiError {
    ApiError::invalid("订单金额或退款金额与之前请求不一致,请核实后再试")
}

/// POST /v3/refund/domestic/refunds (申请退款).
fn create_refund(shared: &Arc<Shared>, body: &[u8]) -> Answer {
    let object = json_object(body)?;
    // "transaction_id 选填 string(32) … 与out_trade_no二选一".
    let transaction_id = REFUND_TRANSACTION_ID.string(&object, false, 1, 32)?;
    let out_trade_no = REFUND_OUT_TRADE_NO.string(&object, false, 1, 32)?;
    if transaction_id.is_none() && out_trade_no.is_none() {
        return Err(ApiError::param(
            "transaction_id和out_trade_no必须二选一",
            "body",
            Value::Null,
        ));
    }
    // "out_refund_no 必填 string(64) … 只能是数字、大小写字母_-|*@,同一退款单号多次请求只退一笔".
    let out_refund_no = OUT_REFUND_NO
        .string(&object, true, 1, 64)?
        .unwrap_or_default();
    if !out_refund_no_chars_ok(&out_refund_no) {
        return Err(OUT_REFUND_NO.rule(
            &Value::String(out_refund_no),
            "字符串规则校验失败,只能是数字、大小写字母_-|*@",
        ));
    }
    // "reason 选填 string(80)", "notify_url 选填 string(256) … 不能携带参数".
    let reason = REASON.string(&object, false, 1, 80)?;
    let notify_url = REFUND_NOTIFY_URL.string(&object, false, 1, 256)?;
    if let Some(url) = &notify_url {
        check_notify_url(REFUND_NOTIFY_URL, url, shared.config.allow_http_notify)?;
    }
    // "funds_account 选填 … 可选取值 AVAILABLE".
    if let Some(account) = FUNDS_ACCOUNT.string(&object, false, 1, 32)?
        && account != "AVAILABLE"
    {
        return Err(FUNDS_ACCOUNT.rule(&Value::String(account), "枚举规则校验失败"));
    }
    // "amount 必填": "refund 必填 integer 退款金额…不能超过原订单支付金额", "total 必填 integer
    // 原支付交易的订单总金额", "currency 必填 string(16) 目前只支持人民币:CNY".
    let amount = REFUND_AMOUNT
        .object(&object, true)?
        .cloned()
        .unwrap_or_default();
    let refund_amount = AMOUNT_REFUND.integer(&amount, true, 1)?.unwrap_or_default();
    let total = AMOUNT_TOTAL.integer(&amount, true, 1)?.unwrap_or_default();
    let currency = currency_cny(AMOUNT_CURRENCY, &amount, true)?;

    let request = Value::Object(object);
    let now = shared.clock.now();
    let created = {
        let mut inner = shared.lock();
        // "同一退款单号多次请求只退一笔": a repeat with the same parameters answers the same
        // refund; different parameters answer "订单金额或退款金额与之前请求不一致,请核实后再试".
        if let Some(existing) = inner.refunds.get(&out_refund_no) {
            return if existing.request == request {
                Ok((200, Some(refund_json(existing))))
            } else {
                Err(refund_mismatch())
            };
        }
        // "transaction_id、out_trade_no二选一,如果同时存在优先级:transaction_id> out_trade_no".
        let found = match &transaction_id {
            Some(id) => inner.by_transaction.get(id).cloned(),
            None => out_trade_no.clone(),
        };
        // 404 RESOURCE_NOT_EXISTS "订单不存在": "请检查你的订单号是否正确且是否已支付,未支付的订单不能发起退款".
        let Some(order) = found
            .and_then(|no| inner.orders.get(&no))
            .filter(|o| o.trade_state.is_paid())
            .cloned()
        else {
            return Err(ApiError::new(404, "RESOURCE_NOT_EXISTS", "订单不存在"));
        };
        // "交易时间超过一年的订单无法提交退款" (the answer's wording is not documented).
        if order.success_time.is_some_and(|at| now - at > 365 * 86_400) {
            return Err(ApiError::invalid("交易时间超过一年的订单无法提交退款"));
        }
        // amount.total must be the order's total.
        if total != order.total {
            return Err(refund_mismatch());
        }
        // "申请退款总金额不能超过订单金额" → "申请退款金额超过订单可退金额".
        let refunded: i64 = inner
            .refunds
            .values()
            .filter(|r| r.out_trade_no == order.out_trade_no && r.status != RefundStatus::Closed)
            .map(|r| r.refund)
            .sum();
        if refund_amount > order.total - refunded {
            return Err(ApiError::invalid("申请退款金额超过订单可退金额"));
        }
        let refund = Refund {
            refund_id: format!("50{}", crypto::random_digits(27)),
            out_refund_no: out_refund_no.clone(),
            transaction_id: order.transaction_id.clone().unwrap_or_default(),
            out_trade_no: order.out_trade_no.clone(),
            reason,
            notify_url,
            refund: refund_amount,
            total,
            currency,
            status: RefundStatus::Processing,
            create_time: now,
            success_time: None,
            request,
        };
        if let Some(order) = inner.orders.get_mut(&refund.out_trade_no) {
            order.trade_state = TradeState::Refund;
        }
        inner.refunds.insert(out_refund_no.clone(), refund.clone());
        refund
    };
    if let Some(delay) = shared.config.refund_delay_ms {
        let shared = Arc::clone(shared);
        let out_refund_no = out_refund_no.clone();
        shared.runtime.clone().spawn(async move {
            tokio::time::sleep(Duration::from_millis(delay)).await;
            // A refund the control endpoint already settled stays as it is.
            let _ = notify::settle_refund(&shared, &out_refund_no, RefundStatus::Success);
        });
    }
    // 应答: status "PROCESSING: 退款处理中" until the refund settles.
    Ok((200, Some(refund_json(&created))))
}

/// The refund object of 申请退款 and 查询单笔退款.
pub(crate) fn refund_json(refund: &Refund) -> Value {
    let mut value = json!({
        "refund_id": refund.refund_id,
        "out_refund_no": refund.out_refund_no,
        "transaction_id": refund.transaction_id,
        "out_trade_no": refund.out_trade_no,
        "channel": "ORIGINAL",
        "user_received_account": "支付用户零钱",
        "create_time": format_time(refund.create_time),
        "status": refund.status.as_str(),
        "funds_account": "AVAILABLE",
        "amount": {
            "total": refund.total,
            "refund": refund.refund,
            "from": [],
            "payer_total": refund.total,
            "payer_refund": refund.refund,
            "settlement_refund": refund.refund,
            "settlement_total": refund.total,
            "discount_refund": 0,
            "currency": refund.currency,
        },
        "promotion_detail": [],
    });
    if let Some(at) = refund.success_time {
        value["success_time"] = json!(format_time(at));
    }
    value
}

/// GET /v3/refund/domestic/refunds/{out_refund_no} (查询单笔退款);
/// unknown → 404 RESOURCE_NOT_EXISTS "退款单不存在".
fn query_refund(shared: &Shared, out_refund_no: &str) -> Answer {
    let inner = shared.lock();
    let refund = inner
        .refunds
        .get(out_refund_no)
        .ok_or_else(|| ApiError::new(404, "RESOURCE_NOT_EXISTS", "退款单不存在"))?;
    Ok((200, Some(refund_json(refund))))
}

// ---------------------------------------------------------------- 下载平台证书

/// GET /v3/certificates (下载平台证书): every certificate currently published
/// ("更换平台证书前…接口返回新老两个平台证书。更换完成后,接口会返回最新的平台证书"), each
/// PEM encrypted with AEAD_AES_256_GCM under the APIv3 key, associated_data "certificate".
/// In public-key mode there is no platform certificate: WeChat answers
/// 404 {"code":"RESOURCE_NOT_EXISTS","message":"无可用的平台证书,请在商户平台-API安全申请使用微信支付公钥…"}.
fn certificates(shared: &Shared) -> Answer {
    if shared.config.mode == KeyMode::PublicKey {
        return Err(ApiError::new(
            404,
            "RESOURCE_NOT_EXISTS",
            "无可用的平台证书,请在商户平台-API安全申请使用微信支付公钥。可查看指引https://pay.weixin.qq.com/docs/merchant/products/platform-certificate/wxp-pub-key-guide.html",
        ));
    }
    let rotation = shared.lock().rotation.clone();
    let mut data = Vec::new();
    for index in rotation.published {
        let platform = &shared.platforms[index];
        let nonce = crypto::random_alnum(12);
        let ciphertext = crypto::aead_encrypt(
            fixtures::API_V3_KEY.as_bytes(),
            &nonce,
            "certificate",
            platform.cert_pem.as_bytes(),
        )
        .map_err(|e| ApiError::new(500, "SYSTEM_ERROR", e.to_string()))?;
        let expire_time = rotation.expire_override[index]
            .map_or_else(|| fixtures::CERT_EXPIRE_TIME.to_string(), format_time);
        data.push(json!({
            "serial_no": platform.serial,
            "effective_time": fixtures::CERT_EFFECTIVE_TIME,
            "expire_time": expire_time,
            "encrypt_certificate": {
                "algorithm": "AEAD_AES_256_GCM",
                "nonce": nonce,
                "associated_data": "certificate",
                "ciphertext": ciphertext,
            },
        }));
    }
    Ok((200, Some(json!({ "data": data }))))
}

// ---------------------------------------------------------------- answers

/// 签名验证 (the merchant's side of it): answers carry `Wechatpay-Timestamp`,
/// `Wechatpay-Nonce`, `Wechatpay-Signature` over "应答时间戳\n应答随机串\n应答报文主体\n"
/// ("若应答报文主体为空(如HTTP状态码为204 No Content),最后一行仅为一个\n换行符"),
/// `Wechatpay-Serial` and `Request-ID`.
fn render(shared: &Shared, outcome: &Outcome, request_id: &str) -> Response {
    let body = outcome
        .body
        .as_ref()
        .map(|v| serde_json::to_vec(v).unwrap_or_default())
        .unwrap_or_default();
    let mut builder = Response::builder()
        .status(StatusCode::from_u16(outcome.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header("Request-ID", request_id);
    if !body.is_empty() {
        builder = builder.header(header::CONTENT_TYPE, "application/json; charset=utf-8");
    }
    if outcome.signed {
        let signature = shared.sign(&body);
        builder = builder
            .header("Wechatpay-Nonce", signature.nonce)
            .header("Wechatpay-Signature", signature.signature)
            .header("Wechatpay-Timestamp", signature.timestamp)
            .header("Wechatpay-Serial", signature.serial)
            .header(
                "Wechatpay-Signature-Type",
                HeaderValue::from_static(auth::SCHEME),
            );
    }
    builder
        .body(Body::from(body))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_media_types() {
        assert!(is_json_media(Some("application/json")));
        assert!(is_json_media(Some("application/json; charset=utf-8")));
        assert!(is_json_media(Some("text/plain, Application/JSON")));
        assert!(!is_json_media(Some("*/*")));
        assert!(!is_json_media(Some("text/json")));
        assert!(!is_json_media(None));
    }

    #[test]
    fn re_order_comparison_ignores_only_the_payer_ip() {
        let a = json!({"a": 1, "scene_info": {"payer_client_ip": "1.1.1.1", "device_id": "x"}});
        let b = json!({"scene_info": {"device_id": "x", "payer_client_ip": "2.2.2.2"}, "a": 1});
        let c = json!({"a": 2, "scene_info": {"payer_client_ip": "1.1.1.1", "device_id": "x"}});
        let cmp = |v: &Value| comparable_order_request(v.as_object().unwrap());
        assert_eq!(cmp(&a), cmp(&b));
        assert_ne!(cmp(&a), cmp(&c));
    }
}
