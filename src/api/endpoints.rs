//! The API's calls, one-liners on [`Api::get`] and [`Api::send`].

use baoming_contract::api::{
    Account, Application, ApplicationList, IDEMPOTENCY_KEY_HEADER, LoginRequest, Order,
    PasswordResetRequest, PlanList, RegisterRequest, SaveDraftRequest, SmsCodeRequest, SmsCodeSent,
};
use baoming_contract::eligibility::Material;
use baoming_contract::error::ErrorCode;
use baoming_contract::plan::Plan;
use gloo_net::http::Method;

use super::{Api, ApiError};

impl Api {
    pub async fn plans(&self) -> Result<Vec<Plan>, ApiError> {
        self.get::<PlanList>("/plans").await.map(|l| l.plans)
    }

    pub async fn plan(&self, id: &str) -> Result<Plan, ApiError> {
        self.get(&format!("/plans/{}", js_sys::encode_uri_component(id)))
            .await
    }

    pub async fn send_sms_code(&self, req: &SmsCodeRequest) -> Result<SmsCodeSent, ApiError> {
        self.send(Method::POST, "/sms-codes", Some(req)).await
    }

    pub async fn register(&self, req: &RegisterRequest) -> Result<Account, ApiError> {
        self.send(Method::POST, "/accounts", Some(req)).await
    }

    pub async fn login(&self, req: &LoginRequest) -> Result<Account, ApiError> {
        self.send(Method::POST, "/sessions", Some(req)).await
    }

    pub async fn logout(&self) -> Result<(), ApiError> {
        self.send::<(), ()>(Method::DELETE, "/sessions/current", None)
            .await
    }

    pub async fn me(&self) -> Result<Account, ApiError> {
        self.get("/me").await
    }

    pub async fn reset_password(&self, req: &PasswordResetRequest) -> Result<(), ApiError> {
        self.send(Method::POST, "/password-resets", Some(req)).await
    }

    /// 报名 on a plan: the candidate's application for it, created when there is none.
    pub async fn open_application(&self, plan_id: &str) -> Result<Application, ApiError> {
        let path = format!(
            "/plans/{}/applications",
            js_sys::encode_uri_component(plan_id)
        );
        self.send::<(), _>(Method::POST, &path, None).await
    }

    pub async fn applications(&self) -> Result<Vec<Application>, ApiError> {
        self.get::<ApplicationList>(APPLICATIONS_PATH)
            .await
            .map(|l| l.applications)
    }

    pub async fn application(&self, id: &str) -> Result<Application, ApiError> {
        self.get(&application_path(id)).await
    }

    /// An application and the plan it is for (the wizard, the 申报表 and 报名 need both).
    pub async fn application_and_plan(&self, id: &str) -> Result<(Application, Plan), ApiError> {
        let app = self.application(id).await?;
        let plan = self.plan(&app.plan_id).await?;
        Ok((app, plan))
    }

    pub async fn save_draft(
        &self,
        id: &str,
        req: &SaveDraftRequest,
    ) -> Result<Application, ApiError> {
        let path = format!("/applications/{}/draft", js_sys::encode_uri_component(id));
        self.send(Method::PUT, &path, Some(req)).await
    }

    /// 重新提交 after a rejection; repeating with the same `key` does it once.
    pub async fn resubmit(&self, id: &str, key: &str) -> Result<Application, ApiError> {
        let path = format!(
            "/applications/{}/resubmit",
            js_sys::encode_uri_component(id)
        );
        self.send_with_headers::<(), _>(Method::POST, &path, None, &[(IDEMPOTENCY_KEY_HEADER, key)])
            .await
    }

    /// 重新提交 as one attempt: its idempotency key is kept (across retries and reloads)
    /// until the backend answers, so a retry after a lost answer replays the resubmission;
    /// one already made (earlier on this page, or in another tab) answers the application
    /// as it now stands. 核对报名信息 uses this.
    pub async fn resubmit_once(&self, id: &str) -> Result<Application, ApiError> {
        let key = crate::session::attempt_key("resubmit", id);
        match self.resubmit(id, &key).await {
            Ok(app) => {
                crate::session::forget_attempt_key("resubmit", id);
                Ok(app)
            }
            Err(ApiError::Api { body, .. }) if body.error.code == ErrorCode::InvalidTransition => {
                crate::session::forget_attempt_key("resubmit", id);
                self.application(id).await
            }
            Err(error) => Err(error),
        }
    }

    /// The application's one open WeChat Pay order (created, or its code refreshed).
    pub async fn order_for(&self, id: &str, key: &str) -> Result<Order, ApiError> {
        let path = format!("/applications/{}/orders", js_sys::encode_uri_component(id));
        self.send_with_headers::<(), _>(Method::POST, &path, None, &[(IDEMPOTENCY_KEY_HEADER, key)])
            .await
    }

    pub async fn order(&self, order_no: &str) -> Result<Order, ApiError> {
        self.get(&format!(
            "/orders/{}",
            js_sys::encode_uri_component(order_no)
        ))
        .await
    }

    /// 我已支付: the backend asks WeChat Pay now.
    pub async fn query_order(&self, order_no: &str) -> Result<Order, ApiError> {
        let path = format!("/orders/{}/query", js_sys::encode_uri_component(order_no));
        self.send::<(), _>(Method::POST, &path, None).await
    }

    /// Submits for review; repeating with the same `key` creates nothing twice.
    pub async fn submit(&self, id: &str, key: &str) -> Result<Application, ApiError> {
        let path = format!("/applications/{}/submit", js_sys::encode_uri_component(id));
        self.send_with_headers::<(), _>(Method::POST, &path, None, &[(IDEMPOTENCY_KEY_HEADER, key)])
            .await
    }

    pub async fn delete_document(&self, id: &str, material: Material) -> Result<(), ApiError> {
        let path = format!(
            "/applications/{}/documents/{}",
            js_sys::encode_uri_component(id),
            material.slug()
        );
        self.send::<(), ()>(Method::DELETE, &path, None).await
    }
}

pub(super) const APPLICATIONS_PATH: &str = "/applications";

pub(super) fn application_path(id: &str) -> String {
    format!("{APPLICATIONS_PATH}/{}", js_sys::encode_uri_component(id))
}
