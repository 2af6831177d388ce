"""The fault scenarios of `make chaos`, shorter: a whole stack (one process per service, the broker
and the database behind TCP proxies, a real SMTP server) under a steady write load while the
broker or the database is cut, SMTP is down, a service is killed with SIGKILL, or slow clients
hold connections. Nothing accepted is lost, nothing is done or sent twice."""

import pytest

from tests.chaos.scenarios import SCENARIOS, run_scenario, table
from tests.chaos.stack import Stack

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    running = Stack(tmp_path_factory.mktemp("chaos")).start()
    yield running
    running.stop()


@pytest.mark.parametrize("name,fault", SCENARIOS, ids=[name for name, _ in SCENARIOS])
def test_nothing_accepted_is_lost_or_doubled(stack, name, fault):
    outcome = run_scenario(stack, name, fault, councils=2, load_seconds=6.0, fault_seconds=2.5, settle_seconds=60.0)
    shown = table([outcome])
    assert outcome.accepted > 0, shown
    assert outcome.persisted == outcome.accepted, shown
    assert outcome.events_consumed == outcome.events_emitted == outcome.accepted, shown
    assert outcome.emails_received == outcome.emails_expected == outcome.accepted, shown
    assert (outcome.duplicates, outcome.lost) == (0, 0), shown
    # Only a dispatcher killed between the SMTP server's acceptance and its outcome's commit sends a
    # delivery twice, as the same message (same Message-ID); one kill, one such window at most.
    assert outcome.resent <= (1 if name == "notifications SIGKILL" else 0), shown
