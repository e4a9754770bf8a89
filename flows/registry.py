"""Every flow the desk offers, in menu order."""

from flows.flow import RequestFlow
from flows.requests import (
    consent_withdrawal,
    correction,
    disclosure,
    human,
    inquiry,
    purpose_notice,
    suspension,
    third_party_record,
    third_party_stop,
)

REQUEST_FLOWS: tuple[RequestFlow, ...] = (
    purpose_notice.FLOW,
    disclosure.FLOW,
    third_party_record.FLOW,
    correction.FLOW,
    suspension.FLOW,
    third_party_stop.FLOW,
    consent_withdrawal.FLOW,
)
FLOWS: dict[str, RequestFlow] = {
    flow.type_id: flow for flow in (*REQUEST_FLOWS, inquiry.FLOW, human.FLOW)
}
CASE_TYPES: tuple[str, ...] = tuple(FLOWS)
