// 报名信息 (the list), 报名详情 (the timeline, reasons, 重新提交) and 待缴费 (the QR code).
import { useEffect, useRef, useState } from "react";
import { Link, useParams } from "react-router";
import QRCode from "qrcode";
import { api } from "../api.js";
import { useT } from "../i18n.js";
import { ErrorAlert, Loading, formatFen, formatTime, useAsync } from "../ui.jsx";

const PENDING = new Set(["under_review"]);

export function Applications() {
  const t = useT();
  const [state, reload] = useAsync(() => api.applications(), []);
  return (
    <>
      <h1 className="bm-title">{t("applicationsTitle")}</h1>
      {state.loading && <Loading />}
      <ErrorAlert error={state.error} onRetry={reload} />
      {state.data?.applications?.length === 0 && <p>{t("applicationsEmpty")}</p>}
      {state.data?.applications?.map((a) => (
        <article key={a.id} className="bm-card">
          <h2 className="bm-plan__name">{a.plan_name || a.plan_id}</h2>
          <dl>
            <dt>{t.status(a.status)}</dt>
            <dd>{formatTime(a.updated_at)}</dd>
          </dl>
          <Link to={`/applications/${a.id}`}>{t("details")}</Link>{" "}
          {a.status === "draft" && <Link to={`/applications/${a.id}/step/1`}>{t("continueEdit")}</Link>}
          {a.status === "awaiting_payment" && <Link to={`/pay/${a.id}`}>{t("toPay")}</Link>}
        </article>
      ))}
    </>
  );
}

function reasonLink(id, target) {
  if (target.kind === "document") return `/applications/${id}/step/4?focus=upload-${target.name}`;
  if (target.kind === "field") {
    const field = target.name.split(".")[0];
    const step = ["name", "gender", "id_number", "education", "phone"].includes(field) ? 1 : field === "identity" ? 2 : 3;
    return `/applications/${id}/step/${step}?focus=${encodeURIComponent(target.name)}`;
  }
  return `/applications/${id}/step/1`;
}

export function ApplicationStatus() {
  const t = useT();
  const { id } = useParams();
  const [state, reload] = useAsync(() => api.application(id), [id]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  useEffect(() => {
    if (!state.data || !PENDING.has(state.data.status)) return;
    const timer = setInterval(reload, 30000);
    return () => clearInterval(timer);
  }, [state.data?.status]);
  if (state.loading) return <Loading />;
  if (state.error) return <ErrorAlert error={state.error} onRetry={reload} />;
  const app = state.data;
  const review = app.review;
  const resubmit = async () => {
    setBusy(true);
    try {
      await api.resubmit(id);
      reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <h1 className="bm-title">{t("details")}</h1>
      <p className={`bm-status bm-status--${app.status}`}>{t.status(app.status)}</p>
      {app.status === "under_review" && app.expected_decision_by && <p>{t("expected", { d: formatTime(app.expected_decision_by) })}</p>}
      {app.status === "rejected" && review?.reasons?.length > 0 && (
        <section className="bm-card" aria-label={t("viewReasons")}>
          <h2>{t("viewReasons")}</h2>
          <ul>
            {review.reasons.map((r, i) => (
              <li key={i}>
                {r.target.kind === "document" ? t.material(r.target.name) : r.target.name}：{r.message} <Link to={reasonLink(id, r.target)}>{t("goFix")}</Link>
              </li>
            ))}
          </ul>
          <button type="button" className="bm-button bm-button--primary" disabled={busy} onClick={resubmit}>{t("resubmit")}</button>
          <ErrorAlert error={error} />
        </section>
      )}
      {app.status === "awaiting_payment" && <Link className="bm-button bm-button--primary" to={`/pay/${id}`}>{t("toPay")}</Link>}
      <ol className="bm-timeline">
        {(app.events || []).map((e, i) => (
          <li key={i}>
            <span>{t.status(e.status)}</span> <time dateTime={e.at}>{formatTime(e.at)}</time>
          </li>
        ))}
      </ol>
    </>
  );
}

function QrCode({ text, label }) {
  const [svg, setSvg] = useState("");
  useEffect(() => {
    QRCode.toString(text, { type: "svg", margin: 2, errorCorrectionLevel: "M" }).then(setSvg);
  }, [text]);
  return <div className="bm-pay__qr" role="img" aria-label={label} dangerouslySetInnerHTML={{ __html: svg }} />;
}

export function Pay() {
  const t = useT();
  const { applicationId: id } = useParams();
  const [order, setOrder] = useState(null);
  const [plan, setPlan] = useState(null);
  const [error, setError] = useState(null);
  const [notYet, setNotYet] = useState(false);
  const [now, setNow] = useState(Date.now());
  const [none, setNone] = useState(false);
  const poll = useRef();
  const create = async () => {
    setError(null);
    try {
      const app = await api.application(id);
      if (app.status !== "awaiting_payment") return setNone(true);
      setPlan(await api.plan(app.plan_id));
      setOrder(await api.createOrder(id));
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => {
    create();
  }, [id]);
  useEffect(() => {
    if (!order || order.status === "paid") return;
    poll.current = setInterval(async () => {
      const o = await api.order(order.order_no).catch(() => null);
      if (o) setOrder(o);
    }, 3000);
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => (clearInterval(poll.current), clearInterval(tick));
  }, [order?.order_no, order?.status]);
  const check = async () => {
    const o = await api.queryOrder(order.order_no).catch((e) => (setError(e), null));
    if (o) {
      setOrder(o);
      setNotYet(o.status !== "paid");
    }
  };
  if (none) return <p>{t("noPayment")}</p>;
  if (error && !order) return <ErrorAlert error={error} onRetry={create} />;
  if (!order) return <Loading />;
  if (order.status === "paid") return <h1 className="bm-title">{t("paid")}</h1>;
  const left = Math.max(0, Math.floor((new Date(order.code_expires_at).getTime() - now) / 1000));
  return (
    <>
      <h1 className="bm-title">{t("payTitle")}</h1>
      <section className="bm-card bm-pay">
        {plan && <p className="bm-wizard__plan">{plan.name}</p>}
        <dl className="bm-pay__amount">
          <dt>{t("payAmount")}</dt>
          <dd>{formatFen(order.amount_fen)}</dd>
          <dt>{t("payOrder")}</dt>
          <dd>{order.order_no}</dd>
        </dl>
        <p className="bm-pay__scan">{t("payScan")}</p>
        {left > 0 ? <QrCode text={order.code_url} label={t.lang === "en" ? "WeChat Pay QR code" : "微信支付二维码"} /> : <button type="button" className="bm-button" onClick={create}>{t("payRefresh")}</button>}
        <p className="bm-field__hint">{t("payHint")}</p>
        <p role="timer">{t("payExpires", { m: Math.floor(left / 60), s: String(left % 60).padStart(2, "0") })}</p>
        <button type="button" className="bm-button bm-button--primary" onClick={check}>{t("payCheck")}</button>
        {notYet && <p role="alert">{t("payNotYet")}</p>}
      </section>
    </>
  );
}
