"""办件状态机: the canonical case lifecycle, as data.

Provinces name states and result codes differently; we keep one canonical lifecycle here and map
codes through configuration at the sync boundary. Every change of state goes through
:func:`next_state`, which raises :class:`~app.errors.IllegalTransition` with a Chinese message.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from app.errors import IllegalTransition
from app.model.catalog import Role


class CaseState(enum.StrEnum):
    NEW = "new"  # not yet stored: only the first transitions start here
    PRE_REGISTERED = "pre_registered"  # 预登记
    RECEIVED = "received"  # 已收件
    CORRECTION_REQUESTED = "correction_requested"  # 已补正告知（待补正）
    ACCEPTED = "accepted"  # 已受理
    SUSPENDED = "suspended"  # 特别程序中
    REJECTED = "rejected"  # 不予受理
    COMPLETED = "completed"  # 已办结
    DELIVERED = "delivered"  # 已出件/邮寄
    EVALUATED = "evaluated"  # 已评价
    WITHDRAWN = "withdrawn"  # 已撤回
    VOIDED = "voided"  # 已作废


STATE_LABELS: dict[CaseState, str] = {
    CaseState.NEW: "新建",
    CaseState.PRE_REGISTERED: "预登记",
    CaseState.RECEIVED: "已收件",
    CaseState.CORRECTION_REQUESTED: "待补正",
    CaseState.ACCEPTED: "已受理",
    CaseState.SUSPENDED: "特别程序中",
    CaseState.REJECTED: "不予受理",
    CaseState.COMPLETED: "已办结",
    CaseState.DELIVERED: "已出件",
    CaseState.EVALUATED: "已评价",
    CaseState.WITHDRAWN: "已撤回",
    CaseState.VOIDED: "已作废",
}

TERMINAL = frozenset({CaseState.EVALUATED, CaseState.WITHDRAWN, CaseState.VOIDED})


class CaseAction(enum.StrEnum):
    PRE_REGISTER = "pre_register"  # 预登记
    RECEIVE = "receive"  # 收件
    ACCEPT = "accept"  # 受理
    REQUEST_CORRECTION = "request_correction"  # 补正告知（一次性告知）
    RECEIVE_CORRECTION = "receive_correction"  # 补正收件
    REJECT = "reject"  # 不予受理
    START_SPECIAL = "start_special"  # 特别程序开始
    END_SPECIAL = "end_special"  # 特别程序结束
    COMPLETE = "complete"  # 办结
    DELIVER = "deliver"  # 出件/邮寄
    EVALUATE = "evaluate"  # 评价
    WITHDRAW = "withdraw"  # 撤回
    VOID = "void"  # 作废 (supervisor only)
    UNDO_DECISION = "undo_decision"  # 撤销决定 (supervisor only): back to 已收件


ACTION_LABELS: dict[CaseAction, str] = {
    CaseAction.PRE_REGISTER: "预登记",
    CaseAction.RECEIVE: "收件",
    CaseAction.ACCEPT: "受理",
    CaseAction.REQUEST_CORRECTION: "补正告知",
    CaseAction.RECEIVE_CORRECTION: "补正收件",
    CaseAction.REJECT: "不予受理",
    CaseAction.START_SPECIAL: "特别程序开始",
    CaseAction.END_SPECIAL: "特别程序结束",
    CaseAction.COMPLETE: "办结",
    CaseAction.DELIVER: "出件/邮寄",
    CaseAction.EVALUATE: "评价",
    CaseAction.WITHDRAW: "撤回",
    CaseAction.VOID: "作废",
    CaseAction.UNDO_DECISION: "撤销决定",
}

_CASE_ROLES = frozenset({Role.CLERK, Role.STATION_STAFF, Role.SUPERVISOR})


@dataclass(frozen=True)
class Transition:
    action: CaseAction
    sources: frozenset[CaseState]
    target: CaseState
    needs_reason: bool = False
    roles: frozenset[Role] = _CASE_ROLES


_OPEN = frozenset(
    {
        CaseState.PRE_REGISTERED,
        CaseState.RECEIVED,
        CaseState.CORRECTION_REQUESTED,
        CaseState.ACCEPTED,
        CaseState.SUSPENDED,
    }
)

TRANSITIONS: dict[CaseAction, Transition] = {
    t.action: t
    for t in (
        Transition(CaseAction.PRE_REGISTER, frozenset({CaseState.NEW}), CaseState.PRE_REGISTERED),
        Transition(
            CaseAction.RECEIVE, frozenset({CaseState.NEW, CaseState.PRE_REGISTERED}), CaseState.RECEIVED
        ),
        Transition(CaseAction.ACCEPT, frozenset({CaseState.RECEIVED}), CaseState.ACCEPTED),
        Transition(
            CaseAction.REQUEST_CORRECTION,
            frozenset({CaseState.RECEIVED}),
            CaseState.CORRECTION_REQUESTED,
            needs_reason=True,
        ),
        Transition(
            CaseAction.RECEIVE_CORRECTION, frozenset({CaseState.CORRECTION_REQUESTED}), CaseState.RECEIVED
        ),
        Transition(
            CaseAction.REJECT,
            frozenset({CaseState.RECEIVED, CaseState.CORRECTION_REQUESTED}),
            CaseState.REJECTED,
            needs_reason=True,
        ),
        Transition(
            CaseAction.START_SPECIAL, frozenset({CaseState.ACCEPTED}), CaseState.SUSPENDED, needs_reason=True
        ),
        Transition(CaseAction.END_SPECIAL, frozenset({CaseState.SUSPENDED}), CaseState.ACCEPTED),
        Transition(CaseAction.COMPLETE, frozenset({CaseState.ACCEPTED}), CaseState.COMPLETED),
        Transition(CaseAction.DELIVER, frozenset({CaseState.COMPLETED}), CaseState.DELIVERED),
        Transition(
            CaseAction.EVALUATE,
            frozenset({CaseState.COMPLETED, CaseState.DELIVERED, CaseState.REJECTED}),
            CaseState.EVALUATED,
        ),
        Transition(CaseAction.WITHDRAW, _OPEN, CaseState.WITHDRAWN, needs_reason=True),
        Transition(
            CaseAction.VOID,
            _OPEN | {CaseState.REJECTED, CaseState.COMPLETED, CaseState.DELIVERED},
            CaseState.VOIDED,
            needs_reason=True,
            roles=frozenset({Role.SUPERVISOR}),
        ),
        Transition(
            CaseAction.UNDO_DECISION,
            frozenset({CaseState.ACCEPTED, CaseState.CORRECTION_REQUESTED, CaseState.REJECTED}),
            CaseState.RECEIVED,
            needs_reason=True,
            roles=frozenset({Role.SUPERVISOR}),
        ),
    )
}


def allowed_actions(state: CaseState) -> list[CaseAction]:
    """Actions a case in ``state`` may take, in lifecycle order (for menus and help)."""
    return [a for a, t in TRANSITIONS.items() if state in t.sources]


def next_state(state: CaseState | str, action: CaseAction | str) -> CaseState:
    """The state after ``action``; IllegalTransition (Chinese message) when not allowed."""
    state = CaseState(state)
    action = CaseAction(action)
    t = TRANSITIONS[action]
    if state not in t.sources:
        allowed = "、".join(ACTION_LABELS[a] for a in allowed_actions(state)) or "无（办件已结束）"
        raise IllegalTransition(
            f"办件当前状态为“{STATE_LABELS[state]}”，不能进行“{ACTION_LABELS[action]}”。当前可进行的操作：{allowed}。",
            state=state.value,
            action=action.value,
        )
    return t.target
