"""What the fake Axle knows and answers: settings values and answers shaped as Axle documents them.

The answers follow the examples on docs.axle.energy and Axle's OpenAPI document (version 1.4.6).
"""

BASE_URL = "https://axle.test"
USERNAME = "platform-user@flex.example"
PASSWORD = "correct-horse-battery-staple"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.first-token"
NEW_TOKEN = "eyJhbGciOiJIUzI1NiJ9.second-token"
CONNECT_TIMEOUT_S = 3.5
READ_TIMEOUT_S = 12.5
TOKEN_URL = f"{BASE_URL}/auth/token-form"

SITE_ID = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
ASSET_ID = "b2c3d4e5-f6a7-8901-bcde-f23456789012"
EVENT_ID = "c3d4e5f6-a7b8-9012-cdef-345678901234"
WITHDRAWAL_URL = "https://pay.axle.test/withdraw/one-time-secret-link"

TOKEN_ANSWER = {"access_token": TOKEN, "token_type": "bearer"}

SITE = {
    "mpan": "1234567890123",
    "postcode": "SW1A 1AA",
    "street_address": "10 Downing Street",
    "email": "resident@example.com",
}
ASSET = {"external_id": "charger-001", "type": "charger", "properties": {"power_kw": 7.4}}

ELIGIBILITY = {
    "eligible_propositions": ["limited_pause"],
    "site_id": SITE_ID,
    "site_properties": {"is_half_hourly_settled": False, "has_meter_consent": True},
    "assets": [
        {
            "asset_id": ASSET_ID,
            "external_id": "charger-001",
            "propositions": [
                {"proposition": "limited_pause", "is_eligible": True, "issues": []},
                {
                    "proposition": "full_asset_schedule_control",
                    "is_eligible": False,
                    "issues": ["asset_model_not_set", "asset_installation_date_not_set"],
                },
            ],
        }
    ],
}

ONBOARD_ANSWER = {
    "site": {"site_id": SITE_ID, "site_created": True, "fields_updated": [], "warnings": []},
    "assets": [
        {
            "asset_id": ASSET_ID,
            "external_id": "charger-001",
            "asset_created": True,
            "fields_updated": [],
            "warnings": [],
        }
    ],
    "enrolment": {"site_id": SITE_ID, "status": "enrolled"},
}

INITIALISE_ANSWER = {
    "site": {"site_id": SITE_ID, "site_created": False, "fields_updated": ["email"], "warnings": []},
    "assets": ONBOARD_ANSWER["assets"],
    "eligibility": ELIGIBILITY,
}

LEGACY_ONBOARD_ANSWER = {
    "site": {
        "id": SITE_ID,
        "mpan": "1234567890123",
        "postcode": "SW1A 1AA",
        "address": "10 Downing Street",
        "asset_ids": [ASSET_ID],
        "markets": ["cm"],
        "dispatch_methods": ["limited_pause"],
        "gave_boundary_meter_consent_at": "2025-01-01T12:00:00Z",
    },
    "asset": {
        "id": ASSET_ID,
        "external_id": "charger-001",
        "type": "charger",
        "site_id": SITE_ID,
        "properties": {"power_kw": 7.4},
    },
}

PLUG_IN_SCHEDULE_ANSWER = {
    "modified_charging_schedule": [
        {"start_timestamp": "2026-04-14T23:30:00+00:00", "end_timestamp": "2026-04-15T01:00:00+00:00"},
        {"start_timestamp": "2026-04-15T01:30:00+00:00", "end_timestamp": "2026-04-15T05:30:00+00:00"},
    ]
}

READINGS_ANSWER = {
    "responses": [
        {
            "asset_id": ASSET_ID,
            "start_timestamp": "2026-04-14T22:00:00Z",
            "end_timestamp": "2026-04-14T22:30:00Z",
            "label": "charger_consumption_energy_kwh",
            "accepted": True,
        },
        {
            "asset_id": ASSET_ID,
            "start_timestamp": "2026-04-14T22:30:00Z",
            "end_timestamp": "2026-04-14T23:00:00Z",
            "label": "charger_consumption_energy_kwh",
            "accepted": False,
            "error": "Reading overlaps an existing reading",
        },
    ]
}

REWARDS_INFO = {
    "current_balance_pence": 1250,
    "total_earnings_pence": 4250,
    "minimum_withdrawal_threshold_pence": 500,
    "withdrawal_min_wait_days": 0,
    "can_withdraw": True,
}

REWARDS_TRANSACTIONS = {
    "site_id": SITE_ID,
    "transactions": [
        {
            "transaction_type": "flex event",
            "transaction_id": "d4e5f6a7-b8c9-0123-def4-567890123456",
            "start_time": "2026-04-14T17:00:00Z",
            "end_time": "2026-04-14T18:00:00Z",
            "settlement_date": "2026-05-01",
            "flex_kwh": -1.234,
            "credit_pence": 150,
        },
        {
            "transaction_type": "withdrawal",
            "transaction_id": "e5f6a7b8-c9d0-1234-ef56-789012345678",
            "start_time": "2026-04-20T09:00:00Z",
            "credit_pence": -3000,
            "payment_status": "posted",
        },
    ],
    "is_below_withdrawal_minimum": False,
}

WITHDRAWAL_ANSWER = {"balance_withdrawal_url": WITHDRAWAL_URL, "url_expiry_timestamp": "2026-04-14T13:00:00Z"}

VALIDATION_422 = {
    "detail": [
        {"loc": ["body", "site", "mpan"], "msg": "field required", "type": "value_error.missing"},
        {
            "loc": ["body", "assets", 0, "type"],
            "msg": "value is not a valid enumeration member",
            "type": "enum",
        },
    ]
}
