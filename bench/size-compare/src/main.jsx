// Boot: the runtime config, the session, the router. The same routes as src/app.rs.
import { StrictMode, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter, Link, Route, Routes } from "react-router";
import "../../../style/main.css";
import { api, config, onUnauthorized } from "./api.js";
import { LangContext, detectLang, useT } from "./i18n.js";
import { ForgotPassword, Login, Register } from "./pages/accounts.jsx";
import { Apply, Plans } from "./pages/plans.jsx";
import { ApplicationStatus, Applications, Pay } from "./pages/status.jsx";
import { Wizard } from "./pages/wizard.jsx";
import { RequireLogin, SessionContext, Shell } from "./ui.jsx";

const ROOTS = ["register", "login", "forgot-password", "apply", "applications", "pay"];

/** The deployment's root: the path up to the first segment that starts a route. */
function basename() {
  const segs = location.pathname.split("/");
  const i = segs.findIndex((s, j) => j > 0 && ROOTS.includes(decodeURIComponent(s)));
  return (i === -1 ? segs.slice(0, -1) : segs.slice(0, i)).join("/") || "/";
}

function NotFound() {
  const t = useT();
  return (
    <>
      <h1 className="bm-title">{t("notFound")}</h1>
      <Link to="/">{t("backHome")}</Link>
    </>
  );
}

function App() {
  const [lang, setLangState] = useState(detectLang);
  const [account, setAccount] = useState(null);
  const [checked, setChecked] = useState(false);
  const setLang = (l) => {
    localStorage.setItem("baoming.lang", l);
    setLangState(l);
  };
  useEffect(() => {
    document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
  }, [lang]);
  useEffect(() => {
    api.me().then((me) => setAccount(me?.account ?? me), () => setAccount(null)).finally(() => setChecked(true));
    return onUnauthorized(() => setAccount(null));
  }, []);
  const guarded = (el) => <RequireLogin>{el}</RequireLogin>;
  return (
    <LangContext.Provider value={{ lang, setLang }}>
      <SessionContext.Provider value={{ account, setAccount, checked }}>
        <BrowserRouter basename={basename()}>
          <Shell>
            <Routes>
              <Route path="/" element={<Plans />} />
              <Route path="/register" element={<Register />} />
              <Route path="/login" element={<Login />} />
              <Route path="/forgot-password" element={<ForgotPassword />} />
              <Route path="/apply/:planId" element={guarded(<Apply />)} />
              <Route path="/applications" element={guarded(<Applications />)} />
              <Route path="/applications/:id" element={guarded(<ApplicationStatus />)} />
              <Route path="/applications/:id/step/:step" element={guarded(<Wizard />)} />
              <Route path="/pay/:applicationId" element={guarded(<Pay />)} />
              <Route path="*" element={<NotFound />} />
            </Routes>
          </Shell>
        </BrowserRouter>
      </SessionContext.Provider>
    </LangContext.Provider>
  );
}

config().then(
  () => createRoot(document.getElementById("app")).render(<StrictMode><App /></StrictMode>),
  () => {
    document.getElementById("app").innerHTML = '<main class="bm-main"><p role="alert">config.json 无法读取。</p></main>';
  },
);
