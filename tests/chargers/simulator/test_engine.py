"""The simulated charger's physics and OCPP 1.6 smart-charging rules, at exact instants."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from chargers.simulator.engine import Car, Engine
from chargers.simulator.models import A32, W7, ChargerModel
from chargers.simulator.schedule import Period, Profile, ProfileRejected, profile_from_ocpp

T0 = datetime(2025, 1, 6, 12, 0, tzinfo=UTC)  # a Monday, noon
HOUR = timedelta(hours=1)


def make_profile(*periods: tuple[int, float], **fields) -> Profile:
    defaults: dict[str, Any] = {
        "id": 1,
        "stack_level": 0,
        "purpose": "TxDefaultProfile",
        "kind": "Absolute",
        "unit": "W",
        "start_schedule": T0,
    }
    return Profile(periods=tuple(Period(start, limit) for start, limit in periods or [(0, 3680)]), **defaults | fields)


def charging(model: ChargerModel = W7, *, car_kw: float = 50.0, battery_kwh: float = 10_000.0, soc: float = 0.0):
    """A charging session with a car that neither limits the power nor fills up unless told to."""
    engine = Engine(model.spec, T0)
    engine.plug_in(Car(car_kw * 1000, battery_kwh * 1000, soc * battery_kwh * 1000), T0)
    engine.start_transaction(7, T0)
    return engine


def power_at(engine: Engine, at: datetime) -> float:
    engine.advance(at)
    return engine.power_w


class TestFullPowerAndUnits:
    def test_no_profile_means_the_charger_rating(self):
        assert charging(W7).power_w == 7360
        assert charging(A32).power_w == 22080

    def test_the_car_caps_what_it_draws(self):
        assert charging(A32, car_kw=7.4).power_w == 7400

    def test_watts_profile_on_the_single_phase_charger(self):
        engine = charging(W7)
        engine.install(make_profile((0, 3680)), T0)
        assert engine.power_w == 3680
        assert engine.limit_at(T0).amps == pytest.approx(16)

    def test_amps_profile_on_the_three_phase_charger_uses_its_phases(self):
        engine = charging(A32)
        engine.install(make_profile((0, 16), unit="A"), T0)
        assert engine.power_w == pytest.approx(16 * 230 * 3)

    def test_number_phases_of_the_period_wins_over_the_chargers(self):
        engine = charging(A32)
        profile = make_profile(unit="A")
        engine.install(Profile(**vars(profile) | {"periods": (Period(0, 16, number_phases=1),)}), T0)
        assert engine.power_w == pytest.approx(16 * 230)

    def test_below_six_amps_the_car_is_paused(self):
        engine = charging(W7)
        engine.install(make_profile((0, 1300)), T0)  # 5.65 A
        assert engine.power_w == 0
        assert engine.status == "SuspendedEVSE"
        engine.install(make_profile((0, 1380)), T0)  # exactly 6 A
        assert engine.power_w == 1380
        assert engine.status == "Charging"

    def test_a_limit_above_the_rating_is_the_rating(self):
        engine = charging(W7)
        engine.install(make_profile((0, 99999)), T0)
        assert engine.power_w == 7360


class TestAcceptanceRules:
    @pytest.mark.parametrize(("model", "unit"), [(W7, "A"), (A32, "W")])
    def test_a_unit_the_model_does_not_take_is_rejected(self, model, unit):
        with pytest.raises(ProfileRejected, match="rate unit"):
            Engine(model.spec, T0).install(make_profile((0, 16), unit=unit), T0)

    def test_stack_level_above_the_maximum_is_rejected(self):
        engine = Engine(A32.spec, T0)
        engine.install(make_profile((0, 16), unit="A", stack_level=3), T0)
        with pytest.raises(ProfileRejected, match="stack level 4"):
            engine.install(make_profile((0, 16), unit="A", stack_level=4), T0)

    def test_more_periods_than_the_model_takes_is_rejected(self):
        engine = Engine(A32.spec, T0)
        engine.install(make_profile(*[(i * 60, 16) for i in range(10)], unit="A"), T0)
        with pytest.raises(ProfileRejected, match="11 periods"):
            engine.install(make_profile(*[(i * 60, 16) for i in range(11)], unit="A"), T0)

    def test_periods_must_start_at_zero_and_increase(self):
        engine = Engine(W7.spec, T0)
        for periods in ([(60, 3680)], [(0, 3680), (0, 4000)]):
            with pytest.raises(ProfileRejected, match="start at 0"):
                engine.install(make_profile(*periods), T0)

    def test_max_profiles_installed_counts_new_ones_but_not_replacements(self):
        engine = Engine(A32.spec, T0)  # 4 profiles
        for level in range(4):
            engine.install(make_profile((0, 16), id=level, unit="A", stack_level=level), T0)
        with pytest.raises(ProfileRejected, match="4 profiles"):
            engine.install(make_profile((0, 16), id=9, unit="A", stack_level=0, connector_id=0), T0)
        engine.install(make_profile((0, 10), id=9, unit="A", stack_level=2), T0)  # replaces id 2
        assert sorted(engine.profiles) == [0, 1, 3, 9]

    def test_charge_point_max_only_on_connector_zero(self):
        with pytest.raises(ProfileRejected, match="connector 0"):
            Engine(W7.spec, T0).install(make_profile(purpose="ChargePointMaxProfile"), T0)

    def test_same_id_replaces(self):
        engine = Engine(W7.spec, T0)
        engine.install(make_profile((0, 3680), id=5, stack_level=1), T0)
        engine.install(make_profile((0, 2000), id=5, stack_level=2), T0)
        assert [(p.id, p.stack_level) for p in engine.profiles.values()] == [(5, 2)]

    def test_same_stack_level_and_purpose_on_the_same_connector_replaces(self):
        engine = Engine(W7.spec, T0)
        engine.install(make_profile(id=1, stack_level=1), T0)
        engine.install(make_profile(id=2, stack_level=1), T0)
        engine.install(make_profile(id=3, stack_level=1, connector_id=0), T0)
        assert sorted(engine.profiles) == [2, 3]

    def test_absolute_without_start_schedule_starts_on_receipt(self):
        engine = Engine(W7.spec, T0)
        installed = engine.install(make_profile(start_schedule=None), T0 + HOUR)
        assert installed.start_schedule == T0 + HOUR


class TestStacking:
    def test_highest_stack_level_wins_while_its_schedule_lasts(self):
        engine = charging(W7)
        engine.install(make_profile((0, 7000), id=1, stack_level=0), T0)
        engine.install(make_profile((0, 2000), id=2, stack_level=1, duration_s=3600), T0)
        assert power_at(engine, T0) == 2000
        assert power_at(engine, T0 + HOUR) == 7000  # the higher one has ended: the lower one applies again

    def test_tx_profile_overrides_tx_default_whatever_the_stack_level(self):
        engine = charging(W7)
        engine.install(make_profile((0, 2000), id=1, stack_level=5), T0)
        engine.install(make_profile((0, 5000), id=2, stack_level=0, purpose="TxProfile"), T0)
        assert engine.power_w == 5000

    def test_charge_point_max_caps(self):
        engine = charging(W7)
        engine.install(make_profile((0, 5000), id=1), T0)
        engine.install(make_profile((0, 3000), id=2, purpose="ChargePointMaxProfile", connector_id=0), T0)
        assert engine.power_w == 3000
        engine.install(make_profile((0, 2000), id=1), T0)
        assert engine.power_w == 2000

    def test_connector_profile_beats_charge_point_wide_default_at_the_same_level(self):
        engine = charging(W7)
        engine.install(make_profile((0, 2000), id=1, connector_id=0), T0)
        engine.install(make_profile((0, 4000), id=2, connector_id=1), T0)
        assert engine.power_w == 4000

    def test_valid_from_and_valid_to(self):
        engine = charging(W7)
        engine.install(make_profile((0, 2000), valid_from=T0 + HOUR, valid_to=T0 + 2 * HOUR), T0)
        assert [power_at(engine, T0 + k * HOUR) for k in range(3)] == [7360, 2000, 7360]


class TestTxProfile:
    def test_refused_without_a_transaction(self):
        engine = Engine(W7.spec, T0)
        with pytest.raises(ProfileRejected, match="without a transaction"):
            engine.install(make_profile(purpose="TxProfile"), T0)

    def test_refused_for_another_transaction(self):
        with pytest.raises(ProfileRejected, match="transaction 8"):
            charging(W7).install(make_profile(purpose="TxProfile", transaction_id=8), T0)

    def test_bound_to_the_running_transaction_and_removed_when_it_ends(self):
        engine = charging(W7)
        installed = engine.install(make_profile(purpose="TxProfile"), T0)
        engine.install(make_profile(id=2, stack_level=1), T0)
        assert installed.transaction_id == 7
        engine.stop_transaction(T0 + HOUR)
        assert list(engine.profiles) == [2]


class TestScheduleKinds:
    def test_relative_starts_with_the_transaction(self):
        engine = Engine(W7.spec, T0)
        engine.install(make_profile((0, 2000), (3600, 5000), kind="Relative", start_schedule=None), T0)
        engine.plug_in(Car(22000, 100000, 0), T0 + HOUR)
        engine.start_transaction(1, T0 + 2 * HOUR)
        assert power_at(engine, T0 + 2 * HOUR) == 2000
        assert power_at(engine, T0 + 3 * HOUR) == 5000

    def test_recurring_daily(self):
        engine = charging(W7)
        tonight = T0.replace(hour=22)
        overnight = make_profile((0, 2000), (4 * 3600, 0), kind="Recurring", recurrency="Daily", duration_s=8 * 3600)
        engine.install(Profile(**vars(overnight) | {"start_schedule": tonight - timedelta(days=3)}), T0)
        assert power_at(engine, T0) == 7360
        assert power_at(engine, tonight) == 2000
        assert power_at(engine, tonight + 5 * HOUR) == 0
        assert power_at(engine, tonight + 9 * HOUR) == 7360
        assert power_at(engine, tonight + timedelta(days=1, hours=1)) == 2000

    def test_recurring_weekly(self):
        engine = charging(W7)
        monday_noon = make_profile((0, 2000), kind="Recurring", recurrency="Weekly", duration_s=3600)
        engine.install(Profile(**vars(monday_noon) | {"start_schedule": T0 - timedelta(weeks=2)}), T0)
        assert power_at(engine, T0) == 2000
        assert power_at(engine, T0 + timedelta(days=1)) == 7360
        assert power_at(engine, T0 + timedelta(weeks=1)) == 2000

    def test_recurring_needs_a_start(self):
        with pytest.raises(ProfileRejected, match="Recurring"):
            Engine(W7.spec, T0).install(make_profile(kind="Recurring", recurrency="Daily", start_schedule=None), T0)


class TestCompositeSchedule:
    def test_periods_where_the_limit_changes_in_the_preferred_unit(self):
        engine = Engine(W7.spec, T0)
        engine.install(make_profile((0, 3680), (1800, 3680), (3600, 0), id=1, stack_level=0, duration_s=7200), T0)
        engine.install(make_profile((0, 5000), id=2, purpose="ChargePointMaxProfile", connector_id=0), T0)
        schedule = engine.composite_schedule(T0 + timedelta(minutes=10), 3 * 3600)
        assert schedule.unit == "W"
        assert [(p.start_s, p.limit) for p in schedule.periods] == [(0, 3680), (3000, 0), (6600, 5000)]

    def test_in_amps_on_request(self):
        engine = Engine(W7.spec, T0)
        engine.install(make_profile((0, 3680), duration_s=3600), T0)
        periods = engine.composite_schedule(T0, 7200, "A").periods
        assert [(p.start_s, p.limit, p.number_phases) for p in periods] == [(0, 16.0, 1), (3600, 32.0, 1)]

    def test_three_phase_in_its_own_unit(self):
        engine = Engine(A32.spec, T0)
        engine.install(make_profile((0, 10), (600, 20), unit="A"), T0)
        periods = engine.composite_schedule(T0, 3600).periods
        assert [(p.start_s, p.limit, p.number_phases) for p in periods] == [(0, 10.0, 3), (600, 20.0, 3)]
        assert engine.composite_schedule(T0, 3600, "W").periods[0].limit == 6900.0

    def test_relative_without_transaction_starts_now(self):
        engine = Engine(W7.spec, T0)
        engine.install(make_profile((0, 2000), (600, 4000), kind="Relative", start_schedule=None), T0)
        periods = engine.composite_schedule(T0 + HOUR, 1200).periods
        assert [(p.start_s, p.limit) for p in periods] == [(0, 2000), (600, 4000)]


class TestEnergyAndStatus:
    def test_register_integrates_power_across_limit_changes(self):
        engine = charging(W7)
        engine.install(make_profile((0, 3680), (1800, 7360)), T0)
        engine.advance(T0 + HOUR)
        assert engine.register_wh == pytest.approx(3680 / 2 + 7360 / 2)

    def test_the_car_stops_drawing_when_full(self):
        engine = charging(W7, car_kw=7.36, battery_kwh=10, soc=0.5)
        engine.advance(T0 + 2 * HOUR)
        assert engine.register_wh == pytest.approx(5000)
        assert engine.car.full
        assert engine.power_w == 0
        assert engine.status == "SuspendedEV"

    def test_next_change_is_the_next_boundary_or_the_battery_filling(self):
        engine = charging(W7, car_kw=7.36, battery_kwh=10, soc=0.5)
        engine.install(make_profile((0, 3680), (600, 7360)), T0)
        assert engine.next_change(T0) == T0 + timedelta(seconds=600)
        full_at = engine.next_change(T0 + timedelta(seconds=600))
        assert full_at == T0 + timedelta(seconds=600) + timedelta(hours=(5000 - 3680 / 6) / 7360)

    def test_no_power_without_car_or_transaction(self):
        engine = Engine(W7.spec, T0)
        assert engine.power_w == 0
        engine.plug_in(Car(7400, 60000, 0), T0)
        engine.advance(T0 + HOUR)
        assert engine.register_wh == 0

    def test_status_through_a_session(self):
        engine = Engine(W7.spec, T0)
        seen = [engine.status]
        engine.plug_in(Car(7400, 60000, 0), T0)
        seen.append(engine.status)
        engine.start_transaction(1, T0)
        seen.append(engine.status)
        engine.stop_transaction(T0 + HOUR)
        seen.append(engine.status)
        engine.unplug(T0 + HOUR)
        seen.append(engine.status)
        assert seen == ["Available", "Preparing", "Charging", "Finishing", "Available"]

    def test_unplugging_ends_the_transaction(self):
        engine = charging(W7)
        ended = engine.unplug(T0 + HOUR)
        assert ended.id == 7
        assert engine.transaction is None
        assert engine.register_wh == pytest.approx(7360)

    def test_reset_register_starts_again_from_zero(self):
        engine = charging(W7)
        engine.advance(T0 + HOUR)
        engine.reset_register()
        engine.advance(T0 + 2 * HOUR)
        assert engine.register_wh == pytest.approx(7360)


class TestClear:
    def test_by_id(self):
        engine = Engine(W7.spec, T0)
        engine.install(make_profile(id=1), T0)
        assert engine.clear(T0, profile_id=1)
        assert not engine.clear(T0, profile_id=1)

    def test_by_filters(self):
        engine = Engine(W7.spec, T0)
        engine.install(make_profile(id=1, stack_level=0), T0)
        engine.install(make_profile(id=2, stack_level=1), T0)
        engine.install(make_profile(id=3, purpose="ChargePointMaxProfile", connector_id=0), T0)
        assert engine.clear(T0, purpose="TxDefaultProfile", stack_level=1)
        assert sorted(engine.profiles) == [1, 3]
        assert not engine.clear(T0, connector_id=1, purpose="ChargePointMaxProfile")
        assert engine.clear(T0)
        assert engine.profiles == {}


class TestParsing:
    WIRE = {
        "chargingProfileId": 4,
        "stackLevel": 2,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Recurring",
        "recurrencyKind": "Daily",
        "validTo": "2025-02-01T00:00:00Z",
        "chargingSchedule": {
            "chargingRateUnit": "A",
            "startSchedule": "2025-01-06T22:00:00Z",
            "duration": 28800,
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.5, "numberPhases": 1}],
        },
    }

    def test_wire_form(self):
        profile = profile_from_ocpp(self.WIRE, 0)
        assert profile == Profile(
            id=4,
            stack_level=2,
            purpose="TxDefaultProfile",
            kind="Recurring",
            unit="A",
            periods=(Period(0, 16.5, 1),),
            connector_id=0,
            start_schedule=datetime(2025, 1, 6, 22, tzinfo=UTC),
            duration_s=28800,
            recurrency="Daily",
            valid_to=datetime(2025, 2, 1, tzinfo=UTC),
        )

    def test_snake_case_with_decimals_as_the_ocpp_package_hands_them(self):
        snake = {
            "charging_profile_id": 4,
            "stack_level": 2,
            "charging_profile_purpose": "TxDefaultProfile",
            "charging_profile_kind": "Absolute",
            "charging_schedule": {
                "charging_rate_unit": "W",
                "charging_schedule_period": [{"start_period": 0, "limit": Decimal("3680.0")}],
            },
        }
        assert profile_from_ocpp(snake, 1).periods == (Period(0, 3680.0),)

    def test_malformed_is_rejected(self):
        with pytest.raises(ProfileRejected, match="malformed"):
            profile_from_ocpp({"chargingProfileId": 1}, 1)
        with pytest.raises(ProfileRejected, match="malformed"):
            profile_from_ocpp(self.WIRE | {"chargingProfilePurpose": "Whatever"}, 1)
