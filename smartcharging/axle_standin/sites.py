"""Sites: onboard, the legacy onboard, initialise, enrol, unenrol, offboard, eligibility.

A user who leaves a proposition (the platform's unenrol) counts as having withdrawn from it: joining
it again, by onboard or enrol, needs `override_withdrawal: true`, else 422, as Axle documents.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import eligibility as rules
from .entities import Staged, read_asset, read_site, stage
from .state import SiteRecord, iso
from .validation import Obj, path_uuid
from .web import ApiError, Request, Response

if TYPE_CHECKING:
    from .app import StandIn


def register(app: StandIn) -> None:
    add = app.router.add
    add("POST", "/entities/site/onboard", lambda r: onboard(app, r))
    add("POST", "/entities/site/onboard-site-and-asset", lambda r: onboard_legacy(app, r))
    add("POST", "/entities/site/initialise", lambda r: initialise(app, r))
    add("POST", "/entities/site/{site_id}/enrol", lambda r: enrol(app, r))
    add("POST", "/entities/site/{site_id}/unenrol", lambda r: unenrol(app, r))
    add("POST", "/entities/site/{site_id}/offboard-site-and-assets", lambda r: offboard(app, r))
    add("GET", "/entities/site/{site_id}/eligibility", lambda r: eligibility(app, r))


def _site_and_assets(body: Obj) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    site = read_site(body.child("site"))
    assets = [read_asset(item) for item in body.children("assets")]
    return site, [asset for asset in assets if asset is not None]


def _require_consent(site: SiteRecord) -> None:
    if not site["gave_boundary_meter_consent_at"]:
        raise ApiError(400, "The homeowner's boundary meter consent is required (gave_boundary_meter_consent_at)")


def _join(site: SiteRecord, staged_assets: list[Any], proposition: str, override: bool) -> str:
    """Whether the site can join `proposition`: "enrolled" or "already_enrolled"; 422 if it cannot."""
    current = site["propositions"].get(proposition)
    if current == "enrolled":
        return "already_enrolled"
    if current == "withdrawn" and not override:
        raise ApiError(
            422,
            f"The user withdrew from {proposition}; send override_withdrawal: true only if they asked to join again",
        )
    issues = rules.proposition_issues(site, staged_assets, proposition)
    if issues:
        raise ApiError(422, f"The site is not eligible for {proposition}: {', '.join(issues)}")
    return "enrolled"


def onboard(app: StandIn, request: Request) -> Response:
    body = Obj.body(request.json())
    site_in, assets_in = _site_and_assets(body)
    proposition = body.choice("proposition", rules.PROPOSITIONS)
    override = body.flag("override_withdrawal", default=False)
    body.errors.check()
    assert site_in is not None  # noqa: S101 - body.errors.check() passed
    assert proposition is not None  # noqa: S101
    with app.state.lock:
        staged = stage(app.state, site_in, assets_in, created_by="onboard")
        _require_consent(staged.site)
        status = _join(staged.site, staged.all_assets(app.state), proposition, override)
        staged.commit(app.state)
        staged.site["propositions"][proposition] = "enrolled"
        return Response(200, _answer(staged) | {"enrolment": {"site_id": staged.site["site_id"], "status": status}})


def initialise(app: StandIn, request: Request) -> Response:
    body = Obj.body(request.json())
    site_in, assets_in = _site_and_assets(body)
    body.errors.check()
    assert site_in is not None  # noqa: S101 - body.errors.check() passed
    with app.state.lock:
        staged = stage(app.state, site_in, assets_in, created_by="initialise")
        staged.commit(app.state)
        verdict = rules.eligibility(staged.site, staged.all_assets(app.state))
        return Response(200, _answer(staged) | {"eligibility": verdict})


def _answer(staged: Staged) -> dict[str, Any]:
    return {"site": staged.site_result(), "assets": staged.asset_results()}


def onboard_legacy(app: StandIn, request: Request) -> Response:
    """The deprecated one-site-one-asset call: 409 if the site exists (existing Flex Lite users)."""
    body = Obj.body(request.json())
    site_in = read_site(body.child("site"))
    asset_obj = body.child("asset")
    asset_in = read_asset(asset_obj) if asset_obj else None
    consent = body.child("dispatch_consent")
    methods = consent.texts("dispatch_methods") if consent else []
    body.errors.check()
    assert site_in is not None  # noqa: S101 - body.errors.check() passed
    assert asset_in is not None  # noqa: S101
    with app.state.lock:
        if app.state.site_by_mpan(site_in["mpan"]) is not None:
            raise ApiError(409, f"A site with MPAN {site_in['mpan']} already exists")
        staged = stage(app.state, site_in, [asset_in], created_by="legacy")
        staged.commit(app.state)
        site, asset = staged.site, staged.assets[0][0]
        for method in methods:
            if method in rules.PROPOSITIONS:
                site["propositions"][method] = "enrolled"
        return Response(
            200,
            {
                "site": {
                    "id": site["site_id"],
                    "mpan": site["mpan"],
                    "postcode": site["postcode"],
                    "address": site["street_address"],
                    "asset_ids": list(site["asset_ids"]),
                    "markets": ["cm"],
                    "dispatch_methods": [p for p, s in site["propositions"].items() if s == "enrolled"],
                    "gave_boundary_meter_consent_at": site["gave_boundary_meter_consent_at"],
                },
                "asset": {
                    "id": asset["asset_id"],
                    "external_id": asset["external_id"],
                    "type": asset["type"],
                    "site_id": site["site_id"],
                    "properties": asset["properties"],
                },
            },
        )


def enrol(app: StandIn, request: Request) -> Response:
    site_id = path_uuid(request.params["site_id"], "site_id")
    body = Obj.body(request.json())
    proposition = body.choice("proposition", rules.PROPOSITIONS)
    override = body.flag("override_withdrawal", default=False)
    consent = body.instant("gave_boundary_meter_consent_at", required=False)
    body.errors.check()
    assert proposition is not None  # noqa: S101 - body.errors.check() passed
    with app.state.lock:
        site = app.state.site(site_id)
        if consent is not None:
            site["gave_boundary_meter_consent_at"] = iso(consent)
        _require_consent(site)
        assets = [app.state.assets[i] for i in site["asset_ids"] if i in app.state.assets]
        status = _join(site, assets, proposition, override)
        site["propositions"][proposition] = "enrolled"
        return Response(200, {"site_id": site_id, "status": status})


def unenrol(app: StandIn, request: Request) -> Response:
    site_id = path_uuid(request.params["site_id"], "site_id")
    body = Obj.body(request.json())
    proposition = body.choice("proposition", rules.PROPOSITIONS)
    body.errors.check()
    assert proposition is not None  # noqa: S101 - body.errors.check() passed
    with app.state.lock:
        site = app.state.site(site_id)
        was_enrolled = site["propositions"].get(proposition) == "enrolled"
        if was_enrolled:
            site["propositions"][proposition] = "withdrawn"
        return Response(200, {"site_id": site_id, "status": "unenrolled" if was_enrolled else "already_unenrolled"})


def offboard(app: StandIn, request: Request) -> Response:
    """Delete the site, its assets and its rewards; readings, events and pushes stay in the history."""
    site_id = path_uuid(request.params["site_id"], "site_id")
    with app.state.lock:
        site = app.state.site(site_id)
        for asset_id in site["asset_ids"]:
            app.state.assets.pop(asset_id, None)
        del app.state.sites[site_id]
        app.state.ledger.pop(site_id, None)
        app.state.withdrawal_links = {
            key: link for key, link in app.state.withdrawal_links.items() if link["site_id"] != site_id
        }
    return Response(200, {"site_id": site_id, "status": "offboarded"})


def eligibility(app: StandIn, request: Request) -> Response:
    site_id = path_uuid(request.params["site_id"], "site_id")
    with app.state.lock:
        site = app.state.site(site_id)
        assets = [app.state.assets[i] for i in site["asset_ids"] if i in app.state.assets]
        return Response(200, rules.eligibility(site, assets))
