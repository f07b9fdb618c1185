"""Console pages for credit: the champion's points table, scoring one applicant typed in by
hand (a recorded decision like any other) and a model's development report."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from finbrain.core.errors import NotFoundError, ValidationError
from finbrain.core.i18n import Language, message
from finbrain.platform import registry
from finbrain.platform.console import charts
from finbrain.platform.console.shell import Viewer, signed_in
from finbrain.platform.credit import queries
from finbrain.platform.credit import service as credit

router = APIRouter(prefix="/console", include_in_schema=False)
AnyKey = Annotated[Viewer, Depends(signed_in())]


def _feature_title(name: str, lang: Language) -> str:
    from finbrain.credit.reasons import feature_info

    info = feature_info(name)
    return info.zh if lang == "zh" else info.en


def _field(name: str, lang: Language, options: list[Any] | None, value: str) -> dict[str, Any]:
    """A form field: its title, and each option as (value sent, text shown in ``lang``)."""
    from finbrain.credit.reasons import level_text

    title = _feature_title(name, lang)
    shown = [(o, level_text(name, str(o), lang)) for o in options] if options else None
    return {"name": name, "title": title, "options": options, "shown": shown, "value": value}


def _credit_context(session: Any, lang: Language) -> dict[str, Any]:
    """The models, the champion, the form's fields and the champion's points table."""
    from finbrain.credit.challenger import GBMChallenger

    models = registry.versions(session, "credit")
    try:
        champion = registry.champion(session, "credit")
    except NotFoundError:
        return {"models": models, "champion": None}
    fitted = credit.fitted_model(champion)
    fields: list[dict[str, Any]] = []
    if isinstance(fitted, GBMChallenger):  # a LightGBM champion: its features, no points table
        for name in fitted.features_:
            options = fitted.categories_.get(name)
            fields.append(_field(name, lang, options, options[0] if options else "0"))
        return {
            "models": models,
            "champion": champion,
            "fields": fields,
            "table": [],
            "card": fitted,
        }
    for name, cf in fitted.compiled_.items():
        if cf.kind == "categorical":
            options = sorted(cf.category_points)
            fields.append(_field(name, lang, options, options[0]))
        else:
            middle = cf.splits[len(cf.splits) // 2] if cf.splits else 0
            fields.append(_field(name, lang, None, f"{middle:g}"))
    table = fitted.table(lang).to_dict(orient="records")
    return {
        "models": models,
        "champion": champion,
        "fields": fields,
        "table": table,
        "card": fitted,
    }


def _dashboard(session: Any, lang: Language, champion: Any) -> dict[str, str]:
    """The score distribution of recent decisions with the policy's cut-offs marked, and the
    share of each outcome family per day."""
    bands = queries.score_buckets(session)
    labels = [f"{low}–{low + queries.BUCKET}" for low in bands]
    approve, decline = queries.cutoff_points(
        champion.metrics.get("policy") if champion is not None else None
    )

    def band_of(points: float) -> str | None:
        low = int(points // queries.BUCKET * queries.BUCKET)
        return f"{low}–{low + queries.BUCKET}" if low in bands else None

    marks = [
        {"x": band, "label": message(key, lang)}
        for band, key in (
            (band_of(approve), "ui.cutoff.approve"),
            (band_of(decline), "ui.cutoff.decline"),
        )
        if band is not None
    ]
    scores = charts.keyed(
        "bar",
        lang,
        ("ui.chart.credit_scores", "ui.axis.score_points", "ui.axis.applicants"),
        labels,
        [
            {
                "name": message("ui.axis.applicants", lang),
                "data": list(bands.values()),
                "family": "neutral",
            }
        ],
        marks=marks,
    )
    per_day = queries.outcomes_per_day(session)
    days = sorted(per_day)
    outcomes = charts.keyed(
        "line",
        lang,
        ("ui.chart.credit_outcomes", "ui.axis.day_utc", "ui.axis.share_pct"),
        days,
        charts.family_series(per_day, days, lang, stack=None, share=True),
    )
    return {"scores_chart": scores, "outcomes_chart": outcomes, **_monitoring(session, lang)}


def _monitoring(session: Any, lang: Language) -> dict[str, Any]:
    """The score's PSI per day against the development sample (with the 0.10 watch and 0.25
    act lines), and the champion beside its challenger: discrimination and calibration."""
    champion, challenger = queries.champion_and_challenger(session)
    psi = queries.score_psi_per_day(session, champion) if champion is not None else []
    days = [d for d, _, _ in psi]
    stability = charts.keyed(
        "line",
        lang,
        ("ui.chart.score_psi", "ui.axis.day_utc", "ui.axis.psi"),
        days,
        [
            {"name": "PSI", "data": [v for _, v, _ in psi]},
            {"name": message("ui.psi.watch", lang), "family": "review", "data": [0.10] * len(days)},
            {"name": message("ui.psi.act", lang), "family": "bad", "data": [0.25] * len(days)},
        ],
    )
    csi_days, csi = queries.feature_csi_per_day(session, champion) if champion else ([], {})
    stable_features = charts.keyed(
        "line",
        lang,
        ("ui.chart.feature_csi", "ui.axis.day_utc", "ui.axis.csi"),
        csi_days,
        [
            *({"name": _feature_title(name, lang), "data": values} for name, values in csi.items()),
            {"name": message("ui.psi.watch", lang), "family": "review",
             "data": [0.10] * len(csi_days)},
            {"name": message("ui.psi.act", lang), "family": "bad", "data": [0.25] * len(csi_days)},
        ],
    )  # fmt: skip
    models = [m for m in (champion, challenger) if m is not None]
    calibrated = [m for m in models if (m.metrics or {}).get("calibration")]
    bins = max((len(m.metrics["calibration"]) for m in calibrated), default=0)
    calibration = charts.keyed(
        "line",
        lang,
        ("ui.chart.calibration", "ui.axis.pd_decile", "ui.axis.bad_rate_pct"),
        [str(i + 1) for i in range(bins)],
        [
            {
                "name": message(f"ui.calibration.{part}", lang, model=f"{m.name} v{m.version}"),
                "data": [round(100 * row[part], 1) for row in m.metrics["calibration"]],
            }
            for m in calibrated
            for part in ("predicted", "observed")
        ],
    )
    return {
        "psi_chart": stability if psi else None,
        "csi_chart": stable_features
        if any(v is not None for vs in csi.values() for v in vs)
        else None,
        "calibration_chart": calibration if calibrated else None,
        "compared": [
            {"role": "champion" if m is champion else "challenger", "model": m} for m in models
        ],
    }


@router.get("/credit", response_class=HTMLResponse)
def credit_page(viewer: AnyKey) -> Response:
    with viewer.session() as session:
        context = _credit_context(session, viewer.lang)
        context |= _dashboard(session, viewer.lang, context.get("champion"))
    return viewer.page("credit.html", decision=None, error=None, applicant_id=None, **context)


def _record(form: Any, fields: list[dict[str, Any]]) -> dict[str, Any]:
    """The applicant typed in: categories as text, numbers as floats, blanks as missing."""
    record: dict[str, Any] = {}
    categorical = {f["name"] for f in fields if f["options"]}
    for name in (f["name"] for f in fields):
        raw = str(form.get(name, "")).strip()
        if name in categorical or raw == "":
            record[name] = raw or None
        else:
            try:
                record[name] = float(raw)
            except ValueError:
                record[name] = raw  # the scorer names the field and the rule
    return record


@router.post("/credit/score", response_class=HTMLResponse)
async def credit_score(viewer: AnyKey) -> Response:
    """Score one applicant typed in by hand; the decision goes on the ledger like any other.
    A key without ``credit:score`` sees the page and the refusal, and nothing is recorded."""
    lang = viewer.lang
    form = await viewer.request.form()
    applicant_id = str(form.get("applicant_id", "")).strip()
    error, decision = None, None

    def work() -> dict[str, Any]:
        nonlocal error, decision
        if not viewer.can("credit:score"):
            error = message("FB-FORBIDDEN", lang, scope="credit:score")
        with viewer.session(write=True) as session:
            context = _credit_context(session, lang)
            if context.get("card") is not None and error is None:
                try:
                    decision = credit.score_applicant(
                        session,
                        viewer.request.app.state.settings,
                        viewer.caller,
                        applicant_id,
                        _record(form, context["fields"]),
                    )
                except (ValidationError, NotFoundError) as exc:
                    # Raised before anything is written: nothing to undo.
                    error = message(exc.code, lang, **exc.params)
        return context

    context = await run_in_threadpool(work)
    if decision is None and error is None:
        error = message("ui.no_champion", lang)
    return viewer.page(
        "credit.html",
        422 if error else 200,
        decision=decision,
        error=error,
        applicant_id=applicant_id,
        **context,
    )


@router.get("/credit/models/{model_id}/report", response_class=HTMLResponse)
def model_report(viewer: AnyKey, model_id: str) -> Response:
    """The model's development report, as stored when it was trained."""
    with viewer.session() as session:
        report = credit.model_report(session, viewer.tenant_id, model_id)
    if not report:
        return viewer.not_found()
    # The report is our own template output (autoescaped); it runs no script.
    return HTMLResponse(
        report,
        headers={
            "Content-Security-Policy": "default-src 'none'; "
            "style-src 'unsafe-inline'; img-src data:"
        },
    )
