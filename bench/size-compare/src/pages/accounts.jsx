// 考生注册, 登录, 忘记密码.
import { useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { api } from "../api.js";
import { useT } from "../i18n.js";
import { checkCode, checkConfirmation, checkPassword, checkPhone, passwordStrength } from "../rules.js";
import { ErrorAlert, SendCodeButton, TextField, useSession } from "../ui.jsx";

function safeNext(next) {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.includes("\\") && !next.startsWith("/login") ? next : "/";
}

function AccountForm({ mode }) {
  const t = useT();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const session = useSession();
  const [form, setForm] = useState({ phone: "", code: "", password: "", confirm: "" });
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (k) => (v) => setForm((f) => ({ ...f, [k]: v }));
  const withCode = mode !== "login";

  const validate = (onlyPhone) => {
    const e = { phone: checkPhone(form.phone) };
    if (!onlyPhone) {
      e.password = checkPassword(form.password);
      if (withCode) {
        e.code = checkCode(form.code);
        e.confirm = checkConfirmation(form.password, form.confirm);
      }
    }
    for (const k of Object.keys(e)) if (!e[k]) delete e[k];
    setErrors(e);
    return Object.keys(e).length === 0;
  };

  const submit = async (ev) => {
    ev.preventDefault();
    setError(null);
    if (!validate(false)) return;
    setBusy(true);
    try {
      let account;
      if (mode === "register") account = await api.register(form.phone, form.code, form.password);
      else if (mode === "login") account = await api.login(form.phone, form.password);
      else {
        await api.resetPassword(form.phone, form.code, form.password);
        account = await api.login(form.phone, form.password);
      }
      session.setAccount(account?.account ?? account);
      navigate(safeNext(params.get("next")));
    } catch (e) {
      setErrors(Object.fromEntries(Object.entries(e.fields || {}).map(([k]) => [k, "errRequired"])));
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const title = { register: "registerTitle", login: "loginTitle", reset: "forgotTitle" }[mode];
  const button = { register: "registerButton", login: "loginButton", reset: "resetButton" }[mode];
  return (
    <section className="bm-card">
      <h1 className="bm-title">{t(title)}</h1>
      <ErrorAlert error={error} />
      <form className="bm-form" noValidate onSubmit={submit}>
        <TextField label={t("fieldPhone")} value={form.phone} onChange={set("phone")} error={errors.phone} type="tel" inputMode="numeric" autoComplete="tel" required />
        {withCode && (
          <div className="bm-code-row">
            <TextField label={t("fieldCode")} value={form.code} onChange={set("code")} error={errors.code} inputMode="numeric" autoComplete="one-time-code" required />
            <SendCodeButton phone={form.phone} purpose={mode === "register" ? "register" : "reset_password"} validate={() => validate(true)} onError={setError} />
          </div>
        )}
        <TextField
          label={t(mode === "reset" ? "fieldNewPassword" : "fieldPassword")}
          value={form.password}
          onChange={set("password")}
          error={errors.password}
          type="password"
          autoComplete={mode === "login" ? "current-password" : "new-password"}
          hint={withCode && form.password ? t(passwordStrength(form.password)) : undefined}
          required
        />
        {withCode && <TextField label={t("fieldConfirm")} value={form.confirm} onChange={set("confirm")} error={errors.confirm} type="password" autoComplete="new-password" required />}
        <button type="submit" className="bm-button bm-button--primary bm-button--block" disabled={busy}>{t(button)}</button>
      </form>
      <p className="bm-links">
        {mode === "login" ? (
          <>
            <Link to="/register">{t("noAccount")}</Link> <Link to="/forgot-password">{t("forgotLink")}</Link>
          </>
        ) : (
          <Link to="/login">{t("hasAccount")}</Link>
        )}
      </p>
    </section>
  );
}

export const Register = () => <AccountForm mode="register" />;
export const Login = () => <AccountForm mode="login" />;
export const ForgotPassword = () => <AccountForm mode="reset" />;
