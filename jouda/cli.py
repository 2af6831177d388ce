"""`jouda`: run the services and administer tenants, users and tokens.

    jouda run [SERVICE ...] [--migrate] [--seed]   run services in the foreground (Ctrl-C stops)
    jouda migrate | seed                           bring databases up to date | seed the demo once
    jouda tenant add CODE --name NAME | tenant list | tenant regions
    jouda user add EMAIL --role ROLE [--tenant CODE] [--name NAME] [--lang fr|ar]
    jouda user list [--tenant CODE] | user deactivate EMAIL | user activate EMAIL
    jouda token create EMAIL [--tenant CODE] | token revoke (TOKEN | --user EMAIL [--tenant CODE])
    jouda dlq list | dlq replay QUEUE [--limit N]  dead-letter queues: what is parked, send it back
    jouda broker declare | broker users [--vhost V] the broker's topology; one user per service
    jouda broker retire [--force]                  delete the queues of consumers that no longer exist
    jouda resync [--tenant CODE] [--to SERVICE]    owners publish their data as it stands (catch-up)
    jouda deploy render [--check]                  the deploy files' service parts, from the manifests

The administration commands write straight to the gateway's database, so they work while
`make run` is running; the events they produce are relayed by the running gateway.
"""

import argparse
import logging
import re
import sys

from jouda.shared.config import Settings
from jouda.shared.errors import DomainError, ValidationFailed
from jouda.shared.vocabulary import ROLES


def _parser():
    parser = argparse.ArgumentParser(prog="jouda", description="Jouda quality management platform")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run services in the foreground")
    run.add_argument("services", nargs="*", help="default: every service")
    run.add_argument("--migrate", action="store_true", help="apply migrations first")
    run.add_argument("--seed", action="store_true", help="seed the demo on first start")
    commands.add_parser("migrate", help="apply every service's migrations")
    commands.add_parser("seed", help="seed the demo tenants, users and policy (once)")

    tenant = commands.add_parser("tenant", help="councils").add_subparsers(dest="action", required=True)
    add = tenant.add_parser("add")
    add.add_argument("code")
    add.add_argument("--name", help="default: the region's name, for a code of the catalogue")
    tenant.add_parser("list")
    tenant.add_parser("regions", help="the twelve regions offered as the catalogue")

    user = commands.add_parser("user", help="people").add_subparsers(dest="action", required=True)
    add = user.add_parser("add")
    add.add_argument("email")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--tenant")
    add.add_argument("--name")
    add.add_argument("--lang", default="fr", choices=("fr", "ar"))
    listing = user.add_parser("list")
    listing.add_argument("--tenant")
    for action in ("deactivate", "activate"):
        toggle = user.add_parser(action)
        toggle.add_argument("email")
        toggle.add_argument("--tenant")

    token = commands.add_parser("token", help="bearer tokens").add_subparsers(dest="action", required=True)
    create = token.add_parser("create", help="print a new token alone on stdout")
    create.add_argument("email")
    create.add_argument("--tenant")
    revoke = token.add_parser("revoke")
    revoke.add_argument("token", nargs="?")
    revoke.add_argument("--user", dest="email")
    revoke.add_argument("--tenant")

    dlq = commands.add_parser("dlq", help="dead-letter queues").add_subparsers(dest="action", required=True)
    dlq.add_parser("list", help="messages parked per consumer queue")
    replay = dlq.add_parser("replay", help="send parked messages back to their consumer")
    replay.add_argument("queue")
    replay.add_argument("--limit", type=int)
    broker = commands.add_parser("broker", help="the broker's topology and users").add_subparsers(
        dest="action", required=True
    )
    broker.add_parser("declare", help="declare every queue, binding and exchange (with an admin user)")
    users = broker.add_parser("users", help="print the rabbitmqctl commands creating one user per service")
    users.add_argument("--vhost", default="/")
    retire = broker.add_parser("retire", help="delete the queues of consumers that no longer exist (after an upgrade)")
    retire.add_argument("--force", action="store_true", help="even those still holding messages")
    resync = commands.add_parser(
        "resync",
        help="every service publishes its data as it stands, as snapshot "
        "events, so a consumer catches up (run with the services running)",
    )
    resync.add_argument("--tenant", help="one council only")
    resync.add_argument("--to", dest="to", help="only to this service's handlers (say, a new read model)")
    deploy = commands.add_parser("deploy", help="the deploy files").add_subparsers(dest="action", required=True)
    render = deploy.add_parser("render", help="write the deploy files' service parts from the manifests")
    render.add_argument("--check", action="store_true", help="only say which files are out of date (exit 1)")
    render.add_argument("--folder", default="deploy", help="the deploy folder (default: ./deploy)")
    return parser


def _broker(args, settings):
    from jouda import broker
    from jouda.runner import all_service_classes, declare_topology

    if args.action == "declare":
        if not declare_topology(all_service_classes(), settings):
            raise DomainError("This broker user may not declare every service's queues: use an admin user.")
        print("Broker topology declared.", file=sys.stderr)
        return
    if args.action == "retire":
        for name, outcome in broker.retire(settings, force=args.force) or [("-", "no retired queue here")]:
            print(f"{name}: {outcome}", file=sys.stderr)
        return
    print("\n".join(broker.user_commands(settings, args.vhost)))


def _dead_letters(args, settings):
    from jouda import dead_letters

    if args.action == "list":
        for name, count in dead_letters.parked(settings):
            print(f"{count:8} {name}")
        return
    moved = dead_letters.replay(settings, args.queue, args.limit)
    print(f"Sent {moved} message(s) back to {args.queue}.", file=sys.stderr)


def migrate_all(settings, services=None):
    from jouda import platform
    from jouda.shared.db import migrate

    for manifest in platform.manifests():
        if manifest.migrations is not None and (services is None or manifest.name in services):
            migrate(manifest.name, settings.database_url_for(manifest.name), manifest.migrations)


def _gateway_database(settings):
    from jouda.shared.db import Database

    return Database("gateway", settings.database_url_for("gateway"), pool_size=1)


def _admin(args, settings):
    from jouda.services.gateway import directory

    database = _gateway_database(settings)
    try:
        if args.command == "tenant":
            if args.action == "add":
                tenant = directory.add_tenant(database, args.code, args.name)
                print(f"Added tenant {tenant.code} ({tenant.name}).", file=sys.stderr)
            elif args.action == "list":
                for tenant in directory.list_tenants(database):
                    print(f"{tenant.code:32} {tenant.name}")
            else:
                from jouda.services.gateway.regions import REGIONS

                for code, name in REGIONS.items():
                    print(f"{code:32} {name}")
        elif args.command == "user":
            if args.action == "add":
                user = directory.add_user(
                    database, args.email, args.role, tenant=args.tenant, name=args.name, language=args.lang
                )
                print(
                    f"Added {user.role} {user.email}" + (f" to {user.tenant_id}." if user.tenant_id else "."),
                    file=sys.stderr,
                )
            elif args.action == "list":
                for user in directory.list_users(database, args.tenant):
                    state = "active" if user.active else "deactivated"
                    print(f"{user.tenant_id or '-':28} {user.role:16} {user.email:45} {state}")
            else:
                user = directory.set_user_active(database, args.email, args.action == "activate", tenant=args.tenant)
                print(f"{user.email} is now {'active' if user.active else 'deactivated'}.", file=sys.stderr)
        elif args.command == "token":
            if args.action == "create":
                print(directory.create_token(database, args.email, tenant=args.tenant))
            else:
                if not args.token and not args.email:
                    raise ValidationFailed("Give the token to revoke, or --user EMAIL to revoke all of a user's.")
                count = directory.revoke_token(database, args.token, email=args.email, tenant=args.tenant)
                print(f"Revoked {count} token(s).", file=sys.stderr)
    finally:
        database.dispose()


def _seed_with_services(settings):
    """`jouda seed`: the services run in this process for as long as seeding takes (beside any other
    running copy: they share the queues), on ports of their own."""
    import dataclasses
    import eventlet

    eventlet.monkey_patch()
    from jouda.platform import SERVICES
    from jouda.runner import Runner
    from jouda.seed import seed

    runner = Runner(list(SERVICES), dataclasses.replace(settings, http_port=0, metrics_port=0))
    runner.start()
    try:
        if not seed(settings, out=lambda text: print(text, file=sys.stderr)):
            print("Already seeded: councils exist.", file=sys.stderr)
    finally:
        runner.stop()


def _run(args, settings):
    import eventlet

    eventlet.monkey_patch()  # before anything opens a socket
    import signal
    from jouda.platform import SERVICES
    from jouda.runner import Runner
    from jouda.seed import demo_tokens, seed

    names = args.services or list(SERVICES)
    unknown = [name for name in names if name not in SERVICES]
    if unknown:
        raise SystemExit(f"error: unknown service(s) {', '.join(unknown)}; known: {', '.join(SERVICES)}")
    if args.migrate:
        migrate_all(settings)
    runner = Runner(names, settings)
    signal.signal(signal.SIGTERM, lambda *_: eventlet.spawn_n(runner.stop))
    runner.start()
    if args.seed:  # through the running services: each step's events are applied before the next
        seed(settings, out=lambda text: print(text, file=sys.stderr))
    base = f"http://{settings.http_host}:{settings.http_port}"
    print(f"\nJouda is running: {', '.join(names)}", flush=True)
    if "gateway" in names:
        print(f"  API       {base}/api/v1   (OpenAPI: {base}/api/v1/openapi.json)")
        print(f"  health    {base}/healthz   {base}/readyz")
    print(f"  metrics   http://{settings.metrics_host}:{settings.metrics_port}/metrics")
    if "notifications" in names:
        where = settings.smtp_url or f"maildir://{(settings.var_dir / 'mail').resolve()}"
        shown = re.sub(r"://([^:@/]*):[^@/]*@", r"://\1:***@", where)  # never the password
        print(f"  e-mail    {shown}")
    tokens = demo_tokens(settings) if args.seed else None
    if tokens:
        print(f"\nDemo users, their passwords and tokens (also in {settings.var_dir / 'demo-tokens.txt'}):\n{tokens}")
        first = tokens.splitlines()[0].split()[-1]
        ministry = next((line.split()[-1] for line in tokens.splitlines() if line.startswith("ministry")), None)
        print(f"Try: curl -H 'Authorization: Bearer {first}' {base}/api/v1/policies/current")
        print(f"     curl -H 'Authorization: Bearer {first}' {base}/api/v1/dashboard")
        email, password = tokens.splitlines()[0].split()[2:4]
        print(
            f"     curl -c var/cookies -H 'Content-Type: application/json' {base}/api/v1/auth/sign-in "
            f'-d \'{{"email": "{email}", "password": "{password}"}}\''
        )
        if ministry:
            print(f"     curl -H 'Authorization: Bearer {ministry}' '{base}/api/v1/ministry/overview?format=csv'")
    print("\nCtrl-C stops.", flush=True)
    runner.wait()


def main(argv=None):
    args = _parser().parse_args(argv)
    settings = Settings.from_env()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        if args.command == "run":
            _run(args, settings)
        elif args.command == "migrate":
            migrate_all(settings)
            print("Migrations applied.", file=sys.stderr)
        elif args.command == "dlq":
            _dead_letters(args, settings)
        elif args.command == "broker":
            _broker(args, settings)
        elif args.command == "deploy":
            from pathlib import Path
            from jouda import deploy

            folder = Path(args.folder)
            changed = deploy.stale(folder, settings) if args.check else deploy.write(folder, settings)
            for path in changed:
                print(("out of date: " if args.check else "rendered: ") + path, file=sys.stderr)
            return 1 if args.check and changed else 0
        elif args.command == "resync":
            from jouda.resync import resync

            resync(settings, tenant=args.tenant, to=args.to, out=lambda text: print(text, file=sys.stderr))
        elif args.command == "seed":
            migrate_all(settings)
            _seed_with_services(settings)
        else:
            migrate_all(settings, ["gateway"])
            _admin(args, settings)
    except DomainError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())


def console():
    sys.exit(main())
