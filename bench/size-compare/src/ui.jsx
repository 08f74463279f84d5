// Reusable parts: the shell, form fields, alerts, the SMS code button, the session.
import { createContext, useContext, useEffect, useId, useRef, useState } from "react";
import { Link, NavLink, useLocation, useNavigate } from "react-router";
import { api, errorKey } from "./api.js";
import { LangContext, useT } from "./i18n.js";

export const SessionContext = createContext(null);
export const useSession = () => useContext(SessionContext);

export function Shell({ children }) {
  const t = useT();
  const { lang, setLang } = useContext(LangContext);
  const session = useSession();
  const navigate = useNavigate();
  const logout = async () => {
    await api.logout().catch(() => {});
    for (const k of Object.keys(localStorage)) if (k.startsWith("baoming.") && k !== "baoming.lang") localStorage.removeItem(k);
    session.setAccount(null);
    navigate("/login");
  };
  return (
    <div className="bm-app">
      <a className="bm-skip" href="#main">{t("skip")}</a>
      <header className="bm-header">
        <div className="bm-header__inner">
          <Link className="bm-brand" to="/">
            <span className="bm-brand__title">{t("appTitle")}</span>
            <span className="bm-brand__sub">{t("appSub")}</span>
          </Link>
          <button type="button" className="bm-lang" onClick={() => setLang(lang === "en" ? "zh" : "en")}>{t("switchLang")}</button>
        </div>
      </header>
      <nav className="bm-nav">
        <NavLink to="/" end>{t("navPlans")}</NavLink>
        <NavLink to="/applications">{t("navApplications")}</NavLink>
        {session.account ? (
          <>
            <span className="bm-nav__account">{session.account.phone.replace(/^(\d{3})\d{4}/, "$1****")}</span>
            <button type="button" className="bm-button bm-button--link" onClick={logout}>{t("logout")}</button>
          </>
        ) : (
          <>
            <NavLink to="/login">{t("navLogin")}</NavLink>
            <NavLink to="/register">{t("navRegister")}</NavLink>
          </>
        )}
      </nav>
      <main className="bm-main" id="main" tabIndex={-1}>{children}</main>
    </div>
  );
}

export function RequireLogin({ children }) {
  const session = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  useEffect(() => {
    if (session.checked && !session.account) navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
  }, [session.checked, session.account]);
  if (!session.checked || !session.account) return <Loading />;
  return children;
}

export function Loading() {
  const t = useT();
  return <p className="bm-loading" role="status"><span className="bm-spinner" aria-hidden="true" />{t("loading")}</p>;
}

export function ErrorAlert({ error, onRetry }) {
  const t = useT();
  if (!error) return null;
  return (
    <div className="bm-alert bm-alert--error" role="alert">
      <p>{t(errorKey(error), { s: error.retryAfter ?? "" })}</p>
      {onRetry && <button type="button" className="bm-button" onClick={onRetry}>{t("retry")}</button>}
    </div>
  );
}

export function Field({ label, error, hint, required, children, id: given }) {
  const t = useT();
  const auto = useId();
  const id = given || auto;
  const errId = `${id}-error`;
  return (
    <div className={`bm-field${error ? " bm-field--invalid" : ""}`}>
      <label className="bm-field__label" htmlFor={id}>{required && <span aria-hidden="true">*</span>}{label}</label>
      {children({ id, "aria-invalid": error ? true : undefined, "aria-describedby": error ? errId : undefined, "aria-required": required || undefined })}
      {hint && <p className="bm-field__hint">{hint}</p>}
      {error && <p className="bm-field__error" id={errId}>{t(error)}</p>}
    </div>
  );
}

export function TextField({ label, value, onChange, error, type = "text", required, autoComplete, inputMode, id, hint }) {
  return (
    <Field label={label} error={error} required={required} id={id} hint={hint}>
      {(p) => <input {...p} className="bm-input" type={type} value={value ?? ""} autoComplete={autoComplete} inputMode={inputMode} onChange={(e) => onChange(e.target.value)} />}
    </Field>
  );
}

export function SelectField({ label, value, onChange, options, error, required }) {
  const t = useT();
  return (
    <Field label={label} error={error} required={required}>
      {(p) => (
        <select {...p} className="bm-input" value={value ?? ""} onChange={(e) => onChange(e.target.value || null)}>
          <option value="">{t.lang === "en" ? "Choose…" : "请选择"}</option>
          {options.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
        </select>
      )}
    </Field>
  );
}

export function RadioGroup({ legend, name, value, onChange, options, error }) {
  const t = useT();
  return (
    <fieldset className={`bm-field${error ? " bm-field--invalid" : ""}`}>
      <legend className="bm-field__label">{legend}</legend>
      {options.map(([v, l]) => (
        <label key={v} className="bm-radio">
          <input type="radio" name={name} value={v} checked={value === v} onChange={() => onChange(v)} /> {l}
        </label>
      ))}
      {error && <p className="bm-field__error">{t(error)}</p>}
    </fieldset>
  );
}

/** 获取验证码 with the cool-down the backend asks for. */
export function SendCodeButton({ phone, purpose, onError, validate }) {
  const t = useT();
  const [left, setLeft] = useState(0);
  const [busy, setBusy] = useState(false);
  const timer = useRef();
  useEffect(() => () => clearInterval(timer.current), []);
  const start = (s) => {
    setLeft(s);
    clearInterval(timer.current);
    timer.current = setInterval(() => setLeft((x) => (x <= 1 ? (clearInterval(timer.current), 0) : x - 1)), 1000);
  };
  const send = async () => {
    if (!validate()) return;
    setBusy(true);
    try {
      const res = await api.sendCode(phone, purpose);
      start(res?.resend_after_s ?? 60);
    } catch (e) {
      if (e.retryAfter) start(e.retryAfter);
      onError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <button type="button" className="bm-button" disabled={busy || left > 0} onClick={send}>
      {left > 0 ? t("resendIn", { s: left }) : t("sendCode")}
    </button>
  );
}

export function useAsync(load, deps) {
  const [state, setState] = useState({ loading: true });
  const run = () => {
    setState({ loading: true });
    load().then((data) => setState({ data }), (error) => setState({ error }));
  };
  useEffect(run, deps);
  return [state, run];
}

export function formatFen(fen) {
  return `¥${(fen / 100).toFixed(2)}`;
}

export function formatTime(iso) {
  const d = new Date(iso);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}
