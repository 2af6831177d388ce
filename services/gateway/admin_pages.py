"""The pages of a council's administration (its people, security log and settings) and of the
platform's (councils)."""

PAGES = ()
