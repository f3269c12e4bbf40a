"""Where a household stands with Axle's programme, in words, for the join page and the home page.

Read from the rows the outbox keeps up to date (`Enrolment`, `SiteEligibility`, `AxleEvent`):
nothing here asks Axle. Axle's answers are turned into what the homeowner can do next; its raw
answer is for the admin, never shown here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from django.db.models import QuerySet

from accounts.models import User
from chargers.models import Site
from smartcharging.axle.errors import AxleProtocolError
from smartcharging.axle.fields import Fields
from smartcharging.axle.types import Eligibility
from smartcharging.models import (
    ACTIVE_ENROLMENT_STATUSES,
    AxleEvent,
    Enrolment,
    EnrolmentStatus,
    EventKind,
    EventState,
    Proposition,
    SiteEligibility,
)
from smartcharging.services.membership import refused_for_withdrawal

from .queries import household_sites, one_to_one

HALF_HOURLY = (
    "Your supplier needs to switch you to half-hourly settlement (ask them for a smart meter reading every half hour)."
)
ISSUE_WORDS = {
    "asset_model_not_set": "We need your charger's make and model.",
    "asset_installation_date_not_set": "We need the date your charger was installed.",
    "no_meter_consent": "We need your consent to the terms.",
}
UNKNOWN_ISSUE = "Axle gave a reason we need to look into: contact us and we'll sort it out."
NO_REASON = "Axle didn't say why. Contact us and we'll find out for you."
PRODUCT_WORDS = {
    Proposition.SMART_CHARGING: "Smart Charging: Axle plans your charging around cheap, green times.",
    Proposition.FLEX_LITE: "Flex Lite: Axle may pause your charging briefly when the grid is busy.",
}


class JoinStep(enum.StrEnum):
    NOT_JOINED = "not_joined"
    SETTING_UP = "setting_up"
    JOINED = "joined"
    NOT_ELIGIBLE = "not_eligible"
    WITHDREW_EARLIER = "withdrew_earlier"
    REGISTERED_ELSEWHERE = "registered_elsewhere"
    CONSENT_MISSING = "consent_missing"
    REFUSED = "refused"


@dataclass(frozen=True)
class JoinState:
    step: JoinStep
    title: str
    words: str = ""
    to_do: list[str] = field(default_factory=list)
    axle_busy: bool = False  # setting up, with Axle not answering for now: the outbox keeps trying
    proposition: Proposition | None = None

    @property
    def show_form(self) -> bool:
        """The join form is offered: not in (or joining) a programme, and trying again can help."""
        return self.step in (JoinStep.NOT_JOINED, JoinStep.NOT_ELIGIBLE, JoinStep.CONSENT_MISSING)

    @property
    def tone(self) -> str:
        """The colour of the state box (the same tones as a charger's verdict)."""
        return {
            JoinStep.JOINED: "good",
            JoinStep.SETTING_UP: "info",
            JoinStep.WITHDREW_EARLIER: "info",
            JoinStep.NOT_ELIGIBLE: "warn",
            JoinStep.CONSENT_MISSING: "warn",
        }.get(self.step, "bad")

    @property
    def can_rejoin(self) -> bool:
        return self.step == JoinStep.WITHDREW_EARLIER

    @property
    def in_programme(self) -> bool:
        return self.step in (JoinStep.SETTING_UP, JoinStep.JOINED)


def join_state(site: Site) -> JoinState:
    """The site's place in Axle's programme now, with what the homeowner can do next."""
    enrolments = list(Enrolment.objects.filter(site=site).order_by("-updated_at", "-pk"))
    joined = next((e for e in enrolments if e.status == EnrolmentStatus.ENROLLED), None)
    if joined is not None:
        proposition = Proposition(joined.proposition)
        return JoinState(
            JoinStep.JOINED,
            "You're in",
            f"{PRODUCT_WORDS[proposition]} Tell us what you need by when and Axle does the rest.",
            proposition=proposition,
        )
    pending = next((e for e in enrolments if e.status == EnrolmentStatus.PENDING), None)
    if pending is not None:
        return JoinState(
            JoinStep.SETTING_UP,
            "Setting up with Axle…",
            "This finishes on its own, even if Axle is busy; you can leave this page.",
            axle_busy=_axle_retrying(site),
            proposition=Proposition(pending.proposition),
        )
    latest = enrolments[0] if enrolments else None
    if latest is None or latest.status != EnrolmentStatus.FAILED or site.meter_consent_at is None:
        return JoinState(JoinStep.NOT_JOINED, "Join smart charging")
    return _refusal(site, latest)


def _axle_retrying(site: Site) -> bool:
    return AxleEvent.objects.filter(
        site=site,
        kind__in=(EventKind.INITIALISE, EventKind.ONBOARD, EventKind.ENROL),
        state=EventState.PENDING,
        attempts__gt=0,
    ).exists()


def _refusal(site: Site, enrolment: Enrolment) -> JoinState:
    """Axle's refusal of the enrolment, in words, with what to do next."""
    proposition = Proposition(enrolment.proposition)
    answer = enrolment.axle_response
    if isinstance(answer, dict) and "eligibility" in answer:
        return JoinState(
            JoinStep.NOT_ELIGIBLE,
            "Axle can't take your home on yet",
            "Here's what's needed. Once it's sorted, send the form below again.",
            to_do=eligibility_words(one_to_one(site, "eligibility", SiteEligibility), proposition),
            proposition=proposition,
        )
    if refused_for_withdrawal(enrolment):
        return JoinState(
            JoinStep.WITHDREW_EARLIER,
            "You left the programme before",
            "Axle remembers that you chose to leave. If you'd like to come back, press Rejoin: "
            "that tells Axle it's your choice.",
            proposition=proposition,
        )
    code = enrolment.axle_status_code
    if code == 409:
        return JoinState(
            JoinStep.REGISTERED_ELSEWHERE,
            "Your charger is registered somewhere else",
            "Axle already has this charger on another account, perhaps from a previous owner or "
            "another app. Contact us and we'll have it moved to your home.",
            proposition=proposition,
        )
    if code == 400:
        return JoinState(
            JoinStep.CONSENT_MISSING,
            "Axle didn't receive your consent",
            "Please tick the box to agree to the terms and send the form again.",
            proposition=proposition,
        )
    return JoinState(
        JoinStep.REFUSED,
        "Axle couldn't set you up",
        "Something on Axle's side stopped your home joining. Contact us and we'll sort it out.",
        proposition=proposition,
    )


def eligibility_words(record: SiteEligibility | None, proposition: Proposition) -> list[str]:
    """Axle's reasons the site cannot join `proposition`, as things the homeowner can do."""
    answer = _stored_answer(record)
    words: list[str] = []
    if answer is not None:
        if answer.is_half_hourly_settled is False:
            words.append(HALF_HOURLY)
        if answer.has_meter_consent is False:
            words.append(ISSUE_WORDS["no_meter_consent"])
        for _, codes in answer.issues_for(proposition):
            for code in codes:
                said = HALF_HOURLY if "half_hourly" in code else ISSUE_WORDS.get(code, UNKNOWN_ISSUE)
                if said not in words:
                    words.append(said)
    return words or [NO_REASON]


def _stored_answer(record: SiteEligibility | None) -> Eligibility | None:
    """Axle's eligibility answer as kept, read with the client's own parser (it was parsed on arrival)."""
    if record is None or not isinstance(record.raw, dict):
        return None
    try:
        return Eligibility.parse(Fields(record.raw, endpoint="the stored eligibility answer"))
    except AxleProtocolError:
        return None  # unreadable: the page says Axle gave no reason


def sites_to_join(user: User) -> QuerySet[Site]:
    """The household's homes with a charger that are in no programme, nor joining one."""
    return (
        household_sites(user)
        .filter(assets__isnull=False)
        .exclude(enrolments__status__in=ACTIVE_ENROLMENT_STATUSES)
        .distinct()
    )
