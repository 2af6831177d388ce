"""The pages of nonconformities and actions, through their whole life cycle."""

PAGES = ()
