"""`make chaos`: every fault scenario against a whole stack under load, then one table.

    python -m tests.chaos [--load SECONDS] [--fault SECONDS] [--councils N] [--only NAME]

Needs what `make test` needs (RabbitMQ with rabbitmqctl, PostgreSQL); takes a database and a vhost
of its own, removed at the end, and leaves the services' logs in var/chaos/."""

import jouda  # noqa: F401 - first: its warning filters apply
import eventlet  # noqa: E402

eventlet.monkey_patch()

import argparse  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from tests.chaos.scenarios import SCENARIOS, run_scenario, table  # noqa: E402
from tests.chaos.stack import Stack  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.chaos", description=__doc__.splitlines()[0])
    parser.add_argument("--load", type=float, default=40.0, help="seconds of load per scenario")
    parser.add_argument("--fault", type=float, default=15.0, help="seconds each fault lasts")
    parser.add_argument("--councils", type=int, default=4, help="councils writing at once")
    parser.add_argument("--only", action="append", help="run only these scenarios (by name)")
    args = parser.parse_args(argv)
    folder = Path("var/chaos")
    shutil.rmtree(folder, ignore_errors=True)
    stack = Stack(folder)
    outcomes = []
    try:
        stack.start()
        for name, fault in SCENARIOS:
            if args.only and name not in args.only:
                continue
            print(f"{name}: {args.load:.0f} s of load, the fault for {args.fault:.0f} s ...", flush=True)
            outcomes.append(
                run_scenario(
                    stack, name, fault, councils=args.councils, load_seconds=args.load, fault_seconds=args.fault
                )
            )
            print(table(outcomes[-1:]).splitlines()[-1], flush=True)
    finally:
        stack.stop()
    print()
    print(table(outcomes))
    return 0 if all(o.lost == 0 and o.duplicates == 0 for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
