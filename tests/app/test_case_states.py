"""Every (state, action) pair of the case state machine: legal ones move, illegal ones say why in Chinese."""

from __future__ import annotations

import pytest

from app.case_states import (
    ACTION_LABELS,
    STATE_LABELS,
    TRANSITIONS,
    CaseAction,
    CaseState,
    allowed_actions,
    next_state,
)
from app.errors import IllegalTransition

EXPECTED: dict[tuple[CaseState, CaseAction], CaseState] = {
    (CaseState.NEW, CaseAction.PRE_REGISTER): CaseState.PRE_REGISTERED,
    (CaseState.NEW, CaseAction.RECEIVE): CaseState.RECEIVED,
    (CaseState.PRE_REGISTERED, CaseAction.RECEIVE): CaseState.RECEIVED,
    (CaseState.RECEIVED, CaseAction.ACCEPT): CaseState.ACCEPTED,
    (CaseState.RECEIVED, CaseAction.REQUEST_CORRECTION): CaseState.CORRECTION_REQUESTED,
    (CaseState.CORRECTION_REQUESTED, CaseAction.RECEIVE_CORRECTION): CaseState.RECEIVED,
    (CaseState.RECEIVED, CaseAction.REJECT): CaseState.REJECTED,
    (CaseState.CORRECTION_REQUESTED, CaseAction.REJECT): CaseState.REJECTED,
    (CaseState.ACCEPTED, CaseAction.START_SPECIAL): CaseState.SUSPENDED,
    (CaseState.SUSPENDED, CaseAction.END_SPECIAL): CaseState.ACCEPTED,
    (CaseState.ACCEPTED, CaseAction.COMPLETE): CaseState.COMPLETED,
    (CaseState.COMPLETED, CaseAction.DELIVER): CaseState.DELIVERED,
    (CaseState.COMPLETED, CaseAction.EVALUATE): CaseState.EVALUATED,
    (CaseState.DELIVERED, CaseAction.EVALUATE): CaseState.EVALUATED,
    (CaseState.REJECTED, CaseAction.EVALUATE): CaseState.EVALUATED,
    **{
        (s, CaseAction.WITHDRAW): CaseState.WITHDRAWN
        for s in (
            CaseState.PRE_REGISTERED,
            CaseState.RECEIVED,
            CaseState.CORRECTION_REQUESTED,
            CaseState.ACCEPTED,
            CaseState.SUSPENDED,
        )
    },
    **{
        (s, CaseAction.VOID): CaseState.VOIDED
        for s in (
            CaseState.PRE_REGISTERED,
            CaseState.RECEIVED,
            CaseState.CORRECTION_REQUESTED,
            CaseState.ACCEPTED,
            CaseState.SUSPENDED,
            CaseState.REJECTED,
            CaseState.COMPLETED,
            CaseState.DELIVERED,
        )
    },
}

EXPECTED.update(
    {
        (s, CaseAction.UNDO_DECISION): CaseState.RECEIVED
        for s in (CaseState.ACCEPTED, CaseState.CORRECTION_REQUESTED, CaseState.REJECTED)
    }
)

ALL_PAIRS = [(s, a) for s in CaseState for a in CaseAction]


@pytest.mark.parametrize(("state", "action"), [p for p in ALL_PAIRS if p in EXPECTED])
def test_legal_transition_reaches_expected_state(state: CaseState, action: CaseAction) -> None:
    assert next_state(state, action) is EXPECTED[(state, action)]


@pytest.mark.parametrize(("state", "action"), [p for p in ALL_PAIRS if p not in EXPECTED])
def test_illegal_transition_raises_with_chinese_message(state: CaseState, action: CaseAction) -> None:
    with pytest.raises(IllegalTransition) as err:
        next_state(state, action)
    msg = str(err.value)
    assert STATE_LABELS[state] in msg
    assert ACTION_LABELS[action] in msg
    assert err.value.state == state.value and err.value.action == action.value


def test_terminal_states_allow_nothing() -> None:
    for state in (CaseState.EVALUATED, CaseState.WITHDRAWN, CaseState.VOIDED):
        assert allowed_actions(state) == []
        with pytest.raises(IllegalTransition, match="办件已结束"):
            next_state(state, CaseAction.ACCEPT)


def test_table_matches_expectations_exactly() -> None:
    table = {(s, a): t.target for a, t in TRANSITIONS.items() for s in t.sources}
    assert table == EXPECTED
