"""Notifications: in-app inbox, e-mail and signed webhooks, reminders and escalation, in fr/ar."""

from jouda.shared.manifest import Manifest

MANIFEST = Manifest(
    name="notifications",
    service="jouda.services.notifications.service:NotificationsService",
    summary="the inbox, e-mail and webhooks, reminders and escalation, in French and Arabic",
    operations="jouda.services.notifications.http:OPERATIONS",
    pages="jouda.services.notifications.pages:PAGES",
    deploy_notes="E-mail goes out through the SMTP URL of the Secret jouda-smtp (it may hold the relay's password,\n"
    "so only this Deployment reads it); webhooks are POSTed to the councils' URLs. Allow egress to the\n"
    "relay (587/465) and to the Internet (443/80).\n"
    "Safe with several replicas: the dispatchers share the delivery log through FOR UPDATE SKIP\n"
    "LOCKED; the hourly reminder timer works council by council and skips the items another replica\n"
    "holds, and each reminder is recorded once; the digest timer records each person's digest day.\n",
    # Required in Kubernetes: without it e-mails would go to a maildir inside the container and be lost.
    secret_environment=(("JOUDA_SMTP_URL", "jouda-smtp"),),
    # The compose stack's mail catcher (read the e-mails at http://localhost:8025).
    compose_environment=(
        ("JOUDA_SMTP_URL", "smtp://mailpit:1025"),
        ("JOUDA_MAIL_FROM", '"Jouda <no-reply@jouda.local>"'),
        ("JOUDA_PUBLIC_URL", "http://localhost:8000"),
        ("JOUDA_WEBHOOK_ALLOW_PRIVATE", '"false"'),
        ("JOUDA_DELIVERY_RETRY_BASE_SECONDS", '"5"'),
    ),
)
