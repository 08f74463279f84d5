// The four-step wizard: ① 基础信息 ② 身份选择 ③ 报名信息 ④ 证件信息上传, drafts saved as the
// candidate types, uploads checked in the browser, 报名 with an idempotency key.
import { useEffect, useRef, useState } from "react";
import { useNavigate, useParams, useSearchParams } from "react-router";
import { api } from "../api.js";
import { CONDITION_KEYS, EDUCATION_KEYS, OCCUPATIONS, REQUIRED_MATERIALS, useT } from "../i18n.js";
import { checkStep, checkUpload } from "../rules.js";
import { ErrorAlert, Loading, RadioGroup, SelectField, TextField, useAsync } from "../ui.jsx";

const STEPS = ["step1", "step2", "step3", "step4"];

function useDraftSaver(app, setApp) {
  const [status, setStatus] = useState(null);
  const timer = useRef();
  const pending = useRef(null);
  const save = (draft) => {
    pending.current = draft;
    localStorage.setItem(`baoming.draft.${app.id}`, JSON.stringify(draft));
    clearTimeout(timer.current);
    timer.current = setTimeout(async () => {
      setStatus("saving");
      try {
        const saved = await api.saveDraft(app.id, app.version, pending.current);
        localStorage.removeItem(`baoming.draft.${app.id}`);
        setApp(saved);
        setStatus("saved");
      } catch (e) {
        if (e.status === 409) setApp(await api.application(app.id));
        setStatus("saveFailed");
      }
    }, 800);
  };
  useEffect(() => () => clearTimeout(timer.current), []);
  return [status, save];
}

function UploadSlot({ app, material, onUploaded }) {
  const t = useT();
  const [state, setState] = useState(app.documents?.some((d) => d.material === material) ? "uploaded" : "empty");
  const [error, setError] = useState(null);
  const [preview, setPreview] = useState(null);
  const pick = async (e) => {
    const file = e.target.files?.[0];
    if (!file) return;
    setError(null);
    const problem = await checkUpload(material, file);
    if (problem) return setError(problem);
    setPreview((old) => (old && URL.revokeObjectURL(old), URL.createObjectURL(file)));
    setState("uploading");
    try {
      await api.upload(app.id, material, file);
      setState("uploaded");
      onUploaded();
    } catch {
      setState("failed");
      setError("errNetwork");
    }
  };
  const id = `upload-${material}`;
  return (
    <section className="bm-slot" data-material={material} data-state={state} aria-labelledby={`${id}-label`}>
      <h3 id={`${id}-label`}>{t.material(material)}</h3>
      {preview && <img className="bm-slot__preview" src={preview} alt="" width="120" height="160" />}
      <p className="bm-slot__state" role="status">{state === "uploading" ? t("uploadUploading") : state === "uploaded" ? t("uploadDone") : ""}</p>
      <label className="bm-button" htmlFor={id}>{state === "uploaded" ? t("uploadReplace") : t("uploadChoose")}</label>
      <input id={id} className="bm-visually-hidden" type="file" accept="image/jpeg,image/png" onChange={pick} />
      {error && <p className="bm-field__error" role="alert">{t(error)}</p>}
    </section>
  );
}

function HistoryRows({ rows, onChange, errors }) {
  const t = useT();
  const update = (i, k, v) => onChange(rows.map((r, j) => (j === i ? { ...r, [k]: v } : r)));
  return (
    <fieldset className="bm-history">
      <legend>{t("history")}</legend>
      {rows.map((row, i) => (
        <fieldset key={i} className="bm-history__row" aria-label={t("historyRow", { n: i + 1 })}>
          <legend>{t("historyRow", { n: i + 1 })}</legend>
          <TextField label={t("historyStart")} type="month" value={row.start} onChange={(v) => update(i, "start", v)} error={errors[`history.${i}.start`]} required />
          <TextField label={t("historyEnd")} type="month" value={row.end} onChange={(v) => update(i, "end", v)} />
          <TextField label={t("historyUnit")} value={row.unit} onChange={(v) => update(i, "unit", v)} error={errors[`history.${i}.unit`]} required />
          <SelectField label={t("historyOccupation")} value={row.occupation} onChange={(v) => update(i, "occupation", v)} options={OCCUPATIONS.map((o) => [o, o])} error={errors[`history.${i}.occupation`]} required />
          <TextField label={t("historyWitness")} value={row.witness} onChange={(v) => update(i, "witness", v)} error={errors[`history.${i}.witness`]} required />
          <button type="button" className="bm-button bm-button--link" onClick={() => onChange(rows.filter((_, j) => j !== i))}>{t("removeHistory")}</button>
        </fieldset>
      ))}
      <button type="button" className="bm-button" onClick={() => onChange([...rows, { start: "", end: "", unit: "", occupation: "", witness: "" }])}>{t("addHistory")}</button>
      {errors.history && <p className="bm-field__error">{t(errors.history)}</p>}
    </fieldset>
  );
}

export function Wizard() {
  const t = useT();
  const { id, step: stepParam } = useParams();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const step = Math.min(4, Math.max(1, Number(stepParam) || 1));
  const [app, setApp] = useState(null);
  const [plan, setPlan] = useState(null);
  const [draft, setDraft] = useState({});
  const [errors, setErrors] = useState({});
  const [submitError, setSubmitError] = useState(null);
  const [done, setDone] = useState(false);
  const [state, reload] = useAsync(async () => {
    const a = await api.application(id);
    const stored = localStorage.getItem(`baoming.draft.${id}`);
    setApp(a);
    setDraft(stored ? JSON.parse(stored) : a.draft);
    setPlan(await api.plan(a.plan_id));
  }, [id]);
  const [saveStatus, save] = useDraftSaver(app || { id }, setApp);

  useEffect(() => {
    const focus = params.get("focus");
    if (focus) document.getElementById(focus)?.focus();
  }, [step, app?.id]);

  if (state.loading && !app) return <Loading />;
  if (state.error) return <ErrorAlert error={state.error} onRetry={reload} />;

  const set = (k) => (v) => {
    const next = { ...draft, [k]: v };
    setDraft(next);
    save(next);
  };
  const setCert = (k) => (v) => set("certificate")({ ...(draft.certificate || {}), [k]: v });
  const go = (n) => navigate(`/applications/${id}/step/${n}`);
  const next = () => {
    const e = checkStep(step, draft);
    setErrors(e);
    if (Object.keys(e).length === 0) go(step + 1);
    else document.querySelector("[aria-invalid=true]")?.focus();
  };
  const submit = async () => {
    setSubmitError(null);
    for (const s of [1, 2, 3]) {
      const e = checkStep(s, draft);
      if (Object.keys(e).length) return (setErrors(e), go(s));
    }
    try {
      setApp(await (app.status === "rejected" ? api.resubmit(id) : api.submit(id)));
      setDone(true);
    } catch (e) {
      setSubmitError(e);
    }
  };

  return (
    <>
      <h1 className="bm-title">{t("wizardTitle")}</h1>
      {plan && <p className="bm-wizard__plan">{plan.name}</p>}
      <ol className="bm-steps">
        {STEPS.map((s, i) => (
          <li key={s} aria-current={i + 1 === step ? "step" : undefined} className={i + 1 < step ? "bm-steps__done" : ""}>{`${"①②③④"[i]} ${t(s)}`}</li>
        ))}
      </ol>
      <p className="bm-save" role="status">{saveStatus ? t(saveStatus) : ""}</p>
      {done && <p className="bm-alert bm-alert--ok" role="status">{t("submitted")}</p>}
      <form className="bm-form bm-wizard" noValidate onSubmit={(e) => e.preventDefault()}>
        {step === 1 && (
          <>
            <TextField id="name" label={t("fieldName")} value={draft.name} onChange={set("name")} error={errors.name} autoComplete="name" required />
            <RadioGroup legend={t("fieldGender")} name="gender" value={draft.gender} onChange={set("gender")} options={[["male", t("male")], ["female", t("female")]]} error={errors.gender} />
            <TextField id="id_number" label={t("fieldIdNumber")} value={draft.id_number} onChange={set("id_number")} error={errors.id_number} required />
            <SelectField label={t("fieldEducation")} value={draft.education} onChange={set("education")} options={EDUCATION_KEYS.map((k) => [k, t.education(k)])} error={errors.education} required />
            <TextField id="phone" label={t("fieldContact")} value={draft.phone} onChange={set("phone")} error={errors.phone} type="tel" required />
          </>
        )}
        {step === 2 && <RadioGroup legend={t("step2")} name="identity" value={draft.identity} onChange={set("identity")} options={[["employee", t("identityEmployee")]]} error={errors.identity} />}
        {step === 3 && (
          <>
            <RadioGroup legend={t("fieldCondition")} name="condition" value={draft.condition} onChange={set("condition")} options={CONDITION_KEYS.map((k) => [k, t.condition(k)])} error={errors.condition} />
            <TextField id="employer" label={t("fieldEmployer")} value={draft.employer} onChange={set("employer")} error={errors.employer} required />
            <TextField id="employer_address" label={t("fieldEmployerAddress")} value={draft.employer_address} onChange={set("employer_address")} error={errors.employer_address} required />
            <TextField id="employer_hr_phone" label={t("fieldHrPhone")} value={draft.employer_hr_phone} onChange={set("employer_hr_phone")} error={errors.employer_hr_phone} type="tel" required />
            <TextField id="current_post" label={t("fieldPost")} value={draft.current_post} onChange={set("current_post")} error={errors.current_post} required />
            <TextField id="current_post_years" label={t("fieldPostYears")} value={draft.current_post_years} onChange={(v) => set("current_post_years")(v === "" ? null : Number(v))} error={errors.current_post_years} inputMode="numeric" required />
            {draft.condition === "level3_plus_five_years" && (
              <>
                <TextField label={t("fieldCertName")} value={draft.certificate?.name_and_level} onChange={setCert("name_and_level")} error={errors["certificate.name_and_level"]} required />
                <TextField label={t("fieldCertNo")} value={draft.certificate?.number} onChange={setCert("number")} error={errors["certificate.number"]} required />
                <TextField label={t("fieldCertDate")} type="date" value={draft.certificate?.issued_on} onChange={setCert("issued_on")} error={errors["certificate.issued_on"]} required />
                <TextField label={t("fieldCertIssuer")} value={draft.certificate?.issuer} onChange={setCert("issuer")} error={errors["certificate.issuer"]} required />
              </>
            )}
            <HistoryRows rows={draft.history || []} onChange={set("history")} errors={errors} />
          </>
        )}
        {step === 4 && (
          <>
            {(REQUIRED_MATERIALS[draft.condition] || REQUIRED_MATERIALS.intermediate_title).map((m) => (
              <UploadSlot key={m} app={app} material={m} onUploaded={() => api.application(id).then(setApp)} />
            ))}
            <ErrorAlert error={submitError} />
          </>
        )}
        <div className="bm-actions">
          {step > 1 && <button type="button" className="bm-button" onClick={() => go(step - 1)}>{t("prev")}</button>}
          {step < 4 ? (
            <button type="button" className="bm-button bm-button--primary" onClick={next}>{t("next")}</button>
          ) : (
            <button type="button" className="bm-button bm-button--primary" onClick={submit}>{t(app?.status === "rejected" ? "resubmit" : "submit")}</button>
          )}
        </div>
      </form>
    </>
  );
}
