from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection, transaction

from portal.models import Sequence
from portal.sequences import sequence_next

pytestmark = pytest.mark.django_db


def test_counter_starts_at_one_and_increments():
    assert [sequence_next("letters-2026") for _ in range(3)] == [1, 2, 3]
    assert sequence_next("permits") == 1
    assert Sequence.objects.get(name="letters-2026").value == 3


def test_a_rolled_back_caller_gives_its_number_back():
    sequence_next("letters")
    with pytest.raises(RuntimeError), transaction.atomic():
        assert sequence_next("letters") == 2
        raise RuntimeError
    assert sequence_next("letters") == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_callers_never_share_a_number(postgres_only):
    results: list[int] = []
    lock = threading.Lock()

    def take() -> None:
        try:
            for _ in range(25):
                with transaction.atomic():
                    value = sequence_next("raced")
                with lock:
                    results.append(value)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=take) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == list(range(1, 101))
