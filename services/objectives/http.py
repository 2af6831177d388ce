"""The objectives service's HTTP operations, served by the gateway (see shared/operations.py)."""

from jouda.services.objectives import domain
from jouda.services.objectives.schemas import (
    DashboardSchema,
    IndicatorDetailSchema,
    IndicatorInputSchema,
    IndicatorSchema,
    MeasurementInputSchema,
    MeasurementSchema,
    ObjectiveChangesSchema,
    ObjectiveInputSchema,
    ObjectiveSchema,
    ObjectiveSummarySchema,
    ReportingSettingsSchema,
)
from jouda.shared.operations import PAGE, Operation, Page, text
from jouda.shared.vocabulary import COUNCIL_ROLES, OBJECTIVE_STATES, OBJECTIVE_STATUSES

COUNCIL = frozenset(COUNCIL_ROLES)
OBJECTIVE, INDICATOR = "/api/v1/objectives/{id}", "/api/v1/indicators/{id}"

OPERATIONS = (
    Operation(
        "POST",
        "/api/v1/objectives",
        "Set a quality objective under an orientation of the published policy",
        domain.EDITORS,
        call="objectives.create_objective",
        args=("body",),
        body=ObjectiveInputSchema,
        status=201,
        response=ObjectiveSchema,
    ),
    Operation(
        "GET",
        "/api/v1/objectives",
        "List objectives",
        COUNCIL,
        call="objectives.list_objectives",
        args=("orientation", "state", "status", "limit", "offset"),
        query=(text("orientation"), text("state", OBJECTIVE_STATES), text("status", OBJECTIVE_STATUSES), *PAGE),
        response=Page(ObjectiveSummarySchema),
    ),
    Operation(
        "GET",
        OBJECTIVE,
        "One objective with its indicators",
        COUNCIL,
        call="objectives.get_objective",
        args=("id",),
        response=ObjectiveSchema,
    ),
    Operation(
        "PATCH",
        OBJECTIVE,
        "Change an objective; `state` achieves, abandons (with a reason) or reopens it",
        domain.EDITORS,
        call="objectives.update_objective",
        args=("id", "body"),
        body=ObjectiveChangesSchema,
        response=ObjectiveSchema,
    ),
    Operation(
        "POST",
        f"{OBJECTIVE}/indicators",
        "Add an indicator to an objective",
        domain.EDITORS,
        call="objectives.add_indicator",
        args=("id", "body"),
        body=IndicatorInputSchema,
        status=201,
        response=IndicatorSchema,
    ),
    Operation(
        "GET",
        INDICATOR,
        "One indicator, its status, trend and last 12 values",
        COUNCIL,
        call="objectives.get_indicator",
        args=("id",),
        response=IndicatorDetailSchema,
    ),
    # Any council member may be an indicator's owner; the service lets the owner, process owners and
    # the quality managers report.
    Operation(
        "POST",
        f"{INDICATOR}/measurements",
        "Record a period's value (correction: true and a reason to replace one; the previous value is kept)",
        COUNCIL,
        call="objectives.record_measurement",
        args=("id", "body"),
        body=MeasurementInputSchema,
        status=201,
        response=MeasurementSchema,
    ),
    Operation(
        "GET",
        f"{INDICATOR}/measurements",
        "The indicator's measurements, newest period first, with their corrections",
        COUNCIL,
        call="objectives.list_measurements",
        args=("id", "limit", "offset"),
        query=PAGE,
        response=Page(MeasurementSchema),
    ),
    Operation(
        "GET",
        "/api/v1/dashboard",
        "The council's objectives by status per orientation, reporting completeness and late measurements",
        COUNCIL,
        call="objectives.dashboard",
        response=DashboardSchema,
    ),
    Operation(
        "GET",
        "/api/v1/reporting-settings",
        "The council's reporting settings",
        COUNCIL,
        call="objectives.reporting_settings",
        response=ReportingSettingsSchema,
    ),
    Operation(
        "PUT",
        "/api/v1/reporting-settings",
        "Change the grace delay before a measurement counts as late",
        domain.EDITORS,
        call="objectives.set_reporting_settings",
        args=("body",),
        body=ReportingSettingsSchema,
        response=ReportingSettingsSchema,
    ),
)
