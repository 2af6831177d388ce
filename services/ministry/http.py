"""The ministry service's HTTP operations, served by the gateway (see shared/operations.py)."""

from jouda.services.ministry.domain import KEEPERS
from jouda.services.ministry.schemas import (
    CatalogueEntryInputSchema,
    CatalogueEntrySchema,
    NationalIndicatorSchema,
    OverviewSchema,
)
from jouda.shared.operations import CsvView, Listing, Operation
from jouda.shared.vocabulary import COUNCIL_ROLES

OVERVIEW_COLUMNS = (
    "tenant",
    "name",
    "policy_published",
    "policy_version",
    "policy_published_at",
    "acknowledgement_rate",
    "objectives",
    "on_track",
    "at_risk",
    "off_track",
    "no_data",
    "achieved",
    "abandoned",
    "reported_periods",
    "due_periods",
    "reporting_completeness",
    "completeness_as_of",
)
NATIONAL_INDICATOR_COLUMNS = (
    "tenant",
    "name",
    "indicator_id",
    "latest_period",
    "latest_value",
    "unit",
    "baseline",
    "target",
    "status",
    "trend",
)

OPERATIONS = (
    Operation(
        "GET",
        "/api/v1/catalogue",
        "The national indicator catalogue (read only)",
        frozenset(COUNCIL_ROLES),
        call="ministry.catalogue",
        name="council_catalogue",
        response=Listing(CatalogueEntrySchema),
    ),
    Operation(
        "GET",
        "/api/v1/ministry/catalogue",
        "The national indicator catalogue",
        KEEPERS,
        call="ministry.catalogue",
        name="ministry_catalogue",
        response=Listing(CatalogueEntrySchema),
    ),
    Operation(
        "POST",
        "/api/v1/ministry/catalogue",
        "Add a national indicator",
        KEEPERS,
        call="ministry.add_catalogue_entry",
        args=("body",),
        body=CatalogueEntryInputSchema,
        status=201,
        response=CatalogueEntrySchema,
    ),
    Operation(
        "GET",
        "/api/v1/ministry/overview",
        "One row per council: policy, acknowledgement rate, objectives by status, reporting completeness",
        KEEPERS,
        call="ministry.overview",
        name="ministry_overview",
        raw=True,
        response=OverviewSchema,
        csv=CsvView(
            "jouda-overview.csv",
            OVERVIEW_COLUMNS,
            rows=lambda document: [{**row, **row["objectives_by_status"]} for row in document["items"]],
        ),
    ),
    Operation(
        "GET",
        "/api/v1/ministry/indicators/{code}",
        "Each council's latest value, target, status and trend on a national indicator",
        KEEPERS,
        call="ministry.national_indicator",
        args=("code",),
        raw=True,
        name="ministry_indicator",
        response=NationalIndicatorSchema,
        csv=CsvView("jouda-{code}.csv", NATIONAL_INDICATOR_COLUMNS, rows=lambda document: document["items"]),
    ),
)
