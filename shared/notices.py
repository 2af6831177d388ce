"""What a service's events tell whom: declared by each service (its manifest's `notices`), read by
the notifications service, which knows no service by name.

- a Route per event type: who in the event's council is told (roles, everyone, the people a
  payload field names), whether the inbox is mandatory, and where the notification points;
  its words are the templates `templates/<language>/<event type>.txt` of the declaring service;
- a DeadlineKind per kind of item the service announces with `deadline.set`: how it is named in
  each language and which days before the due date are reminded;
- labels: the words its templates show for the codes its payloads carry (a status, say)."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Route:
    roles: tuple = ()  # every active user of these roles in the council
    everyone: bool = False  # every active user of the council
    payload_users: tuple = ()  # payload fields holding a user id (an owner) or a list of them
    mandatory: bool = False  # always reaches the inbox, whatever the preferences
    when: object = None  # payload -> bool: only some events of the type notify
    link: str = "/"  # where the notification points, formatted with the payload
    items: str | None = None  # a payload field listing items, each notified on its own
    # For a person who may not be in the council's list yet, or may not sign in (an invitation, a
    # password reset, a lock-out): an e-mail only, to the address of this payload field, in the
    # language of its `language` field; no inbox entry, no preference can stop it.
    address: str | None = None


@dataclass(frozen=True)
class DeadlineKind:
    labels: dict  # language -> how the kind is named ("objectif qualité")
    reminder_days: tuple = (30, 7, 1)  # days before the due date a reminder goes out (the nearest reached)


@dataclass(frozen=True)
class Notices:
    routes: dict = field(default_factory=dict)  # event type -> Route
    deadlines: dict = field(default_factory=dict)  # kind -> DeadlineKind
    # payload field -> language -> code -> words: a template shows `{<field>_label}` for the code
    labels: dict = field(default_factory=dict)
