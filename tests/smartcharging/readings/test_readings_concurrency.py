"""Two workers sending at once never send the same reading."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction

from smartcharging.services.readings import readings_claim
from tests.factories import ReadingDeliveryFactory

NOW = dt.datetime(2027, 6, 1, 12, 0, tzinfo=dt.UTC)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time")
def test_a_worker_claiming_while_another_holds_its_claim_takes_other_rows():
    for _ in range(50):
        ReadingDeliveryFactory(interval_start=NOW - dt.timedelta(hours=1))
    first_claimed = threading.Event()
    second_done = threading.Event()
    claims = {}

    def first_worker():
        try:
            # The claim's own transaction is held open, so its row locks are still there.
            with transaction.atomic():
                claims["first"] = {row.id for row in readings_claim(now=NOW, batch_size=30)}
                first_claimed.set()
                assert second_done.wait(10)
        finally:
            connections.close_all()

    def second_worker():
        try:
            assert first_claimed.wait(10)
            claims["second"] = {row.id for row in readings_claim(now=NOW, batch_size=30)}
            second_done.set()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first_worker), threading.Thread(target=second_worker)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    assert len(claims["first"]) == 30
    assert len(claims["second"]) == 20
    assert not claims["first"] & claims["second"]
    # With both claims committed, nothing is due until the leases run out.
    assert readings_claim(now=NOW, batch_size=100) == []
