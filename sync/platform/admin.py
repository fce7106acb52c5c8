"""后台: the back office of the reference platform (decisions, codes, stations, faults) and its page.

JSON endpoints take the admin token in ``X-Admin-Token``; the HTML page at /admin takes it once as
``?token=`` and its buttons send it in that header. Meant for a loopback demo, not the internet.

No ``from __future__ import annotations``: FastAPI reads these annotations at run time.
"""

import hmac
import html
import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query
from fastapi.responses import HTMLResponse
from fastapi.security import APIKeyHeader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import ConfigError
from sync.platform import cases
from sync.platform.core import Platform, iso
from sync.platform.errors import ApiError
from sync.platform.models import PlatformCase, Station, StationToken
from sync.platform.schemas import (
    AdminActionIn,
    AdminCaseOut,
    AdminCasesOut,
    CodesIn,
    CodesOut,
    ErrorOut,
    FaultsIn,
    FaultsOut,
    ReferenceDocIn,
    ReferenceDocOut,
    RevokeOut,
    StationOut,
    StationsOut,
)
from sync.platform.seed import set_reference
from sync.protocol import (
    ADMIN_ACTIONS,
    HEADER_ADMIN_TOKEN,
    PATH_ADMIN,
    PATH_ADMIN_CASES,
    PATH_ADMIN_CODES,
    PATH_ADMIN_FAULTS,
    PATH_ADMIN_STATIONS,
    AdminAction,
    ErrorCode,
)

_admin_key = APIKeyHeader(name=HEADER_ADMIN_TOKEN, auto_error=False, scheme_name="adminToken")

_ACTION_LABELS = {"approve": "准予", "correct": "要求补正", "reject": "不予许可", "result": "出具结果"}
_ERRORS: dict[int | str, dict[str, Any]] = {403: {"model": ErrorOut}}


def case_out(row: PlatformCase) -> AdminCaseOut:
    return AdminCaseOut(
        uuid=row.uuid,
        station_code=row.station_code,
        local_number=row.local_number,
        title=row.title,
        item_impl_code=row.item_impl_code,
        state=row.state,  # type: ignore[arg-type]  # column values are the PlatformState literals
        platform_number=row.platform_number,
        submit_count=row.submit_count,
        submit_requests=row.submit_requests,
        received_at=iso(row.received_at),
        submitted_at=iso(row.submitted_at) if row.submitted_at else None,
        pages=len(row.page_hashes),
    )


def faults_out(platform: Platform) -> FaultsOut:
    settings, counters = platform.faults.settings, platform.faults.counters()
    return FaultsOut(
        drop_reply_after_commit=settings.drop_reply_after_commit,
        error_rate=settings.error_rate,
        stall_s=settings.stall_s,
        clock_offset_s=settings.clock_offset_s,
        match=settings.match,
        dropped=counters.dropped,
        errors=counters.errors,
        stalls=counters.stalls,
    )


def _stations(s: Session) -> list[StationOut]:
    out = []
    for station in s.execute(select(Station).order_by(Station.code)).scalars():
        active, revoked = (
            s.execute(
                select(func.count())
                .select_from(StationToken)
                .where(StationToken.station_id == station.id, cond)
            ).scalar_one()
            for cond in (StationToken.revoked_at.is_(None), StationToken.revoked_at.is_not(None))
        )
        out.append(
            StationOut(
                station_id=station.id,
                code=station.code,
                name=station.name,
                client_version=station.client_version,
                enrolled_at=iso(station.enrolled_at),
                active_tokens=int(active),
                revoked_tokens=int(revoked),
            )
        )
    return out


def admin_router(platform: Platform) -> APIRouter:
    router = APIRouter(tags=["admin"])

    def is_admin(token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(str(token).encode(), platform.admin_token.encode())

    def require_admin(token: Annotated[str | None, Depends(_admin_key)]) -> None:
        if not is_admin(token):
            raise ApiError(ErrorCode.ADMIN_FORBIDDEN)

    deps = [Depends(require_admin)]

    @router.get(f"{PATH_ADMIN_CASES}", response_model=AdminCasesOut, dependencies=deps, responses=_ERRORS)
    def list_cases() -> AdminCasesOut:
        return AdminCasesOut(cases=platform.run(lambda s: [case_out(r) for r in cases.all_cases(s)]))

    @router.post(
        f"{PATH_ADMIN_CASES}/{{case_uuid}}/{{action}}",
        response_model=AdminCaseOut,
        dependencies=deps,
        summary="approve | reject | correct (补正) | result",
        responses={**_ERRORS, 404: {"model": ErrorOut}, 409: {"model": ErrorOut}},
    )
    def decide(
        case_uuid: Annotated[str, Path(max_length=36)],
        action: AdminAction,
        body: Annotated[AdminActionIn | None, Body()] = None,
    ) -> AdminCaseOut:
        note = body or AdminActionIn()
        return platform.run(lambda s: case_out(cases.decide(s, case_uuid, action, note, platform.now())))

    @router.post(PATH_ADMIN_CODES, response_model=CodesOut, dependencies=deps, responses=_ERRORS)
    def new_codes(body: Annotated[CodesIn | None, Body()] = None) -> CodesOut:
        return CodesOut(codes=platform.new_codes((body or CodesIn()).count))

    @router.get(PATH_ADMIN_STATIONS, response_model=StationsOut, dependencies=deps, responses=_ERRORS)
    def stations() -> StationsOut:
        return StationsOut(stations=platform.run(_stations))

    @router.post(
        f"{PATH_ADMIN_STATIONS}/{{station_id}}/revoke",
        response_model=RevokeOut,
        dependencies=deps,
        responses={**_ERRORS, 404: {"model": ErrorOut}},
    )
    def revoke(station_id: Annotated[str, Path(max_length=36)]) -> RevokeOut:
        return RevokeOut(station_id=station_id, revoked=platform.revoke(station_id))

    @router.get(PATH_ADMIN_FAULTS, response_model=FaultsOut, dependencies=deps, responses=_ERRORS)
    def get_faults() -> FaultsOut:
        return faults_out(platform)

    @router.post(PATH_ADMIN_FAULTS, response_model=FaultsOut, dependencies=deps, responses=_ERRORS)
    def set_faults(body: FaultsIn) -> FaultsOut:
        raw = body.model_dump(exclude_none=True, exclude={"seed"})
        try:
            platform.faults.update(raw, seed=body.seed)
        except ConfigError as exc:
            raise ApiError(ErrorCode.BAD_REQUEST, detail=str(exc)) from exc
        return faults_out(platform)

    @router.put(
        "/admin/reference/{name}",
        response_model=ReferenceDocOut,
        dependencies=deps,
        summary="Replace the catalog, calendar or clerk document (new ETag)",
        responses=_ERRORS,
    )
    def put_reference(
        name: Annotated[str, Path(pattern="^(catalog|calendar|clerks)$")], body: ReferenceDocIn
    ) -> ReferenceDocOut:
        document = body.model_dump(mode="json")
        etag = platform.run(lambda s: set_reference(s, name, document, platform.now()).etag)
        return ReferenceDocOut(name=name, etag=etag)  # type: ignore[arg-type]  # checked by the path pattern

    @router.get(PATH_ADMIN, response_class=HTMLResponse, summary="Back-office page")
    def page(token: Annotated[str | None, Query(max_length=200)] = None) -> HTMLResponse:
        if not is_admin(token):
            return HTMLResponse(_LOGIN_PAGE, status_code=200 if token is None else 403)
        listed = platform.run(lambda s: ([case_out(r) for r in cases.all_cases(s)], _stations(s)))
        return HTMLResponse(render_page(listed[0], listed[1], str(token)))

    return router


_LOGIN_PAGE = """<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>参考平台后台</title>
<body style="font-family:sans-serif;margin:2em"><h1>一窗参考平台 · 后台</h1>
<form method="get" action="/admin"><label>管理口令 <input name="token" type="password" autofocus></label>
<button>进入</button></form></body></html>"""


def render_page(case_list: list[AdminCaseOut], stations: list[StationOut], token: str) -> str:
    """The back-office page: cases with decision buttons, stations with revoke, and new codes."""
    e = html.escape
    rows = []
    for c in case_list:
        allowed = [a for a in ADMIN_ACTIONS if c.state in cases.TRANSITIONS[a][0]]
        buttons = " ".join(
            f'<button onclick="act({e(json.dumps(c.uuid))},{e(json.dumps(a))})">{_ACTION_LABELS[a]}</button>'
            for a in allowed
        )
        rows.append(
            f"<tr><td>{e(c.platform_number or '—')}</td><td>{e(c.local_number)}</td><td>{e(c.station_code)}</td>"
            f"<td>{e(c.title)}</td><td>{e(cases.STATE_LABELS.get(c.state, c.state))}</td><td>{c.pages}</td>"
            f"<td>{c.submit_count}</td><td><code>{e(c.uuid)}</code></td><td>{buttons}</td></tr>"
        )
    station_rows = [
        f"<tr><td>{e(st.code)}</td><td>{e(st.name)}</td><td>{e(st.client_version)}</td>"
        f"<td>{st.active_tokens}</td><td>{st.revoked_tokens}</td>"
        f'<td><button onclick="revoke({e(json.dumps(st.station_id))})">停用凭证</button></td></tr>'
        for st in stations
    ]
    return f"""<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>参考平台后台</title>
<style>body{{font-family:sans-serif;margin:1.5em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:.3em .6em}}th{{background:#eee}}</style>
<body><h1>一窗参考平台 · 后台</h1>
<h2>办件（{len(case_list)} 件）</h2>
<p>补正、不予许可时先在此填写说明：<input id="note" size="60"></p>
<table><tr><th>平台编号</th><th>本地编号</th><th>站点</th><th>事项</th><th>状态</th><th>页数</th>
<th>提交次数</th><th>uuid</th><th>操作</th></tr>{"".join(rows) or '<tr><td colspan="9">暂无办件</td></tr>'}</table>
<h2>站点</h2>
<table><tr><th>站点编码</th><th>名称</th><th>客户端版本</th><th>有效凭证</th><th>已停用</th><th></th></tr>
{"".join(station_rows) or '<tr><td colspan="6">暂无站点</td></tr>'}</table>
<h2>登记码</h2><button onclick="codes()">生成一个登记码</button> <code id="code"></code>
<script>
const TOKEN = {e(json.dumps(token))};
async function call(path, body) {{
  const r = await fetch(path, {{method: "POST", headers: {{"X-Admin-Token": TOKEN,
    "Content-Type": "application/json"}}, body: JSON.stringify(body || {{}})}});
  const data = await r.json();
  if (!r.ok) {{ alert(data.message || r.status); }}
  return data;
}}
async function act(uuid, action) {{
  const note = document.getElementById("note").value;
  await call("/admin/cases/" + uuid + "/" + action, {{note: note}});
  location.reload();
}}
async function revoke(id) {{ await call("/admin/stations/" + id + "/revoke"); location.reload(); }}
async function codes() {{ const d = await call("/admin/codes", {{count: 1}});
  document.getElementById("code").textContent = (d.codes || []).join(" "); }}
</script></body></html>"""
