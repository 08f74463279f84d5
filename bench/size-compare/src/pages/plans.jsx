// 考试报名: the plans; 报名 creates an application and opens its wizard.
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { api } from "../api.js";
import { useT } from "../i18n.js";
import { ErrorAlert, Loading, formatFen, formatTime, useAsync } from "../ui.jsx";

export function Plans() {
  const t = useT();
  const [state, reload] = useAsync(() => api.plans(), []);
  return (
    <>
      <h1 className="bm-title">{t("plansTitle")}</h1>
      <p className="bm-intro">{t("plansIntro")}</p>
      {state.loading && <Loading />}
      <ErrorAlert error={state.error} onRetry={reload} />
      {state.data && state.data.plans.length === 0 && <p>{t("plansEmpty")}</p>}
      {state.data?.plans.map((plan) => (
        <article key={plan.id} className="bm-card bm-plan" aria-labelledby={`plan-${plan.id}`}>
          <h2 className="bm-plan__name" id={`plan-${plan.id}`}>{plan.name}</h2>
          <dl className="bm-plan__facts">
            <dt>{t("planWindow")}</dt>
            <dd>{formatTime(plan.opens_at)} – {formatTime(plan.closes_at)}</dd>
            <dt>{t("planFee")}</dt>
            <dd>{formatFen(plan.fee_fen)}</dd>
          </dl>
          <p className={`bm-state bm-state--${plan.state}`}>{t({ upcoming: "stateUpcoming", open: "stateOpen", closed: "stateClosed" }[plan.state])}</p>
          {plan.state === "open" && <Link className="bm-button bm-button--primary" to={`/apply/${encodeURIComponent(plan.id)}`}>{t("apply")}</Link>}
        </article>
      ))}
    </>
  );
}

export function Apply() {
  const { planId } = useParams();
  const navigate = useNavigate();
  const [error, setError] = useState(null);
  const [state] = useAsync(async () => {
    try {
      const app = await api.createApplication(planId);
      navigate(`/applications/${app.id}/step/1`, { replace: true });
    } catch (e) {
      setError(e);
    }
  }, [planId]);
  return error ? <ErrorAlert error={error} /> : state.loading ? <Loading /> : null;
}
